"""Quoting a basket for a member: tier discount, birthday price, points.

Pure functions. Money is integer fen; rates are :class:`~decimal.Decimal` pay-rates. Every
discounted amount is rounded half-up to the fen once per priced part (a line, or each of the two
parts of a line split between birthday units and tier units).

The rules (001 VIP会员制度 第九条/第十一条/第十四条; 002 生日消费):

* the tier's ``discount_rate`` applies to **regular** lines only; promotional and special-price
  lines pay the list price (促销及特价货品除外);
* the birthday benefit, when the caller says it applies and nothing blocks it, replaces the tier
  rate on regular units if (and only if) its rate is lower, on at most ``max_items`` units counted
  across the year (``items_used`` already spent), most expensive units first; ``max_items`` None
  means every regular unit of this purchase;
* points = floor(fen paid on point-earning units × points_per_unit × points_multiplier / 100);
  birthday units earn nothing (生日消费的金额不参与积分); promotional/special lines earn on what
  was paid; a discount-only card (``earns_points=False``) and a non-member earn nothing.
"""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from zoneinfo import ZoneInfo

from core.tiers.document import Benefits

__all__ = [
    "PRICE_TYPES",
    "BasketLine",
    "BirthdayContext",
    "Quote",
    "QuoteLine",
    "apply_rate",
    "birthday_applies",
    "quote_basket",
]

PRICE_TYPES = ("regular", "promotional", "special")

# Codes in Quote.notes (stable strings for the caller to translate).
NOTE_NON_MEMBER = "non_member"
NOTE_NO_POINTS = "points_not_earned"               # earns_points False (discount-only card)
NOTE_BIRTHDAY_NOT_BETTER = "birthday_rate_not_better"
NOTE_BIRTHDAY_NO_REGULAR = "birthday_no_regular_items"


