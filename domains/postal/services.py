"""The postal bureau's rules for its VIP clients (邮政VIP客户管理, 001 "vip客户管理制度篇3": 三优一超).

This module: who may act for a client (the client manager, their lead, an admin), the visit cadence
per tier (tenant-configurable), the yearly marketing service plan (营销服务方案) with its agreed
preferential prices (优惠服务, per national/provincial/city rule, while valid), and stationing
(派驻制) with its daily log. Visits and promises live in ``visits.py``; the five priorities and the
11185 hotline in ``hotline.py``; greetings and the club in ``club.py``; reports in ``reports.py``.
Plain functions; the caller commits.
"""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership
from core.members.models import Member
from core.models import utcnow
from domains.postal.models import (RULE_LEVELS, SERVICES, PostalCadence, PostalHoliday, PostalPlan, PostalPrice,
                                   PostalStation, PostalStationLog)

MANAGER = "postal.client_manager"
LEAD = "postal.lead"
# the departments a promise is routed to (协调内部各部门): each a position of this domain
DEPARTMENTS = ("mail", "parcels", "finance", "philately", "delivery", "customer_service")
# CHOSEN (the seed says "定期走访" without numbers): SVIP monthly, VIP quarterly; the tenant changes them
DEFAULT_CADENCE = {"svip": 30, "vip": 91}
SERVICE_NAMES = {"mail": _l("Mail"), "parcels": _l("Parcels and express"), "finance": _l("Postal finance"),
                 "philately": _l("Philately")}
RULE_NAMES = {"national": _l("National rule"), "provincial": _l("Provincial rule"), "city": _l("City rule")}
VISIT_STATUS_NAMES = {"planned": _l("Planned"), "done": _l("Logged"), "cancelled": _l("Cancelled")}


class PostalError(RuleError):
    """A postal rule refused the input."""


# ---- who may act for a client ---------------------------------------------------------------------

def is_lead(principal) -> bool:
    return principal.has_role("admin") or LEAD in (principal.positions or ())


def client(member_id) -> Member:
    """The client by id, or 404 "unknown client" (of this tenant: scoping is global)."""
    member = db.session.get(Member, member_id) if isinstance(member_id, int) else None
    if member is None:
        raise PostalError("member_id", _l("Unknown client."), 404)
    return member


def check_may_serve(principal, member: Member) -> None:
    """A client manager acts for their own clients only; the lead and admins for all (403 otherwise)."""
    if is_lead(principal):
        return
    if principal.membership_id is None or member.client_manager_id != principal.membership_id:
        raise PostalError("member_id", _l("%(name)s is another manager's client.", name=member.name), 403)


def manager_of(member: Member) -> Membership:
    if member.client_manager_id is None:
        raise PostalError("member_id", _l("%(name)s has no client manager yet.", name=member.name), 409)
    return db.session.get(Membership, member.client_manager_id)


# ---- visit cadence per tier (走访周期) ---------------------------------------------------------------

def cadences() -> dict[str, int]:
    """tier key → days between visits; the defaults until the tenant sets its own."""
    rows = db.session.scalars(select(PostalCadence)).all()
    return {r.tier_key: r.every_days for r in rows} if rows else dict(DEFAULT_CADENCE)


def ensure_cadences() -> None:
    """Store the defaults for a tenant that has none, so planning (SQL) reads them from the table."""
    if db.session.scalar(select(PostalCadence.id).limit(1)) is None:
        for key, days in DEFAULT_CADENCE.items():
            db.session.add(PostalCadence(tier_key=key, every_days=days))
        db.session.flush()


def set_cadences(actor, values: dict[str, int]) -> dict[str, int]:
    """Replace the tenant's cadences: ``{"svip": 30, "vip": 91}`` (1 to 366 days; empty refused)."""
    if not values:
        raise PostalError("cadences", _l("Give at least one tier and its days between visits."))
    for key, days in values.items():
        if not re.fullmatch(r"[a-z0-9_]{1,32}", key or ""):
            raise PostalError("cadences", _l("Unknown tier key: %(key)s.", key=key))
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 366:
            raise PostalError("cadences", _l("Days between visits are 1 to 366."))
    before = cadences()
    for row in db.session.scalars(select(PostalCadence)).all():
        db.session.delete(row)
    db.session.flush()
    for key, days in sorted(values.items()):
        db.session.add(PostalCadence(tier_key=key, every_days=days))
    db.session.flush()
    audit.record(actor, "postal.cadence", "postal_cadence", None, before, dict(values))
    return cadences()


