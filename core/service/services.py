"""Service request rules (服务工单): kinds, the due time from the tier's response time in the
tenant's working hours, validated status changes with a history, assignment, the complaint steps.

Due time (001 SVIP管理制度 §二.(二).3, "在工作时间内 … 30分钟内得到响应; 非工作时间内的请求将会在下一个
工作日进行处理"): see :func:`due_at`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from core import signals
from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership
from core.members.models import Member
from core.models import utcnow
from core.purchases.services import current_tier, tenant_zone
from core.service.models import (ACTIVE_STATUSES, CHANNELS, COMPLAINT_STEPS, ServiceHours, ServiceRequest,
                                 ServiceRequestEvent)
from core.tenancy.sequences import next_value
from core.tiers.services import live_scheme, scheme_of


class ServiceError(RuleError):
    """A service request rule refused the input."""


# ---- kinds ----------------------------------------------------------------------------------------

_KINDS: dict[str, object] = {}
_KIND_KEY = re.compile(r"[a-z][a-z0-9_.]{0,31}")


def register_kind(key: str, label) -> None:
    """Add a kind of request (a domain calls this at import time, e.g. ``bank.priority_claim``).
    ``label`` is shown to people: pass a lazy string so it follows the reader's language."""
    if not _KIND_KEY.fullmatch(key or ""):
        raise ValueError(f"a kind key is 1 to 32 lowercase letters, digits, '_' or '.': {key!r}")
    _KINDS[key] = label


def kinds() -> dict[str, object]:
    return dict(_KINDS)


def kind_label(key: str):
    return _KINDS.get(key, key)


for _key, _label in (
        ("consultation", _l("Consultation")), ("complaint", _l("Complaint")), ("claim", _l("Claim")),
        ("delivery", _l("Delivery")), ("visit", _l("Visit")), ("follow_up", _l("Follow-up call")),
        ("greeting", _l("Greeting"))):
    register_kind(_key, _label)

STATUS_LABELS = {"open": _l("Open"), "in_progress": _l("In progress"), "resolved": _l("Resolved"),
                 "closed": _l("Closed"), "cancelled": _l("Cancelled")}
STEP_LABELS = {"listen": _l("Listen"), "talk": _l("Talk"), "apologise": _l("Apologise"),
               "analyse": _l("Analyse"), "explain": _l("Explain"), "handle": _l("Handle"),
               "compensate": _l("Compensate"), "confirm_satisfaction": _l("Confirm satisfaction"),
               "follow_up": _l("Follow up")}
STEPS_BEFORE_RESOLVING = COMPLAINT_STEPS[:COMPLAINT_STEPS.index("confirm_satisfaction") + 1]

# open → in_progress → resolved → closed, or cancelled while not yet resolved. A resolved request may
# go back to in_progress when the customer is not satisfied (002: the follow-up is a second chance).
TRANSITIONS = {
    "open": ("in_progress", "cancelled"),
    "in_progress": ("resolved", "cancelled"),
    "resolved": ("closed", "in_progress"),
    "closed": (),
    "cancelled": (),
}


# ---- working hours and the due time (pure) ----------------------------------------------------------

@dataclass(frozen=True)
class WorkingHours:
    """When the tenant answers requests, as local wall-clock times in the tenant's zone."""

    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO: 1 = Monday … 7 = Sunday
    opens: time = time(9, 0)
    closes: time = time(17, 30)
    holidays: frozenset[date] = field(default_factory=frozenset)  # closed although a working weekday
    workdays: frozenset[date] = field(default_factory=frozenset)  # worked although not (调休)

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.isoweekday() in self.weekdays


DEFAULT_HOURS = WorkingHours()
# At least one working weekday and at most 400 holidays (see the schema): a working day comes within
# 401 weeks whatever the calendar, so this bound is never reached by hours the API accepts.
_HORIZON_DAYS = 7 * 402


