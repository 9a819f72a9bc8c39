"""Purchase rules: quote a basket for a member, and record it once by the tenant's own id.

Recording locks the member first (the same lock the points ledger takes), so a birthday benefit
is used once across all of the tenant's stores and concurrent tills see each other's work.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import signals
from core.audit.services import actor_label
from core.errors import RuleError
from core.extensions import db
from core.members.models import Member
from core.members.services import ensure_card, upgrade_card_in_place
from core.models import utcnow
from core.points import services as points
from core.purchases.models import Purchase
from core.purchases.pricing import BasketLine, BirthdayContext, quote_basket
from core.tenancy.context import current_tenant_id
from core.tenancy.models import Tenant
from core.tiers import services as tiers
from core.tiers.rules import PaidPurchase, evaluate_upgrade

DEFAULT_WINDOW_MONTHS = 12


ITEM_ATTRIBUTES = ("category", "size", "colour")  # what a line's item is (lower case), for segments


class PurchaseError(RuleError):
    """A purchase rule refused the input."""


def tenant_zone() -> ZoneInfo:
    return ZoneInfo(db.session.get(Tenant, current_tenant_id()).timezone)


def _same_day(birthday: date, local: date) -> bool:
    if birthday.month == 2 and birthday.day == 29 and not _leap(local.year):
        return (local.month, local.day) == (2, 28)  # celebrated on 28 February in common years
    return (birthday.month, birthday.day) == (local.month, local.day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthday_context(member: Member, benefits, at: datetime, tz: ZoneInfo, id_checked: bool):
    rule = getattr(benefits, "birthday", None) if benefits else None
    if rule is None or member.birthday is None:
        return None
    local = at.astimezone(tz).date()
    applies = _same_day(member.birthday, local) if rule.scope == "day" else member.birthday.month == local.month
    year_start = datetime(local.year, 1, 1, tzinfo=tz)
    used = int(db.session.scalar(select(func.coalesce(func.sum(Purchase.birthday_units), 0)).where(
        Purchase.member_id == member.id, Purchase.kind == "sale",
        Purchase.purchased_at >= year_start, Purchase.purchased_at < year_start + relativedelta(years=1))))
    return BirthdayContext(applies_today=applies, already_used=used > 0, items_used=used, id_checked=id_checked)


def earns_points(member: Member, scheme) -> bool:
    """Retail: until the member registers online (within 30 days), the card only gives the discount."""
    if scheme.policies.registration_days is not None and member.registered_at is None:
        return False
    return True


def current_tier(member: Member, scheme):
    """The member's tier in this scheme; a member without one holds the entry tier, if any."""
    return tiers.tier_or_entry(scheme, member.tier_key)


def parse_lines(raw_lines) -> list[BasketLine]:
    if not raw_lines:
        raise PurchaseError("lines", _l("A basket has at least one line."))
    return [BasketLine(sku=l.get("sku") or "", description=l.get("description") or "",
                       unit_price_fen=l["unit_price_fen"], quantity=l["quantity"],
                       price_type=l.get("price_type", "regular"),
                       **{k: (l.get(k) or "").strip().lower() for k in ITEM_ATTRIBUTES}) for l in raw_lines]


def quote(member: Member | None, lines: list[BasketLine], at: datetime, id_checked: bool = False):
    """Price a basket for a member, line by line, without recording anything."""
    scheme_row = tiers.live_scheme()
    if member is None or scheme_row is None:
        return quote_basket(lines, None, None, earns_points=False), None, None
    scheme = tiers.scheme_of(scheme_row)
    tier = current_tier(member, scheme)
    benefits = tier.benefits if tier else None
    bctx = birthday_context(member, benefits, at, tenant_zone(), id_checked)
    try:
        result = quote_basket(lines, benefits, bctx, earns_points=earns_points(member, scheme))
    except ValueError as e:
        raise PurchaseError("lines", str(e)) from None
    return result, scheme_row, tier


def _lock_member(member_id: int):
    try:
        return points.lock_member(member_id)
    except points.PointsError:
        raise PurchaseError("member_id", _l("No such member.")) from None


def _fingerprint(member_id, lines, id_checked) -> str:
    # item attributes count only when given, so purchases recorded before they existed still match
    payload = {"m": member_id, "i": id_checked,
               "l": [{k: v for k, v in asdict(l).items() if k not in ITEM_ATTRIBUTES or v} for l in lines]}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _existing(external_id: str) -> Purchase | None:
    return db.session.scalar(select(Purchase).where(Purchase.external_id == external_id))


def _jsonable(quote_line) -> dict:
    d = asdict(quote_line)
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in d.items()}


