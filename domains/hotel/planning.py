"""The tenant's reception protocol, its staff's service records, and the planning meeting (一会一案).

- **Protocol** (接待规程), per tenant and level: the amenities and the steps, seeded from the code's
  default (:data:`domains.hotel.protocol.DEFAULT_STEPS`, the seed's numbers) on first use and edited
  by the tenant admin. A stay copies the steps when its timeline is built: later edits change new
  stays only.
- **Staff rules** (000 五.1): nobody with under 6 months of service takes part in a VIP reception;
  whoever serves a VVIP is a supervisor or above. Kept in ``hotel_staff_profile`` beside the
  membership (service start, grade, away), never in the core identity.
- **Planning meeting** the day before: the Reception Notice from the stay, the protocol and the
  guest's history; every step assigned to a named person; published to every department.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import services as audit
from core.extensions import db
from core.identity.models import Membership
from core.models import utcnow
from core.tasks.services import open_tasks
from domains.hotel import protocol
from domains.hotel.models import HotelPlan, HotelProtocol, HotelStaffProfile, HotelStay, HotelStep
from domains.hotel.services import DEPARTMENTS, HotelError

# ---- the protocol, per tenant ------------------------------------------------------------------------

AMENITY_KEYS = ("fruit_a", "fruit_b", "fruit_c", "flowers_a", "flowers_b", "flowers_c", "banner", "lobby_sign",
                "flowers_on_arrival")
REMIND_MINUTES = 30          # CHOSEN: a reminder half an hour before each deadline, editable per level
MAX_OFFSET = 7 * 24 * 60     # a step is at most a week from its anchor
KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def default_steps(level: str) -> list[dict]:
    """The code's protocol for one level, as the rows a tenant stores and edits."""
    return [{"key": s.key, "department": s.department, "signers": list(s.signers[level]), "anchor": s.anchor,
             "offset": s.offset, "depends_on": list(s.depends_on)}
            for s in protocol.DEFAULT_STEPS if level in s.signers]


def protocol_for(level: str) -> HotelProtocol:
    """The tenant's protocol for ``level``, made from the code's default the first time it is needed."""
    if level not in protocol.LEVELS:
        raise HotelError("level", _l("Choose one of: %(levels)s.", levels=", ".join(protocol.LEVELS)))
    row = db.session.scalar(select(HotelProtocol).where(HotelProtocol.level == level))
    if row is None:
        from sqlalchemy.exc import IntegrityError
        try:
            with db.session.begin_nested():  # two first uses at once: the second reads the first's row
                row = HotelProtocol(level=level, amenities=list(protocol.AMENITIES[level]),
                                    steps=default_steps(level), remind_minutes=REMIND_MINUTES, updated_by="default")
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalar(select(HotelProtocol).where(HotelProtocol.level == level))
    return row


def hotel_positions() -> tuple[str, ...]:
    from domains.hotel import POSITIONS
    return tuple(f"hotel.{p}" for p in POSITIONS)


