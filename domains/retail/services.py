"""The retail till (收银台) and the stores behind it, on the loyalty engine.

Everything about tiers, prices, points and cards is the engine's (``core``); this module only adds
what a shop needs around it: stores and who works in them, the search a cashier types or scans,
the card's state shown at the till, the sale rung up at a store by a cashier, and the VIP
registration handed over at the till with the member's personal link to register online within
the scheme's registration days (001 第七条: 30 days; until then the card is a discount card only).
Nothing here is tied to 8.8: the prices and thresholds come from whatever scheme the tenant runs.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.members import services as members
from core.members.models import Card, Member
from core.models import utcnow
from core.purchases import services as purchases
from core.tenancy.context import unscoped
from core.tiers import services as tiers
from domains.retail.models import RetailRegistration, RetailSale, RetailStore, RetailStoreStaff

TILL_POSITIONS = ("retail.cashier", "retail.store_manager")


class RetailError(RuleError):
    """A retail rule refused the input."""


# ---- stores --------------------------------------------------------------------------------------

def create_store(actor, *, code: str, name: str, address: str | None = None) -> RetailStore:
    code, name = (code or "").strip().upper(), (name or "").strip()
    if not re.fullmatch(r"[A-Z0-9\-]{1,20}", code):
        raise RetailError("code", _l("A store code has 1 to 20 letters, digits or dashes."))
    if not name or len(name) > 120:
        raise RetailError("name", _l("A store name of 1 to 120 characters is required."))
    if db.session.scalar(select(RetailStore.id).where(RetailStore.code == code)) is not None:
        raise RetailError("code", _l("Another store already has this code."), 409)
    store = RetailStore(code=code, name=name, address=(address or "").strip()[:300] or None, active=True)
    db.session.add(store)
    db.session.flush()
    audit.record(actor, "retail.store.create", "retail_store", store.id, None, {"code": code, "name": name})
    return store


def assign_staff(actor, store: RetailStore, membership_id: int) -> RetailStoreStaff:
    from core.identity.models import Membership
    if db.session.get(Membership, membership_id) is None:
        raise RetailError("membership_id", _l("No such staff member."), 404)
    link = db.session.scalar(select(RetailStoreStaff).where(RetailStoreStaff.store_id == store.id,
                                                            RetailStoreStaff.membership_id == membership_id))
    if link is None:
        link = RetailStoreStaff(store_id=store.id, membership_id=membership_id)
        db.session.add(link)
        db.session.flush()
        audit.record(actor, "retail.store.staff", "retail_store", store.id, None, {"membership_id": membership_id})
    return link


def stores_for(principal) -> list[RetailStore]:
    """The stores this person may ring up sales in: their own, or every store for managers and admins."""
    q = select(RetailStore).where(RetailStore.active.is_(True)).order_by(RetailStore.code)
    if not principal.has_role("manager"):
        q = q.join(RetailStoreStaff, RetailStoreStaff.store_id == RetailStore.id).where(
            RetailStoreStaff.membership_id == principal.membership_id)
    return list(db.session.scalars(q))


def store_for(principal, store_id: int | None) -> RetailStore:
    stores = stores_for(principal)
    if not stores:
        raise RetailError("store_id", _l("You belong to no store yet: ask the store manager to add you."), 403)
    if store_id is None:
        return stores[0]
    for store in stores:
        if store.id == store_id:
            return store
    raise RetailError("store_id", _l("You do not work in this store."), 403)


# ---- finding the customer at the till ----------------------------------------------------------

_DATE = re.compile(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?")


def find_customer(query: str) -> tuple[str, list[Member]]:
    """What the cashier typed or scanned, in the seed's order: a card number, a phone, a birthday
    (to tell namesakes apart: ``name 1990-05-17``), a full name."""
    text = (query or "").strip()
    if not text:
        return "none", []
    card = members.find_card(text)
    if card is not None and card.status == "active":
        return "card", [db.session.get(Member, card.member_id)]
    how, found = members.lookup(phone=text)
    if found:
        return how, found
    birthday, name = None, text
    m = _DATE.search(text)
    if m:
        try:
            birthday = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            birthday = None
        name = (text[:m.start()] + text[m.end():]).strip()
    return members.lookup(name=name or None, birthday=birthday)


@dataclass(frozen=True)
class CardState:
    """What the till shows about a customer's card."""
    state: str                      # vip | discount_only | registration_open | accumulation | none
    card_number: str | None
    card_kind: str | None
    tier_key: str | None
    tier_name: str | None
    registration_deadline: datetime | None
    earns_points: bool
    parking_hours: int = 0          # the mall's cards: free parking per visit
    discount_rate: object = None    # the tier's pay-rate on regular items (Decimal), for the cashier