# ---- the marketing service plan (营销服务方案) and agreed prices (优惠服务) ------------------------------

def plan_of(member_id: int, year: int) -> PostalPlan | None:
    return db.session.scalar(select(PostalPlan).where(PostalPlan.member_id == member_id, PostalPlan.year == year))


def save_plan(actor, principal, member: Member, *, year: int, needs=None, services=(), goals=None,
              yearly_goal_fen=None) -> PostalPlan:
    """Write (or rewrite) a client's plan for a year."""
    check_may_serve(principal, member)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise PostalError("year", _l("A year between 2000 and 2100."))
    unknown = [s for s in services or () if s not in SERVICES]
    if unknown:
        raise PostalError("services", _l("Choose from: %(choices)s.", choices=", ".join(SERVICES)))
    if yearly_goal_fen is not None and (not isinstance(yearly_goal_fen, int) or yearly_goal_fen < 0):
        raise PostalError("yearly_goal_fen", _l("The yearly goal is an amount in fen, not negative."))
    plan = plan_of(member.id, year)
    before = None
    if plan is None:
        plan = PostalPlan(member_id=member.id, year=year)
        db.session.add(plan)
    else:
        before = {"needs": plan.needs, "services": plan.services, "yearly_goal_fen": plan.yearly_goal_fen}
    plan.needs, plan.goals = (needs or "").strip() or None, (goals or "").strip() or None
    plan.services = sorted(set(services or ()), key=SERVICES.index)
    plan.yearly_goal_fen = yearly_goal_fen
    plan.updated_at, plan.updated_by = utcnow(), audit.actor_label(actor)
    db.session.flush()
    audit.record(actor, "postal.plan", "postal_plan", plan.id, before,
                 {"needs": plan.needs, "services": plan.services, "yearly_goal_fen": plan.yearly_goal_fen})
    return plan


