from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from core.tiers.document import (
    AllOf,
    AnyOf,
    AssetsAtLeast,
    SinglePurchaseAtLeast,
    SpendWithinMonths,
    load_scheme,
)
from core.tiers.ladders import TEMPLATES
from core.tiers.rules import (
    PaidPurchase,
    TierDecision,
    evaluate_upgrade,
    explain_rule,
    rule_met,
    spend_in_window,
    window_start,
)

SH = ZoneInfo("Asia/Shanghai")
YUAN = 100
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=80)

RETAIL = load_scheme(TEMPLATES["retail_88"]["document"])
APPAREL = load_scheme(TEMPLATES["apparel"]["document"])
MALL = load_scheme(TEMPLATES["mall_five"]["document"])
HOTEL = load_scheme(TEMPLATES["hotel_v1_v4"]["document"])
SVIP = load_scheme(TEMPLATES["ordinary_vip_svip"]["document"])

NOW = datetime(2024, 12, 15, 15, 0, tzinfo=SH)


def buy(when, yuan):
    return PaidPurchase(paid_at=when, paid_fen=round(yuan * YUAN))


def monthly(total_yuan_each, months_back, as_of=NOW):
    """One purchase per month, as_of − k months for k in months_back."""
    return [buy(as_of - relativedelta(months=k), y) for k, y in zip(months_back, total_yuan_each)]


def retail(purchases, as_of=NOW, current=None):
    return evaluate_upgrade(RETAIL, current, purchases, as_of, SH)


# ---- the retail 8.8 card's numbers (001 第四条/第五条) ---------------------------------------------

def test_single_purchase_of_1200_qualifies_at_once():
    d = retail([buy(NOW, 1200)])
    assert d == TierDecision("vip", "any[0]: single_purchase_at_least 100000", False)


def test_single_purchase_of_exactly_1000_qualifies_999_99_does_not():
    assert retail([buy(NOW, 1000)]).tier_key == "vip"
    assert retail([buy(NOW, 999.99)]) is None


def test_1500_and_600_within_six_months_qualifies():
    purchases = [buy(NOW - relativedelta(months=5), 1500), buy(NOW, 600)]
    assert rule_met(SpendWithinMonths(2000 * YUAN, 6), purchases, NOW, SH)
    # (the 1,500 purchase alone is also a qualifying single purchase: the first branch wins)
    assert retail(purchases) == TierDecision("vip", "any[0]: single_purchase_at_least 100000", False)


def test_purchases_each_under_1000_reaching_2000_in_six_months_qualify():
    purchases = [buy(NOW - relativedelta(months=5), 900), buy(NOW - relativedelta(months=2), 900),
                 buy(NOW, 200)]
    d = retail(purchases)
    assert d == TierDecision("vip", "any[1]: spend_within_months 200000 in 6", False)
    assert retail(purchases[:2] + [buy(NOW, 199.99)]) is None


def test_2900_over_eleven_months_does_not_qualify_3000_does():
    # twelve monthly purchases from 11 months ago to today; no six months reach 2,000
    p2900 = monthly([150] + [250] * 11, range(11, -1, -1))
    p3000 = monthly([250] * 12, range(11, -1, -1))
    assert sum(p.paid_fen for p in p2900) == 2900 * YUAN
    assert sum(p.paid_fen for p in p3000) == 3000 * YUAN
    assert spend_in_window(p3000, NOW, 6, SH) < 2000 * YUAN
    assert retail(p2900) is None
    d = retail(p3000)
    assert d.tier_key == "vip" and d.reason == "any[2]: spend_within_months 300000 in 12"


def test_1500_then_600_seven_months_later_does_not_qualify_by_spend():
    first = NOW - relativedelta(months=7)
    purchases = [buy(first, 1500), buy(NOW, 600)]
    assert not rule_met(SpendWithinMonths(2000 * YUAN, 6), purchases, NOW, SH)
    assert not rule_met(SpendWithinMonths(3000 * YUAN, 12), purchases, NOW, SH)  # 2,100 < 3,000
    # Only the 1,500 single purchase (≥ 1,000) qualifies, if the caller still counts it: the caller
    # passes the purchases that count (e.g. within the card's validity).
    assert retail(purchases).reason == "any[0]: single_purchase_at_least 100000"
    assert retail(purchases[1:]) is None
    # the same shape under 1,000 a purchase: 900 then 600 seven months later, 2,100 in the year
    assert retail([buy(first, 900), buy(first + timedelta(days=1), 600), buy(NOW, 600)]) is None
    # ...while the same purchases five months apart do
    five = first + relativedelta(months=5)
    assert retail([buy(first, 900), buy(first + timedelta(days=1), 600), buy(five, 600)],
                  as_of=five).reason == "any[1]: spend_within_months 200000 in 6"


