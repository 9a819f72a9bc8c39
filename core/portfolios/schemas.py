from marshmallow import Schema, fields, validate


class AssignManagerSchema(Schema):
    manager_id = fields.Integer(required=True, metadata={"description": "The staff membership id of the manager"})
    position = fields.String(required=True, validate=validate.Length(min=3, max=64),
                             metadata={"example": "bank.client_manager"})
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class HandOverSchema(Schema):
    position = fields.String(required=True, validate=validate.Length(min=3, max=64),
                             metadata={"example": "postal.client_manager"})
    to_manager_id = fields.Integer(allow_none=True, load_default=None, metadata={
        "description": "Who takes every client; leave out to spread them over the other managers, fewest first"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300),
                           metadata={"example": "调离岗位"})


class HandOverResultSchema(Schema):
    moved = fields.Integer(metadata={"description": "How many clients changed hands"})
    to = fields.Dict(keys=fields.String(), values=fields.Integer(),
                     metadata={"description": "member id → the new manager's membership id"})


class ManagerOfSchema(Schema):
    member_id = fields.Integer(attribute="id")
    client_manager_id = fields.Integer(allow_none=True)


class ManagerChangeSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    from_manager_id = fields.Integer(allow_none=True)
    to_manager_id = fields.Integer(allow_none=True)
    kind = fields.String(metadata={"description": "assign or hand_over"})
    reason = fields.String(allow_none=True)
    changed_at = fields.DateTime()
    actor = fields.String(attribute="actor_label")
