from marshmallow import Schema, fields, validate


class TaskSchema(Schema):
    id = fields.Integer()
    position = fields.String(allow_none=True)
    member_id = fields.Integer(allow_none=True)
    subject = fields.String()
    detail = fields.String(allow_none=True)
    due_at = fields.DateTime()
    status = fields.String()
    source = fields.String()
    done_at = fields.DateTime(allow_none=True)
    done_by = fields.String(allow_none=True)
    done_note = fields.String(allow_none=True)


class TaskArgsSchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "done")))


class DoneSchema(Schema):
    note = fields.String(validate=validate.Length(max=500))