def _working_days(start: date, hours: WorkingHours):
    for offset in range(_HORIZON_DAYS):
        day = start + timedelta(days=offset)
        if hours.is_working_day(day):
            yield day
    raise ValueError("no working day in the calendar: check the service hours")


def _window(day: date, hours: WorkingHours, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """One working day's opening and closing, as UTC instants (so DST days count real minutes)."""
    return (datetime.combine(day, hours.opens, tz).astimezone(UTC),
            datetime.combine(day, hours.closes, tz).astimezone(UTC))


def due_at(created_at: datetime, response_minutes: int | None, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """When a request received at ``created_at`` must be answered (a UTC datetime).

    - With a response time (SVIP: 30 minutes), the minutes are counted in working time only.
      Received within working hours: 17:20 + 30 min → 09:20 on the next working day. Received
      outside them, it counts from the next opening: Saturday, or Friday evening → Monday 09:30;
      before opening on a working day → that day, 09:30.
    - Without one (a tier that promises nothing, or no tier): by closing time of the next working
      day after the local date of receipt (Wednesday → Thursday 17:30; Saturday → Monday 17:30).

    Days and times are the tenant's (``tz``); holidays and extra working days (调休) count.
    """
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    if hours.closes <= hours.opens:
        raise ValueError("working hours must close after they open")
    created = created_at.astimezone(UTC)
    local_day = created.astimezone(tz).date()
    if response_minutes is None:
        day = next(_working_days(local_day + timedelta(days=1), hours))
        return _window(day, hours, tz)[1]
    if response_minutes < 0:
        raise ValueError("response_minutes must not be negative")
    remaining = timedelta(minutes=response_minutes)
    cursor = created
    for day in _working_days(local_day, hours):
        opens, closes = _window(day, hours, tz)
        if cursor >= closes:
            continue  # received after closing: the next working day
        cursor = max(cursor, opens)
        left = closes - cursor
        if remaining <= left:
            return cursor + remaining
        remaining -= left
    raise AssertionError("unreachable")  # pragma: no cover (_working_days raises first)


# ---- service hours (per tenant) --------------------------------------------------------------------

def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _parse_hhmm(value: str, field_name: str) -> time:
    m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value or "")
    if not m:
        raise ServiceError(field_name, _l("A time of day as HH:MM, e.g. 09:00."))
    return time(int(m.group(1)), int(m.group(2)))


def hours_row() -> ServiceHours | None:
    return db.session.scalar(select(ServiceHours).limit(1))


def hours_of(row: ServiceHours | None) -> WorkingHours:
    if row is None:
        return DEFAULT_HOURS
    return WorkingHours(weekdays=frozenset({int(d) for d in row.weekdays}),
                        opens=_parse_hhmm(row.opens, "opens"), closes=_parse_hhmm(row.closes, "closes"),
                        holidays=frozenset(date.fromisoformat(d) for d in row.holidays or ()),
                        workdays=frozenset(date.fromisoformat(d) for d in row.workdays or ()))


def working_hours() -> WorkingHours:
    return hours_of(hours_row())


def hours_dict(hours: WorkingHours, row: ServiceHours | None = None) -> dict:
    return {"weekdays": sorted(hours.weekdays), "opens": _hhmm(hours.opens), "closes": _hhmm(hours.closes),
            "holidays": sorted(hours.holidays), "workdays": sorted(hours.workdays),
            "updated_at": row.updated_at if row else None, "updated_by": row.updated_by if row else None}


def set_hours(actor, *, weekdays, opens: str, closes: str, holidays=(), workdays=()) -> ServiceHours:
    """Replace the tenant's working hours. Requests already made keep the due time they were given."""
    days = sorted({int(d) for d in weekdays})
    if not days or any(d < 1 or d > 7 for d in days):
        raise ServiceError("weekdays", _l("Name at least one working weekday, 1 (Monday) to 7 (Sunday)."))
    opens_t, closes_t = _parse_hhmm(opens, "opens"), _parse_hhmm(closes, "closes")
    if closes_t <= opens_t:
        raise ServiceError("closes", _l("Closing time must be after opening time."))
    holidays, workdays = sorted(set(holidays)), sorted(set(workdays))
    if set(holidays) & set(workdays):
        raise ServiceError("workdays", _l("A date cannot be both a holiday and an extra working day."))
    # Two admins saving the first hours at once: the tenant's own row serialises them, so the
    # second finds the first one's row instead of inserting a duplicate.
    from core.tenancy.context import current_tenant_id
    from core.tenancy.models import Tenant
    db.session.execute(select(Tenant.id).where(Tenant.id == current_tenant_id()).with_for_update())
    row = hours_row()
    fields_ = ("weekdays", "opens", "closes", "holidays", "workdays")
    before = {k: getattr(row, k) for k in fields_} if row is not None else None
    if row is None:
        row = ServiceHours()
        db.session.add(row)
    row.weekdays, row.opens, row.closes = days, _hhmm(opens_t), _hhmm(closes_t)
    row.holidays = [d.isoformat() for d in holidays]
    row.workdays = [d.isoformat() for d in workdays]
    row.updated_at, row.updated_by = utcnow(), audit.actor_label(actor)
    db.session.flush()
    after = {k: getattr(row, k) for k in fields_}
    audit.record(actor, "service_hours.update", "service_hours", row.id, before, after)
    return row


# ---- requests ------------------------------------------------------------------------------------

def _tier_terms(member: Member | None) -> tuple[str | None, int, int | None]:
    """(tier key, priority, response minutes) from the member's tier in the live scheme."""
    if member is None:
        return None, 5, None
    row = live_scheme()
    if row is None:
        return member.tier_key, 5, None
    tier = current_tier(member, scheme_of(row))
    if tier is None:
        return None, 5, None
    benefits = tier.benefits
    priority = getattr(benefits, "priority", None) or 5
    return tier.key, int(priority), getattr(benefits, "response_minutes", None)


def _event(actor, req: ServiceRequest, action: str, from_status: str | None, note: str | None = None):
    event = ServiceRequestEvent(request_id=req.id, action=action, from_status=from_status, to_status=req.status,
                                note=(note or "")[:500] or None, actor_label=audit.actor_label(actor),
                                actor_user_id=getattr(actor, "user_id", None))
    db.session.add(event)
    req.events.append(event)
    db.session.flush()
    signals.service_request_changed.send(req, action=action, event=event)
    return event


def create_request(actor, *, kind: str, subject: str, detail: str | None = None, member_id: int | None = None,
                   channel: str = "counter", received_at: datetime | None = None,
                   now: datetime | None = None) -> ServiceRequest:
    """Open a request. Priority and due time come from the member's tier (5 and "next working day"
    for a customer who is not a member, or a tier that promises nothing)."""
    now = now or utcnow()
    if kind not in _KINDS:
        raise ServiceError("kind", _l("Unknown kind: %(kind)s. Choose one of: %(choices)s.",
                                      kind=kind, choices=", ".join(_KINDS)))
    if channel not in CHANNELS:
        raise ServiceError("channel", _l("Choose one of: %(choices)s.", choices=", ".join(CHANNELS)))
    subject = (subject or "").strip()
    if not subject or len(subject) > 200:
        raise ServiceError("subject", _l("A subject of 1 to 200 characters is required."))
    received_at = received_at or now
    if received_at.tzinfo is None:
        raise ServiceError("received_at", _l("Give the time with its offset, e.g. 2026-11-25T10:00:00+08:00."))
    if received_at > now + timedelta(minutes=5):
        raise ServiceError("received_at", _l("A request cannot be received in the future."))
    member = None
    if member_id is not None:
        member = db.session.get(Member, member_id)
        if member is None:
            raise ServiceError("member_id", _l("No such member."), 404)
    tier_key, priority, minutes = _tier_terms(member)
    req = ServiceRequest(
        request_no=f"SR{next_value('service_request'):07d}", member_id=member_id, kind=kind, channel=channel,
        subject=subject, detail=(detail or "").strip() or None, priority=priority, tier_key=tier_key,
        response_minutes=minutes, received_at=received_at,
        due_at=due_at(received_at, minutes, working_hours(), tenant_zone()), status="open",
        created_by=audit.actor_label(actor), updated_at=now,
        complaint_steps=([{"key": k, "ticked_at": None, "ticked_by": None, "note": None} for k in COMPLAINT_STEPS]
                         if kind == "complaint" else None))
    db.session.add(req)
    db.session.flush()
    _event(actor, req, "created", None)
    audit.record(actor, "service_request.create", "service_request", req.id, None,
                 {"request_no": req.request_no, "kind": kind, "member_id": member_id, "priority": priority,
                  "due_at": req.due_at.isoformat()})
    return req


def get_request(request_id: int) -> ServiceRequest | None:
    return db.session.get(ServiceRequest, request_id)


def _lock(request_id: int) -> ServiceRequest:
    req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.id == request_id).with_for_update()
                            .execution_options(populate_existing=True))
    if req is None:
        raise ServiceError("request_id", _l("No such service request."), 404)
    return req