def test_holder_is_not_upgraded_again():
    assert retail([buy(NOW, 5000)], current="vip") is None


# ---- spend windows -----------------------------------------------------------------------------------

def test_window_is_open_at_the_start_and_closed_at_as_of():
    start = NOW - relativedelta(months=6)
    assert window_start(NOW, 6, SH) == start
    rule = SpendWithinMonths(100, 6)
    assert not rule_met(rule, [PaidPurchase(start, 100)], NOW, SH)
    assert rule_met(rule, [PaidPurchase(start + timedelta(seconds=1), 100)], NOW, SH)
    assert rule_met(rule, [PaidPurchase(NOW, 100)], NOW, SH)
    assert not rule_met(rule, [PaidPurchase(NOW + timedelta(seconds=1), 100)], NOW, SH)


def test_window_months_are_calendar_months_in_the_tenant_zone():
    # 2024-03-30 20:00 UTC is 31 March 04:00 in Shanghai: one month back is 29 February 04:00 there
    # (= 28 Feb 20:00 UTC), whereas on the UTC calendar it would be 29 Feb 20:00 UTC.
    as_of = datetime(2024, 3, 30, 20, 0, tzinfo=UTC)
    assert window_start(as_of, 1, SH) == datetime(2024, 2, 29, 4, 0, tzinfo=SH)
    p = [PaidPurchase(datetime(2024, 2, 29, 10, 0, tzinfo=UTC), 100)]
    rule = SpendWithinMonths(100, 1)
    assert rule_met(rule, p, as_of, SH)
    assert not rule_met(rule, p, as_of, ZoneInfo("UTC"))


def test_window_clamps_month_ends():
    as_of = datetime(2024, 8, 31, 12, 0, tzinfo=SH)
    assert window_start(as_of, 6, SH) == datetime(2024, 2, 29, 12, 0, tzinfo=SH)
    assert window_start(datetime(2023, 8, 31, 12, 0, tzinfo=SH), 6, SH) == datetime(2023, 2, 28, 12, 0, tzinfo=SH)


def test_refunds_reduce_the_window_sum():
    rule = SpendWithinMonths(2000 * YUAN, 6)
    purchases = [buy(NOW - timedelta(days=30), 1500), buy(NOW - timedelta(days=10), 600)]
    assert rule_met(rule, purchases, NOW, SH)
    assert not rule_met(rule, purchases + [buy(NOW - timedelta(days=5), -200)], NOW, SH)
    assert spend_in_window(purchases + [buy(NOW, -200)], NOW, 6, SH) == 1900 * YUAN


def test_future_purchases_do_not_count():
    later = NOW + timedelta(days=1)
    assert not rule_met(SinglePurchaseAtLeast(100), [PaidPurchase(later, 500)], NOW, SH)
    assert not rule_met(SpendWithinMonths(100, 12), [PaidPurchase(later, 500)], NOW, SH)


def test_naive_datetimes_are_refused():
    naive = datetime(2024, 1, 1, 12, 0)
    with pytest.raises(ValueError):
        rule_met(SpendWithinMonths(1, 1), [], naive, SH)
    with pytest.raises(ValueError):
        rule_met(SinglePurchaseAtLeast(1), [PaidPurchase(naive, 5)], NOW, SH)
    with pytest.raises(ValueError):
        evaluate_upgrade(RETAIL, None, [], naive, SH)


