import copy
from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from core.tiers.document import (
    AllOf,
    AnyOf,
    AssetsAtLeast,
    Benefits,
    BirthdayBenefit,
    Policies,
    SchemeDocumentSchema,
    SinglePurchaseAtLeast,
    SpendWithinMonths,
    dump_scheme,
    load_scheme,
)

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=40,
                    suppress_health_check=[HealthCheck.too_slow])


def doc(*tiers, **extra):
    d = {"name": "Test", "tiers": list(tiers) or [{"key": "vip", "name": "VIP"}]}
    d.update(extra)
    return d


def errors(data):
    with pytest.raises(ValidationError) as exc:
        load_scheme(data)
    return exc.value.messages


# ---- loading ---------------------------------------------------------------------------------------

def test_minimal_document_takes_defaults():
    s = load_scheme(doc())
    assert s.name == "Test"
    (t,) = s.tiers
    assert (t.key, t.name, t.name_en, t.qualify, t.requires_tier, t.manual_review) == (
        "vip", "VIP", None, None, None, False)
    assert t.benefits == Benefits()
    assert t.benefits.points_per_unit == Decimal(1) and t.benefits.priority == 5
    assert s.policies == Policies()
    assert s.policies.upgrade == "immediate"
    assert s.policies.downgrade.kind == "none"
    assert s.policies.validity.kind == "none"
    assert s.policies.points_expiry.kind == "never"
    assert s.policies.accumulation_card_days == 365
    assert s.policies.registration_days is None


def test_full_document_loads_into_dataclasses():
    s = load_scheme(doc(
        {"key": "ordinary", "name": "普通", "qualify": None},
        {"key": "elite", "name": "精英", "name_en": "Elite",
         "qualify": {"any": [{"single_purchase_at_least": 500000},
                             {"spend_within_months": {"amount": 800000, "months": 12}}]},
         "benefits": {"discount_rate": "0.85",
                      "birthday": {"scope": "month", "rate": "0.60", "max_items": 2, "id_check": True},
                      "points_per_unit": "1", "points_multiplier": "1.5", "parking_hours": 2,
                      "alliance_rate": "0.9", "priority": 2, "response_minutes": 30,
                      "client_manager": True, "perks": ["lounge"]}},
        {"key": "diamond", "name": "钻石", "requires_tier": "elite", "manual_review": True,
         "qualify": {"all": [{"assets_at_least": 100}, {"spend_within_months": {"amount": 1, "months": 1}}]}},
        policies={"downgrade": {"kind": "years_below", "years": 2},
                  "validity": {"kind": "days_from_issue", "days": 365},
                  "points_expiry": {"kind": "rolling_months", "months": 24},
                  "accumulation_card_days": 180, "registration_days": 30},
    ))
    ordinary, elite, diamond = s.tiers
    assert elite.qualify == AnyOf((SinglePurchaseAtLeast(500000), SpendWithinMonths(800000, 12)))
    assert diamond.qualify == AllOf((AssetsAtLeast(100), SpendWithinMonths(1, 1)))
    b = elite.benefits
    assert b.discount_rate == Decimal("0.85") and isinstance(b.discount_rate, Decimal)
    assert b.birthday == BirthdayBenefit("month", Decimal("0.60"), 2, True, True)
    assert b.points_multiplier == Decimal("1.5")
    assert (b.parking_hours, b.alliance_rate, b.priority, b.response_minutes, b.client_manager, b.perks) == (
        2, Decimal("0.9"), 2, 30, True, ("lounge",))
    assert diamond.requires_tier == "elite" and diamond.manual_review is True
    p = s.policies
    assert (p.downgrade.kind, p.downgrade.years) == ("years_below", 2)
    assert (p.validity.kind, p.validity.days) == ("days_from_issue", 365)
    assert (p.points_expiry.kind, p.points_expiry.months) == ("rolling_months", 24)
    assert (p.accumulation_card_days, p.registration_days) == (180, 30)
    # helpers
    assert s.tier_keys == ("ordinary", "elite", "diamond")
    assert s.rank("diamond") == 2 and s.tier("elite") is elite
    assert s.entry_tier is ordinary
    with pytest.raises(KeyError):
        s.rank("gold")