def save_protocol(actor, level: str, *, amenities, steps, remind_minutes) -> HotelProtocol:
    """Replace a level's protocol after checking every row; nothing is saved when one is wrong. A
    row's error names its field (``steps-3-offset``). ``steps``: dicts with key, title (a new step's
    only), department, signers, anchor, offset (minutes, negative before the anchor), depends_on."""
    row = protocol_for(level)
    known_titles = {s.key for s in protocol.DEFAULT_STEPS}
    positions = hotel_positions()
    bad_amenity = [a for a in amenities if a not in AMENITY_KEYS]
    if bad_amenity:
        raise HotelError("amenities", _l("Unknown amenity: %(names)s.", names=", ".join(bad_amenity)))
    remind = _int(remind_minutes, "remind_minutes", 0, 24 * 60)
    clean, keys = [], set()
    for i, s in enumerate(steps):
        f = f"steps-{i}-"
        key = (s.get("key") or "").strip()
        if not KEY.match(key):
            raise HotelError(f + "key", _l("A step's key is 2 to 40 lower-case letters, digits or underscores."))
        if key in keys:
            raise HotelError(f + "key", _l("Two steps have the key %(key)s.", key=key))
        keys.add(key)
        title = (s.get("title") or "").strip()
        if key not in known_titles and not title:
            raise HotelError(f + "title", _l("A new step needs a title."))
        if len(title) > 120:
            raise HotelError(f + "title", _l("At most %(n)s characters.", n=120))
        if s.get("department") not in DEPARTMENTS:
            raise HotelError(f + "department", _l("Choose a department."))
        signers = [p for p in (s.get("signers") or ()) if p]
        if not signers:
            raise HotelError(f + "signers", _l("Name at least one position that signs this step."))
        if any(p not in positions for p in signers):
            raise HotelError(f + "signers", _l("Unknown position."))
        if s.get("anchor") not in protocol.ANCHORS:
            raise HotelError(f + "anchor", _l("Choose the arrival, the meal or the departure."))
        offset = _int(s.get("offset"), f + "offset", -MAX_OFFSET, MAX_OFFSET)
        clean.append({"key": key, **({"title": title} if title and key not in known_titles else {}),
                      "department": s["department"], "signers": signers, "anchor": s["anchor"], "offset": offset,
                      "depends_on": [d for d in (s.get("depends_on") or ()) if d]})
    if not clean:
        raise HotelError("steps", _l("A protocol needs at least one step."))
    for i, s in enumerate(clean):
        unknown = [d for d in s["depends_on"] if d not in keys or d == s["key"]]
        if unknown:
            raise HotelError(f"steps-{i}-depends_on", _l("Depends on a step that is not in this protocol: %(keys)s.",
                                                         keys=", ".join(unknown)))
    _no_cycle(clean)
    before = {"amenities": row.amenities, "steps": row.steps, "remind_minutes": row.remind_minutes}
    row.amenities, row.steps, row.remind_minutes = list(amenities), clean, remind
    row.updated_by = audit.actor_label(actor)
    audit.record(actor, "hotel.protocol.save", "hotel_protocol", row.id, before,
                 {"amenities": row.amenities, "steps": row.steps, "remind_minutes": remind})
    return row


def _int(value, field, low, high) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise HotelError(field, _l("Give a whole number of minutes.")) from None
    if not low <= n <= high:
        raise HotelError(field, _l("Between %(low)s and %(high)s.", low=low, high=high))
    return n


def _no_cycle(steps: list[dict]) -> None:
    deps = {s["key"]: s["depends_on"] for s in steps}
    index = {s["key"]: i for i, s in enumerate(steps)}
    state: dict[str, int] = {}

    def visit(k):
        if state.get(k) == 1:
            raise HotelError(f"steps-{index[k]}-depends_on", _l("These dependencies go round in a circle."))
        if state.get(k) == 2:
            return
        state[k] = 1
        for d in deps[k]:
            visit(d)
        state[k] = 2
    for k in deps:
        visit(k)


# ---- staff: service start, grade, away ---------------------------------------------------------------

GRADES = ("staff", "supervisor", "manager", "director", "executive")  # ascending seniority
GRADE_NAMES = {"staff": _l("Staff"), "supervisor": _l("Supervisor"), "manager": _l("Manager"),
               "director": _l("Director"), "executive": _l("Executive (GM level)")}
MIN_SERVICE_MONTHS = 6


def profile_of(membership_id: int) -> HotelStaffProfile | None:
    return db.session.scalar(select(HotelStaffProfile).where(HotelStaffProfile.membership_id == membership_id))


def save_profile(actor, membership_id: int, *, service_start: date | None, grade: str,
                 today: date | None = None) -> HotelStaffProfile:
    """Record when someone's service began and their grade (made on first save)."""
    member = db.session.get(Membership, membership_id)
    if member is None:
        raise HotelError("membership_id", _l("No such staff member."), 404)
    if grade not in GRADES:
        raise HotelError("grade", _l("Choose a grade."))
    if service_start is not None and service_start > (today or utcnow().date()):
        raise HotelError("service_start", _l("The service start cannot be in the future."))
    row = profile_of(membership_id)
    if row is None:
        row = HotelStaffProfile(membership_id=membership_id, away=False)
        db.session.add(row)
    before = {"service_start": row.service_start.isoformat() if row.service_start else None, "grade": row.grade}
    row.service_start, row.grade, row.updated_by = service_start, grade, audit.actor_label(actor)
    db.session.flush()
    audit.record(actor, "hotel.staff.profile", "hotel_staff_profile", row.id, before,
                 {"service_start": service_start.isoformat() if service_start else None, "grade": grade})
    return row


