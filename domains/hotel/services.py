"""VIP stays and their reception timeline (贵宾接待规程, seed 000).

A stay comes from the PMS (once by its reservation number) or is entered by hand. Its level is the
GM's decision, or a request from the GM's office or sales that the GM approves or rejects. Once a
level stands, the protocol's steps for that level become the stay's timeline: each due at its
offset from the arrival, the meal or the departure; moving the arrival moves every deadline and
tells every department. A step is signed only by a position the protocol names for the level
(sealing a VVIP room: the GM's assistant, nobody else), only after the steps it depends on, and
is late when signed after its deadline. Times are stored in UTC; the seed's hours are wall-clock
offsets from the guest's own times, so they hold in any zone.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.models import utcnow
from core.tasks.services import open_tasks
from domains.hotel import protocol
from domains.hotel.models import HotelStay, HotelStep

REQUEST_SOURCES = ("office", "sales")


class HotelError(RuleError):
    """A reception rule refused the input."""


def _aware(value, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise HotelError(field, _l("Give the time with its offset, e.g. 2026-11-25T18:00:00+08:00."))
    return value


def _check_times(arrival, departure, meal, *, now: datetime, new: bool) -> None:
    if new and arrival < now - timedelta(minutes=5):
        raise HotelError("arrival_at", _l("The arrival is in the past."))
    if departure is not None and departure <= arrival:
        raise HotelError("departure_at", _l("The departure must come after the arrival."))
    if meal is not None and (meal < arrival - timedelta(days=1) or (departure is not None and meal > departure)):
        raise HotelError("meal_at", _l("The meal must fall within the stay."))


def _level(value, field="level") -> str | None:
    if value is None:
        return None
    if value not in protocol.LEVELS:
        raise HotelError(field, _l("Choose one of: %(levels)s.", levels=", ".join(protocol.LEVELS)))
    return value


def upsert_from_pms(actor, data: dict, now: datetime | None = None) -> tuple[HotelStay, bool]:
    """A stay as the PMS sends it, once by its reservation number: the same number again updates
    the times (and moves the deadlines) instead of creating a second stay. Returns (stay, created)."""
    now = now or utcnow()
    number = (data.get("reservation_no") or "").strip()
    if not number or len(number) > 40:
        raise HotelError("reservation_no", _l("The PMS reservation number is required (1 to 40 characters)."))
    arrival = _aware(data.get("arrival_at"), "arrival_at")
    if arrival is None:
        raise HotelError("arrival_at", _l("The arrival time is required."))
    departure, meal = _aware(data.get("departure_at"), "departure_at"), _aware(data.get("meal_at"), "meal_at")
    requested = _level(data.get("requested_level"), "requested_level")
    stay = db.session.scalar(select(HotelStay).where(HotelStay.reservation_no == number))
    _check_times(arrival, departure, meal, now=now, new=stay is None)
    if stay is not None:
        if stay.arrival_at != arrival:
            move_arrival(actor, stay, arrival, now=now)
        if departure != stay.departure_at or meal != stay.meal_at:
            stay.departure_at, stay.meal_at = departure, meal
            _retime(stay)
        return stay, False
    name = (data.get("guest_name") or "").strip()
    if not name or len(name) > 80:
        raise HotelError("guest_name", _l("The guest's name is required (1 to 80 characters)."))
    stay = HotelStay(reservation_no=number, guest_name=name, room_no=(data.get("room_no") or None),
                     member_id=data.get("member_id"), arrival_at=arrival, departure_at=departure, meal_at=meal,
                     special_needs=(data.get("special_needs") or None), level_status="none", status="upcoming")
    db.session.add(stay)
    db.session.flush()
    audit.record(actor, "hotel.stay.pms", "hotel_stay", stay.id, None,
                 {"reservation_no": number, "arrival_at": arrival.isoformat()})
    if requested:
        request_level(actor, stay, requested, data.get("request_source") or "sales")
    return stay, True


def request_level(actor, stay: HotelStay, level: str, source: str) -> HotelStay:
    """The GM's office (superior bodies) or sales (key accounts) asks for a level; the GM decides."""
    _level(level)
    if source not in REQUEST_SOURCES:
        raise HotelError("request_source", _l("Choose one of: %(sources)s.", sources=", ".join(REQUEST_SOURCES)))
    if stay.level_status == "approved":
        raise HotelError("level", _l("The level is decided already."), 409)
    stay.requested_level, stay.request_source = level, source
    stay.requested_by, stay.level_status = audit.actor_label(actor), "requested"
    audit.record(actor, "hotel.level.request", "hotel_stay", stay.id, None, {"level": level, "source": source})
    return stay