def record(actor, *, external_id: str, member_id: int | None, lines: list[BasketLine],
           purchased_at: datetime | None = None, id_checked: bool = False) -> tuple[Purchase, bool]:
    """Store a purchase once by ``external_id``; accrue points; upgrade at once when a rule is met.
    Returns (purchase, created). The same id again returns the first purchase and changes nothing;
    the same id with different contents is refused."""
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 100:
        raise PurchaseError("external_id", _l("The purchase needs its own id (1 to 100 characters)."))
    fingerprint = _fingerprint(member_id, lines, id_checked)
    given_time = purchased_at
    purchased_at = purchased_at or utcnow()
    member = _lock_member(member_id) if member_id is not None else None
    done = _existing(external_id)
    if done is not None:
        # A retry may leave the time out (the till resends); if it states one, it must be the same.
        if done.fingerprint != fingerprint or (given_time is not None and given_time != done.purchased_at):
            raise PurchaseError("external_id", _l("This purchase id was already recorded with other contents."), 409)
        return done, False

    result, scheme_row, tier = quote(member, lines, purchased_at, id_checked)
    card = ensure_card(member, purchased_at, scheme_row) if member is not None else None
    purchase = Purchase(
        external_id=external_id, kind="sale", member_id=member_id, card_id=card.id if card else None,
        purchased_at=purchased_at, tier_key=tier.key if tier else None,
        scheme_id=scheme_row.id if scheme_row else None, list_total_fen=result.list_total_fen,
        discount_fen=result.discount_fen, paid_fen=result.paid_fen, points=result.points,
        regular_fen=sum(l.list_total_fen for l in result.lines if l.price_type == "regular"),
        birthday_units=result.birthday_units_used,
        lines=[_jsonable(q) | {k: getattr(b, k) for k in ITEM_ATTRIBUTES if getattr(b, k)}
               for q, b in zip(result.lines, lines, strict=True)],
        recorded_by=actor_label(actor), fingerprint=fingerprint)
    db.session.add(purchase)
    db.session.flush()
    change = None
    if member is not None:
        member.first_purchase_at = member.first_purchase_at or purchased_at
        member.last_purchase_at = max(member.last_purchase_at or purchased_at, purchased_at)
        if result.points > 0:
            scheme = tiers.scheme_of(scheme_row)
            points.post(actor, member.id, "earn", result.points, f"purchase {external_id}",
                        idempotency_key=f"purchase:{external_id}", purchase_id=purchase.id, locked_member=member,
                        expires_at=points.expiry_for(_policy(scheme.policies.points_expiry), purchased_at,
                                                     tenant_zone()))
        if scheme_row is not None:
            change = _evaluate(actor, member, scheme_row, purchased_at, purchase.id)
            if change is not None and change.status == "applied":
                upgrade_card_in_place(member, card, purchased_at, scheme_row)
    signals.purchase_recorded.send(purchase, member=member, tier_change=change)
    return purchase, True


def _policy(policy) -> dict:
    return policy if isinstance(policy, dict) else asdict(policy)


def _evaluate(actor, member, scheme_row, at, purchase_id):
    scheme = tiers.scheme_of(scheme_row)
    if member.tier_key is None:
        entry = next((t for t in scheme.tiers if t.qualify is None), None)
        if entry is not None:
            member.tier_key, member.tier_scheme_id, member.tier_since = entry.key, scheme_row.id, at
    current_rank = scheme.rank(member.tier_key) if member.tier_key in scheme.tier_keys else -1
    if not any(t.qualify is not None for t in scheme.tiers[current_rank + 1:]):
        return None  # nothing above to reach: no need to read the history
    # Only purchases inside the scheme's longest window count: an old single purchase must not
    # lift a member again after a downgrade.
    since = at - relativedelta(months=window_months(scheme))
    rows = db.session.execute(select(Purchase.purchased_at, Purchase.paid_fen).where(
        Purchase.member_id == member.id, Purchase.purchased_at > since, Purchase.purchased_at <= at)).all()
    history = [PaidPurchase(paid_at=r.purchased_at, paid_fen=int(r.paid_fen)) for r in rows]
    decision = evaluate_upgrade(scheme, member.tier_key, history, at, tenant_zone())
    if decision is None:
        return None
    applied = None
    if decision.needs_review:
        # The higher tier waits for a person; meanwhile the highest tier that needs nobody applies.
        if decision.fallback is not None:
            applied = tiers.apply_decision(actor, member, scheme_row, decision.fallback, purchase_id)
        if tiers.pending_proposal(member.id, decision.tier_key) is None:
            proposed = tiers.apply_decision(actor, member, scheme_row, decision, purchase_id)
            return applied or proposed
        return applied
    return tiers.apply_decision(actor, member, scheme_row, decision, purchase_id)


def window_months(scheme) -> int:
    """The longest rolling window any tier's rule looks back over."""
    from core.tiers.document import AllOf, AnyOf, SpendWithinMonths

    def walk(rule):
        if isinstance(rule, SpendWithinMonths):
            yield rule.months
        elif isinstance(rule, (AllOf, AnyOf)):
            for r in rule.rules:
                yield from walk(r)

    months = [m for t in scheme.tiers if t.qualify is not None for m in walk(t.qualify)]
    return max(months, default=DEFAULT_WINDOW_MONTHS)