def staff_rows() -> list[tuple[Membership, HotelStaffProfile | None]]:
    """Every active staff member with their hotel profile (or none yet), by name."""
    rows = db.session.execute(select(Membership, HotelStaffProfile)
                              .outerjoin(HotelStaffProfile, HotelStaffProfile.membership_id == Membership.id)
                              .where(Membership.active.is_(True))).all()
    return sorted(((m, p) for m, p in rows), key=lambda r: r[0].user.name)


def assignment_refusal(profile: HotelStaffProfile | None, level: str, on: date) -> tuple[str, object] | None:
    """Why this person may not serve a guest of ``level`` on ``on`` (field, reason), or None."""
    if profile is None or profile.service_start is None:
        return "assignee_id", _l("Record this person's service start first: nobody with under 6 months of "
                                 "service takes part in a VIP reception.")
    if profile.service_start + relativedelta(months=MIN_SERVICE_MONTHS) > on:
        return "assignee_id", _l("Under 6 months of service (since %(start)s): may not take part in a VIP "
                                 "reception.", start=profile.service_start.isoformat())
    if level == "VVIP" and GRADES.index(profile.grade) < GRADES.index("supervisor"):
        return "assignee_id", _l("A VVIP is served by supervisors or above; this person is %(grade)s.",
                                 grade=GRADE_NAMES[profile.grade])
    return None


def assign_step(actor, step: HotelStep, membership_id: int | None, tz=None) -> HotelStep:
    """Give a step to a named person (定人), or take it back (None). Refused, with the reason, when the
    staff rules forbid it for the guest's level."""
    stay = db.session.get(HotelStay, step.stay_id)
    if step.signed_at is not None:
        raise HotelError("step", _l("This step is signed already."), 409)
    if membership_id is None:
        step.assignee_id, step.assignee_name = None, None
        return step
    member = db.session.get(Membership, membership_id)
    if member is None or not member.active:
        raise HotelError("assignee_id", _l("No such staff member."))
    arrival_day = stay.arrival_at.astimezone(tz).date() if tz else stay.arrival_at.date()
    refusal = assignment_refusal(profile_of(membership_id), stay.level, arrival_day)
    if refusal:
        raise HotelError(*refusal)
    before = step.assignee_name
    step.assignee_id, step.assignee_name = member.id, member.user.name
    audit.record(actor, "hotel.step.assign", "hotel_step", step.id, {"assignee": before},
                 {"assignee": member.user.name, "key": step.key})
    return step


# ---- the planning meeting (一会一案) ------------------------------------------------------------------

def guest_history(stay: HotelStay, limit: int = 5) -> dict:
    """What the meeting reads about the guest: the member's preferences and profile, and their last
    stays with what was noted (requests, dishes). A guest who is not a member is matched by name."""
    from core.members.models import Member
    member = db.session.get(Member, stay.member_id) if stay.member_id else None
    q = select(HotelStay).where(HotelStay.id != stay.id, HotelStay.arrival_at < stay.arrival_at,
                                HotelStay.status != "cancelled")
    q = q.where(HotelStay.member_id == member.id) if member else q.where(HotelStay.guest_name == stay.guest_name)
    last = db.session.scalars(q.order_by(HotelStay.arrival_at.desc()).limit(limit)).all()
    out = {"member": None, "stays": [{"id": s.id, "arrival_at": s.arrival_at.isoformat(), "room_no": s.room_no,
                                      "level": s.level, "special_needs": s.special_needs,
                                      "notes": s.guest_notes} for s in last]}
    if member is not None:
        out["member"] = {"id": member.id, "name": member.name, "member_no": member.member_no,
                         "tier_key": member.tier_key, "preferences": dict(member.preferences or {}),
                         "hobbies": member.hobbies, "notes": member.notes,
                         "birthday": member.birthday.isoformat() if member.birthday else None}
    return out


