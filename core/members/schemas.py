from marshmallow import Schema, fields, validate

from core.members.models import CONTACT_CHANNELS, GENDERS, MEMBER_KINDS
from core.members.services import mask_phone


class MemberSummarySchema(Schema):
    """What a lookup shows: enough to pick the right person, not the full profile."""

    id = fields.Integer()
    member_no = fields.String(metadata={"example": "M0000012"})
    name = fields.String(metadata={"example": "张丽"})
    phone_masked = fields.Function(lambda m: mask_phone(m.phone), metadata={"example": "138****5678"})
    birthday_md = fields.Function(lambda m: m.birthday.strftime("%m-%d") if m.birthday else None)
    tier_key = fields.String(allow_none=True)
    points_balance = fields.Integer()


class MemberSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_no = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80), metadata={"example": "张丽"})
    kind = fields.String(validate=validate.OneOf(MEMBER_KINDS), metadata={
        "description": "person, or company (a corporate client reached through its registered contacts)"})
    gender = fields.String(validate=validate.OneOf(GENDERS))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30), metadata={"example": "138 1234 5678"})
    birthday = fields.Date(allow_none=True, metadata={"example": "1988-03-14"})
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    id_number = fields.String(load_only=True, allow_none=True, validate=validate.Length(max=40),
                              metadata={"description": "Stored masked but for the last 4; never returned"})
    id_number_masked = fields.String(dump_only=True)
    preferences = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                              values=fields.String(validate=validate.Length(max=200)),
                              metadata={"example": {"size": "M", "colour": "藏青"}})
    job = fields.String(allow_none=True, validate=validate.Length(max=120))
    family = fields.String(allow_none=True, validate=validate.Length(max=300))
    personality = fields.String(allow_none=True, validate=validate.Length(max=300))
    hobbies = fields.String(allow_none=True, validate=validate.Length(max=300))
    contact_channel = fields.String(validate=validate.OneOf(CONTACT_CHANNELS))
    promotions_consent = fields.Boolean()
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    first_purchase_at = fields.DateTime(dump_only=True)
    last_purchase_at = fields.DateTime(dump_only=True)
    registered_at = fields.DateTime(dump_only=True)
    tier_key = fields.String(dump_only=True)
    tier_since = fields.DateTime(dump_only=True)
    points_balance = fields.Integer(dump_only=True)
    client_manager_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "The staff membership of the client's manager (客户经理), if any"})


class MemberPatchSchema(MemberSchema):
    class Meta:
        partial = True


class LookupArgsSchema(Schema):
    card = fields.String(validate=validate.Length(max=32), metadata={"description": "Card number (scanned)"})
    phone = fields.String(validate=validate.Length(max=30))
    name = fields.String(validate=validate.Length(max=80))
    birthday = fields.Date(metadata={"description": "Breaks ties between members of the same name"})


class LookupResultSchema(Schema):
    matched_by = fields.String(metadata={"description": "card, phone, name, name+birthday, birthday or none"})
    members = fields.List(fields.Nested(MemberSummarySchema))


class AccessLogSchema(Schema):
    created_at = fields.DateTime()
    actor = fields.String(attribute="actor_label")
    purpose = fields.String()


class CardSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(dump_only=True)
    number = fields.String(required=True, validate=validate.Length(min=4, max=32))
    kind = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    issued_at = fields.DateTime(dump_only=True)
    valid_until = fields.DateTime(dump_only=True)
    void_reason = fields.String(dump_only=True)


class ReplaceCardSchema(Schema):
    new_number = fields.String(required=True, validate=validate.Length(min=4, max=32))
    id_number_shown = fields.String(allow_none=True, validate=validate.Length(max=40))


class MemberContactSchema(Schema):
    """A registered contact of a company client (对公客户联系人)."""

    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80), metadata={"example": "王建国"})
    phone = fields.String(required=True, validate=validate.Length(min=1, max=30), metadata={"example": "13912345678"})
    title = fields.String(allow_none=True, validate=validate.Length(max=80), metadata={"example": "行政主管"})
