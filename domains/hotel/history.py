"""Guest history and the hotel's reports and card calendar (001 星级酒店VIP客户的管理制度, 000).

- each VIP's stays, requests and preferences, for the next visit (面客部门记住客人的消费习惯、个人爱好);
- the on-time rate of the reception steps per department and step;
- the star-hotel card's calendar, run hourly by cron and idempotent: on a card holder's birthday a
  1 lb cake or a bottle of the hotel's red wine when the guest is in house (F&B), otherwise a birthday
  card by post (sales, 7 days ahead so that it arrives on time), once a year; on the 1st of each month
  the top 10 by spend for the marketing meeting; every 2 months the points statements to post.
"""
from __future__ import annotations

from calendar import isleap
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, extract, func, or_, select

from core.audit import services as audit
from core.extensions import db
from core.jobs import job
from core.jobs.tenants import aware, run_for_every_tenant
from core.members.models import Member
from core.tasks.models import Task
from core.tasks.services import open_tasks
from domains.hotel.models import HotelStay, HotelStep
from domains.hotel.services import HotelError

SYSTEM = "system"
CARD_AHEAD_DAYS = 7            # CHOSEN: a card by post is sent a week ahead, so it arrives on the day
STATEMENT_MONTHS = 2           # 001: the points statement every 2 months
TOP = 10                       # 001: the VIP top 10 by spend at the monthly marketing meeting


# ---- guest history ------------------------------------------------------------------------------------

def guest_page(member_id: int) -> dict:
    """A member's stays (newest first, with what was noted), service requests and preferences."""
    from core.service.models import ServiceRequest
    member = db.session.get(Member, member_id)
    if member is None:
        raise HotelError("member_id", _l("No such guest."), 404)
    stays = db.session.scalars(select(HotelStay).where(HotelStay.member_id == member_id)
                               .order_by(HotelStay.arrival_at.desc()).limit(50)).all()
    requests = db.session.scalars(select(ServiceRequest).where(ServiceRequest.member_id == member_id)
                                  .order_by(ServiceRequest.received_at.desc()).limit(50)).all()
    return {"member": member, "stays": stays, "requests": requests,
            "preferences": dict(member.preferences or {})}


def note_guest(actor, stay: HotelStay, notes: str | None) -> HotelStay:
    """What the staff noted during the stay (requests, dishes, likes), read at the next meeting."""
    notes = (notes or "").strip()
    if len(notes) > 4000:
        raise HotelError("guest_notes", _l("At most %(n)s characters.", n=4000))
    before = stay.guest_notes
    stay.guest_notes = notes or None
    audit.record(actor, "hotel.stay.notes", "hotel_stay", stay.id, {"notes": before}, {"notes": stay.guest_notes})
    return stay


# ---- on-time rate per department and step ----------------------------------------------------------------

def on_time_rates(tz, first: date, last: date, as_of: datetime) -> dict:
    """Steps due between ``first`` and ``last`` (tenant dates, inclusive) of approved stays: how many
    were due by now, signed on time, signed late, still open past their deadline, and the on-time rate
    (on time ÷ due by now). Rows by department and by department and step."""
    if last < first:
        raise HotelError("last", _l("The last day comes before the first."))
    if (last - first).days > 366:
        raise HotelError("last", _l("At most a year."))
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    due_by_now = HotelStep.due_at <= as_of
    on_time = and_(HotelStep.signed_at.is_not(None), HotelStep.late.is_(False))
    late = or_(HotelStep.late.is_(True), and_(HotelStep.signed_at.is_(None), due_by_now))
    overdue = and_(HotelStep.signed_at.is_(None), due_by_now)

    def counts(*group):
        return db.session.execute(
            select(*group, func.count().label("steps"),
                   func.sum(case((or_(due_by_now, HotelStep.signed_at.is_not(None)), 1), else_=0)).label("due"),
                   func.sum(case((on_time, 1), else_=0)).label("on_time"),
                   func.sum(case((late, 1), else_=0)).label("late"),
                   func.sum(case((overdue, 1), else_=0)).label("open_overdue"))
            .join(HotelStay, HotelStay.id == HotelStep.stay_id)
            .where(HotelStay.level_status == "approved", HotelStay.status != "cancelled",
                   HotelStep.due_at >= start, HotelStep.due_at < end)
            .group_by(*group).order_by(*group)).all()

    def row(r, **extra):
        due, ok = int(r.due or 0), int(r.on_time or 0)
        return {**extra, "steps": int(r.steps), "due": due, "on_time": ok, "late": int(r.late or 0),
                "open_overdue": int(r.open_overdue or 0), "rate": (ok / due) if due else None}
    return {"departments": [row(r, department=r.department) for r in counts(HotelStep.department)],
            "steps": [row(r, department=r.department, key=r.key)
                      for r in counts(HotelStep.department, HotelStep.key)]}


