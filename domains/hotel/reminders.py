"""Reminders, escalations and the GM's stand-in, run by cron every minute (``core.jobs.cron``).

- A reminder goes to the step's department (and names its person) the protocol's minutes before
  the deadline (30 by default), once per step and deadline.
- An overdue step escalates to the department manager, once per step and deadline; while the GM is
  away, the most senior manager on duty hears of it too.
- If the GM is away (the flag the GM sets on the GM's board) when a VIP arrives (000 八.4), the GM is
  told and the most senior manager on duty is notified within 1 minute — from the greeting time
  (15 min before arrival), so that they can lead the greeting party.

Every effect is a task opened once by its source (``open_tasks`` is idempotent) and a timestamp on
the step or stay, so running the job again, or twice at once, sends nothing twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import services as audit
from core.extensions import db
from core.identity.models import Membership
from core.jobs import job
from core.jobs.tenants import aware, run_for_every_tenant
from core.tasks.services import open_tasks
from domains.hotel import protocol
from domains.hotel.models import HotelProtocol, HotelStaffProfile, HotelStay, HotelStep
from domains.hotel.planning import GRADES, REMIND_MINUTES
from domains.hotel.services import HotelError

GREETING_BEFORE = timedelta(minutes=15)   # 000: the greeting party is in place 15 min before arrival
LOOK_BACK = timedelta(days=1)             # steps overdue longer than this were dealt with by hand
SYSTEM = "system"


def _title(step: HotelStep) -> str:
    titles = {s.key: s.title for s in protocol.DEFAULT_STEPS}
    return str(step.title or titles.get(step.key, step.key))


def _open(stays=None):
    q = (select(HotelStep, HotelStay).join(HotelStay, HotelStay.id == HotelStep.stay_id)
         .where(HotelStay.level_status == "approved", HotelStay.status != "cancelled",
                HotelStep.signed_at.is_(None), HotelStep.due_at.is_not(None)))
    return q


# ---- who is in --------------------------------------------------------------------------------------

def gm_away() -> bool:
    """The GM is away when every active GM has set the away flag (and there is one)."""
    gms = [m for m in db.session.scalars(select(Membership).where(Membership.active.is_(True)))
           if "hotel.gm" in (m.positions or ())]
    if not gms:
        return False
    away = set(db.session.scalars(select(HotelStaffProfile.membership_id).where(
        HotelStaffProfile.membership_id.in_([m.id for m in gms]), HotelStaffProfile.away.is_(True))))
    return all(m.id in away for m in gms)


def senior_on_duty() -> Membership | None:
    """The most senior manager in the hotel now, the GM aside: highest grade, then the longest
    service, then name. Nobody with a recorded profile who is away counts."""
    rows = db.session.execute(select(Membership, HotelStaffProfile)
                              .join(HotelStaffProfile, HotelStaffProfile.membership_id == Membership.id)
                              .where(Membership.active.is_(True), HotelStaffProfile.away.is_(False))).all()
    rows = [(m, p) for m, p in rows if "hotel.gm" not in (m.positions or ())
            and GRADES.index(p.grade) >= GRADES.index("manager")]
    if not rows:
        return None
    rows.sort(key=lambda r: (-GRADES.index(r[1].grade), r[1].service_start or datetime.max.date(), r[0].user.name))
    return rows[0][0]


def set_away(actor, principal, away: bool) -> HotelStaffProfile:
    """The GM says they are away from the hotel (or back)."""
    if "hotel.gm" not in (principal.positions or ()) or principal.membership_id is None:
        raise HotelError("away", _l("Only the general manager sets this."), 403)
    row = db.session.scalar(select(HotelStaffProfile).where(
        HotelStaffProfile.membership_id == principal.membership_id))
    if row is None:
        row = HotelStaffProfile(membership_id=principal.membership_id, grade="executive")
        db.session.add(row)
    row.away = bool(away)
    db.session.flush()
    audit.record(actor, "hotel.gm.away", "hotel_staff_profile", row.id, None, {"away": row.away})
    return row


def _tell(person: Membership, source: str, subject: str, detail: str, due_at) -> None:
    """A task for the person's first hotel position naming them, and a mail through the outbox."""
    from core.jobs import enqueue
    from core.mail import send_mail
    position = next((p for p in person.positions or () if p.startswith("hotel.")), None)
    open_tasks(SYSTEM, positions=[position], source=source, due_at=due_at, subject=subject,
               detail=f"{person.user.name}: {detail}")
    enqueue(send_mail, to=person.user.email, subject=subject, body=detail)


