"""What each plan includes: members, industry domains and staff seats beyond the plan answer a
message naming the limit and the plan that lifts it; a downgrade never deletes anything."""
import pytest
from sqlalchemy import func, select

from core.extensions import db
from tests.conftest import csrf_token
from tests.core.billing.conftest import billing_of, checkout, now, post_event, sign_up


@pytest.fixture
def shop(app, client, world, small_plans, synced):
    """A tenant on the Medium plan (5 members, all domains, 4 seats), with an admin API key."""
    sign_up(client, "fit-shop", plan="medium", domains=["retail"])
    assert checkout(client, "fit-shop", "medium", "month").status_code == 303
    row = billing_of(app, "fit-shop")
    _id, key = world.api_key(row.tenant_id)
    meta = {"tenant_id": str(row.tenant_id), "plan": "medium", "interval": "month"}
    t0 = now()
    sub = synced.subscription(customer=row.stripe_customer_id, status="active", created=t0,
                              lookup_key="vip_plan_medium_month", metadata=meta)
    assert post_event(client, synced.event("customer.subscription.created", sub, t0)).status_code == 200
    return {"row": row, "api": {"Authorization": f"Bearer {key}"}, "sub": sub, "t0": t0, "meta": meta,
            "stub": synced}


def _members(client, shop, names):
    return [client.post("/api/v1/t/fit-shop/members", json={"name": n}, headers=shop["api"]) for n in names]


def _settings(client, domains):
    token = csrf_token(client, "/t/fit-shop/admin/settings")
    return client.post("/t/fit-shop/admin/settings", data={
        "csrf_token": token, "name": "Fit Shop", "timezone": "Asia/Shanghai", "currency": "CNY",
        "default_locale": "en", "enabled_domains": domains})


def _downgrade(client, shop, plan="small"):
    stub, t0 = shop["stub"], shop["t0"]
    down = stub.subscription(id=shop["sub"]["id"], customer=shop["row"].stripe_customer_id, status="active",
                             created=t0, lookup_key=f"vip_plan_{plan}_month", metadata=shop["meta"])
    resp = post_event(client, stub.event("customer.subscription.updated", down, t0 + 60))
    assert resp.get_json()["outcome"] == "applied"


def test_members_beyond_the_plan_are_refused_with_the_plan_that_lifts_it(app, client, shop):
    assert [r.status_code for r in _members(client, shop, ["一", "二", "三", "四"])] == [201] * 4
    five, six = _members(client, shop, ["五", "六"])
    assert five.status_code == 201
    assert six.status_code == 402
    body = six.get_json()
    assert body["code"] == "payment_required"
    assert body["errors"] == {"plan": [("Your Medium plan includes up to 5 members. "
                                        "The Large plan has no such limit.")]}


