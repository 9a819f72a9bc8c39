from marshmallow import Schema, fields, validate

from domains.hotel.protocol import LEVELS
from domains.hotel.services import REQUEST_SOURCES


class PmsStaySchema(Schema):
    """A stay as the PMS sends it: once by its reservation number."""
    reservation_no = fields.String(required=True, validate=validate.Length(min=1, max=40))
    guest_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    arrival_at = fields.AwareDateTime(required=True, metadata={"example": "2026-11-25T18:00:00+08:00"})
    departure_at = fields.AwareDateTime(allow_none=True)
    meal_at = fields.AwareDateTime(allow_none=True, metadata={"description": "A private-room meal, if any"})
    room_no = fields.String(allow_none=True, validate=validate.Length(max=20))
    requested_level = fields.String(allow_none=True, validate=validate.OneOf(LEVELS))
    request_source = fields.String(allow_none=True, validate=validate.OneOf(REQUEST_SOURCES))
    special_needs = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ReceptionStepSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    department = fields.String()
    signers = fields.List(fields.String())
    depends_on = fields.List(fields.String())
    due_at = fields.DateTime(allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    signed_by = fields.String(allow_none=True)
    late = fields.Boolean(allow_none=True)
    title = fields.String(allow_none=True)
    assignee_name = fields.String(allow_none=True)


class VipStaySchema(Schema):
    id = fields.Integer()
    reservation_no = fields.String(allow_none=True)
    guest_name = fields.String()
    room_no = fields.String(allow_none=True)
    arrival_at = fields.DateTime()
    departure_at = fields.DateTime(allow_none=True)
    meal_at = fields.DateTime(allow_none=True)
    departed_at = fields.DateTime(allow_none=True)
    level = fields.String(allow_none=True)
    level_status = fields.String()
    requested_level = fields.String(allow_none=True)
    status = fields.String()
    amenities = fields.List(fields.String(), allow_none=True)
    steps = fields.List(fields.Nested(ReceptionStepSchema), dump_only=True)


class LevelDecisionSchema(Schema):
    approve = fields.Boolean(load_default=True)
    level = fields.String(allow_none=True, validate=validate.OneOf(LEVELS))


class ArrivalMoveSchema(Schema):
    arrival_at = fields.AwareDateTime(required=True)


class ActualDepartureSchema(Schema):
    departed_at = fields.AwareDateTime(required=True)