def add_price(actor, principal, plan: PostalPlan, *, service: str, item: str, rule_level: str,
              list_price_fen: int, agreed_price_fen: int, valid_from: date, valid_until: date,
              rule_ref: str | None = None) -> PostalPrice:
    """An agreed preferential price: never above the list price, valid from a day to a later day."""
    check_may_serve(principal, client(plan.member_id))
    if service not in SERVICES:
        raise PostalError("service", _l("Choose from: %(choices)s.", choices=", ".join(SERVICES)))
    if rule_level not in RULE_LEVELS:
        raise PostalError("rule_level", _l("Choose from: %(choices)s.", choices=", ".join(RULE_LEVELS)))
    item = (item or "").strip()
    if not item or len(item) > 120:
        raise PostalError("item", _l("Name the item (1 to 120 characters)."))
    for name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if not isinstance(value, date):
            raise PostalError(name, _l("Give the day as YYYY-MM-DD."))
    if list_price_fen < 0 or agreed_price_fen < 0:
        raise PostalError("agreed_price_fen", _l("Prices are amounts in fen, not negative."))
    if agreed_price_fen > list_price_fen:
        raise PostalError("agreed_price_fen", _l("A preferential price is not above the list price."))
    if valid_until < valid_from:
        raise PostalError("valid_until", _l("The price must be valid until a day after it starts."))
    price = PostalPrice(plan_id=plan.id, service=service, item=item, rule_level=rule_level,
                        rule_ref=(rule_ref or "").strip() or None, list_price_fen=list_price_fen,
                        agreed_price_fen=agreed_price_fen, valid_from=valid_from, valid_until=valid_until)
    db.session.add(price)
    db.session.flush()
    audit.record(actor, "postal.price", "postal_price", price.id, None,
                 {"plan_id": plan.id, "item": item, "agreed_price_fen": agreed_price_fen,
                  "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()})
    return price


def prices_of(plan_id: int, on: date | None = None) -> list[PostalPrice]:
    q = select(PostalPrice).where(PostalPrice.plan_id == plan_id).order_by(PostalPrice.service, PostalPrice.id)
    if on is not None:
        q = q.where(PostalPrice.valid_from <= on, PostalPrice.valid_until >= on)
    return list(db.session.scalars(q))


# ---- holidays the bureau greets on (节日慰问) ----------------------------------------------------------

def set_holiday(actor, day: date, name: str) -> PostalHoliday:
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise PostalError("name", _l("Name the holiday (1 to 60 characters)."))
    row = db.session.scalar(select(PostalHoliday).where(PostalHoliday.day == day))
    if row is None:
        row = PostalHoliday(day=day, name=name)
        db.session.add(row)
    row.name = name
    db.session.flush()
    audit.record(actor, "postal.holiday", "postal_holiday", row.id, None, {"day": day.isoformat(), "name": name})
    return row


# ---- stationing (派驻制) -------------------------------------------------------------------------------

_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def station_staff(actor, principal, member: Member, *, staff: Membership | None, location: str, weekdays,
                  opens: str, closes: str, starts_on: date, ends_on: date | None = None) -> PostalStation:
    """Station a person at a large client's mailing location on a weekly schedule."""
    check_may_serve(principal, member)
    if staff is None or not staff.active:
        raise PostalError("staff_id", _l("Choose an active member of staff."))
    location = (location or "").strip()
    if not location or len(location) > 200:
        raise PostalError("location", _l("Say where (1 to 200 characters)."))
    days = sorted({int(d) for d in weekdays or ()}) if all(str(d).isdigit() for d in weekdays or ()) else []
    if not days or any(d < 1 or d > 7 for d in days):
        raise PostalError("weekdays", _l("Name at least one weekday, 1 (Monday) to 7 (Sunday)."))
    if not _HHMM.fullmatch(opens or "") or not _HHMM.fullmatch(closes or ""):
        raise PostalError("opens", _l("A time of day as HH:MM, e.g. 09:00."))
    if closes <= opens:
        raise PostalError("closes", _l("The stationed hours must end after they start."))
    if ends_on is not None and ends_on < starts_on:
        raise PostalError("ends_on", _l("The stationing must end after it starts."))
    station = PostalStation(member_id=member.id, staff_id=staff.id, location=location, weekdays=days, opens=opens,
                            closes=closes, starts_on=starts_on, ends_on=ends_on)
    db.session.add(station)
    db.session.flush()
    audit.record(actor, "postal.station", "postal_station", station.id, None,
                 {"member_id": member.id, "staff_id": staff.id, "location": location})
    return station


def on_duty(station: PostalStation, day: date) -> bool:
    """Whether the schedule has the stationed person on site that day."""
    return (station.starts_on <= day and (station.ends_on is None or day <= station.ends_on)
            and day.isoweekday() in (station.weekdays or ()))


def log_station_day(actor, principal, station: PostalStation, *, day: date, items_handled: int = 0, needs=None,
                    notes=None, today: date | None = None) -> PostalStationLog:
    """The stationed person's log of a day on site, once per day (the same day again rewrites it)."""
    if not (principal.membership_id == station.staff_id or is_lead(principal)):
        raise PostalError("station_id", _l("Only the stationed person or the lead writes this log."), 403)
    if not isinstance(day, date):
        raise PostalError("day", _l("Give the day as YYYY-MM-DD."))
    if today is not None and day > today:
        raise PostalError("day", _l("A day's log is written on or after the day."))
    if not on_duty(station, day):
        raise PostalError("day", _l("The schedule has nobody on site that day."))
    if not isinstance(items_handled, int) or items_handled < 0:
        raise PostalError("items_handled", _l("A count, not negative."))
    row = db.session.scalar(select(PostalStationLog).where(PostalStationLog.station_id == station.id,
                                                            PostalStationLog.day == day))
    if row is None:
        row = PostalStationLog(station_id=station.id, day=day, author=audit.actor_label(actor))
        db.session.add(row)
    row.items_handled, row.needs, row.notes = items_handled, (needs or "").strip() or None, (notes or "").strip() or None
    db.session.flush()
    audit.record(actor, "postal.station_log", "postal_station_log", row.id, None,
                 {"station_id": station.id, "day": day.isoformat(), "items_handled": items_handled})
    return row
