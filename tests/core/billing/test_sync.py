"""`flask billing sync`: Stripe's Products and Prices made to match the plans, safe to re-run."""
import json

from core.billing.plans import DEFAULT_PLANS, PlanConfigError, parse_plans


def _sync(app):
    return app.test_cli_runner().invoke(args=["billing", "sync"])


def test_sync_creates_the_plans_then_a_second_run_creates_nothing(app, stripe_on):
    stub = stripe_on
    first = _sync(app)
    assert first.exit_code == 0, first.output
    created = stub.calls("POST", "/v1/products")
    assert sorted(c.params["id"] for c in created) == ["vip_plan_business", "vip_plan_starter", "vip_plan_unlimited"]
    assert created[0].params["metadata"] == {"plan": "starter"}
    assert "入门版" in created[0].params["name"] and "Starter" in created[0].params["name"]
    prices = {(p["lookup_key"], p["unit_amount"], p["currency"], p["recurring"]["interval"])
              for p in stub.prices.values()}
    assert prices == {("vip_plan_starter_month", 19900, "cny", "month"), ("vip_plan_starter_year", 199000, "cny", "year"),
                      ("vip_plan_business_month", 99900, "cny", "month"), ("vip_plan_business_year", 999000, "cny", "year"),
                      ("vip_plan_unlimited_month", 299900, "cny", "month"),
                      ("vip_plan_unlimited_year", 2999000, "cny", "year")}
    assert "9 change(s)" in first.output

    stub.requests.clear()
    second = _sync(app)
    assert second.exit_code == 0 and "Stripe already matches the plans." in second.output
    assert stub.writes() == []  # only reads: nothing created or changed
    assert len(stub.calls("GET")) == 3 + 6


def test_a_changed_price_gets_a_new_price_and_the_old_one_is_archived(app, stripe_on, monkeypatch):
    stub = stripe_on
    assert _sync(app).exit_code == 0
    old = next(p for p in stub.prices.values() if p["lookup_key"] == "vip_plan_business_month")
    plans = json.loads(json.dumps(DEFAULT_PLANS))
    plans[1]["prices"]["month"] = 109900
    plans[1]["name"] = {"en": "Business Plus", "zh_CN": "商业增强版"}
    monkeypatch.setitem(app.config, "BILLING_PLANS", json.dumps(plans))
    stub.requests.clear()
    result = _sync(app)
    assert result.exit_code == 0, result.output
    writes = [(w.method, w.path) for w in stub.writes()]
    assert writes == [("POST", "/v1/products/vip_plan_business"), ("POST", "/v1/prices"),
                      ("POST", f"/v1/prices/{old['id']}")]
    new = next(p for p in stub.prices.values() if p["lookup_key"] == "vip_plan_business_month")
    assert new["unit_amount"] == 109900 and new["id"] != old["id"]
    assert stub.prices[old["id"]]["active"] is False  # its subscribers keep it; nobody new buys it
    assert stub.calls("POST", "/v1/prices")[0].params["transfer_lookup_key"] == "true"
    stub.requests.clear()
    assert _sync(app).exit_code == 0 and stub.writes() == []


def test_sync_without_keys_says_billing_is_off(app):
    result = _sync(app)
    assert result.exit_code != 0 and "STRIPE_SECRET_KEY is not set" in result.output


def test_sync_says_what_is_wrong_instead_of_a_traceback(app, stripe_on, monkeypatch):
    monkeypatch.setitem(app.config, "BILLING_PLANS", '[{"key": "a", "prices": {"week": 1}}]')
    result = _sync(app)
    assert result.exit_code == 1 and "BILLING_PLANS: plan a: prices are" in result.output
    monkeypatch.setitem(app.config, "BILLING_PLANS", "")
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "rk_wrong_key")  # the stand-in refuses it, as Stripe
    result = _sync(app)
    assert result.exit_code == 1 and "Stripe refused: Invalid API Key provided" in result.output
    assert stripe_on.products == {}


def test_an_unusable_plan_list_stops_start_up(monkeypatch):
    """What billing's init_app runs at start-up. (Not a second create_app: the API object is shared
    by the process, and an app that stopped half-built would leave its OpenAPI document half-built.)"""
    import pytest
    from flask import Flask

    from core import billing
    bare = Flask("plans")
    bare.config["BILLING_PLANS"] = "{}"
    with pytest.raises(PlanConfigError, match="must be a non-empty JSON list"):
        billing.plans.all_plans(bare)


def test_plans_come_from_configuration_and_bad_ones_are_refused():
    plans = parse_plans(json.dumps(DEFAULT_PLANS))
    assert [p.key for p in plans] == ["starter", "business", "unlimited"]
    assert plans[0].limits == {"members": 1000, "domains": 1, "staff": 5}
    assert plans[1].limit("domains") is None and plans[1].limit("members") == 50000
    assert all(set(p.prices) == {"month", "year"} for p in plans)
    for bad in ("{}", "[]", '[{"name": "x"}]', '[{"key": "a", "limits": {"members": -1}}]',
                '[{"key": "a", "prices": {"week": 100}}]', '[{"key": "a", "prices": {"month": 1.5}}]',
                '[{"key": "a"}, {"key": "a"}]', '[{"key": "complimentary"}]'):
        try:
            parse_plans(bad)
        except PlanConfigError:
            continue
        raise AssertionError(f"accepted {bad}")