def card_state(member: Member) -> CardState:
    row = tiers.live_scheme()
    scheme = tiers.scheme_of(row) if row is not None else None
    card = members.active_card(member.id)
    tier = purchases.current_tier(member, scheme) if scheme is not None else None
    earns = scheme is not None and purchases.earns_points(member, scheme)
    deadline = members.registration_deadline(member, row) if row is not None else None
    if member.tier_key:
        if earns:
            state = "vip"
        elif deadline is not None and utcnow() < deadline:
            state = "registration_open"
        else:
            state = "discount_only"
    elif card is not None:
        state = "accumulation"
    else:
        state = "none"
    benefits = tier.benefits if tier is not None and member.tier_key else None
    return CardState(state=state, card_number=card.number if card else None, card_kind=card.kind if card else None,
                     tier_key=member.tier_key, tier_name=tier.name if benefits else None,
                     registration_deadline=deadline, earns_points=earns,
                     parking_hours=benefits.parking_hours if benefits else 0,
                     discount_rate=benefits.discount_rate if benefits else None)


# ---- the sale ------------------------------------------------------------------------------------

def quote(member: Member | None, lines, id_checked: bool = False, at: datetime | None = None):
    """The basket priced line by line for this customer (nothing recorded)."""
    result, _row, tier = purchases.quote(member, lines, at or utcnow(), id_checked)
    return result, tier


def new_customer(actor, *, phone: str, name: str | None = None) -> Member:
    """A first-time customer: the phone is enough; the engine numbers an accumulation card at the sale."""
    phone = (phone or "").strip()
    if not phone:
        raise RetailError("phone", _l("A phone number is needed to open a customer's card."))
    how, found = members.lookup(phone=phone)
    if found:
        return found[0]
    return members.create_member(actor, {"name": (name or "").strip() or str(_l("Customer")), "phone": phone})


def sell(actor, principal, store: RetailStore, *, external_id: str, member: Member | None, lines,
         id_checked: bool = False, at: datetime | None = None):
    """Ring up a sale at this store: recorded once by the till's receipt id through the engine.
    Returns (purchase, created, qualified) — ``qualified``: this sale lifted a customer without a
    VIP card into a tier, so the till offers the VIP registration."""
    before = member.tier_key if member is not None else None
    purchase, created = purchases.record(actor, external_id=external_id, member_id=member.id if member else None,
                                         lines=lines, purchased_at=at, id_checked=id_checked)
    if created:
        db.session.add(RetailSale(purchase_id=purchase.id, store_id=store.id, cashier=audit.actor_label(actor),
                                  cashier_membership_id=getattr(principal, "membership_id", None)))
        db.session.flush()
    qualified = bool(member is not None and member.tier_key and member.tier_key != before
                     and not _has_physical_card(member.id))
    return purchase, created, qualified


def _has_physical_card(member_id: int) -> bool:
    return db.session.scalar(select(Card.id).where(Card.member_id == member_id, Card.kind == "physical",
                                                   Card.status == "active").limit(1)) is not None


def sale_of(purchase_id: int) -> RetailSale | None:
    return db.session.scalar(select(RetailSale).where(RetailSale.purchase_id == purchase_id))


# ---- VIP registration at the till and online ----------------------------------------------------

def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def register_vip(actor, store: RetailStore, member: Member, *, card_number: str, profile: dict,
                 welcome_gift: bool, handbook: bool) -> tuple[RetailRegistration, str]:
    """The cashier fills the VIP registration form, hands over the card with the welcome gift and
    handbook (001 第六–八条), and gives the member a personal link to register online."""
    if not member.tier_key:
        raise RetailError("member_id", _l("This customer has not qualified for a VIP card yet."), 409)
    members.update_member(actor, member, {k: v for k, v in profile.items() if v not in (None, "")})
    card = members.issue_card(actor, member, card_number, scheme_row=tiers.live_scheme())
    raw = secrets.token_urlsafe(24)
    deadline = members.registration_deadline(member, tiers.live_scheme())
    registration = RetailRegistration(member_id=member.id, card_id=card.id, store_id=store.id,
                                      token_hash=_token_hash(raw), deadline=deadline or card.issued_at,
                                      welcome_gift=welcome_gift, handbook=handbook,
                                      issued_by=audit.actor_label(actor))
    db.session.add(registration)
    db.session.flush()
    audit.record(actor, "retail.vip_registration", "member", member.id, None,
                 {"card": card.number, "store": store.code, "welcome_gift": welcome_gift, "handbook": handbook})
    return registration, raw


def registration_for_token(raw: str) -> RetailRegistration | None:
    """The registration a personal link names, from any tenant: the link is the member's key."""
    if not raw or len(raw) > 100:
        return None
    with unscoped("a member's registration link names its tenant"):
        return db.session.scalar(select(RetailRegistration).where(RetailRegistration.token_hash == _token_hash(raw)))


