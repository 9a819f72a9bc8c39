from marshmallow import Schema, fields, validate

from core.service.models import CHANNELS, COMPLAINT_STEPS, STATUSES
from core.service.services import STATUS_LABELS, STEP_LABELS, is_overdue, kind_label

_ID = validate.Range(min=1, max=2**31 - 1)
_HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="A time of day as HH:MM, e.g. 09:00.")


class ComplaintStepSchema(Schema):
    key = fields.String(metadata={"description": "One of the nine steps of 002, in order",
                                  "enum": list(COMPLAINT_STEPS), "example": "listen"})
    label = fields.Function(lambda s: str(STEP_LABELS.get(s["key"], s["key"])), metadata={"example": "倾听"})
    done = fields.Function(lambda s: bool(s.get("ticked_at")))
    ticked_at = fields.String(allow_none=True, metadata={"description": "When the step was ticked (ISO 8601, UTC)"})
    ticked_by = fields.String(allow_none=True, metadata={"example": "staff@hotel.example"})
    note = fields.String(allow_none=True)


class ServiceRequestEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime(attribute="created_at")
    action = fields.String(metadata={"description": "created, status, assigned or step", "example": "status"})
    from_status = fields.String(allow_none=True, metadata={"example": "open"})
    to_status = fields.String(metadata={"example": "in_progress"})
    note = fields.String(allow_none=True, metadata={"example": "已致电客户"})
    actor = fields.String(attribute="actor_label", metadata={"example": "staff@hotel.example"})


class ServiceRequestSummarySchema(Schema):
    """A service request (服务工单) in a list: its due time, assignee and complaint steps."""

    id = fields.Integer()
    request_no = fields.String(metadata={"example": "SR0000012"})
    kind = fields.String(metadata={"example": "complaint"})
    kind_label = fields.Function(lambda r: str(kind_label(r.kind)), metadata={"example": "投诉"})
    channel = fields.String(metadata={"example": "hotline"})
    subject = fields.String(metadata={"example": "客房空调噪音"})
    detail = fields.String(allow_none=True)
    member_id = fields.Integer(allow_none=True)
    tier_key = fields.String(allow_none=True, metadata={"description": "The member's tier when the request came in",
                                                        "example": "svip"})
    priority = fields.Integer(metadata={"description": "1 (highest) to 5, from the tier's benefits", "example": 1})
    response_minutes = fields.Integer(allow_none=True, metadata={
        "description": "The tier's promised response time in working minutes (null: next working day)",
        "example": 30})
    received_at = fields.DateTime()
    due_at = fields.DateTime(metadata={"description": "Answer by this time (UTC), from the response time "
                                                      "counted in the tenant's working hours"})
    overdue = fields.Function(is_overdue, metadata={"description": "Still open and past its due time"})
    status = fields.String(metadata={"enum": list(STATUSES), "example": "open"})
    status_label = fields.Function(lambda r: str(STATUS_LABELS.get(r.status, r.status)), metadata={"example": "待处理"})
    assignee_id = fields.Integer(allow_none=True, metadata={"description": "Membership id of the staff member"})
    assignee_name = fields.Function(lambda r: r.assignee.user.name if r.assignee is not None else None)
    created_by = fields.String()
    created_at = fields.DateTime()
    responded_at = fields.DateTime(allow_none=True, metadata={"description": "When it first left open"})
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    complaint_steps = fields.List(fields.Nested(ComplaintStepSchema), allow_none=True,
                                  metadata={"description": "Complaints only: the nine steps, each with who and when"})


class ServiceRequestSchema(ServiceRequestSummarySchema):
    """A service request (服务工单) with its due time, assignee, complaint steps and history."""

    events = fields.List(fields.Nested(ServiceRequestEventSchema), metadata={"description": "The history, oldest first"})


class ServiceRequestCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=32), metadata={
        "description": "consultation, complaint, claim, delivery, visit, follow_up, greeting, or a kind a "
                       "domain registered (GET /service-kinds lists them)", "example": "complaint"})
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200),
                            metadata={"example": "客房空调噪音"})
    detail = fields.String(allow_none=True, validate=validate.Length(max=4000),
                           metadata={"example": "1208房客人反映夜间空调噪音大，无法入睡。"})
    member_id = fields.Integer(allow_none=True, validate=_ID,
                               metadata={"description": "The member asking; leave out for a customer who is not one"})
    channel = fields.String(load_default="counter", validate=validate.OneOf(CHANNELS),
                            metadata={"description": "How it came in", "example": "hotline"})
    received_at = fields.AwareDateTime(metadata={
        "description": "When the customer asked (e.g. a call logged later); defaults to now, never in the future",
        "example": "2026-11-25T10:00:00+08:00"})


class ServiceRequestListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES + ("active",)),
                           metadata={"description": "One status, or active (open or in progress)"})
    kind = fields.String(validate=validate.Length(min=1, max=32), metadata={"example": "complaint"})
    member_id = fields.Integer(validate=_ID)
    assignee_id = fields.Integer(validate=_ID, metadata={"description": "Membership id of the assignee"})
    overdue = fields.Boolean(metadata={"description": "true: only open requests past their due time"})


class StatusChangeSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(STATUSES), metadata={
        "description": "open → in_progress → resolved → closed; cancelled from open or in_progress; "
                       "resolved → in_progress reopens", "example": "in_progress"})
    note = fields.String(allow_none=True, validate=validate.Length(max=500), metadata={"example": "已致电客户，安排工程部检修"})


class AssignSchema(Schema):
    membership_id = fields.Integer(required=True, allow_none=True, validate=_ID, metadata={
        "description": "A staff member of this tenant (their membership id); null takes the request back",
        "example": 12})
    note = fields.String(allow_none=True, validate=validate.Length(max=300))


class ComplaintStepTickSchema(Schema):
    step = fields.String(required=True, validate=validate.OneOf(COMPLAINT_STEPS),
                         metadata={"description": "Which of the nine steps is done", "example": "listen"})
    note = fields.String(allow_none=True, validate=validate.Length(max=300), metadata={"example": "客人情绪已平复"})


class ServiceHoursSchema(Schema):
    """The tenant's working hours for response times, in its own time zone."""

    weekdays = fields.List(fields.Integer(validate=validate.Range(min=1, max=7)), required=True,
                           validate=validate.Length(min=1, max=7),
                           metadata={"description": "ISO weekdays: 1 = Monday … 7 = Sunday", "example": [1, 2, 3, 4, 5]})
    opens = fields.String(required=True, validate=_HHMM, metadata={"example": "09:00"})
    closes = fields.String(required=True, validate=_HHMM, metadata={"example": "17:30"})
    holidays = fields.List(fields.Date(), load_default=list, validate=validate.Length(max=400),
                           metadata={"description": "Dates closed although a working weekday",
                                     "example": ["2026-10-01", "2026-10-02"]})
    workdays = fields.List(fields.Date(), load_default=list, validate=validate.Length(max=400),
                           metadata={"description": "Dates worked although not a working weekday (调休)",
                                     "example": ["2026-09-27"]})
    timezone = fields.String(dump_only=True, metadata={"example": "Asia/Shanghai"})
    updated_at = fields.DateTime(dump_only=True, allow_none=True)
    updated_by = fields.String(dump_only=True, allow_none=True)


class ServiceKindSchema(Schema):
    key = fields.String(metadata={"example": "complaint"})
    label = fields.String(metadata={"example": "投诉"})