def test_schema_class_loads_the_same():
    assert SchemeDocumentSchema().load(doc()) == load_scheme(doc())


def test_loaded_scheme_is_frozen():
    s = load_scheme(doc())
    with pytest.raises(FrozenInstanceError):
        s.name = "x"
    with pytest.raises(FrozenInstanceError):
        s.tiers[0].benefits.priority = 1


# ---- errors, with their paths ----------------------------------------------------------------------

def test_not_an_object():
    assert "_schema" in errors(["not", "a", "dict"])


@pytest.mark.parametrize("data, expected", [
    ({"tiers": [{"key": "a", "name": "A"}]}, {"name": ["Missing data for required field."]}),
    ({"name": "x"}, {"tiers": ["Missing data for required field."]}),
    ({"name": "x", "tiers": []}, {"tiers": ["Length must be between 1 and 50."]}),
    ({"name": "x", "tiers": [{"key": "a", "name": "A"}], "extra": 1}, {"extra": ["Unknown field."]}),
])
def test_top_level_errors(data, expected):
    assert errors(data) == expected


@pytest.mark.parametrize("key", ["", "VIP", "a-b", "a" * 33, "vip ", "金卡"])
def test_tier_key_pattern(key):
    assert "key" in errors(doc({"key": key, "name": "x"}))["tiers"][0]


def test_tier_key_may_be_32_chars():
    load_scheme(doc({"key": "a_1" + "b" * 29, "name": "x"}))


def test_unknown_fields_rejected_at_every_level():
    m = errors(doc({"key": "a", "name": "A", "colour": "red",
                    "benefits": {"discount_rate": "0.9", "cashback": "1",
                                 "birthday": {"scope": "day", "rate": "0.6", "cake": True}},
                    "qualify": {"spend_within_months": {"amount": 1, "months": 1, "days": 3}}},
                   policies={"downgrade": {"kind": "none", "grace": 1}, "foo": 1}))
    t = m["tiers"][0]
    assert t["colour"] == ["Unknown field."]
    assert t["benefits"]["cashback"] == ["Unknown field."]
    assert t["benefits"]["birthday"]["cake"] == ["Unknown field."]
    assert t["qualify"]["spend_within_months"]["days"] == ["Unknown field."]
    assert m["policies"]["foo"] == ["Unknown field."]
    assert m["policies"]["downgrade"]["grace"] == ["Unknown field."]


def test_duplicate_tier_keys():
    m = errors(doc({"key": "a", "name": "A"}, {"key": "b", "name": "B"}, {"key": "a", "name": "A2"}))
    assert list(m["tiers"]) == [2] and "Duplicate" in m["tiers"][2]["key"][0]


@pytest.mark.parametrize("tiers, index", [
    ([{"key": "a", "name": "A", "requires_tier": "a"}], 0),                                # itself
    ([{"key": "a", "name": "A", "requires_tier": "b"}, {"key": "b", "name": "B"}], 0),      # higher
    ([{"key": "a", "name": "A"}, {"key": "b", "name": "B", "requires_tier": "zz"}], 1),     # unknown
])
def test_requires_tier_must_name_a_lower_tier(tiers, index):
    m = errors(doc(*tiers))
    assert list(m["tiers"]) == [index] and "requires_tier" in m["tiers"][index]


def test_requires_lower_tier_ok():
    s = load_scheme(doc({"key": "a", "name": "A"}, {"key": "b", "name": "B"},
                        {"key": "c", "name": "C", "requires_tier": "a"}))
    assert s.tiers[2].requires_tier == "a"


@pytest.mark.parametrize("field", ["discount_rate", "alliance_rate"])
@pytest.mark.parametrize("value", ["0", "-0.1", "1.01", "abc", "NaN", True, None])
def test_rates_in_zero_one(field, value):
    if value is None:
        load_scheme(doc({"key": "a", "name": "A", "benefits": {field: None}}))
        return
    m = errors(doc({"key": "a", "name": "A", "benefits": {field: value}}))
    assert field in m["tiers"][0]["benefits"]