def complete_online_registration(registration: RetailRegistration, *, email: str | None, contact_channel: str,
                                 promotions_consent: bool, at: datetime | None = None) -> Member:
    """The member registers through their link (within the days the scheme gives; the engine refuses later)."""
    member = db.session.get(Member, registration.member_id)
    actor = f"member:{member.member_no}"
    values = {"contact_channel": contact_channel, "promotions_consent": promotions_consent}
    if email:
        values["email"] = email
    members.update_member(actor, member, values)
    members.register_online(actor, member, at=at)
    registration.registered_at = member.registered_at
    return member


# ---- birthday, gifts and renewal at the till -------------------------------------------------------

def birthday_uses_this_year(member: Member, at: datetime | None = None) -> list[tuple[datetime, str | None]]:
    """Where and when the birthday price was used this year, in every store (the seed's broadcast:
    one use a year, checked across all stores at once)."""
    from core.purchases.models import Purchase
    tz = purchases.tenant_zone()
    local = (at or utcnow()).astimezone(tz)
    start = datetime(local.year, 1, 1, tzinfo=tz)
    rows = db.session.execute(
        select(Purchase.purchased_at, RetailStore.name)
        .outerjoin(RetailSale, RetailSale.purchase_id == Purchase.id)
        .outerjoin(RetailStore, RetailStore.id == RetailSale.store_id)
        .where(Purchase.member_id == member.id, Purchase.kind == "sale", Purchase.birthday_units > 0,
               Purchase.purchased_at >= start).order_by(Purchase.purchased_at)).all()
    return [(r.purchased_at, r.name) for r in rows]


def birthday_today(member: Member, at: datetime | None = None) -> bool:
    """The member's tier has a birthday price and today (or this month) is the day."""
    from core.purchases.pricing import birthday_applies
    row = tiers.live_scheme()
    if row is None or member.birthday is None or not member.tier_key:
        return False
    tier = tiers.tier_of(tiers.scheme_of(row), member.tier_key)
    bb = tier.benefits.birthday if tier is not None else None
    return bb is not None and birthday_applies(bb.scope, member.birthday, at or utcnow(), purchases.tenant_zone())


def gift_catalogue():
    from core.points.models import Reward
    return list(db.session.scalars(select(Reward).where(Reward.active.is_(True)).order_by(Reward.points_cost)))


def redeem_gift(actor, member: Member, reward_id: int, idempotency_key: str):
    """Points for a gift at the till: the member's own points only, never cash (the engine's rules)."""
    from core.points.services import redeem
    return redeem(actor, member.id, reward_id, 1, idempotency_key=f"till:{idempotency_key}"[:120])


def renewal_offer(member: Member, at: datetime | None = None) -> Card | None:
    """In December, a card under December renewal that would lapse at the year's end: the till offers
    to renew it (001 第十六–十七条)."""
    row = tiers.live_scheme()
    policies = (row.document or {}).get("policies", {}) if row is not None else {}
    if (policies.get("validity") or {}).get("kind") != "december_renewal":
        return None
    at = at or utcnow()
    local = at.astimezone(purchases.tenant_zone())
    if local.month != 12:
        return None
    card = members.active_card(member.id)
    if card is None or card.kind == "accumulation" or card.valid_until is None:
        return None
    year_end = datetime(local.year + 1, 1, 1, tzinfo=purchases.tenant_zone())
    return card if card.valid_until <= year_end else None


def renew(actor, member: Member, at: datetime | None = None) -> Card:
    card = members.active_card(member.id)
    if card is None:
        raise RetailError("card", _l("This customer has no card to renew."), 409)
    return members.renew_card(actor, card, tiers.live_scheme(), at=at)


# ---- the store manager's page (店长) ----------------------------------------------------------------

def today_sales(stores: list[RetailStore], at: datetime | None = None) -> list[dict]:
    """Today's sales per store (tenant day), VIP and non-VIP: count and paid."""
    from datetime import timedelta

    from sqlalchemy import case, func

    from core.purchases.models import Purchase
    tz = purchases.tenant_zone()
    local = (at or utcnow()).astimezone(tz)
    start = datetime(local.year, local.month, local.day, tzinfo=tz)
    is_vip = Purchase.tier_key.is_not(None)
    rows = db.session.execute(
        select(RetailSale.store_id,
               func.count().filter(is_vip), func.coalesce(func.sum(case((is_vip, Purchase.paid_fen), else_=0)), 0),
               func.count().filter(~is_vip), func.coalesce(func.sum(case((~is_vip, Purchase.paid_fen), else_=0)), 0))
        .join(Purchase, Purchase.id == RetailSale.purchase_id)
        .where(Purchase.kind == "sale", Purchase.purchased_at >= start, Purchase.purchased_at < start + timedelta(days=1),
               RetailSale.store_id.in_([s.id for s in stores]))
        .group_by(RetailSale.store_id)).all()
    by_store = {r[0]: r for r in rows}
    return [{"store": s, "vip_count": by_store.get(s.id, (0, 0, 0, 0, 0))[1],
             "vip_paid": int(by_store.get(s.id, (0, 0, 0, 0, 0))[2]),
             "other_count": by_store.get(s.id, (0, 0, 0, 0, 0))[3],
             "other_paid": int(by_store.get(s.id, (0, 0, 0, 0, 0))[4])} for s in stores]