def decide_level(actor, principal, stay: HotelStay, *, approve: bool = True, level: str | None = None,
                 now: datetime | None = None) -> HotelStay:
    """The GM decides: directly (a level), or on a request (approve or reject). The timeline follows."""
    if "hotel.gm" not in (principal.positions or ()):
        raise HotelError("level", _l("Only the general manager decides a guest's level."), 403)
    before = {"level": stay.level, "status": stay.level_status}
    if not approve:
        if stay.level_status != "requested":
            raise HotelError("level", _l("There is no request to reject."), 409)
        stay.level_status = "rejected"
    else:
        chosen = _level(level) or stay.requested_level
        if chosen is None:
            raise HotelError("level", _l("Choose one of: %(levels)s.", levels=", ".join(protocol.LEVELS)))
        stay.level, stay.level_status = chosen, "approved"
        _build_timeline(stay, now=now)
    stay.decided_by, stay.decided_at = audit.actor_label(actor), now or utcnow()
    audit.record(actor, "hotel.level.decide", "hotel_stay", stay.id, before,
                 {"level": stay.level, "status": stay.level_status})
    return stay


def _build_timeline(stay: HotelStay, now: datetime | None = None) -> None:
    """The stay's steps from the tenant's protocol for its level, as it stands now: the stay keeps
    its own copy, so a later edit of the protocol leaves it alone."""
    from domains.hotel.planning import protocol_for
    row = protocol_for(stay.level)
    stay.amenities = list(row.amenities)
    anchors = {"arrival": stay.arrival_at, "departure": stay.departure_at, "meal": stay.meal_at}
    existing = {s.key: s for s in db.session.scalars(select(HotelStep).where(HotelStep.stay_id == stay.id))}
    for spec in row.steps:
        if spec["anchor"] == "meal" and stay.meal_at is None:
            continue
        step = existing.pop(spec["key"], None)
        if step is None:
            step = HotelStep(stay_id=stay.id, key=spec["key"])
            db.session.add(step)
        step.department, step.anchor, step.offset_minutes = spec["department"], spec["anchor"], spec["offset"]
        step.signers, step.depends_on = list(spec["signers"]), list(spec.get("depends_on") or ())
        step.title = spec.get("title") or None
        base = anchors[spec["anchor"]]
        step.due_at = None if base is None else base + timedelta(minutes=spec["offset"])
    for stale in existing.values():  # a lower level has fewer steps; signed ones stay on the record
        if stale.signed_at is None:
            db.session.delete(stale)
    db.session.flush()


def _retime(stay: HotelStay) -> None:
    anchors = {"arrival": stay.arrival_at, "departure": stay.departed_at or stay.departure_at, "meal": stay.meal_at}
    for step in db.session.scalars(select(HotelStep).where(HotelStep.stay_id == stay.id)):
        base = anchors[step.anchor]
        due = None if base is None else base + timedelta(minutes=step.offset_minutes)
        if due != step.due_at:  # a new deadline gets its own reminder and escalation
            step.due_at, step.reminded_at, step.escalated_at = due, None, None


def move_arrival(actor, stay: HotelStay, arrival: datetime, now: datetime | None = None) -> HotelStay:
    """A new arrival time moves every deadline, and every department hears of it."""
    arrival = _aware(arrival, "arrival_at")
    before = stay.arrival_at
    stay.arrival_at = arrival
    _retime(stay)
    departments = sorted({s.department for s in db.session.scalars(
        select(HotelStep).where(HotelStep.stay_id == stay.id))})
    if departments:
        open_tasks(actor, positions=[f"hotel.{d}" for d in departments],
                   source=f"hotel_arrival:{stay.id}:{int(arrival.timestamp())}", due_at=now or utcnow(),
                   subject=str(_l("Arrival moved: %(guest)s", guest=stay.guest_name)),
                   detail=str(_l("New arrival %(when)s; every deadline moved with it.", when=arrival.isoformat())))
    audit.record(actor, "hotel.stay.arrival", "hotel_stay", stay.id, {"arrival_at": before.isoformat()},
                 {"arrival_at": arrival.isoformat()})
    return stay


def record_departure(actor, stay: HotelStay, at: datetime) -> HotelStay:
    """The guest left: the departure steps count from the actual time."""
    stay.departed_at, stay.status = _aware(at, "departed_at"), "departed"
    _retime(stay)
    audit.record(actor, "hotel.stay.departed", "hotel_stay", stay.id, None, {"departed_at": at.isoformat()})
    return stay