@pytest.mark.parametrize("value", ["1", "0.01", "1.00", 0.88, 1])
def test_rates_accepted(value):
    s = load_scheme(doc({"key": "a", "name": "A", "benefits": {"discount_rate": value,
                         "birthday": {"scope": "day", "rate": value}}}))
    assert s.tiers[0].benefits.discount_rate == Decimal(str(value))
    assert s.tiers[0].benefits.birthday.rate == Decimal(str(value))


def test_float_rate_is_read_through_its_decimal_text():
    s = load_scheme(doc({"key": "a", "name": "A", "benefits": {"discount_rate": 0.88}}))
    assert s.tiers[0].benefits.discount_rate == Decimal("0.88")


@pytest.mark.parametrize("birthday, field", [
    ({"scope": "week", "rate": "0.6"}, "scope"),
    ({"scope": "day", "rate": "0"}, "rate"),
    ({"scope": "day", "rate": "1.5"}, "rate"),
    ({"scope": "day"}, "rate"),
    ({"rate": "0.6"}, "scope"),
    ({"scope": "month", "rate": "0.6", "max_items": 0}, "max_items"),
    ({"scope": "month", "rate": "0.6", "max_items": 1.5}, "max_items"),
    ({"scope": "month", "rate": "0.6", "id_check": "yes"}, "id_check"),
    ({"scope": "month", "rate": "0.6", "once_per_year": 1}, "once_per_year"),
])
def test_birthday_errors(birthday, field):
    m = errors(doc({"key": "a", "name": "A", "benefits": {"birthday": birthday}}))
    assert field in m["tiers"][0]["benefits"]["birthday"]


@pytest.mark.parametrize("benefits, field", [
    ({"priority": 0}, "priority"),
    ({"priority": 6}, "priority"),
    ({"priority": "1"}, "priority"),
    ({"parking_hours": -1}, "parking_hours"),
    ({"parking_hours": 1.5}, "parking_hours"),
    ({"response_minutes": 0}, "response_minutes"),
    ({"points_per_unit": "-1"}, "points_per_unit"),
    ({"points_multiplier": "-0.5"}, "points_multiplier"),
    ({"client_manager": "true"}, "client_manager"),
    ({"perks": "lounge"}, "perks"),
    ({"perks": [""]}, "perks"),
])
def test_benefit_errors(benefits, field):
    m = errors(doc({"key": "a", "name": "A", "benefits": benefits}))
    assert field in m["tiers"][0]["benefits"]


def test_benefits_null_rejected():
    assert "benefits" in errors(doc({"key": "a", "name": "A", "benefits": None}))["tiers"][0]


@pytest.mark.parametrize("rule, path", [
    ({"single_purchase_at_least": 0}, ["single_purchase_at_least"]),
    ({"single_purchase_at_least": -5}, ["single_purchase_at_least"]),
    ({"single_purchase_at_least": "100"}, ["single_purchase_at_least"]),
    ({"single_purchase_at_least": 10.5}, ["single_purchase_at_least"]),
    ({"single_purchase_at_least": None}, ["single_purchase_at_least"]),
    ({"assets_at_least": 0}, ["assets_at_least"]),
    ({"spend_within_months": {"amount": 0, "months": 6}}, ["spend_within_months", "amount"]),
    ({"spend_within_months": {"amount": 1, "months": 0}}, ["spend_within_months", "months"]),
    ({"spend_within_months": {"amount": 1, "months": 121}}, ["spend_within_months", "months"]),
    ({"spend_within_months": {"amount": 1}}, ["spend_within_months", "months"]),
    ({"spend_within_months": 5}, ["spend_within_months"]),
    ({"all": []}, ["all"]),
    ({"any": []}, ["any"]),
    ({"any": {"single_purchase_at_least": 1}}, ["any"]),
    ({}, ["_schema"]),
    ({"single_purchase_at_least": 1, "assets_at_least": 1}, ["_schema"]),
    ({"between": [1, 2]}, ["between"]),
    ({"any": [{"single_purchase_at_least": 1},
              {"all": [{"assets_at_least": 5},
                       {"spend_within_months": {"amount": 1, "months": 200}}]}]},
     ["any", 1, "all", 1, "spend_within_months", "months"]),
    ({"all": [{"any": [{}]}]}, ["all", 0, "any", 0, "_schema"]),
])
def test_rule_errors_carry_their_path(rule, path):
    node = errors(doc({"key": "a", "name": "A", "qualify": rule}))["tiers"][0]["qualify"]
    for step in path:
        node = node[step]
    assert node