def test_purchases_in_other_zones_compare_as_instants():
    p = [PaidPurchase(datetime(2024, 12, 15, 6, 59, tzinfo=UTC), 100)]  # 14:59 in Shanghai
    assert rule_met(SpendWithinMonths(100, 1), p, NOW, SH)
    p = [PaidPurchase(datetime(2024, 12, 15, 7, 1, tzinfo=UTC), 100)]   # 15:01 in Shanghai: later
    assert not rule_met(SpendWithinMonths(100, 1), p, NOW, SH)


# ---- other leaves and combinations -------------------------------------------------------------

def test_assets_rule():
    rule = AssetsAtLeast(50_000_000)
    assert rule_met(rule, [], NOW, SH, assets_fen=50_000_000)
    assert not rule_met(rule, [], NOW, SH, assets_fen=49_999_999)
    assert not rule_met(rule, [], NOW, SH)  # unknown assets never qualify


def test_all_and_any_reasons():
    both = AllOf((SinglePurchaseAtLeast(500), SpendWithinMonths(1500, 3)))
    p = [PaidPurchase(NOW - timedelta(days=20), 700), PaidPurchase(NOW, 800)]
    assert explain_rule(both, p, NOW, SH) == "all(single_purchase_at_least 500; spend_within_months 1500 in 3)"
    assert explain_rule(both, p[:1], NOW, SH) is None
    either = AnyOf((AssetsAtLeast(10), both))
    assert explain_rule(either, p, NOW, SH) == "any[1]: all(single_purchase_at_least 500; spend_within_months 1500 in 3)"
    assert explain_rule(either, p, NOW, SH, assets_fen=10) == "any[0]: assets_at_least 10"
    assert explain_rule(AnyOf((AssetsAtLeast(10),)), p, NOW, SH) is None


def test_not_a_rule():
    with pytest.raises(TypeError):
        rule_met({"single_purchase_at_least": 1}, [], NOW, SH)


# ---- the mall five-card ladder (003 篇6) --------------------------------------------------------------

def test_mall_normal_card_needs_a_500_purchase_and_1500_in_three_months():
    ok = [buy(NOW - timedelta(days=60), 700), buy(NOW - timedelta(days=30), 400), buy(NOW, 400)]
    d = evaluate_upgrade(MALL, None, ok, NOW, SH)
    assert d.tier_key == "normal" and d.reason.startswith("all(")
    small = [buy(NOW - timedelta(days=d), 499) for d in (1, 20, 40, 60)]    # 1,996, none ≥ 500
    assert evaluate_upgrade(MALL, None, small, NOW, SH) is None
    old = [buy(NOW - relativedelta(months=4), 1000), buy(NOW, 600)]           # 1,000 outside 3 months
    assert evaluate_upgrade(MALL, None, old, NOW, SH) is None


def test_mall_silver_gold_diamond():
    assert evaluate_upgrade(MALL, "normal", [buy(NOW, 3000)], NOW, SH).tier_key == "silver"
    assert evaluate_upgrade(MALL, "normal", [buy(NOW, 5000)], NOW, SH).tier_key == "gold"
    spread = [buy(NOW - relativedelta(months=k), 700) for k in range(12)]     # 8,400 a year, 4,200 in 6
    assert evaluate_upgrade(MALL, "silver", spread, NOW, SH).tier_key == "gold"
    assert evaluate_upgrade(MALL, "gold", [buy(NOW, 20000)], NOW, SH).tier_key == "diamond"


def test_mall_purple_gold_needs_review_with_diamond_meanwhile():
    purchases = [buy(NOW - relativedelta(months=k), 4000) for k in range(10)]  # 40,000 this year
    d = evaluate_upgrade(MALL, "gold", purchases, NOW, SH)
    assert d.tier_key == "purple_gold"
    assert d.needs_review is True
    assert d.reason == "spend_within_months 4000000 in 12"
    assert d.fallback == TierDecision("diamond", "spend_within_months 2000000 in 12", False)
    # a diamond holder gets only the proposal
    d = evaluate_upgrade(MALL, "diamond", purchases, NOW, SH)
    assert (d.tier_key, d.needs_review, d.fallback) == ("purple_gold", True, None)
    # 39,999.99 proposes nothing
    short = purchases[:-1] + [buy(NOW - relativedelta(months=9), 3999.99)]
    assert evaluate_upgrade(MALL, "diamond", short, NOW, SH) is None


