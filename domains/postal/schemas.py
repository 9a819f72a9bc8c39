from marshmallow import Schema, fields, validate

from domains.postal.hotline import HOTLINE_KINDS
from domains.postal.models import RULE_LEVELS, SERVICES
from domains.postal.services import DEPARTMENTS


class CadencesSchema(Schema):
    """Days between visits per tier key, e.g. {"svip": 30, "vip": 91}."""
    cadences = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=32)),
                           values=fields.Integer(strict=True, validate=validate.Range(min=1, max=366)),
                           required=True)


class PlanSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(dump_only=True)
    year = fields.Integer(required=True, metadata={"description": "2000 to 2100"})
    needs = fields.String(allow_none=True, validate=validate.Length(max=4000))
    services = fields.List(fields.String(validate=validate.OneOf(SERVICES)), load_default=list)
    goals = fields.String(allow_none=True, validate=validate.Length(max=4000))
    yearly_goal_fen = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    updated_at = fields.DateTime(dump_only=True)
    updated_by = fields.String(dump_only=True)


class PriceSchema(Schema):
    id = fields.Integer(dump_only=True)
    plan_id = fields.Integer(dump_only=True)
    service = fields.String(required=True, validate=validate.OneOf(SERVICES))
    item = fields.String(required=True, validate=validate.Length(min=1, max=120))
    rule_level = fields.String(required=True, validate=validate.OneOf(RULE_LEVELS))
    rule_ref = fields.String(allow_none=True, validate=validate.Length(max=120))
    list_price_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    agreed_price_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    # required, checked by the rule after the client is found (a stranger's client answers 404 first)
    valid_from = fields.Date(load_default=None)
    valid_until = fields.Date(load_default=None)


class PlanningSchema(Schema):
    start = fields.Date(required=True, metadata={"example": "2027-01-01"})
    end = fields.Date(required=True, metadata={"example": "2027-03-31"})


class PlanningResultSchema(Schema):
    planned = fields.Integer()


class NewVisitSchema(Schema):
    member_id = fields.Integer(required=True, strict=True)
    planned_on = fields.Date(required=True)


class RescheduleSchema(Schema):
    planned_on = fields.Date(load_default=None, metadata={"description": "The new day (not with cancel)"})
    cancel = fields.Boolean(load_default=False)


class PromiseInSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=500))
    department = fields.String(required=True, validate=validate.OneOf(DEPARTMENTS))
    due_on = fields.Date(required=True)


class PromiseSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    department = fields.String()
    due_at = fields.DateTime()
    task_id = fields.Integer(allow_none=True)
    manager_id = fields.Integer()


class VisitLogSchema(Schema):
    visited_at = fields.AwareDateTime(required=True, metadata={"example": "2026-11-25T10:00:00+08:00"})
    place = fields.String(allow_none=True, validate=validate.Length(max=200))
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=80))
    needs_found = fields.String(allow_none=True, validate=validate.Length(max=4000))
    next_step = fields.String(allow_none=True, validate=validate.Length(max=4000))
    promises = fields.List(fields.Nested(PromiseInSchema), load_default=list, validate=validate.Length(max=20))


class VisitSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    manager_id = fields.Integer()
    planned_on = fields.Date()
    status = fields.String()
    source = fields.String()
    visited_at = fields.DateTime(allow_none=True)
    place = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    needs_found = fields.String(allow_none=True)
    next_step = fields.String(allow_none=True)
    promises = fields.List(fields.Nested(PromiseSchema), dump_only=True)


class VisitQuerySchema(Schema):
    manager_id = fields.Integer(load_default=None)
    status = fields.String(load_default="planned", validate=validate.OneOf(("planned", "done", "cancelled")))
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)


class CalendarLinkSchema(Schema):
    manager_id = fields.Integer(load_default=None, metadata={"description": "The lead may name a manager"})


class CalendarLinkOutSchema(Schema):
    url = fields.String()


class PhoneSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=40))


class CallerSchema(Schema):
    member_id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    tier_key = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    manager_id = fields.Integer(allow_none=True)
    manager_name = fields.String(allow_none=True)


class HotlineRequestSchema(Schema):
    member_id = fields.Integer(required=True, strict=True)
    kind = fields.String(required=True, validate=validate.OneOf(HOTLINE_KINDS))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    detail = fields.String(allow_none=True, validate=validate.Length(max=4000))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))


class RequestOutSchema(Schema):
    id = fields.Integer()
    request_no = fields.String()
    kind = fields.String()
    priority = fields.Integer()
    due_at = fields.DateTime()
    assignee_id = fields.Integer(allow_none=True)


class StationSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(required=True, strict=True)
    staff_id = fields.Integer(required=True, strict=True)
    location = fields.String(required=True, validate=validate.Length(min=1, max=200))
    weekdays = fields.List(fields.Integer(validate=validate.Range(min=1, max=7)), required=True)
    opens = fields.String(required=True)
    closes = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)


class StationLogSchema(Schema):
    id = fields.Integer(dump_only=True)
    day = fields.Date(load_default=None, metadata={"description": "Required: the day on site"})
    items_handled = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))
    needs = fields.String(allow_none=True, validate=validate.Length(max=4000))
    notes = fields.String(allow_none=True, validate=validate.Length(max=4000))
    author = fields.String(dump_only=True)


class HolidaySchema(Schema):
    day = fields.Date(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))


class EventSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    starts_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    capacity = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))


class InviteSchema(Schema):
    segment_id = fields.Integer(required=True, strict=True)


class InvitedSchema(Schema):
    invited = fields.Integer()


class AttendanceSchema(Schema):
    member_id = fields.Integer(required=True, strict=True)
    attended = fields.Boolean(load_default=True)
