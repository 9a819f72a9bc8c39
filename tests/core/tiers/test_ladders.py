from decimal import Decimal

import pytest

from core.tiers.document import (
    AllOf,
    AnyOf,
    SinglePurchaseAtLeast,
    SpendWithinMonths,
    dump_scheme,
    load_scheme,
)
from core.tiers.ladders import PERK_LABELS, TEMPLATES, template_document

EXPECTED = {"retail_88", "apparel", "mall_five", "hotel_v1_v4", "ordinary_vip_svip", "abc"}
Y = 100


def scheme(key):
    return load_scheme(TEMPLATES[key]["document"])


def test_template_keys():
    assert set(TEMPLATES) == EXPECTED


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_template_validates_and_round_trips(key):
    t = TEMPLATES[key]
    assert set(t) == {"label_zh", "label_en", "document"}
    assert t["label_zh"] and t["label_en"]
    s = load_scheme(t["document"])
    assert load_scheme(dump_scheme(s)) == s
    assert dump_scheme(s) == t["document"]     # templates are written in canonical form
    for tier in s.tiers:
        assert tier.name_en
        for perk in tier.benefits.perks:
            assert set(PERK_LABELS[perk]) == {"zh", "en"}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_priorities_do_not_fall_as_tiers_rise(key):
    prios = [t.benefits.priority for t in scheme(key).tiers]
    assert prios == sorted(prios, reverse=True)


def test_retail_88():
    s = scheme("retail_88")
    (vip,) = s.tiers
    assert vip.qualify == AnyOf((SinglePurchaseAtLeast(1000 * Y), SpendWithinMonths(2000 * Y, 6),
                                 SpendWithinMonths(3000 * Y, 12)))
    b = vip.benefits
    assert b.discount_rate == Decimal("0.88")
    assert (b.birthday.scope, b.birthday.rate, b.birthday.max_items, b.birthday.id_check,
            b.birthday.once_per_year) == ("day", Decimal("0.60"), None, True, True)
    assert b.points_per_unit == 1 and b.points_multiplier == 1
    p = s.policies
    assert p.validity.kind == "december_renewal"
    assert p.points_expiry.kind == "calendar_year"
    assert p.registration_days == 30


def test_apparel():
    s = scheme("apparel")
    assert s.tier_keys == ("knight", "elite", "diamond")
    knight, elite, diamond = s.tiers
    assert knight.qualify == AnyOf((SinglePurchaseAtLeast(3000 * Y), SpendWithinMonths(8000 * Y, 12)))
    assert elite.qualify == AnyOf((SinglePurchaseAtLeast(5000 * Y), SpendWithinMonths(8000 * Y, 12)))
    assert diamond.qualify == AnyOf((SinglePurchaseAtLeast(15000 * Y), SpendWithinMonths(20000 * Y, 12)))
    assert diamond.requires_tier == "elite"
    assert [t.benefits.discount_rate for t in s.tiers] == [Decimal("0.85"), Decimal("0.85"), Decimal("0.80")]
    assert [(t.benefits.birthday.scope, t.benefits.birthday.max_items, t.benefits.birthday.rate)
            for t in s.tiers] == [("month", 2, Decimal("0.6")), ("month", 2, Decimal("0.6")),
                                  ("month", 3, Decimal("0.5"))]
    assert "airport_green_channel" in diamond.benefits.perks
    assert s.policies.accumulation_card_days == 365


def test_mall_five():
    s = scheme("mall_five")
    assert s.tier_keys == ("normal", "silver", "gold", "diamond", "purple_gold")
    assert s.tiers[0].qualify == AllOf((SinglePurchaseAtLeast(500 * Y), SpendWithinMonths(1500 * Y, 3)))
    assert [t.benefits.parking_hours for t in s.tiers] == [1, 2, 4, 4, 6]
    assert [t.benefits.alliance_rate for t in s.tiers] == [Decimal(x) for x in ("0.95", "0.9", "0.88", "0.85", "0.8")]
    assert [t.manual_review for t in s.tiers] == [False, False, False, False, True]
    assert s.tier("purple_gold").qualify == SpendWithinMonths(40000 * Y, 12)
    assert s.tier("diamond").qualify == SpendWithinMonths(20000 * Y, 12)
    assert s.tier("silver").qualify == AnyOf((SpendWithinMonths(3000 * Y, 6), SpendWithinMonths(5000 * Y, 12)))
    assert s.tier("gold").qualify == AnyOf((SpendWithinMonths(5000 * Y, 6), SpendWithinMonths(8000 * Y, 12)))


def test_hotel_v1_v4():
    s = scheme("hotel_v1_v4")
    assert s.tier_keys == ("v4", "v3", "v2", "v1")     # V1 is the highest
    assert s.tiers[0].qualify is None
    assert (s.policies.validity.kind, s.policies.validity.days) == ("days_from_issue", 365)
    assert all(t.benefits.points_per_unit > 0 for t in s.tiers)   # points on every spend
    assert all("birthday_cake_or_wine" in t.benefits.perks for t in s.tiers)


def test_ordinary_vip_svip():
    s = scheme("ordinary_vip_svip")
    assert s.tier_keys == ("ordinary", "vip", "svip")
    svip = s.tier("svip")
    assert svip.benefits.response_minutes == 30 and svip.benefits.priority == 1
    assert svip.manual_review and s.tier("vip").manual_review
    assert s.tiers[0].qualify is None
    assert s.policies.downgrade.kind == "monthly_review"


def test_abc():
    s = scheme("abc")
    assert s.tier_keys == ("c", "b", "a")
    assert s.tiers[0].qualify is None
    assert s.tier("a").benefits.priority == 1


def test_template_document_is_a_copy():
    d = template_document("retail_88")
    d["tiers"][0]["benefits"]["discount_rate"] = "0.5"
    assert TEMPLATES["retail_88"]["document"]["tiers"][0]["benefits"]["discount_rate"] == "0.88"
    with pytest.raises(KeyError):
        template_document("nope")