def test_nothing_met_means_none_and_never_a_downgrade():
    assert evaluate_upgrade(MALL, "purple_gold", [], NOW, SH) is None
    assert evaluate_upgrade(MALL, "diamond", [buy(NOW, 3000)], NOW, SH) is None   # silver's numbers
    assert evaluate_upgrade(MALL, None, [], NOW, SH) is None


def test_unknown_current_tier():
    with pytest.raises(KeyError):
        evaluate_upgrade(MALL, "platinum", [], NOW, SH)


# ---- the apparel ladder and its prerequisite (002) ----------------------------------------------------

def test_apparel_knight_elite_from_nothing():
    assert evaluate_upgrade(APPAREL, None, [buy(NOW, 3500)], NOW, SH).tier_key == "knight"
    assert evaluate_upgrade(APPAREL, None, [buy(NOW, 5000)], NOW, SH).tier_key == "elite"
    spread = [buy(NOW - relativedelta(months=k), 1000) for k in range(8)]       # 8,000 a year
    d = evaluate_upgrade(APPAREL, None, spread, NOW, SH)
    assert d.tier_key == "elite" and d.reason == "any[1]: spend_within_months 800000 in 12"


def test_apparel_diamond_needs_elite_held_before_the_evaluation():
    year = [buy(NOW - relativedelta(months=k), 2000) for k in range(10)]        # 20,000 a year
    # from knight: the numbers meet diamond too, but elite is not yet held -> elite only
    assert evaluate_upgrade(APPAREL, "knight", year, NOW, SH).tier_key == "elite"
    # a single 15,000 purchase by a newcomer: elite first
    assert evaluate_upgrade(APPAREL, None, [buy(NOW, 15000)], NOW, SH).tier_key == "elite"
    # an elite member: diamond
    d = evaluate_upgrade(APPAREL, "elite", year, NOW, SH)
    assert d == TierDecision("diamond", "any[1]: spend_within_months 2000000 in 12", False)
    assert evaluate_upgrade(APPAREL, "elite", [buy(NOW, 15000)], NOW, SH).tier_key == "diamond"
    assert evaluate_upgrade(APPAREL, "elite", [buy(NOW, 14999)], NOW, SH) is None


def test_prerequisite_is_satisfied_by_a_higher_tier():
    s = load_scheme({"name": "x", "tiers": [
        {"key": "t0", "name": "0"},
        {"key": "t1", "name": "1", "qualify": {"single_purchase_at_least": 100}},
        {"key": "t2", "name": "2", "qualify": {"single_purchase_at_least": 200}},
        {"key": "t3", "name": "3", "qualify": {"single_purchase_at_least": 300}, "requires_tier": "t1"},
    ]})
    p = [PaidPurchase(NOW, 300)]
    assert evaluate_upgrade(s, "t2", p, NOW, SH).tier_key == "t3"
    assert evaluate_upgrade(s, "t1", p, NOW, SH).tier_key == "t3"
    assert evaluate_upgrade(s, "t0", p, NOW, SH).tier_key == "t2"
    assert evaluate_upgrade(s, None, p, NOW, SH).tier_key == "t2"


# ---- entry tiers and manual tiers ------------------------------------------------------------------

def test_entry_tier_is_never_upgraded_into():
    assert evaluate_upgrade(HOTEL, None, [], NOW, SH) is None
    assert evaluate_upgrade(HOTEL, None, [buy(NOW, 10)], NOW, SH) is None
    assert evaluate_upgrade(HOTEL, None, [buy(NOW, 10000)], NOW, SH).tier_key == "v3"
    assert evaluate_upgrade(HOTEL, "v4", [buy(NOW, 30000)], NOW, SH).tier_key == "v2"
    d = evaluate_upgrade(HOTEL, "v3", [buy(NOW, 80000)], NOW, SH)
    assert (d.tier_key, d.needs_review, d.fallback.tier_key) == ("v1", True, "v2")