def apply_rate(amount_fen: int, rate: Decimal) -> int:
    """``amount_fen × rate`` rounded half-up to the fen."""
    with localcontext() as ctx:
        ctx.prec = 60   # exact for any realistic amount: no silent rounding before the half-up
        return int((Decimal(amount_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class BasketLine:
    sku: str
    description: str
    unit_price_fen: int
    quantity: int
    price_type: str = "regular"     # regular | promotional | special
    # what the item is, for segments ("bought jeans in large sizes", 000); pricing ignores them
    category: str = ""
    size: str = ""
    colour: str = ""

    def __post_init__(self) -> None:
        _validate_line(self, None)


@dataclass(frozen=True)
class BirthdayContext:
    """What the caller knows about the birthday benefit for this purchase.

    ``applies_today``: the birthday is today (scope day) / in this month (scope month) in the
    tenant's time zone — see :func:`birthday_applies`. ``already_used``: the once-per-year benefit
    was already used this year (checked across all stores). ``items_used``: birthday units already
    sold at the birthday price this year (for ``max_items``). ``id_checked``: the original ID was shown.
    """
    applies_today: bool
    already_used: bool = False
    items_used: int = 0
    id_checked: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.items_used, int) or isinstance(self.items_used, bool) or self.items_used < 0:
            raise ValueError(f"items_used: must be an integer >= 0, got {self.items_used!r}")


@dataclass(frozen=True)
class QuoteLine:
    sku: str
    description: str
    quantity: int
    unit_price_fen: int
    price_type: str
    list_total_fen: int
    paid_fen: int
    discount_fen: int
    rate_applied: Decimal | None   # birthday rate on a "birthday" line, else the tier rate (None: none)
    benefit: str                   # "tier" | "birthday" | "none" | "birthday+tier"
    earns_points: bool             # some of this line's paid amount earns points
    birthday_units: int
    birthday_rate: Decimal | None = None   # set when birthday_units > 0
    birthday_paid_fen: int = 0             # paid for the birthday units (included in paid_fen)
    points_base_fen: int = 0               # the part of paid_fen that earns points


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    list_total_fen: int
    discount_fen: int
    paid_fen: int
    points: int
    birthday_units_used: int
    birthday_blocked_reason: str | None   # None | "id_check_required" | "already_used" | "no_items_left"
    notes: tuple[str, ...] = ()
    points_base_fen: int = 0


def _validate_line(line: object, index: int | None) -> None:
    where = "" if index is None else f"lines[{index}]."

    def bad(field: str, msg: str) -> ValueError:
        return ValueError(f"{where}{field}: {msg}")

    sku = getattr(line, "sku", None)
    if not isinstance(sku, str) or not sku:
        raise bad("sku", "must be a non-empty string")
    if not isinstance(getattr(line, "description", None), str):
        raise bad("description", "must be a string")
    q = getattr(line, "quantity", None)
    if not isinstance(q, int) or isinstance(q, bool) or q < 1:
        raise bad("quantity", f"must be an integer >= 1, got {q!r}")
    u = getattr(line, "unit_price_fen", None)
    if not isinstance(u, int) or isinstance(u, bool) or u < 0:
        raise bad("unit_price_fen", f"must be an integer >= 0 (fen), got {u!r}")
    pt = getattr(line, "price_type", None)
    if pt not in PRICE_TYPES:
        raise bad("price_type", f"must be one of {', '.join(PRICE_TYPES)}, got {pt!r}")


def birthday_applies(scope: str, birthday: date, as_of: datetime, tz: ZoneInfo) -> bool:
    """Whether ``as_of`` (aware) falls on the birthday (``"day"``) or in its month (``"month"``) in ``tz``.

    A 29 February birthday is celebrated on 28 February in common years.
    """
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError("as_of must be timezone-aware")
    today = as_of.astimezone(tz).date()
    if scope == "month":
        return today.month == birthday.month
    if scope == "day":
        day = birthday.day
        if birthday.month == 2 and day == 29 and not calendar.isleap(today.year):
            day = 28
        return (today.month, today.day) == (birthday.month, day)
    raise ValueError(f"scope: must be 'day' or 'month', got {scope!r}")


def quote_basket(lines: Sequence[BasketLine], benefits: Benefits | None,
                 birthday: BirthdayContext | None, earns_points: bool = True) -> Quote:
    """Price a basket for a tier's ``benefits`` (None: a non-member) and the birthday context."""
    lines = list(lines)
    for i, line in enumerate(lines):
        _validate_line(line, i)
    notes: list[str] = []

    if benefits is None:
        out = tuple(QuoteLine(
            sku=l.sku, description=l.description, quantity=l.quantity, unit_price_fen=l.unit_price_fen,
            price_type=l.price_type, list_total_fen=l.unit_price_fen * l.quantity,
            paid_fen=l.unit_price_fen * l.quantity, discount_fen=0, rate_applied=None, benefit="none",
            earns_points=False, birthday_units=0) for l in lines)
        total = sum(q.list_total_fen for q in out)
        return Quote(lines=out, list_total_fen=total, discount_fen=0, paid_fen=total, points=0,
                     birthday_units_used=0, birthday_blocked_reason=None, notes=(NOTE_NON_MEMBER,))

    tier_rate = benefits.discount_rate
    if not earns_points:
        notes.append(NOTE_NO_POINTS)

    # -- birthday allowance ------------------------------------------------------------------
    bb = benefits.birthday
    blocked: str | None = None
    allowance = 0   # birthday units available for this purchase
    if bb is not None and birthday is not None and birthday.applies_today:
        if bb.once_per_year and birthday.already_used:
            blocked = "already_used"
        elif bb.max_items is not None and birthday.items_used >= bb.max_items:
            blocked = "no_items_left"
        elif bb.id_check and not birthday.id_checked:
            blocked = "id_check_required"
        elif tier_rate is not None and bb.rate >= tier_rate:
            notes.append(NOTE_BIRTHDAY_NOT_BETTER)
        else:
            regular_units = sum(l.quantity for l in lines if l.price_type == "regular" and l.unit_price_fen > 0)
            if regular_units == 0:
                notes.append(NOTE_BIRTHDAY_NO_REGULAR)
            allowance = regular_units if bb.max_items is None else min(
                regular_units, bb.max_items - max(birthday.items_used, 0))

    # Most expensive regular units first; ties go to the earlier line. Free units get nothing.
    bday_units = [0] * len(lines)
    order = sorted((i for i, l in enumerate(lines) if l.price_type == "regular" and l.unit_price_fen > 0),
                   key=lambda i: (-lines[i].unit_price_fen, i))
    left = allowance
    for i in order:
        if left <= 0:
            break
        take = min(left, lines[i].quantity)
        bday_units[i] = take
        left -= take

    # -- price each line -----------------------------------------------------------------------
    out_lines: list[QuoteLine] = []
    for i, l in enumerate(lines):
        list_total = l.unit_price_fen * l.quantity
        b = bday_units[i]
        rest = l.quantity - b
        b_paid = apply_rate(b * l.unit_price_fen, bb.rate) if b else 0
        if l.price_type == "regular" and tier_rate is not None:
            rest_paid = apply_rate(rest * l.unit_price_fen, tier_rate)
            rest_rate: Decimal | None = tier_rate
        else:
            rest_paid = rest * l.unit_price_fen
            rest_rate = None
        if b and rest and rest_rate is not None:
            benefit, rate = "birthday+tier", rest_rate
        elif b and rest:
            # regular units beyond the birthday allowance on a tier without a regular-price discount
            benefit, rate = "birthday+tier", None
        elif b:
            benefit, rate = "birthday", bb.rate
        elif rest_rate is not None:
            benefit, rate = "tier", rest_rate
        else:
            benefit, rate = "none", None
        paid = b_paid + rest_paid
        line_earns = earns_points and rest > 0
        out_lines.append(QuoteLine(
            sku=l.sku, description=l.description, quantity=l.quantity, unit_price_fen=l.unit_price_fen,
            price_type=l.price_type, list_total_fen=list_total, paid_fen=paid, discount_fen=list_total - paid,
            rate_applied=rate, benefit=benefit, earns_points=line_earns, birthday_units=b,
            birthday_rate=bb.rate if b else None, birthday_paid_fen=b_paid,
            points_base_fen=rest_paid if line_earns else 0))

    list_total = sum(q.list_total_fen for q in out_lines)
    paid_total = sum(q.paid_fen for q in out_lines)
    base = sum(q.points_base_fen for q in out_lines)
    points = 0
    if earns_points and base > 0:
        with localcontext() as ctx:
            ctx.prec = 60
            points = int((Decimal(base) * benefits.points_per_unit * benefits.points_multiplier / 100)
                         .to_integral_value(rounding=ROUND_FLOOR))
    return Quote(lines=tuple(out_lines), list_total_fen=list_total, discount_fen=list_total - paid_total,
                 paid_fen=paid_total, points=points, birthday_units_used=sum(bday_units),
                 birthday_blocked_reason=blocked, notes=tuple(notes), points_base_fen=base)