def _unticked(req: ServiceRequest, keys) -> list[str]:
    done = {s["key"] for s in req.complaint_steps or () if s.get("ticked_at")}
    return [k for k in keys if k not in done]


def change_status(actor, request_id: int, to: str, note: str | None = None,
                  now: datetime | None = None) -> ServiceRequest:
    """Move a request along open → in_progress → resolved → closed (or cancel it), writing the history.
    A complaint is resolved only after the steps up to "confirm satisfaction", closed only after the
    follow-up too."""
    now = now or utcnow()
    req = _lock(request_id)
    current = req.status
    if to not in TRANSITIONS:
        raise ServiceError("to", _l("Choose one of: %(choices)s.", choices=", ".join(TRANSITIONS)))
    allowed = TRANSITIONS[current]
    if not allowed:
        raise ServiceError("to", _l("This request is %(current)s and can no longer change.", current=current), 409)
    if to not in allowed:
        raise ServiceError("to", _l("A request that is %(current)s cannot become %(wanted)s; it can become: "
                                    "%(allowed)s.", current=current, wanted=to, allowed=", ".join(allowed)), 409)
    if req.kind == "complaint" and to in ("resolved", "closed"):
        missing = _unticked(req, STEPS_BEFORE_RESOLVING if to == "resolved" else COMPLAINT_STEPS)
        if missing:
            message = (_l("A complaint is resolved only when the steps up to confirming satisfaction are done. "
                          "Still to do: %(steps)s.", steps=", ".join(missing)) if to == "resolved" else
                       _l("A complaint is closed only after the follow-up. Still to do: %(steps)s.",
                          steps=", ".join(missing)))
            raise ServiceError("to", message, 409)
    req.status, req.updated_at = to, now
    if current == "open" and req.responded_at is None:
        req.responded_at = now
    if to == "resolved":
        req.resolved_at = now
    elif to == "in_progress" and current == "resolved":
        req.resolved_at = None  # reopened: not resolved any more
    elif to == "closed":
        req.closed_at = now
    _event(actor, req, "status", current, note)
    audit.record(actor, "service_request.status", "service_request", req.id, {"status": current}, {"status": to})
    return req