# ---- the card's calendar ------------------------------------------------------------------------------

def _task_made(source: str) -> bool:
    return db.session.scalar(select(Task.id).where(Task.source == source).limit(1)) is not None


def _birthday_in(member_birthday: date, year: int) -> date:
    if (member_birthday.month, member_birthday.day) == (2, 29) and not isleap(year):
        return date(year, 2, 28)
    return member_birthday.replace(year=year)


def _stay_on(member_id: int, start: datetime, end: datetime, *, in_house_only: bool) -> HotelStay | None:
    """The member's stay covering [start, end): booked (or in house) over that time."""
    q = select(HotelStay).where(HotelStay.member_id == member_id, HotelStay.status != "cancelled",
                                HotelStay.arrival_at < end,
                                or_(HotelStay.departure_at.is_(None), HotelStay.departure_at > start),
                                HotelStay.departed_at.is_(None))
    if in_house_only:
        q = q.where(or_(HotelStay.status == "in_house", HotelStay.arrival_at <= start))
    return db.session.scalars(q.order_by(HotelStay.arrival_at)).first()


def birthdays_for(tenant_id: int, tz, as_of: datetime | None = None) -> int:
    """On a card holder's birthday, in house: a 1 lb cake or a bottle of the hotel's red wine (F&B).
    Not staying then: a birthday card by post, opened 7 days ahead for sales. Once a year each."""
    now = aware(as_of)
    today = now.astimezone(tz).date()
    made = 0
    days = [today + timedelta(days=n) for n in range(CARD_AHEAD_DAYS + 1)]
    pairs = {(d.month, d.day) for d in days} | {(2, 29) for d in days if (d.month, d.day) == (2, 28)}
    on_days = or_(*(and_(extract("month", Member.birthday) == m, extract("day", Member.birthday) == d)
                    for m, d in sorted(pairs)))
    members = db.session.scalars(select(Member).where(Member.tier_key.is_not(None), Member.birthday.is_not(None),
                                                      on_days))
    for m in members:
        for year in (today.year, today.year + 1):
            day = _birthday_in(m.birthday, year)
            start = datetime(day.year, day.month, day.day, tzinfo=tz)
            if day == today:
                source = f"hotel_bday_cake:{year}:{m.id}"
                stay = _stay_on(m.id, now, now + timedelta(minutes=1), in_house_only=True)
                if stay is not None and not _task_made(source):
                    open_tasks(SYSTEM, positions=["hotel.fnb"], source=source, member_id=m.id,
                               due_at=min(start + timedelta(days=1), now + timedelta(hours=2)),
                               subject=str(_l("Birthday in house: a 1 lb cake or a bottle of red wine for %(name)s",
                                              name=m.name))[:200],
                               detail=str(_l("Room %(room)s. Deliver with the GM's card.", room=stay.room_no or "—")))
                    made += 1
            if today <= day <= today + timedelta(days=CARD_AHEAD_DAYS) and day - timedelta(days=CARD_AHEAD_DAYS) <= today:
                source = f"hotel_bday_card:{year}:{m.id}"
                if _task_made(source) or _stay_on(m.id, start, start + timedelta(days=1), in_house_only=False):
                    continue
                open_tasks(SYSTEM, positions=["hotel.sales"], source=source, member_id=m.id,
                           due_at=start - timedelta(days=CARD_AHEAD_DAYS - 2) if day - today > timedelta(days=2)
                           else now + timedelta(hours=4),
                           subject=str(_l("Post a birthday card to %(name)s (birthday %(day)s)", name=m.name,
                                          day=day.isoformat()))[:200],
                           detail=str(_l("Address: %(address)s", address=m.address or "—")))
                made += 1
    return made