def test_a_downgrade_below_usage_keeps_everything_and_stops_adding(app, client, world, shop):
    made = [r.get_json()["id"] for r in _members(client, shop, ["甲", "乙", "丙", "丁"])]
    assert _settings(client, ["retail", "hotel", "bank"]).status_code == 302
    for i in range(2):
        world.staff(shop["row"].tenant_id, f"clerk{i}@fit.test")
    _downgrade(client, shop)  # to Small: 2 members, 1 domain, 2 seats
    assert billing_of(app, "fit-shop").plan_key == "small"

    # nothing stored is deleted or hidden
    for member_id in made:
        assert client.get(f"/api/v1/t/fit-shop/members/{member_id}", headers=shop["api"]).status_code == 200
    for key in ("retail", "hotel", "bank"):
        assert client.get(f"/t/fit-shop/{key}/").status_code == 200
    page = client.get("/t/fit-shop/admin/billing/").get_data(as_text=True)
    assert page.count('class="over"') == 3 and "nothing is removed" in page
    # but nothing more is added
    refused = _members(client, shop, ["戊"])[0]
    assert refused.status_code == 402
    assert refused.get_json()["errors"]["plan"] == [("Your Small plan includes up to 2 members. "
                                                     "The Medium plan lifts this to up to 5 members.")]
    resp = _settings(client, ["retail", "hotel", "bank", "postal"])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Your Small plan includes up to 1 industry domains. " \
                                      "The Medium plan has no such limit." in html
    api = client.patch("/api/v1/t/fit-shop/settings", json={"enabled_domains": ["retail", "postal"]},
                       headers=shop["api"])
    assert api.status_code == 402 and "industry domains" in api.get_json()["message"]
    # disabling is always allowed, and what stays enabled stays
    assert _settings(client, ["retail", "hotel"]).status_code == 302
    # staff seats: 3 in use (owner and two clerks) on a plan of 2
    token = csrf_token(client, "/t/fit-shop/admin/staff/new")
    resp = client.post("/t/fit-shop/admin/staff/new", data={"csrf_token": token, "email": "new@fit.test",
                                                            "name": "New", "role": "staff"})
    assert resp.status_code == 200
    assert "Your Small plan includes up to 2 staff seats. The Medium plan lifts this to up to 4 staff seats." \
        in resp.get_data(as_text=True)
    api = client.post("/api/v1/t/fit-shop/staff", json={"email": "new@fit.test", "name": "New", "role": "staff"},
                      headers=shop["api"])
    assert api.status_code == 402 and api.get_json()["errors"]["email"]

    # upgrading again lifts every limit at once
    _downgrade(client, shop, plan="large")
    assert _members(client, shop, ["戊"])[0].status_code == 201
    assert _settings(client, ["retail", "hotel", "bank", "postal"]).status_code == 302


def test_a_deactivated_clerk_coming_back_needs_a_seat(app, client, world, shop):
    from core.identity.models import Membership
    clerk = world.staff(shop["row"].tenant_id, "back@fit.test")
    world.staff(shop["row"].tenant_id, "other@fit.test")
    assert client.patch(f"/api/v1/t/fit-shop/staff/{clerk}", json={"active": False},
                        headers=shop["api"]).status_code == 200
    _downgrade(client, shop)  # Small: 2 seats, owner and one clerk active
    back = client.patch(f"/api/v1/t/fit-shop/staff/{clerk}", json={"active": True}, headers=shop["api"])
    assert back.status_code == 402 and "staff seats" in back.get_json()["message"]
    from core.tenancy import tenant_context
    with app.app_context(), tenant_context(shop["row"].tenant_id):
        assert db.session.scalar(select(func.count(Membership.id)).where(Membership.active.is_(True))) == 2


def test_unbilled_tenants_and_billing_off_are_unlimited(app, client, world, small_plans, stripe_on, monkeypatch):
    from tests.conftest import Api
    demo = world.tenant("demo-hotel")  # opened by a platform admin (or the demo): not billed
    _id, key = world.api_key(demo)
    api = Api(client, "demo-hotel", key)
    assert all(api("POST", "/members", {"name": f"会员{i}"}).status_code == 201 for i in range(7))
    world.staff(demo, "demo-owner@x.test", role="owner")
    from tests.conftest import login
    c2 = app.test_client()
    login(c2, "demo-owner@x.test")
    page = c2.get("/t/demo-hotel/admin/billing/").get_data(as_text=True)
    assert "本工作台不计费：免费使用不限量套餐" in page  # the tenant's language: Chinese
    assert "会员不限" in page and "全部行业模块" in page and "员工席位不限" in page
    # a signed-up tenant on Small while billing is switched off: unlimited too
    sign_up(client, "tiny-shop", plan="small", domains=["retail"])
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")
    tid = billing_of(app, "tiny-shop").tenant_id
    _id, key = world.api_key(tid)
    tiny = Api(client, "tiny-shop", key)
    assert all(tiny("POST", "/members", {"name": f"会员{i}"}).status_code == 201 for i in range(4))