def sign_step(actor, principal, step: HotelStep, at: datetime | None = None) -> HotelStep:
    """Sign a step as one of the positions the protocol names (nobody else, not even an admin),
    after the steps it depends on; late when after its deadline."""
    at = at or utcnow()
    if step.signed_at is not None:
        raise HotelError("step", _l("This step is signed already."), 409)
    position = next((p for p in step.signers if p in (principal.positions or ())), None)
    if position is None:
        raise HotelError("position", _l("Only these positions sign this step: %(positions)s.",
                                        positions=", ".join(step.signers)), 403)
    if step.depends_on:
        waiting = db.session.scalars(select(HotelStep.key).where(
            HotelStep.stay_id == step.stay_id, HotelStep.key.in_(step.depends_on),
            HotelStep.signed_at.is_(None))).all()
        if waiting:
            raise HotelError("step", _l("Sign these first: %(steps)s.", steps=", ".join(sorted(waiting))), 409)
    step.signed_at, step.signed_by, step.signed_position = at, audit.actor_label(actor), position
    step.late = step.due_at is not None and at > step.due_at
    audit.record(actor, "hotel.step.sign", "hotel_step", step.id, None,
                 {"key": step.key, "late": step.late, "position": position})
    return step


def steps_query(stay_id: int):
    return select(HotelStep).where(HotelStep.stay_id == stay_id).order_by(HotelStep.due_at.nulls_last(), HotelStep.id)


# ---- the boards (部门看板 and the GM's overview) ----------------------------------------------------

DEPARTMENTS = tuple(dict.fromkeys(s.department for s in protocol.DEFAULT_STEPS))


def department_of(positions) -> str | None:
    """The first department one of these positions runs (``hotel.engineering`` → ``engineering``)."""
    for p in positions or ():
        short = p.split(".", 1)[-1]
        if short in DEPARTMENTS:
            return short
    return None


def _window(now: datetime, tz) -> tuple[datetime, datetime]:
    """Today and tomorrow in the hotel's zone, and anything still open from yesterday."""
    local = now.astimezone(tz)
    start = datetime(local.year, local.month, local.day, tzinfo=tz)
    return start - timedelta(days=1), start + timedelta(days=2)


BOARD_OPEN_ROWS = 60    # the most urgent unsigned steps a board lists (overdue first)
BOARD_SIGNED_ROWS = 15  # and the latest signed ones, so a signature is seen on every screen


def board_rows(department: str, now: datetime, tz) -> list[tuple[HotelStep, HotelStay]]:
    """A department's VIP steps of today and tomorrow (and any still open from yesterday): the most
    urgent unsigned ones first, then the latest signed. With 200 VIP stays a day a department has
    hundreds of steps; a board shows what needs doing next."""
    lo, hi = _window(now, tz)
    base = (select(HotelStep, HotelStay).join(HotelStay, HotelStay.id == HotelStep.stay_id)
            .where(HotelStep.department == department, HotelStay.level_status == "approved",
                   HotelStay.status != "cancelled", HotelStep.due_at >= lo, HotelStep.due_at < hi))
    open_ = db.session.execute(base.where(HotelStep.signed_at.is_(None))
                               .order_by(HotelStep.due_at, HotelStep.id).limit(BOARD_OPEN_ROWS)).all()
    signed = db.session.execute(base.where(HotelStep.signed_at.is_not(None))
                                .order_by(HotelStep.signed_at.desc(), HotelStep.id).limit(BOARD_SIGNED_ROWS)).all()
    return [tuple(r) for r in open_] + [tuple(r) for r in signed]