def assign(actor, request_id: int, membership_id: int | None, note: str | None = None,
           now: datetime | None = None) -> ServiceRequest:
    """Give the request to one of the tenant's own active staff (``None`` takes it back)."""
    req = _lock(request_id)
    if req.status not in ACTIVE_STATUSES:
        raise ServiceError("membership_id", _l("Only an open or in-progress request can be assigned."), 409)
    target = None
    if membership_id is not None:
        target = db.session.get(Membership, membership_id)  # scoped: another tenant's staff is not found
        if target is None:
            raise ServiceError("membership_id", _l("No such staff member."), 404)
        if not target.active:
            raise ServiceError("membership_id", _l("This staff member is no longer active."))
    before = req.assignee_id
    if before == membership_id:
        return req
    req.assignee_id, req.updated_at = membership_id, now or utcnow()
    req.assignee = target
    who = (target.user.name or target.user.email) if target is not None else None
    text = f"→ {who}" if who else "→ —"
    _event(actor, req, "assigned", req.status, f"{text} {note.strip()}" if note and note.strip() else text)
    audit.record(actor, "service_request.assign", "service_request", req.id,
                 {"assignee_id": before}, {"assignee_id": membership_id})
    return req


def tick_complaint_step(actor, request_id: int, step: str, note: str | None = None,
                        now: datetime | None = None) -> ServiceRequest:
    """Tick one of the nine complaint steps (who and when are kept). Ticking a done step again
    changes nothing. The follow-up may be ticked after resolving, before closing."""
    req = _lock(request_id)
    if req.kind != "complaint":
        raise ServiceError("step", _l("Only complaints have the nine complaint steps."))
    if step not in COMPLAINT_STEPS:
        raise ServiceError("step", _l("Choose one of: %(choices)s.", choices=", ".join(COMPLAINT_STEPS)))
    if req.status not in ACTIVE_STATUSES and not (req.status == "resolved" and step == "follow_up"):
        raise ServiceError("step", _l("This complaint is %(current)s; its steps can no longer be ticked.",
                                      current=req.status), 409)
    steps = [dict(s) for s in req.complaint_steps or ()]
    entry = next(s for s in steps if s["key"] == step)
    if entry.get("ticked_at"):
        return req
    now = now or utcnow()
    entry.update(ticked_at=now.isoformat(), ticked_by=audit.actor_label(actor), note=(note or "").strip()[:300] or None)
    req.complaint_steps, req.updated_at = steps, now  # a new list, so the JSON column sees the change
    _event(actor, req, "step", req.status, step + (f": {note.strip()}" if note and note.strip() else ""))
    audit.record(actor, "service_request.step", "service_request", req.id, None, {"step": step})
    return req