def plan_of(stay: HotelStay) -> HotelPlan | None:
    return db.session.scalar(select(HotelPlan).where(HotelPlan.stay_id == stay.id))


def hold_meeting(actor, stay: HotelStay, *, notes: str | None, assignments: dict[int, int | None], tz=None
                 ) -> HotelPlan:
    """Record the meeting: its notes, the guest's history as read, and each step's named person.
    Every assignment is checked; one refused refuses them all (the field names the step)."""
    if stay.level_status != "approved":
        raise HotelError("level", _l("The GM has not decided this guest's level yet."), 409)
    if notes is not None and len(notes) > 4000:
        raise HotelError("notes", _l("At most %(n)s characters.", n=4000))
    steps = {s.id: s for s in db.session.scalars(select(HotelStep).where(HotelStep.stay_id == stay.id))}
    for step_id, membership_id in assignments.items():
        step = steps.get(step_id)
        if step is None:
            raise HotelError(f"assignee-{step_id}", _l("No such step."))
        if step.signed_at is not None or step.assignee_id == membership_id:
            continue
        try:
            assign_step(actor, step, membership_id, tz)
        except HotelError as e:
            raise HotelError(f"assignee-{step_id}", e.message, e.status) from None
    plan = plan_of(stay)
    if plan is None:
        plan = HotelPlan(stay_id=stay.id)
        db.session.add(plan)
    plan.notes = (notes or "").strip() or None
    plan.history = guest_history(stay)
    db.session.flush()
    audit.record(actor, "hotel.plan.meeting", "hotel_plan", plan.id, None, {"stay_id": stay.id})
    return plan


def publish_plan(actor, stay: HotelStay, now: datetime | None = None, mail: bool = True) -> HotelPlan:
    """Publish the Reception Notice to every department: each department's manager gets a task (and
    the outbox mails the holders) naming their steps, deadlines and people. Once per stay and arrival:
    publishing again after the arrival moved tells them again; otherwise it changes nothing."""
    now = now or utcnow()
    plan = plan_of(stay)
    if plan is None:
        raise HotelError("plan", _l("Hold the planning meeting first."), 409)
    steps = db.session.scalars(select(HotelStep).where(HotelStep.stay_id == stay.id)
                               .order_by(HotelStep.due_at.nulls_last(), HotelStep.id)).all()
    by_department: dict[str, list[HotelStep]] = {}
    for s in steps:
        by_department.setdefault(s.department, []).append(s)
    titles = {s.key: s.title for s in protocol.DEFAULT_STEPS}
    source = f"hotel_notice:{stay.id}:{int(stay.arrival_at.timestamp())}"
    for department, own in by_department.items():
        lines = [f"{s.title or titles.get(s.key, s.key)} — {s.due_at.isoformat() if s.due_at else ''}"
                 + (f" — {s.assignee_name}" if s.assignee_name else "") for s in own]
        open_tasks(actor, positions=[f"hotel.{department}"], source=source, due_at=stay.arrival_at - timedelta(hours=5),
                   subject=str(_l("Reception Notice: %(guest)s (%(level)s)", guest=stay.guest_name, level=stay.level)),
                   detail="\n".join(str(x) for x in lines))
    if plan.published_at is None and mail:
        _mail_departments(stay, sorted(by_department))
    plan.published_at, plan.published_by = now, audit.actor_label(actor)
    audit.record(actor, "hotel.plan.publish", "hotel_plan", plan.id, None,
                 {"stay_id": stay.id, "departments": sorted(by_department)})
    return plan


def _mail_departments(stay: HotelStay, departments: list[str]) -> None:
    """A mail to every holder of the departments' positions, through the outbox (after the commit)."""
    from core.jobs import enqueue
    from core.mail import send_mail
    wanted = {f"hotel.{d}" for d in departments}
    for m in db.session.scalars(select(Membership).where(Membership.active.is_(True))):
        if wanted & set(m.positions or ()):
            enqueue(send_mail, to=m.user.email,
                    subject=str(_l("Reception Notice: %(guest)s (%(level)s)", guest=stay.guest_name, level=stay.level)),
                    body=str(_l("The Reception Notice is published; your department's steps are on its board.")))
