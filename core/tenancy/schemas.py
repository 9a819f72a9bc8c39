from marshmallow import Schema, fields, validate

from core.tenancy.models import LOCALES


class TenantSchema(Schema):
    slug = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    timezone = fields.String(required=True, validate=validate.Length(max=64))
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    default_locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    enabled_domains = fields.List(fields.String(validate=validate.Length(max=32)), required=True)
    status = fields.String(dump_only=True)


class TenantPatchSchema(TenantSchema):
    class Meta:
        partial = True


class DomainSchema(Schema):
    key = fields.String()
    name = fields.String()
    enabled = fields.Boolean()
