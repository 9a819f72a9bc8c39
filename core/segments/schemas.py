from marshmallow import Schema, fields, validate

from core.segments.services import NOTICE_KINDS, DefinitionSchema


class SegmentRequestSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    definition = fields.Nested(DefinitionSchema, required=True)


class SegmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    definition = fields.Dict(metadata={"description": "As stored (see the request schema)"})
    created_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    members = fields.Integer(dump_only=True, metadata={"description": "How many members it selects now"})


class SegmentMemberSchema(Schema):
    id = fields.Integer()
    member_no = fields.String()
    name = fields.String()
    tier_key = fields.String(allow_none=True)
    contact_channel = fields.String()
    promotions_consent = fields.Boolean()


class NoticeRequestSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(NOTICE_KINDS),
                         metadata={"description": "promotion: only members who agreed to promotions"})
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class NoticeSchema(Schema):
    id = fields.Integer()
    segment_id = fields.Integer(allow_none=True)
    kind = fields.String()
    subject = fields.String()
    queued = fields.Integer()
    skipped = fields.Integer()
    created_at = fields.DateTime()


class DeliverySchema(Schema):
    member_id = fields.Integer()
    channel = fields.String()
    status = fields.String()
    skip_reason = fields.String(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