def requests_query(*, status: str | None = None, kind: str | None = None, member_id: int | None = None,
                   assignee_id: int | None = None, overdue: bool | None = None, now: datetime | None = None):
    """Requests, the ones still to answer or handle first, then by priority (1 first) and due time.
    ``status="active"`` means open or in progress. Overdue: not yet taken up (still open) and past due."""
    now = now or utcnow()
    q = select(ServiceRequest).options(selectinload(ServiceRequest.assignee))
    if status == "active":
        q = q.where(ServiceRequest.status.in_(ACTIVE_STATUSES))
    elif status:
        q = q.where(ServiceRequest.status == status)
    if kind:
        q = q.where(ServiceRequest.kind == kind)
    if member_id is not None:
        q = q.where(ServiceRequest.member_id == member_id)
    if assignee_id is not None:
        q = q.where(ServiceRequest.assignee_id == assignee_id)
    if overdue is True:
        q = q.where(ServiceRequest.status == "open", ServiceRequest.due_at < now)
    elif overdue is False:
        q = q.where((ServiceRequest.status != "open") | (ServiceRequest.due_at >= now))
    finished = case((ServiceRequest.status.in_(ACTIVE_STATUSES), 0), else_=1)
    return q.order_by(finished, ServiceRequest.priority, ServiceRequest.due_at, ServiceRequest.id)


def is_overdue(req: ServiceRequest, now: datetime | None = None) -> bool:
    return req.status == "open" and req.due_at < (now or utcnow())
