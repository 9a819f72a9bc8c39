"""Service requests (服务工单): what a VIP asks for or complains about, with a due time and a history."""
from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped

STATUSES = ("open", "in_progress", "resolved", "closed", "cancelled")
ACTIVE_STATUSES = ("open", "in_progress")
# How a request came in, or (for the periodic tasks: greetings, follow-ups) how to reach the member:
# a member's preferred contact channel ``call`` is ``phone``; ``sms``, ``email``, ``wechat`` as they are.
CHANNELS = ("counter", "phone", "hotline", "online", "visit", "sms", "email", "wechat")
# The nine complaint steps of 002 (投诉处理九步): 倾听, 沟通, 道歉, 分析, 解释, 处理, 补偿, 确认满意, 跟进
COMPLAINT_STEPS = ("listen", "talk", "apologise", "analyse", "explain", "handle", "compensate",
                   "confirm_satisfaction", "follow_up")
EVENT_ACTIONS = ("created", "status", "assigned", "step")


class ServiceRequest(TenantScoped, Timestamped, db.Model):
    """One request of a customer: a consultation, a complaint, a claim, a delivery, a visit …

    ``due_at`` is the answer promised by the member's tier (its response time in the tenant's
    working hours); ``priority`` 1 is served first. Complaints carry the nine-step checklist.
    """

    __tablename__ = "service_request"
    __table_args__ = (
        db.UniqueConstraint("tenant_id", "request_no"),
        # what a periodic job made it for ("birthday:2026:<member>", "followup:<purchase>"): made once
        db.UniqueConstraint("tenant_id", "dedupe_key"),
        db.Index("ix_service_request_tenant_queue", "tenant_id", "status", "priority", "due_at"),
        db.Index("ix_service_request_tenant_member", "tenant_id", "member_id"),
    )
    id = db.Column(db.Integer, primary_key=True)
    request_no = db.Column(db.String(20), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="SET NULL"))
    kind = db.Column(db.String(32), nullable=False)
    channel = db.Column(db.String(16), nullable=False, default="counter")
    subject = db.Column(db.String(200), nullable=False)
    detail = db.Column(db.Text)
    priority = db.Column(db.SmallInteger, nullable=False, default=5)  # 1 = highest
    tier_key = db.Column(db.String(32))            # the member's tier when the request came in
    response_minutes = db.Column(db.Integer)       # that tier's promised response time, if any
    received_at = db.Column(UTCDateTime(), nullable=False)
    due_at = db.Column(UTCDateTime(), nullable=False)
    assignee_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    status = db.Column(db.String(16), nullable=False, default="open")
    created_by = db.Column(db.String(254), nullable=False)
    responded_at = db.Column(UTCDateTime())        # first left "open": someone took it up
    resolved_at = db.Column(UTCDateTime())
    closed_at = db.Column(UTCDateTime())
    updated_at = db.Column(UTCDateTime())
    complaint_steps = db.Column(db.JSON)           # complaints only: [{"key", "ticked_at", "ticked_by", "note"}]
    dedupe_key = db.Column(db.String(120))         # periodic jobs only (core.service.periodic); null otherwise

    assignee = db.relationship("Membership")  # not joined: the row lock (FOR UPDATE) must not outer-join
    events = db.relationship("ServiceRequestEvent", order_by="ServiceRequestEvent.id", lazy="selectin",
                             passive_deletes=True)


class ServiceRequestEvent(TenantScoped, Timestamped, db.Model):
    """The history of a request: every status change, assignment and complaint step (who, when)."""

    __tablename__ = "service_request_event"
    __table_args__ = (db.Index("ix_service_request_event_tenant_request", "tenant_id", "request_id", "id"),)
    id = db.Column(db.Integer, primary_key=True)
    request_id = db.Column(db.Integer, db.ForeignKey("service_request.id", ondelete="CASCADE"), nullable=False)
    action = db.Column(db.String(16), nullable=False)  # created | status | assigned | step
    from_status = db.Column(db.String(16))
    to_status = db.Column(db.String(16), nullable=False)
    note = db.Column(db.String(500))
    actor_label = db.Column(db.String(254), nullable=False)
    actor_user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))


class ServiceHours(TenantScoped, db.Model):
    """The tenant's working hours for response times (one row per tenant; none = the default,
    Monday to Friday 09:00–17:30 in the tenant's time zone)."""

    __tablename__ = "service_hours"
    __table_args__ = (db.UniqueConstraint("tenant_id"),)
    id = db.Column(db.Integer, primary_key=True)
    weekdays = db.Column(db.JSON, nullable=False)          # ISO weekdays: 1 = Monday … 7 = Sunday
    opens = db.Column(db.String(5), nullable=False)        # "HH:MM", tenant's local time
    closes = db.Column(db.String(5), nullable=False)
    holidays = db.Column(db.JSON, nullable=False, default=list)   # ISO dates closed although a weekday
    workdays = db.Column(db.JSON, nullable=False, default=list)   # ISO dates worked although not (调休)
    updated_at = db.Column(UTCDateTime())
    updated_by = db.Column(db.String(254))
