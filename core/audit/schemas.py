from marshmallow import Schema, fields


class AuditEntrySchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    actor = fields.String(attribute="actor_label")
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    before = fields.Raw()
    after = fields.Raw()