def follow_ups_due(limit: int = 50):
    """Open follow-up calls after a purchase (宝贝回访, 3–7 days after), soonest due first."""
    from core.service.models import ServiceRequest
    return list(db.session.scalars(select(ServiceRequest).where(
        ServiceRequest.kind == "follow_up", ServiceRequest.status == "open",
        ServiceRequest.dedupe_key.like("followup:%")).order_by(ServiceRequest.due_at).limit(limit)))


def qualified_without_card(limit: int = 50) -> list[Member]:
    """Members in a tier who were never handed a VIP card (the registration form is still to do)."""
    from sqlalchemy import exists
    physical = exists().where(Card.member_id == Member.id, Card.kind == "physical", Card.status == "active")
    return list(db.session.scalars(select(Member).where(Member.tier_key.is_not(None), ~physical)
                                   .order_by(Member.tier_since.desc()).limit(limit)))


def deadlines_soon(days: int = 7, at: datetime | None = None) -> list[tuple[RetailRegistration, Member]]:
    """Cards whose 30 days to register online run out within ``days``: a call may still save the points."""
    from datetime import timedelta
    now = at or utcnow()
    return [tuple(r) for r in db.session.execute(
        select(RetailRegistration, Member).join(Member, Member.id == RetailRegistration.member_id)
        .where(RetailRegistration.registered_at.is_(None), Member.registered_at.is_(None),
               RetailRegistration.deadline > now, RetailRegistration.deadline <= now + timedelta(days=days))
        .order_by(RetailRegistration.deadline))]


def dormant_members(months: int = 6, limit: int = 20, at: datetime | None = None) -> list[Member]:
    return list(db.session.scalars(members.dormant_query(at or utcnow(), months, purchases.tenant_zone())
                                   .limit(limit)))


ABC_SHARES = (("A", 0.2), ("B", 0.3), ("C", 0.5))  # the top fifth, the next three tenths, the rest


def abc_classes(at: datetime | None = None) -> list[dict]:
    """A/B/C classes by paid spend over the last 12 months (members who bought): A the top 20 %,
    B the next 30 %, C the rest — with each class's count, spend and lowest spend."""
    from sqlalchemy import func

    from core.purchases.models import Purchase
    now = at or utcnow()
    since = tiers_window_start(now, 12)
    spend = func.sum(Purchase.paid_fen)
    rows = [int(v) for (v,) in db.session.execute(
        select(spend).where(Purchase.member_id.is_not(None), Purchase.purchased_at > since,
                            Purchase.purchased_at <= now).group_by(Purchase.member_id)
        .having(spend > 0).order_by(spend.desc()))]
    out, start = [], 0
    for i, (name, share) in enumerate(ABC_SHARES):
        end = len(rows) if i == len(ABC_SHARES) - 1 else start + round(len(rows) * share)
        chunk = rows[start:end]
        out.append({"class": name, "members": len(chunk), "spend_fen": sum(chunk),
                    "lowest_fen": chunk[-1] if chunk else 0})
        start = end
    return out


def tiers_window_start(at: datetime, months: int) -> datetime:
    from core.tiers.rules import window_start
    return window_start(at, months, purchases.tenant_zone())


def renewals_due(at: datetime | None = None, limit: int = 200) -> list[tuple[Card, Member]]:
    """In November and December: the VIP cards that lapse at the year end unless renewed in
    December (001 第十六–十七条), for the store manager to call their holders."""
    tz = purchases.tenant_zone()
    local = (at or utcnow()).astimezone(tz)
    if local.month not in (11, 12):
        return []
    year_end = datetime(local.year + 1, 1, 1, tzinfo=tz)
    return [tuple(r) for r in db.session.execute(
        select(Card, Member).join(Member, Member.id == Card.member_id)
        .where(Card.status == "active", Card.kind != "accumulation", Card.valid_until.is_not(None),
               Card.valid_until <= year_end).order_by(Member.member_no).limit(limit))]
