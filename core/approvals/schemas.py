from marshmallow import Schema, fields, validate

from core.approvals.models import STATUSES


class ApplicationSchema(Schema):
    id = fields.Integer(dump_only=True)
    application_no = fields.String(dump_only=True)
    member_id = fields.Integer()
    tier_key = fields.String()
    spending_power = fields.String()
    potential = fields.String()
    need = fields.String()
    applicant = fields.String()
    status = fields.String(metadata={"description": "submitted | first_approved | approved | rejected"})
    first_by = fields.String(allow_none=True)
    first_opinion = fields.String(allow_none=True)
    first_at = fields.DateTime(allow_none=True)
    final_by = fields.String(allow_none=True)
    final_opinion = fields.String(allow_none=True)
    final_at = fields.DateTime(allow_none=True)
    announcer = fields.String(allow_none=True)
    rejected_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class NewApplicationSchema(Schema):
    member_id = fields.Integer(required=True, strict=True)
    tier_key = fields.String(required=True, validate=validate.Length(min=1, max=32))
    spending_power = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                                   metadata={"description": "消费实力描述"})
    potential = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                              metadata={"description": "消费潜力描述"})
    need = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                         metadata={"description": "资格需求描述"})


class ApplicationDecisionSchema(Schema):
    approve = fields.Boolean(required=True)
    opinion = fields.String(validate=validate.Length(max=2000), metadata={"description": "Required to approve"})
    reason = fields.String(validate=validate.Length(max=500), metadata={"description": "Required to reject"})


class FinalDecisionSchema(ApplicationDecisionSchema):
    announcer = fields.String(validate=validate.Length(max=120),
                              metadata={"description": "Who tells the customer (required to approve)"})


class ApplicationListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    member_id = fields.Integer()


class RevocationRowSchema(Schema):
    member_id = fields.Integer()
    member_no = fields.String()
    name = fields.String()
    tier_key = fields.String()
    application_no = fields.String()
    approved_at = fields.DateTime()


class RevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