def gm_overview(now: datetime, tz) -> list[dict]:
    """Every VIP stay of today and tomorrow on one screen: steps signed, late, and the next one
    due — counted in the database, one row per stay."""
    from sqlalchemy import and_, case, func
    lo, hi = _window(now, tz)
    open_step = HotelStep.signed_at.is_(None)
    late = case((HotelStep.late.is_(True), 1), (and_(open_step, HotelStep.due_at < now), 1), else_=0)
    counts = (select(HotelStep.stay_id, func.count().label("total"),
                     func.count(HotelStep.signed_at).label("signed"), func.sum(late).label("late"),
                     func.min(case((open_step, HotelStep.due_at))).label("next_due"))
              .group_by(HotelStep.stay_id).subquery())
    rows = db.session.execute(
        select(HotelStay, counts.c.total, counts.c.signed, counts.c.late, counts.c.next_due)
        .join(counts, counts.c.stay_id == HotelStay.id)
        .where(HotelStay.level_status == "approved", HotelStay.status != "cancelled",
               HotelStay.arrival_at >= lo, HotelStay.arrival_at < hi).order_by(HotelStay.arrival_at)).all()
    ids = [r[0].id for r in rows]
    next_keys, signed_keys = {}, {}
    if ids:
        for stay_id, key, due, signed_at in db.session.execute(
                select(HotelStep.stay_id, HotelStep.key, HotelStep.due_at, HotelStep.signed_at)
                .where(HotelStep.stay_id.in_(ids))):
            if signed_at is not None:
                signed_keys.setdefault(stay_id, []).append(key)
            elif due is not None:
                best = next_keys.get(stay_id)
                if best is None or due < best[1]:
                    next_keys[stay_id] = (key, due)
    return [{"stay": stay, "total": total, "signed": signed, "late": int(late or 0),
             "next": next_keys.get(stay.id), "signed_keys": sorted(signed_keys.get(stay.id, []))}
            for stay, total, signed, late, _next_due in rows]


# ---- the three forms (贵宾接待通知单 / 贵宾封房确认表 / 贵宾抵离通知单) -----------------------------------

FORMS = {
    "notice": None,  # every step: the notice breaks the reception down to each department
    "sealing": ("housekeeping", "engineering", "qa_final", "sealing", "fnb_sealed", "fnb_qa"),
    "departure": ("send_off", "departure_told", "left_items", "departure_notice"),
}


def form_content(stay: HotelStay, form: str, tz) -> dict:
    """What a printed form shows: its title, the stay's particulars, and its steps with deadlines
    and signatures (who and when, or a blank line)."""
    from flask_babel import format_datetime, gettext as _
    if form not in FORMS:
        raise HotelError("form", _l("No such form."), 404)
    titles = {"notice": _("VIP Reception Notice"), "sealing": _("VIP Room Sealing Confirmation"),
              "departure": _("VIP Arrival/Departure Notice")}
    amenities = {"fruit_a": _("A fruit basket"), "fruit_b": _("B fruit basket"), "fruit_c": _("C fruit basket"),
                 "flowers_a": _("A flowers"), "flowers_b": _("B flowers"), "flowers_c": _("C flowers"),
                 "banner": _("banner"), "lobby_sign": _("lobby welcome sign"),
                 "flowers_on_arrival": _("flowers presented on arrival")}

    def when(dt):
        return format_datetime(dt.astimezone(tz), "yyyy-MM-dd HH:mm") if dt else ""
    particulars = [(_("Guest"), stay.guest_name), (_("Level"), stay.level or ""), (_("Room"), stay.room_no or ""),
                   (_("Arrival"), when(stay.arrival_at)), (_("Departure"), when(stay.departed_at or stay.departure_at))]
    if form == "notice":
        particulars.append((_("Amenities"), ", ".join(str(amenities.get(a, a)) for a in (
            stay.amenities if stay.amenities is not None else protocol.AMENITIES.get(stay.level, ())))))
        if stay.special_needs:
            particulars.append((_("Special needs"), stay.special_needs))
        from domains.hotel.planning import plan_of
        plan = plan_of(stay)
        if plan is not None and plan.notes:  # what the planning meeting (一会一案) agreed
            particulars.append((_("What the meeting agreed"), plan.notes))
    if form == "sealing" and stay.meal_at:
        particulars.append((_("Private dining room checklist"), _(
            "room temperature, linen, tableware, menu set-up, no insects, carpet, hygiene, flowers, lights")))
    titles_by_key = {s.key: str(s.title) for s in protocol.DEFAULT_STEPS}
    keys = FORMS[form]
    steps = [s for s in db.session.scalars(steps_query(stay.id)) if keys is None or s.key in keys]
    rows = [[s.title or titles_by_key.get(s.key, s.key), s.department, when(s.due_at),
             (f"{s.signed_by} · {when(s.signed_at)}" + (f" ({_('late')})" if s.late else "")) if s.signed_at
             else "______________"] for s in steps]
    if form == "notice":  # the planning meeting broke each step down to a named person (定人)
        for row, s in zip(rows, steps):
            if s.assignee_name:
                row[0] = f"{row[0]} · {_('assigned to %(name)s', name=s.assignee_name)}"
    return {"title": titles[form], "particulars": particulars,
            "header": [_("Step"), _("Department"), _("Due"), _("Signature")], "rows": rows}
