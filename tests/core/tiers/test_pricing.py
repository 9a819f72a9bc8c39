from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.purchases.pricing import (
    BasketLine,
    BirthdayContext,
    apply_rate,
    birthday_applies,
    quote_basket,
)
from core.tiers.document import Benefits, BirthdayBenefit, load_scheme
from core.tiers.ladders import TEMPLATES

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=100)
SH = ZoneInfo("Asia/Shanghai")

RETAIL_VIP = load_scheme(TEMPLATES["retail_88"]["document"]).tier("vip").benefits
APPAREL = load_scheme(TEMPLATES["apparel"]["document"])
ELITE = APPAREL.tier("elite").benefits
DIAMOND = APPAREL.tier("diamond").benefits
MALL_GOLD = load_scheme(TEMPLATES["mall_five"]["document"]).tier("gold").benefits


def reg(price, qty=1, sku=None):
    return BasketLine(sku or f"R{price}", "regular item", price, qty, "regular")


def promo(price, qty=1, sku=None):
    return BasketLine(sku or f"P{price}", "promotional item", price, qty, "promotional")


def special(price, qty=1, sku=None):
    return BasketLine(sku or f"S{price}", "special-price item", price, qty, "special")


BDAY_OK = BirthdayContext(applies_today=True, already_used=False, items_used=0, id_checked=True)


# ---- the seed's examples (001 第九条, 第十一条, 第十四条; 002 生日消费) --------------------------------

def test_vip_pays_88_percent_on_regular_and_full_on_promotional_and_earns_188_points():
    q = quote_basket([reg(10000), promo(10000)], RETAIL_VIP, None)
    r, p = q.lines
    assert (r.paid_fen, r.discount_fen, r.rate_applied, r.benefit, r.earns_points) == (
        8800, 1200, Decimal("0.88"), "tier", True)
    assert (p.paid_fen, p.discount_fen, p.rate_applied, p.benefit, p.earns_points) == (
        10000, 0, None, "none", True)
    assert (q.list_total_fen, q.discount_fen, q.paid_fen) == (20000, 1200, 18800)
    assert q.points == 188
    assert q.birthday_units_used == 0 and q.birthday_blocked_reason is None


def test_special_price_lines_pay_full_and_earn():
    q = quote_basket([special(5000)], RETAIL_VIP, None)
    assert (q.paid_fen, q.points, q.lines[0].benefit) == (5000, 50, "none")


def test_birthday_with_id_costs_60_percent_and_earns_nothing():
    q = quote_basket([reg(10000), promo(10000)], RETAIL_VIP, BDAY_OK)
    r, p = q.lines
    assert (r.paid_fen, r.rate_applied, r.benefit, r.birthday_units, r.earns_points) == (
        6000, Decimal("0.60"), "birthday", 1, False)
    assert (p.paid_fen, p.earns_points, p.birthday_units) == (10000, True, 0)
    assert q.paid_fen == 16000
    assert q.points == 100
    assert q.birthday_units_used == 1 and q.birthday_blocked_reason is None


def test_birthday_without_id_is_blocked_and_the_tier_rate_applies():
    q = quote_basket([reg(10000), promo(10000)], RETAIL_VIP, replace(BDAY_OK, id_checked=False))
    assert q.birthday_blocked_reason == "id_check_required"
    assert q.lines[0].paid_fen == 8800 and q.lines[0].benefit == "tier"
    assert (q.paid_fen, q.points, q.birthday_units_used) == (18800, 188, 0)


def test_birthday_on_the_day_covers_every_regular_unit_of_one_purchase():
    q = quote_basket([reg(10000, 2), reg(5000, 3), promo(3000)], RETAIL_VIP, BDAY_OK)
    assert [l.benefit for l in q.lines] == ["birthday", "birthday", "none"]
    assert q.birthday_units_used == 5
    assert q.paid_fen == 12000 + 9000 + 3000
    assert q.points == 30


def test_birthday_already_used_this_year():
    q = quote_basket([reg(10000)], RETAIL_VIP, replace(BDAY_OK, already_used=True))
    assert q.birthday_blocked_reason == "already_used"
    assert (q.paid_fen, q.points) == (8800, 88)


def test_birthday_not_today():
    q = quote_basket([reg(10000)], RETAIL_VIP, replace(BDAY_OK, applies_today=False))
    assert q.birthday_blocked_reason is None and q.birthday_units_used == 0
    assert q.paid_fen == 8800


