"""Visits (定期走访, 001 篇3 §二.(一)): planned from the tier's cadence into each manager's calendar,
logged on the phone (who, when, where, needs found, promises made, next step); each promise becomes a
follow-up task for the department that must act (协调内部各部门). Overdue visits and broken promises go
to the manager's lead, once. A hand-over moves planned visits and open promises to the new manager.

Planning is set-based: one ``INSERT … SELECT`` per run (on PostgreSQL and SQLite alike) writes a
window's visits for every managed client. A client's first visit in the window is due ``every_days``
after their last logged visit (at the window's start when that is past); a client never visited is
spread over the first cycle by id, so a manager's first weeks are not one crowded day. A client that
already has a planned visit in the window is left alone, so planning the same quarter twice writes
nothing the second time. Core SQL names ``tenant_id`` explicitly in every statement.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, and_, case, exists, func, literal, select, text, true, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from core.audit import services as audit
from core.extensions import db
from core.identity.models import Membership
from core.jobs import job
from core.jobs.tenants import aware, run_for_every_tenant, tenant_texts
from core.members.models import Member
from core.models import utcnow
from core.purchases.services import tenant_zone
from core.service.periodic import close_by
from core.tasks.models import Task
from core.tasks.services import open_tasks
from core.tenancy.context import current_tenant_id, unscoped
from domains.postal.models import PostalCadence, PostalCalendarLink, PostalPromise, PostalVisit
from domains.postal.services import (DEPARTMENTS, LEAD, PostalError, check_may_serve, client, ensure_cadences,
                                     is_lead)

MAX_PLAN_DAYS = 400   # a planning window is at most about a year


# ---- portable date arithmetic ---------------------------------------------------------------------

class add_days(FunctionElement):
    """``day + n`` days, as a date, on PostgreSQL (date + integer) and SQLite (``date(…, '+n days')``)."""
    type = Date()
    inherit_cache = True


@compiles(add_days)
def _add_days_pg(element, compiler, **kw):
    day, n = list(element.clauses)
    return f"({compiler.process(day, **kw)} + CAST({compiler.process(n, **kw)} AS INTEGER))"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, n = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, printf('%+d days', {compiler.process(n, **kw)}))"


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _upsert(table):
    if _dialect() == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)


def local_today(as_of: datetime | None = None, tz: ZoneInfo | None = None) -> date:
    return (as_of or utcnow()).astimezone(tz or tenant_zone()).date()


# ---- planning (set-based) -------------------------------------------------------------------------

def planning_statement(tenant_id: int, start: date, end: date, at: datetime):
    """The one ``INSERT … SELECT`` that plans ``start``–``end`` (inclusive) for every managed client
    whose tier has a cadence. Exposed for the benchmark."""
    m, c, v = Member.__table__, PostalCadence.__table__, PostalVisit.__table__
    shortest = db.session.scalar(select(func.min(c.c.every_days)).where(c.c.tenant_id == tenant_id)) or 1
    steps = (end - start).days // shortest + 1
    last = (select(v.c.member_id, func.max(v.c.visited_on).label("last_on"))
            .where(v.c.tenant_id == tenant_id, v.c.status == "done").group_by(v.c.member_id).subquery("last"))
    next_after_last = add_days(last.c.last_on, c.c.every_days)
    first = case((last.c.last_on.is_(None), add_days(literal(start, Date), m.c.id % c.c.every_days)),
                 (next_after_last < literal(start, Date), literal(start, Date)),
                 else_=next_after_last)
    planned_already = exists().where(v.c.tenant_id == tenant_id, v.c.member_id == m.c.id,
                                     v.c.status == "planned", v.c.planned_on >= start, v.c.planned_on <= end)
    base = (select(m.c.id.label("member_id"), m.c.client_manager_id.label("manager_id"),
                   c.c.every_days.label("every_days"), first.label("first_on"))
            .select_from(m.join(c, and_(c.c.tenant_id == tenant_id, c.c.tier_key == m.c.tier_key))
                         .outerjoin(last, last.c.member_id == m.c.id))
            .where(m.c.tenant_id == tenant_id, m.c.client_manager_id.is_not(None), ~planned_already)
            .cte("base"))
    n = select(literal(0, Integer).label("k")).cte("n", recursive=True)
    n = n.union_all(select((n.c.k + 1).label("k")).where(n.c.k < steps))
    day = add_days(base.c.first_on, n.c.k * base.c.every_days)
    rows = (select(literal(tenant_id), base.c.member_id, base.c.manager_id, day, literal("planned"),
                   literal("cadence"), literal(at, type_=v.c.created_at.type))
            .select_from(base.join(n, true())).where(day <= literal(end, Date)))
    return (_upsert(v).from_select(["tenant_id", "member_id", "manager_id", "planned_on", "status", "source",
                                    "created_at"], rows)
            .on_conflict_do_nothing(index_elements=[v.c.tenant_id, v.c.member_id, v.c.planned_on]))


def plan_visits(actor, start: date, end: date, now: datetime | None = None) -> int:
    """Plan the visits of ``start``–``end`` for every managed client (see the module's docstring).
    Returns how many visits were written."""
    if not isinstance(start, date) or not isinstance(end, date):
        raise PostalError("start", _l("Give the first and the last day as dates."))
    if end < start:
        raise PostalError("end", _l("The last day must not come before the first."))
    if (end - start).days > MAX_PLAN_DAYS:
        raise PostalError("end", _l("Plan at most %(days)s days at a time.", days=MAX_PLAN_DAYS))
    ensure_cadences()
    db.session.flush()
    stmt = planning_statement(current_tenant_id(), start, end, now or utcnow())
    if _dialect() == "postgresql":  # still one statement: the insert, counted by what it returns
        written = stmt.returning(PostalVisit.__table__.c.id).cte("written")
        made = db.session.scalar(select(func.count()).select_from(written))
    else:  # SQLite does not count an INSERT … SELECT with a CTE: ask it
        db.session.execute(stmt)
        made = db.session.scalar(text("SELECT changes()"))
    db.session.expire_all()
    audit.record(actor, "postal.visits.plan", "postal_visit", None, None,
                 {"start": start.isoformat(), "end": end.isoformat(), "planned": made})
    return int(made or 0)


def schedule_visit(actor, principal, member_id, planned_on: date, today: date | None = None) -> PostalVisit:
    """A visit planned by hand, for the client's own manager (or by the lead)."""
    member = client(member_id)
    check_may_serve(principal, member)
    if member.client_manager_id is None:
        raise PostalError("member_id", _l("%(name)s has no client manager yet.", name=member.name), 409)
    today = today or local_today()
    if not isinstance(planned_on, date) or planned_on < today:
        raise PostalError("planned_on", _l("A visit is planned for today or a later day."))
    if db.session.scalar(select(PostalVisit.id).where(PostalVisit.member_id == member.id,
                                                      PostalVisit.planned_on == planned_on)):
        raise PostalError("planned_on", _l("This client already has a visit that day."), 409)
    visit = PostalVisit(member_id=member.id, manager_id=member.client_manager_id, planned_on=planned_on,
                        status="planned", source="manual")
    db.session.add(visit)
    db.session.flush()
    audit.record(actor, "postal.visit.schedule", "postal_visit", visit.id, None,
                 {"member_id": member.id, "planned_on": planned_on.isoformat()})
    return visit


def reschedule_visit(actor, principal, visit: PostalVisit, planned_on: date | None, today: date | None = None,
                     cancel: bool = False) -> PostalVisit:
    """Move a planned visit to another day, or cancel it (the client asked; the manager is away)."""
    if not (principal.membership_id == visit.manager_id or is_lead(principal)):
        raise PostalError("visit_id", _l("This visit is on another manager's calendar."), 403)
    if visit.status != "planned":
        raise PostalError("visit_id", _l("Only a planned visit can be moved or cancelled."), 409)
    before = {"planned_on": visit.planned_on.isoformat(), "status": visit.status}
    if cancel:
        visit.status = "cancelled"
    else:
        today = today or local_today()
        if not isinstance(planned_on, date) or planned_on < today:
            raise PostalError("planned_on", _l("A visit is planned for today or a later day."))
        if planned_on != visit.planned_on and db.session.scalar(select(PostalVisit.id).where(
                PostalVisit.member_id == visit.member_id, PostalVisit.planned_on == planned_on)):
            raise PostalError("planned_on", _l("This client already has a visit that day."), 409)
        visit.planned_on, visit.escalated_at = planned_on, None
    db.session.flush()
    audit.record(actor, "postal.visit.reschedule", "postal_visit", visit.id, before,
                 {"planned_on": visit.planned_on.isoformat(), "status": visit.status})
    return visit


# ---- logging a visit and its promises ---------------------------------------------------------------

def _clean_promises(promises, visited_on: date) -> list[dict]:
    out = []
    for i, p in enumerate(promises or ()):
        text = (p.get("text") or "").strip()
        if not text or len(text) > 500:
            raise PostalError("promises", _l("Promise %(n)s: say what was promised (1 to 500 characters).", n=i + 1))
        if p.get("department") not in DEPARTMENTS:
            raise PostalError("promises", _l("Promise %(n)s: choose the department that acts: %(choices)s.",
                                             n=i + 1, choices=", ".join(DEPARTMENTS)))
        due_on = p.get("due_on")
        if not isinstance(due_on, date):
            raise PostalError("promises", _l("Promise %(n)s: give the day it is due.", n=i + 1))
        if due_on < visited_on:
            raise PostalError("promises", _l("Promise %(n)s: it cannot be due before the visit.", n=i + 1))
        out.append({"text": text, "department": p["department"], "due_on": due_on})
    return out


def log_visit(actor, principal, visit: PostalVisit, *, visited_at: datetime, place=None, contact_name=None,
              needs_found=None, next_step=None, promises=(), now: datetime | None = None) -> PostalVisit:
    """Log a planned visit: who was met, when, where, the needs found, the promises made and the next
    step. Each promise opens a task for its department (``postal.<department>``) due by the close of
    its day. Everything is checked before anything is written."""
    now = now or utcnow()
    member = client(visit.member_id)
    if not (principal.membership_id == visit.manager_id or is_lead(principal)):
        raise PostalError("visit_id", _l("This visit is on another manager's calendar."), 403)
    if visit.status != "planned":
        raise PostalError("visit_id", _l("This visit is logged already."), 409)
    if not isinstance(visited_at, datetime) or visited_at.tzinfo is None:
        raise PostalError("visited_at", _l("Give the time with its offset, e.g. 2026-11-25T10:00:00+08:00."))
    if visited_at > now + timedelta(minutes=5):
        raise PostalError("visited_at", _l("A visit is logged after it took place."))
    tz = tenant_zone()
    visited_on = visited_at.astimezone(tz).date()
    if visited_on < visit.planned_on - timedelta(days=31):
        raise PostalError("visited_at", _l("The visit took place long before it was planned: plan a new one."))
    for name, value, limit in (("place", place, 200), ("contact_name", contact_name, 80)):
        if value and len(value) > limit:
            raise PostalError(name, _l("At most %(n)s characters.", n=limit))
    clean = _clean_promises(promises, visited_on)
    visit.status, visit.visited_at, visit.visited_on = "done", visited_at, visited_on
    visit.place, visit.contact_name = (place or "").strip() or None, (contact_name or "").strip() or None
    visit.needs_found, visit.next_step = (needs_found or "").strip() or None, (next_step or "").strip() or None
    visit.logged_by = audit.actor_label(actor)
    db.session.flush()
    for p in clean:
        make_promise(actor, visit, member, p["text"], p["department"], close_by(p["due_on"], p["due_on"], now, tz))
    audit.record(actor, "postal.visit.log", "postal_visit", visit.id, {"status": "planned"},
                 {"status": "done", "visited_at": visited_at.isoformat(), "promises": len(clean)})
    return visit


def make_promise(actor, visit: PostalVisit, member: Member, text: str, department: str, due_at: datetime):
    promise = PostalPromise(visit_id=visit.id, member_id=member.id, manager_id=visit.manager_id, text=text,
                            department=department, due_at=due_at)
    db.session.add(promise)
    db.session.flush()
    with tenant_texts(current_tenant_id()):
        subject = _("Promise to %(client)s: %(text)s", client=member.name, text=text)
        detail = _("Promised on the client manager's visit of %(day)s. Tell the manager when it is done.",
                   day=visit.visited_on.isoformat())
    task = open_tasks(actor, positions=[f"postal.{department}"], subject=subject, detail=detail,
                      source=f"postal:promise:{promise.id}", due_at=due_at, member_id=member.id)[0]
    promise.task_id = task.id
    return promise


def visits_query(manager_id: int | None = None, *, status: str | None = "planned", start: date | None = None,
                 end: date | None = None):
    q = select(PostalVisit).order_by(PostalVisit.planned_on, PostalVisit.id)
    if manager_id is not None:
        q = q.where(PostalVisit.manager_id == manager_id)
    if status:
        q = q.where(PostalVisit.status == status)
    if start:
        q = q.where(PostalVisit.planned_on >= start)
    if end:
        q = q.where(PostalVisit.planned_on <= end)
    return q


def promises_of(visit_id: int) -> list[tuple[PostalPromise, Task | None]]:
    return list(db.session.execute(select(PostalPromise, Task).outerjoin(Task, Task.id == PostalPromise.task_id)
                                   .where(PostalPromise.visit_id == visit_id).order_by(PostalPromise.id)))


def open_promises_query(manager_id: int | None = None):
    """Promises whose task is not done yet."""
    q = (select(PostalPromise).join(Task, Task.id == PostalPromise.task_id).where(Task.status == "open")
         .order_by(PostalPromise.due_at, PostalPromise.id))
    return q.where(PostalPromise.manager_id == manager_id) if manager_id is not None else q


# ---- overdue: by cadence, and planned visits past their day ---------------------------------------

def last_visits_query():
    """(member_id, last visited day) of every client with a logged visit."""
    return (select(PostalVisit.member_id, func.max(PostalVisit.visited_on).label("last_on"))
            .where(PostalVisit.status == "done").group_by(PostalVisit.member_id))


def client_visit_status(as_of: datetime | None = None) -> list[dict]:
    """Every managed client whose tier has a cadence: last visit, days between visits, the day the
    next is due, and whether it is overdue (the due day is past: a monthly client last seen 32 days
    ago is). A client never visited is overdue as well: nothing on record."""
    from domains.postal.services import cadences
    today = local_today(as_of)
    every_of = cadences()
    last = last_visits_query().subquery()
    rows = db.session.execute(
        select(Member.id, Member.name, Member.tier_key, Member.client_manager_id, last.c.last_on)
        .outerjoin(last, last.c.member_id == Member.id)
        .where(Member.client_manager_id.is_not(None), Member.tier_key.in_(list(every_of)))
        .order_by(Member.name, Member.id))
    out = []
    for mid, name, tier, manager_id, last_on in rows:
        every = every_of[tier]
        if isinstance(last_on, str):  # SQLite hands back an aggregate of dates as text
            last_on = date.fromisoformat(last_on)
        due_on = last_on + timedelta(days=every) if last_on else None
        out.append({"member_id": mid, "name": name, "tier_key": tier, "manager_id": manager_id,
                    "every_days": every, "last_on": last_on, "due_on": due_on,
                    "overdue": due_on is None or due_on < today})
    return out


def is_overdue(member_id: int, as_of: datetime | None = None) -> bool:
    return any(r["overdue"] for r in client_visit_status(as_of) if r["member_id"] == member_id)


# ---- escalation to the lead, once (cron) -----------------------------------------------------------

def escalate_for(tenant_id: int, tz: ZoneInfo, as_of: datetime | None = None) -> int:
    """Planned visits past their day and promises past their due time with the task still open go to
    the manager's lead as a task (``postal.lead``), each once: the row is marked when escalated and
    the task's source names it, so every later run finds nothing new. Returns how many escalated."""
    as_of = aware(as_of)
    today = as_of.astimezone(tz).date()
    due = close_by(today, today, as_of, tz)
    made = 0
    with tenant_texts(current_tenant_id()):
        for visit, member in db.session.execute(
                select(PostalVisit, Member).join(Member, Member.id == PostalVisit.member_id)
                .where(PostalVisit.status == "planned", PostalVisit.planned_on < today,
                       PostalVisit.escalated_at.is_(None)).order_by(PostalVisit.id)):
            manager = db.session.get(Membership, visit.manager_id)
            open_tasks(None, positions=[LEAD], source=f"postal:visit-overdue:{visit.id}", due_at=due,
                       member_id=member.id,
                       subject=_("Overdue visit: %(client)s (planned %(day)s, manager %(manager)s)",
                                 client=member.name, day=visit.planned_on.isoformat(), manager=manager.user.name))
            visit.escalated_at = as_of
            made += 1
        for promise, member in db.session.execute(
                select(PostalPromise, Member).join(Member, Member.id == PostalPromise.member_id)
                .join(Task, Task.id == PostalPromise.task_id)
                .where(Task.status == "open", PostalPromise.due_at < as_of, PostalPromise.escalated_at.is_(None))
                .order_by(PostalPromise.id)):
            manager = db.session.get(Membership, promise.manager_id)
            open_tasks(None, positions=[LEAD], source=f"postal:promise-broken:{promise.id}", due_at=due,
                       member_id=member.id,
                       subject=_("Broken promise to %(client)s: %(text)s (manager %(manager)s)",
                                 client=member.name, text=promise.text, manager=manager.user.name))
            promise.escalated_at = as_of
            made += 1
    db.session.flush()
    return made


@job("periodic")
def escalate(as_of: str | None = None) -> int:
    """Hourly (RQ cron): overdue visits and broken promises to the lead, in every tenant; idempotent."""
    return run_for_every_tenant(escalate_for, as_of, domain="postal")


# ---- hand-over: future work follows the client ----------------------------------------------------

def on_clients_handed_over(sender, *, moves: dict, actor=None, now=None, **_kw) -> None:
    """core.signals.clients_handed_over: each moved client's planned visits and open promises go to
    the new manager, in the hand-over's transaction. Done visits and kept promises stay with whoever
    did them: the record is history."""
    by_pair: dict[tuple[int, int], list[int]] = {}
    for member_id, (from_id, to_id) in moves.items():
        by_pair.setdefault((from_id, to_id), []).append(member_id)
    open_task = select(Task.id).where(Task.status == "open")
    for (from_id, to_id), members in by_pair.items():
        db.session.execute(update(PostalVisit).where(PostalVisit.member_id.in_(members),
                                                     PostalVisit.manager_id == from_id,
                                                     PostalVisit.status == "planned")
                           .values(manager_id=to_id).execution_options(synchronize_session="fetch"))
        db.session.execute(update(PostalPromise).where(PostalPromise.member_id.in_(members),
                                                       PostalPromise.manager_id == from_id,
                                                       PostalPromise.task_id.in_(open_task))
                           .values(manager_id=to_id).execution_options(synchronize_session="fetch"))


# ---- the manager's calendar (iCalendar) -----------------------------------------------------------

def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_calendar_link(actor, manager: Membership) -> str:
    """A new secret address for the manager's calendar (the old one stops working). Returns the token,
    shown once; only its hash is kept."""
    raw = secrets.token_urlsafe(24)
    row = db.session.scalar(select(PostalCalendarLink).where(PostalCalendarLink.manager_id == manager.id))
    if row is None:
        row = PostalCalendarLink(manager_id=manager.id, token_hash=_hash(raw))
        db.session.add(row)
    row.token_hash = _hash(raw)
    db.session.flush()
    audit.record(actor, "postal.calendar_link", "membership", manager.id, None, {"rotated": True})
    return raw


def calendar_link_for_token(raw: str) -> PostalCalendarLink | None:
    """The link a token names, from any tenant: the token is the manager's key."""
    if not raw or len(raw) > 100:
        return None
    with unscoped("a manager's calendar link names its tenant"):
        return db.session.scalar(select(PostalCalendarLink).where(PostalCalendarLink.token_hash == _hash(raw)))


def calendar_feed(manager_id: int, tenant_slug: str) -> bytes:
    """The manager's planned visits as an iCalendar (RFC 5545) document: one all-day event each."""
    from icalendar import Calendar, Event
    manager = db.session.get(Membership, manager_id)
    cal = Calendar()
    cal.add("prodid", "-//vip-service//postal visits//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Client visits: %(name)s", name=manager.user.name))
    stamp = utcnow()
    for visit, member in db.session.execute(
            select(PostalVisit, Member).join(Member, Member.id == PostalVisit.member_id)
            .where(PostalVisit.manager_id == manager_id, PostalVisit.status == "planned")
            .order_by(PostalVisit.planned_on, PostalVisit.id)):
        ev = Event()
        ev.add("uid", f"postal-visit-{visit.id}@{tenant_slug}")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", visit.planned_on)
        ev.add("dtend", visit.planned_on + timedelta(days=1))
        ev.add("summary", _("Visit: %(client)s", client=member.name))
        if member.address:
            ev.add("location", member.address)
        if member.phone:
            ev.add("description", _("Phone: %(phone)s", phone=member.phone))
        cal.add_component(ev)
    return cal.to_ical()
