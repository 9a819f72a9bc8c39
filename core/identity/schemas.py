from marshmallow import Schema, fields, validate

from core.identity.models import ROLES


class StaffSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Function(lambda m: m.user.email, dump_only=True)
    name = fields.Function(lambda m: m.user.name, dump_only=True)
    role = fields.String()
    positions = fields.List(fields.String())
    active = fields.Boolean()
    invitation_pending = fields.Function(lambda m: m.user.password_hash is None, dump_only=True)


class StaffCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(load_default="staff", validate=validate.OneOf(ROLES))
    positions = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list)


class StaffPatchSchema(Schema):
    role = fields.String(validate=validate.OneOf(ROLES))
    positions = fields.List(fields.String(validate=validate.Length(max=64)))
    active = fields.Boolean()


class ApiKeySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    prefix = fields.String(dump_only=True)
    role = fields.String(load_default="staff", validate=validate.OneOf(ROLES[:3]))
    created_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True)


class NewApiKeySchema(ApiKeySchema):
    key = fields.String(dump_only=True, metadata={"description": "The key itself: shown only in this answer"})