def test_apparel_elite_birthday_month_two_most_expensive_items():
    q = quote_basket([reg(10000, sku="c"), reg(30000, sku="a"), reg(20000, sku="b")], ELITE, BDAY_OK)
    by = {l.sku: l for l in q.lines}
    assert (by["a"].paid_fen, by["a"].benefit, by["a"].earns_points) == (18000, "birthday", False)
    assert (by["b"].paid_fen, by["b"].benefit, by["b"].earns_points) == (12000, "birthday", False)
    assert (by["c"].paid_fen, by["c"].benefit, by["c"].rate_applied, by["c"].earns_points) == (
        8500, "tier", Decimal("0.85"), True)
    assert q.birthday_units_used == 2
    assert q.points == 85
    assert [l.sku for l in q.lines] == ["c", "a", "b"]   # lines keep the basket's order


def test_apparel_diamond_three_items_at_half():
    q = quote_basket([reg(30000), reg(20000), reg(10000), reg(5000)], DIAMOND, BDAY_OK)
    assert [l.paid_fen for l in q.lines] == [15000, 10000, 5000, 4000]
    assert q.birthday_units_used == 3 and q.points == 40


def test_a_line_split_between_birthday_and_tier_units():
    q = quote_basket([reg(10000, 3)], ELITE, BDAY_OK)
    (l,) = q.lines
    assert l.benefit == "birthday+tier"
    assert l.birthday_units == 2 and l.birthday_rate == Decimal("0.60") and l.birthday_paid_fen == 12000
    assert l.rate_applied == Decimal("0.85")
    assert l.paid_fen == 12000 + 8500 and l.discount_fen == 30000 - 20500
    assert l.earns_points and l.points_base_fen == 8500 and q.points == 85


def test_each_part_of_a_split_line_rounds_once():
    # 3 × 333 fen, 2 birthday units at 0.60 (399.6 -> 400) and one tier unit at 0.85 (283.05 -> 283)
    q = quote_basket([reg(333, 3)], ELITE, BDAY_OK)
    assert q.lines[0].birthday_paid_fen == 400
    assert q.lines[0].paid_fen == 683


def test_birthday_items_already_used_this_year():
    ctx = replace(BDAY_OK, items_used=1)
    once_off = replace(ELITE, birthday=replace(ELITE.birthday, once_per_year=False))
    q = quote_basket([reg(30000), reg(20000)], once_off, ctx)
    assert q.birthday_units_used == 1
    assert [l.benefit for l in q.lines] == ["birthday", "tier"]
    q = quote_basket([reg(30000)], once_off, replace(BDAY_OK, items_used=2))
    assert q.birthday_blocked_reason == "no_items_left" and q.lines[0].benefit == "tier"


def test_birthday_only_on_regular_lines():
    q = quote_basket([promo(30000), special(20000), reg(100)], ELITE, BDAY_OK)
    assert [l.benefit for l in q.lines] == ["none", "none", "birthday"]
    assert q.birthday_units_used == 1


def test_free_units_do_not_use_the_birthday_allowance():
    q = quote_basket([reg(0, 5), reg(1000)], ELITE, BDAY_OK)
    assert [l.birthday_units for l in q.lines] == [0, 1]


def test_no_regular_items_on_the_birthday():
    q = quote_basket([promo(1000)], ELITE, BDAY_OK)
    assert q.birthday_units_used == 0 and "birthday_no_regular_items" in q.notes


def test_birthday_rate_not_better_than_tier_rate_keeps_the_tier_rate():
    b = Benefits(discount_rate=Decimal("0.5"), birthday=BirthdayBenefit("day", Decimal("0.6")))
    q = quote_basket([reg(10000)], b, BDAY_OK)
    assert q.lines[0].paid_fen == 5000 and q.lines[0].benefit == "tier"
    assert q.birthday_units_used == 0 and "birthday_rate_not_better" in q.notes
    assert q.points == 50


def test_birthday_without_a_tier_discount():
    b = Benefits(discount_rate=None, birthday=BirthdayBenefit("month", Decimal("0.8"), max_items=1))
    q = quote_basket([reg(1000, 2), promo(500)], b, BDAY_OK)
    line, promo_line = q.lines
    assert (line.benefit, line.paid_fen, line.birthday_units, line.rate_applied, line.points_base_fen) == (
        "birthday+tier", 800 + 1000, 1, None, 1000)
    assert promo_line.paid_fen == 500 and promo_line.points_base_fen == 500
    assert q.points == 15


def test_tier_without_birthday_ignores_the_birthday_context():
    q = quote_basket([reg(10000)], MALL_GOLD, BDAY_OK)
    assert q.lines[0].benefit == "none" and q.paid_fen == 10000 and q.points == 100
    assert q.birthday_blocked_reason is None


# ---- rounding, points ----------------------------------------------------------------------------------