def test_rule_error_path_in_a_later_tier():
    m = errors(doc({"key": "a", "name": "A"},
                   {"key": "b", "name": "B", "qualify": {"any": [{"single_purchase_at_least": 1},
                                                                 {"spend_within_months": {"amount": 5, "months": 0}}]}}))
    assert m == {"tiers": {1: {"qualify": {"any": {1: {"spend_within_months": {"months": [
        "Must be greater than or equal to 1 and less than or equal to 120."]}}}}}}}


def test_rules_may_not_nest_absurdly_deep():
    rule = {"single_purchase_at_least": 1}
    for _ in range(7):
        rule = {"all": [rule]}
    load_scheme(doc({"key": "a", "name": "A", "qualify": rule}))  # 8 levels: fine
    deep = rule
    for _ in range(3000):
        deep = {"any": [deep]}
    assert "qualify" in errors(doc({"key": "a", "name": "A", "qualify": deep}))["tiers"][0]


@pytest.mark.parametrize("policies, path", [
    ({"upgrade": "yearly"}, ["upgrade"]),
    ({"downgrade": {"kind": "sometimes"}}, ["downgrade", "kind"]),
    ({"downgrade": {"kind": "years_below"}}, ["downgrade", "years"]),
    ({"downgrade": {"kind": "years_below", "years": 0}}, ["downgrade", "years"]),
    ({"downgrade": {"kind": "inactive_months"}}, ["downgrade", "months"]),
    ({"downgrade": {"kind": "yearly", "years": 2}}, ["downgrade", "years"]),
    ({"downgrade": {"kind": "years_below", "years": 2, "months": 3}}, ["downgrade", "months"]),
    ({"downgrade": None}, ["downgrade"]),
    ({"validity": {"kind": "days_from_issue"}}, ["validity", "days"]),
    ({"validity": {"kind": "december_renewal", "days": 30}}, ["validity", "days"]),
    ({"validity": {"kind": "forever"}}, ["validity", "kind"]),
    ({"points_expiry": {"kind": "rolling_months"}}, ["points_expiry", "months"]),
    ({"points_expiry": {"kind": "never", "months": 2}}, ["points_expiry", "months"]),
    ({"points_expiry": {}}, ["points_expiry", "kind"]),
    ({"accumulation_card_days": 0}, ["accumulation_card_days"]),
    ({"registration_days": 0}, ["registration_days"]),
])
def test_policy_errors(policies, path):
    node = errors(doc(policies=policies))["policies"]
    for step in path:
        node = node[step]
    assert node


@pytest.mark.parametrize("policies", [
    {"downgrade": {"kind": "inactive_months", "months": 18}},
    {"downgrade": {"kind": "monthly_review"}},
    {"validity": {"kind": "december_renewal"}},
    {"points_expiry": {"kind": "calendar_year"}},
    {"registration_days": None},
])
def test_policies_accepted(policies):
    s = load_scheme(doc(policies=policies))
    assert load_scheme(dump_scheme(s)) == s


# ---- dump / round trip -----------------------------------------------------------------------------

def test_dump_is_canonical_json():
    s = load_scheme(doc({"key": "a", "name": "A", "benefits": {"discount_rate": "0.88"}}))
    d = dump_scheme(s)
    assert d["tiers"][0]["benefits"]["discount_rate"] == "0.88"
    assert d["tiers"][0]["benefits"]["points_per_unit"] == "1"
    assert d["policies"] == {"upgrade": "immediate", "downgrade": {"kind": "none"},
                             "validity": {"kind": "none"}, "points_expiry": {"kind": "never"},
                             "accumulation_card_days": 365, "registration_days": None}
    import json
    json.dumps(d)  # plain JSON types only
    assert dump_scheme(load_scheme(d)) == d