def top_spenders_for(tenant_id: int, tz, as_of: datetime | None = None) -> int:
    """On the 1st of the month: last month's VIP top 10 by spend, for the marketing meeting."""
    from core.reports.services import top_members
    now = aware(as_of)
    today = now.astimezone(tz).date()
    if today.day != 1:
        return 0
    month = today - relativedelta(months=1)
    source = f"hotel_top10:{month:%Y-%m}"
    if _task_made(source):
        return 0
    rows = top_members(tz, month.replace(day=1), TOP)
    lines = [f"{r['rank']}. {r['name']} ({r['member_no']}) ¥{r['spend_fen'] / 100:,.2f}" for r in rows]
    open_tasks(SYSTEM, positions=["hotel.marketing"], source=source, due_at=now + timedelta(days=7),
               subject=str(_l("VIP top 10 by spend, %(month)s: for the marketing meeting", month=f"{month:%Y-%m}")),
               detail="\n".join(lines) or str(_l("No spend last month.")))
    return 1


def statements_for(tenant_id: int, tz, as_of: datetime | None = None) -> int:
    """Every 2 months (on the 1st of January, March, May …): each card holder's points statement for
    the 2 months just ended, mailed through the outbox to those with an address on file, and a task
    for sales to post the others."""
    from core.jobs import enqueue
    from core.mail import send_mail
    from core.points.services import statement
    now = aware(as_of)
    today = now.astimezone(tz).date()
    if today.day != 1 or today.month % STATEMENT_MONTHS != 1:
        return 0
    first = today - relativedelta(months=STATEMENT_MONTHS)
    source = f"hotel_statements:{today:%Y-%m}"
    if _task_made(source):
        return 0
    since = datetime(first.year, first.month, 1, tzinfo=tz)
    until = datetime(today.year, today.month, 1, tzinfo=tz)
    by_post = []
    members = db.session.scalars(select(Member).where(Member.tier_key.is_not(None)).order_by(Member.member_no)).all()
    for m in members:
        s = statement(m.id, since, until)
        body = str(_l("Points from %(since)s to %(until)s: opening %(opening)s, closing %(closing)s.",
                      since=f"{since:%Y-%m-%d}", until=f"{until - timedelta(days=1):%Y-%m-%d}",
                      opening=s["opening"], closing=s["closing"]))
        if m.email:
            enqueue(send_mail, to=m.email, subject=str(_l("Your points statement")), body=body)
        else:
            by_post.append(f"{m.name} ({m.member_no}): {body}")
    open_tasks(SYSTEM, positions=["hotel.sales"], source=source, due_at=now + timedelta(days=5),
               subject=str(_l("Points statements for %(n)s card holders: post %(post)s of them",
                              n=len(members), post=len(by_post))),
               detail="\n".join(by_post)[:20000] or None)
    return len(members)


def calendar_for(tenant_id: int, tz, as_of: datetime | None = None) -> int:
    return (birthdays_for(tenant_id, tz, as_of) + top_spenders_for(tenant_id, tz, as_of)
            + statements_for(tenant_id, tz, as_of))


@job("periodic")
def hotel_calendar(as_of: str | None = None) -> int:
    """Hourly: birthdays, the monthly top 10 and the statements, in every hotel tenant."""
    return run_for_every_tenant(calendar_for, as_of, domain="hotel")