def test_rounding_half_up_once_on_the_line_total():
    q = quote_basket([reg(333, 3)], RETAIL_VIP, None)
    assert q.lines[0].paid_fen == 879          # 999 × 0.88 = 879.12
    assert q.lines[0].discount_fen == 120


@pytest.mark.parametrize("fen, rate, expected", [
    (999, "0.88", 879), (125, "0.6", 75), (5, "0.5", 3), (15, "0.5", 8), (1, "0.5", 1),
    (0, "0.88", 0), (10**15 + 1, "0.5", 5 * 10**14 + 1),
])
def test_apply_rate(fen, rate, expected):
    assert apply_rate(fen, Decimal(rate)) == expected


def test_points_floor_with_multiplier():
    b = Benefits(discount_rate=None, points_per_unit=Decimal(1), points_multiplier=Decimal("1.5"))
    q = quote_basket([reg(12345)], b, None)     # 123.45 yuan × 1.5 = 185.175
    assert q.points == 185
    b = Benefits(points_per_unit=Decimal(2))
    assert quote_basket([reg(99)], b, None).points == 1   # 0.99 × 2 = 1.98


def test_discount_only_card_earns_no_points():
    q = quote_basket([reg(10000), promo(10000)], RETAIL_VIP, None, earns_points=False)
    assert q.paid_fen == 18800 and q.points == 0
    assert not any(l.earns_points for l in q.lines)
    assert "points_not_earned" in q.notes


def test_non_member_pays_list_and_earns_nothing():
    q = quote_basket([reg(10000), promo(5000)], None, BDAY_OK)
    assert (q.list_total_fen, q.discount_fen, q.paid_fen, q.points) == (15000, 0, 15000, 0)
    assert all(l.benefit == "none" and l.rate_applied is None and not l.earns_points for l in q.lines)
    assert q.birthday_units_used == 0 and q.birthday_blocked_reason is None
    assert q.notes == ("non_member",)


def test_empty_basket():
    q = quote_basket([], RETAIL_VIP, BDAY_OK)
    assert (q.lines, q.list_total_fen, q.paid_fen, q.points) == ((), 0, 0, 0)


# ---- validation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, field", [
    ({"quantity": 0}, "quantity"),
    ({"quantity": -1}, "quantity"),
    ({"quantity": 1.0}, "quantity"),
    ({"quantity": True}, "quantity"),
    ({"unit_price_fen": -1}, "unit_price_fen"),
    ({"unit_price_fen": 10.5}, "unit_price_fen"),
    ({"unit_price_fen": "100"}, "unit_price_fen"),
    ({"price_type": "clearance"}, "price_type"),
    ({"price_type": None}, "price_type"),
    ({"sku": ""}, "sku"),
    ({"description": None}, "description"),
])
def test_basket_line_validation(kwargs, field):
    args = {"sku": "A1", "description": "x", "unit_price_fen": 100, "quantity": 1, "price_type": "regular"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=field):
        BasketLine(**args)


def test_quote_validates_duck_typed_lines_with_their_index():
    good = reg(100)
    bad = SimpleNamespace(sku="X", description="", unit_price_fen=100, quantity=0, price_type="regular")
    with pytest.raises(ValueError, match=r"lines\[1\]\.quantity"):
        quote_basket([good, bad], RETAIL_VIP, None)


def test_birthday_context_validation():
    with pytest.raises(ValueError, match="items_used"):
        BirthdayContext(applies_today=True, items_used=-1)


# ---- birthday_applies -------------------------------------------------------------------------------------

def test_birthday_applies_in_the_tenant_zone():
    bday = date(1990, 6, 15)
    # 14 June 16:30 UTC is 15 June 00:30 in Shanghai
    at = datetime(2024, 6, 14, 16, 30, tzinfo=UTC)
    assert birthday_applies("day", bday, at, SH)
    assert not birthday_applies("day", bday, at, ZoneInfo("UTC"))
    assert birthday_applies("month", bday, at, SH)
    assert not birthday_applies("month", bday, datetime(2024, 5, 31, 15, 59, tzinfo=UTC), SH)
    assert birthday_applies("month", bday, datetime(2024, 5, 31, 16, 0, tzinfo=UTC), SH)


def test_leap_day_birthday():
    bday = date(2000, 2, 29)
    assert birthday_applies("day", bday, datetime(2023, 2, 28, 12, tzinfo=SH), SH)
    assert not birthday_applies("day", bday, datetime(2024, 2, 28, 12, tzinfo=SH), SH)
    assert birthday_applies("day", bday, datetime(2024, 2, 29, 12, tzinfo=SH), SH)