def test_load_does_not_mutate_input():
    d = doc({"key": "a", "name": "A", "qualify": {"any": [{"single_purchase_at_least": 5}]}})
    before = copy.deepcopy(d)
    load_scheme(d)
    assert d == before


# Random valid documents -------------------------------------------------------------------------------

rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2)
fen = st.integers(min_value=1, max_value=10**9)
leaf_rules = st.one_of(
    fen.map(lambda a: {"single_purchase_at_least": a}),
    st.tuples(fen, st.integers(1, 120)).map(lambda t: {"spend_within_months": {"amount": t[0], "months": t[1]}}),
    fen.map(lambda a: {"assets_at_least": a}),
)
rules = st.recursive(
    leaf_rules,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda rs: {"all": rs}),
        st.lists(children, min_size=1, max_size=3).map(lambda rs: {"any": rs}),
    ),
    max_leaves=6,
)
birthdays = st.none() | st.fixed_dictionaries({
    "scope": st.sampled_from(["day", "month"]), "rate": rates.map(str),
    "max_items": st.none() | st.integers(1, 5), "id_check": st.booleans(), "once_per_year": st.booleans()})
benefits = st.fixed_dictionaries({}, optional={
    "discount_rate": st.none() | rates.map(str),
    "birthday": birthdays,
    "points_per_unit": st.decimals(min_value=0, max_value=10, places=1).map(str),
    "points_multiplier": st.decimals(min_value=0, max_value=5, places=2).map(str),
    "parking_hours": st.integers(0, 24),
    "alliance_rate": st.none() | rates.map(str),
    "priority": st.integers(1, 5),
    "response_minutes": st.none() | st.integers(1, 10000),
    "client_manager": st.booleans(),
    "perks": st.lists(st.text(min_size=1, max_size=10), max_size=3),
})
policies = st.fixed_dictionaries({}, optional={
    "downgrade": st.one_of(
        st.sampled_from(["none", "yearly", "monthly_review"]).map(lambda k: {"kind": k}),
        st.integers(1, 5).map(lambda y: {"kind": "years_below", "years": y}),
        st.integers(1, 36).map(lambda m: {"kind": "inactive_months", "months": m})),
    "validity": st.one_of(st.just({"kind": "none"}), st.just({"kind": "december_renewal"}),
                          st.integers(1, 3650).map(lambda d: {"kind": "days_from_issue", "days": d})),
    "points_expiry": st.one_of(st.just({"kind": "never"}), st.just({"kind": "calendar_year"}),
                               st.integers(1, 60).map(lambda m: {"kind": "rolling_months", "months": m})),
    "accumulation_card_days": st.integers(1, 1000),
    "registration_days": st.none() | st.integers(1, 90),
})


@st.composite
def documents(draw):
    n = draw(st.integers(1, 5))
    tiers = []
    for i in range(n):
        t = {"key": f"t{i}", "name": draw(st.text(min_size=1, max_size=8))}
        if draw(st.booleans()):
            t["qualify"] = draw(st.none() | rules)
        if i and draw(st.booleans()):
            t["requires_tier"] = f"t{draw(st.integers(0, i - 1))}"
        if draw(st.booleans()):
            t["manual_review"] = draw(st.booleans())
        if draw(st.booleans()):
            t["name_en"] = draw(st.none() | st.text(min_size=1, max_size=8))
        t["benefits"] = draw(benefits)
        tiers.append(t)
    d = {"name": draw(st.text(min_size=1, max_size=10)), "tiers": tiers}
    if draw(st.booleans()):
        d["policies"] = draw(policies)
    return d


@PROPERTY
@given(documents())
def test_random_documents_round_trip(d):
    s = load_scheme(d)
    dumped = dump_scheme(s)
    assert load_scheme(dumped) == s
    assert dump_scheme(load_scheme(dumped)) == dumped