def test_a_tier_with_null_qualify_above_the_entry_is_manual_only():
    s = load_scheme({"name": "x", "tiers": [
        {"key": "guest", "name": "G"},
        {"key": "vip", "name": "V", "qualify": {"single_purchase_at_least": 1}},
        {"key": "vvip", "name": "VV"},   # decided by the general manager only
    ]})
    assert evaluate_upgrade(s, None, [PaidPurchase(NOW, 10**9)], NOW, SH).tier_key == "vip"
    assert evaluate_upgrade(s, "vip", [PaidPurchase(NOW, 10**9)], NOW, SH) is None


def test_svip_and_vip_are_proposals():
    d = evaluate_upgrade(SVIP, "ordinary", [buy(NOW, 30000)], NOW, SH)
    assert (d.tier_key, d.needs_review, d.fallback) == ("svip", True, None)
    d = evaluate_upgrade(SVIP, "ordinary", [buy(NOW, 10000)], NOW, SH)
    assert (d.tier_key, d.needs_review) == ("vip", True)


def test_bank_assets_ladder():
    s = load_scheme({"name": "bank", "tiers": [
        {"key": "gold", "name": "金卡", "qualify": {"assets_at_least": 50_000_000}},
        {"key": "diamond", "name": "钻石", "qualify": {"assets_at_least": 500_000_000}},
        {"key": "private", "name": "私人银行", "qualify": {"assets_at_least": 1_000_000_000}, "manual_review": True},
    ]})
    assert evaluate_upgrade(s, None, [], NOW, SH) is None
    assert evaluate_upgrade(s, None, [], NOW, SH, assets_fen=60_000_000).tier_key == "gold"
    d = evaluate_upgrade(s, "gold", [], NOW, SH, assets_fen=2_000_000_000)
    assert (d.tier_key, d.needs_review, d.fallback.tier_key) == ("private", True, "diamond")


# ---- properties ----------------------------------------------------------------------------------------

BASE = datetime(2020, 1, 1, tzinfo=SH)
moments = st.integers(0, 5 * 365 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))
purchase_lists = st.lists(st.builds(PaidPurchase, moments, st.integers(-50_000, 500_000)), max_size=25)


@PROPERTY
@given(purchase_lists, moments, st.integers(1, 120), st.integers(1, 10**7), st.integers(1, 10**7))
def test_spend_within_months_is_monotonic_in_the_amount(purchases, as_of, months, a, b):
    low, high = sorted((a, b))
    if rule_met(SpendWithinMonths(high, months), purchases, as_of, SH):
        assert rule_met(SpendWithinMonths(low, months), purchases, as_of, SH)
    if not rule_met(SpendWithinMonths(low, months), purchases, as_of, SH):
        assert not rule_met(SpendWithinMonths(high, months), purchases, as_of, SH)


@PROPERTY
@given(purchase_lists, moments, st.integers(1, 120))
def test_window_sum_matches_a_direct_count(purchases, as_of, months):
    start = as_of - relativedelta(months=months)   # as_of is already in Shanghai time
    expected = sum(p.paid_fen for p in purchases if start < p.paid_at <= as_of)
    assert spend_in_window(purchases, as_of, months, SH) == expected
    assert rule_met(SpendWithinMonths(max(expected, 1), months), purchases, as_of, SH) == (expected >= max(expected, 1))


@PROPERTY
@given(st.lists(st.builds(PaidPurchase, moments, st.integers(0, 500_000)), max_size=25), moments,
       st.integers(1, 119), st.integers(1, 10**7))
def test_longer_windows_never_hurt_without_refunds(purchases, as_of, months, amount):
    if rule_met(SpendWithinMonths(amount, months), purchases, as_of, SH):
        assert rule_met(SpendWithinMonths(amount, months + 1), purchases, as_of, SH)


@PROPERTY
@given(purchase_lists, moments, st.sampled_from([None, "knight", "elite", "diamond"]))
def test_evaluate_upgrade_only_goes_up_and_respects_prerequisites(purchases, as_of, current):
    d = evaluate_upgrade(APPAREL, current, purchases, as_of, SH)
    if d is None:
        return
    cur = -1 if current is None else APPAREL.rank(current)
    assert APPAREL.rank(d.tier_key) > cur
    tier = APPAREL.tier(d.tier_key)
    assert rule_met(tier.qualify, purchases, as_of, SH)
    if tier.requires_tier:
        assert cur >= APPAREL.rank(tier.requires_tier)