def get_purchase(purchase_id: int) -> Purchase | None:
    return db.session.get(Purchase, purchase_id)


def purchases_query(member_id: int | None = None):
    q = select(Purchase).order_by(Purchase.purchased_at.desc(), Purchase.id.desc())
    return q.where(Purchase.member_id == member_id) if member_id is not None else q




def _returned_so_far(original_id: int) -> dict[int, int]:
    """Units already returned per line index of the original purchase."""
    done: dict[int, int] = {}
    for lines in db.session.scalars(select(Purchase.lines).where(Purchase.original_id == original_id,
                                                                 Purchase.kind == "return")):
        for item in lines:
            done[item["line"]] = done.get(item["line"], 0) + item["quantity"]
    return done


def record_return(actor, *, external_id: str, original: Purchase, items: list[dict]) -> tuple[Purchase, bool]:
    """Return units of an earlier purchase, once by ``external_id``. The refund is what was paid for
    those units; the points they earned are reversed, but never below zero: points the member has
    already redeemed are not clawed back (ERPNext #32951, Open Loyalty: returns reverse points)."""
    from decimal import ROUND_HALF_UP
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 100:
        raise PurchaseError("external_id", _l("The return needs its own id (1 to 100 characters)."))
    if original.kind != "sale":
        raise PurchaseError("purchase_id", _l("Only a sale can be returned."), 409)
    fingerprint = hashlib.sha256(json.dumps({"o": original.id, "i": items}, sort_keys=True).encode()).hexdigest()
    member = points.lock_member(original.member_id) if original.member_id else None
    done = _existing(external_id)
    if done is not None:
        if done.fingerprint != fingerprint:
            raise PurchaseError("external_id", _l("This return id was already recorded with other contents."), 409)
        return done, False
    if not items:
        raise PurchaseError("lines", _l("Name at least one line to return."))
    already = _returned_so_far(original.id)
    returned, refund = [], 0
    for n, item in enumerate(items):
        idx, qty = item["line"], item["quantity"]
        if not 0 <= idx < len(original.lines):
            raise PurchaseError(f"lines[{n}].line", _l("The purchase has no such line."))
        src = original.lines[idx]
        if qty < 1 or already.get(idx, 0) + qty > src["quantity"]:
            raise PurchaseError(f"lines[{n}].quantity",
                                _l("At most %(n)d of this line can still be returned.",
                                   n=src["quantity"] - already.get(idx, 0)))
        already[idx] = already.get(idx, 0) + qty
        share = Decimal(qty) / Decimal(src["quantity"])
        paid = int((Decimal(src["paid_fen"]) * share).quantize(Decimal(1), ROUND_HALF_UP))
        refund += paid
        returned.append({"line": idx, "sku": src["sku"], "quantity": qty, "paid_fen": -paid})
    # Points: the original keeps what the units not returned earned; the rest comes back.
    total_base = _points_base(original, {i: l["quantity"] for i, l in enumerate(original.lines)})
    keep = original.points * (total_base - _points_base(original, already)) // total_base if total_base else 0
    reversed_before = -int(db.session.scalar(select(func.coalesce(func.sum(Purchase.points), 0)).where(
        Purchase.original_id == original.id, Purchase.kind == "return")))
    to_reverse = max(original.points - reversed_before - keep, 0)
    purchase = Purchase(external_id=external_id, kind="return", member_id=original.member_id,
                        card_id=original.card_id, original_id=original.id, purchased_at=utcnow(),
                        tier_key=original.tier_key, scheme_id=original.scheme_id, list_total_fen=-refund,
                        discount_fen=0, paid_fen=-refund, points=0, birthday_units=0, lines=returned,
                        recorded_by=actor_label(actor), fingerprint=fingerprint)
    db.session.add(purchase)
    db.session.flush()
    if member is not None and to_reverse > 0:
        entry = points.post(actor, member.id, "reverse", -to_reverse, f"return {external_id} of {original.external_id}",
                            idempotency_key=f"return:{external_id}", purchase_id=purchase.id, allow_partial=True,
                            locked_member=member)
        purchase.points = entry.points  # what was actually taken back (capped at the balance)
    signals.purchase_recorded.send(purchase, member=member, tier_change=None)
    return purchase, True


def _points_base(original: Purchase, units_by_line: dict[int, int]) -> int:
    """The part of what was paid that earned points, for these units of the original's lines."""
    from decimal import ROUND_HALF_UP
    return sum(int((Decimal(l.get("points_base_fen", 0)) * units_by_line.get(i, 0) / l["quantity"])
                   .quantize(Decimal(1), ROUND_HALF_UP)) for i, l in enumerate(original.lines))