# ---- the run --------------------------------------------------------------------------------------

def run_reminders_for(tenant_id: int, tz, as_of: datetime | None = None) -> int:
    """One tenant's minute: reminders, escalations, the GM's stand-in. Returns how many were sent."""
    now = aware(as_of)
    sent = 0
    leads = {level: REMIND_MINUTES for level in protocol.LEVELS}
    leads.update({r.level: r.remind_minutes for r in db.session.scalars(select(HotelProtocol))})
    longest = max(leads.values())
    for step, stay in db.session.execute(_open().where(HotelStep.reminded_at.is_(None), HotelStep.due_at > now,
                                                       HotelStep.due_at <= now + timedelta(minutes=longest))).all():
        lead = leads.get(stay.level, REMIND_MINUTES)
        if lead <= 0 or step.due_at - timedelta(minutes=lead) > now:
            continue
        minutes = int((step.due_at - now).total_seconds() // 60)
        open_tasks(SYSTEM, positions=[f"hotel.{step.department}"], due_at=step.due_at,
                   source=f"hotel_remind:{step.id}:{int(step.due_at.timestamp())}",
                   subject=str(_l("Due in %(n)s min: %(step)s — %(guest)s", n=minutes, step=_title(step),
                                  guest=stay.guest_name))[:200],
                   detail=str(_l("Assigned to %(name)s.", name=step.assignee_name)) if step.assignee_name else None)
        step.reminded_at = now
        sent += 1
    away = gm_away()
    senior = senior_on_duty() if away else None
    for step, stay in db.session.execute(_open().where(HotelStep.escalated_at.is_(None), HotelStep.due_at < now,
                                                       HotelStep.due_at >= now - LOOK_BACK)).all():
        source = f"hotel_overdue:{step.id}:{int(step.due_at.timestamp())}"
        subject = str(_l("Overdue: %(step)s — %(guest)s", step=_title(step), guest=stay.guest_name))[:200]
        detail = str(_l("Due %(when)s, not signed.", when=step.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
        open_tasks(SYSTEM, positions=[f"hotel.{step.department}"], source=source, due_at=now, subject=subject,
                   detail=detail + (" " + str(_l("Assigned to %(name)s.", name=step.assignee_name))
                                    if step.assignee_name else ""))
        if senior is not None:
            _tell(senior, source, subject, detail, now)
        step.escalated_at = now
        sent += 1
    if away:
        for stay in db.session.scalars(select(HotelStay).where(
                HotelStay.level_status == "approved", HotelStay.status.in_(("upcoming", "in_house")),
                HotelStay.stand_in_notified_at.is_(None), HotelStay.arrival_at <= now + GREETING_BEFORE,
                HotelStay.arrival_at >= now - LOOK_BACK)):
            when = stay.arrival_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            subject = str(_l("The GM is away: receive %(guest)s (%(level)s)", guest=stay.guest_name,
                             level=stay.level))[:200]
            detail = str(_l("Arrival %(when)s, room %(room)s. Lead the greeting party in the GM's place.",
                            when=when, room=stay.room_no or "—"))
            if senior is not None:
                _tell(senior, f"hotel_stand_in:{stay.id}", subject, detail, now)
            open_tasks(SYSTEM, positions=["hotel.gm"], source=f"hotel_stand_in:{stay.id}", due_at=now,
                       subject=str(_l("Report: %(guest)s arrives while you are away", guest=stay.guest_name))[:200],
                       detail=str(_l("%(name)s receives the guest.", name=senior.user.name)) if senior else
                       str(_l("No manager is on duty.")))
            stay.stand_in_notified_at, stay.stand_in_name = now, senior.user.name if senior else None
            sent += 1
    db.session.flush()
    return sent


@job("periodic")
def reminders(as_of: str | None = None) -> int:
    """Every minute: reminders before deadlines, escalations of overdue steps, the GM's stand-in."""
    return run_for_every_tenant(run_reminders_for, as_of, domain="hotel")