def test_birthday_applies_errors():
    with pytest.raises(ValueError):
        birthday_applies("day", date(2000, 1, 1), datetime(2024, 1, 1), SH)
    with pytest.raises(ValueError):
        birthday_applies("week", date(2000, 1, 1), datetime(2024, 1, 1, tzinfo=SH), SH)


# ---- properties ---------------------------------------------------------------------------------------------

lines_st = st.lists(st.builds(
    BasketLine,
    sku=st.sampled_from(["A", "B", "C", "D"]),
    description=st.just("item"),
    unit_price_fen=st.integers(0, 2_000_000),
    quantity=st.integers(1, 6),
    price_type=st.sampled_from(["regular", "promotional", "special"]),
), max_size=8)
rate_st = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2)
benefits_st = st.none() | st.builds(
    Benefits,
    discount_rate=st.none() | rate_st,
    birthday=st.none() | st.builds(BirthdayBenefit, scope=st.sampled_from(["day", "month"]), rate=rate_st,
                                   max_items=st.none() | st.integers(1, 4), id_check=st.booleans(),
                                   once_per_year=st.booleans()),
    points_per_unit=st.decimals(min_value=0, max_value=5, places=1),
    points_multiplier=st.decimals(min_value=0, max_value=3, places=2),
)
ctx_st = st.none() | st.builds(BirthdayContext, applies_today=st.booleans(), already_used=st.booleans(),
                               items_used=st.integers(0, 5), id_checked=st.booleans())


@PROPERTY
@given(lines_st, benefits_st, ctx_st, st.booleans())
def test_quote_invariants(lines, benefits, ctx, earns):
    q = quote_basket(lines, benefits, ctx, earns_points=earns)
    assert len(q.lines) == len(lines)
    for line, ql in zip(lines, q.lines):
        assert ql.list_total_fen == line.unit_price_fen * line.quantity
        assert ql.paid_fen + ql.discount_fen == ql.list_total_fen
        assert 0 <= ql.paid_fen <= ql.list_total_fen
        assert 0 <= ql.birthday_units <= line.quantity
        if line.price_type != "regular":
            assert ql.paid_fen == ql.list_total_fen and ql.birthday_units == 0
        assert 0 <= ql.points_base_fen <= ql.paid_fen - ql.birthday_paid_fen
        if ql.birthday_units == line.quantity:
            assert ql.points_base_fen == 0 and not ql.earns_points
    assert q.list_total_fen == sum(l.list_total_fen for l in q.lines)
    assert q.paid_fen == sum(l.paid_fen for l in q.lines)
    assert q.paid_fen + q.discount_fen == q.list_total_fen
    assert 0 <= q.paid_fen <= q.list_total_fen
    assert q.birthday_units_used == sum(l.birthday_units for l in q.lines)
    # points never count birthday units and never exceed what the non-birthday units paid
    assert q.points >= 0
    assert q.points_base_fen == sum(l.points_base_fen for l in q.lines)
    assert q.points_base_fen <= q.paid_fen - sum(l.birthday_paid_fen for l in q.lines)
    if benefits is None or not earns:
        assert q.points == 0
    else:
        expected = int(Decimal(q.points_base_fen) * benefits.points_per_unit * benefits.points_multiplier / 100)
        assert q.points == expected
    # the birthday allowance
    if q.birthday_units_used:
        assert benefits is not None and benefits.birthday is not None and ctx is not None and ctx.applies_today
        assert q.birthday_blocked_reason is None
        bb = benefits.birthday
        if bb.max_items is not None:
            assert q.birthday_units_used <= bb.max_items - ctx.items_used
        if bb.id_check:
            assert ctx.id_checked
        if bb.once_per_year:
            assert not ctx.already_used


@PROPERTY
@given(lines_st, benefits_st, ctx_st)
def test_a_member_never_pays_more_than_a_non_member(lines, benefits, ctx):
    assert quote_basket(lines, benefits, ctx).paid_fen <= quote_basket(lines, None, None).paid_fen


@PROPERTY
@given(lines_st, st.builds(BirthdayBenefit, scope=st.just("month"), rate=rate_st,
                           max_items=st.integers(1, 4), id_check=st.just(False), once_per_year=st.just(True)))
def test_birthday_units_go_to_the_most_expensive_regular_units(lines, bb):
    q = quote_basket(lines, Benefits(discount_rate=None, birthday=bb), BirthdayContext(True))
    chosen = [l.unit_price_fen for l in q.lines for _ in range(l.birthday_units)]
    rest = [l.unit_price_fen for l in q.lines if l.price_type == "regular" and l.unit_price_fen > 0
            for _ in range(l.quantity - l.birthday_units)]
    if chosen and rest:
        assert min(chosen) >= max(rest)
    assert len(chosen) == min(bb.max_items, len(chosen) + len(rest))
