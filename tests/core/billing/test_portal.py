"""The owner's subscription page: plan, trial days, usage, invoices, and its bad input."""
import pytest

from tests.conftest import csrf_token, login
from tests.core.billing.conftest import PASSWORD, billing_of, checkout, sign_up


def test_the_page_shows_plan_trial_usage_and_the_plans(app, client, world, synced):
    sign_up(client, "plum-hotel", plan="business", domains=["hotel", "retail"])
    world.staff(billing_of(app, "plum-hotel").tenant_id, "desk@plum.test")
    html = client.get("/t/plum-hotel/admin/billing/").get_data(as_text=True)
    assert 'id="current-plan">Business' in html and 'id="trial-days">14<' in html
    assert '<tr data-kind="members">' in html and '<td class="used">0</td>' in html
    assert '<tr data-kind="domains">' in html and '<td class="used">2</td>' in html
    assert '<tr data-kind="staff">' in html and "up to 30 staff seats" in html
    for plan, price in (("starter", "¥199 a month"), ("business", "¥9,990 a year"), ("unlimited", "¥2,999 a month")):
        assert f'data-plan="{plan}"' in html and price in html
    assert "Payment method, invoices and cancellation" not in html  # no Stripe customer yet
    assert "No invoices yet." in html
    # the owner's navigation leads here
    assert 'href="/t/plum-hotel/admin/billing/"' in client.get("/t/plum-hotel/").get_data(as_text=True)


def test_only_owners_see_billing(app, client, world, synced):
    sign_up(client, "pear-shop", plan="business", domains=["retail"])
    tid = billing_of(app, "pear-shop").tenant_id
    world.staff(tid, "admin@pear.test", role="admin")
    admin = app.test_client()
    token = login(admin, "admin@pear.test")
    assert admin.get("/t/pear-shop/admin/billing/").status_code == 403
    for path in ("checkout", "portal"):
        assert admin.post(f"/t/pear-shop/admin/billing/{path}", data={"csrf_token": token}).status_code == 403
    assert 'href="/t/pear-shop/admin/billing/"' not in admin.get("/t/pear-shop/").get_data(as_text=True)
    assert "Free trial" in admin.get("/t/pear-shop/").get_data(as_text=True)  # admins see the trial banner


@pytest.mark.parametrize("form,message", [
    ({}, "Choose a plan, monthly or yearly."),
    ({"plan": "business"}, "Choose a plan, monthly or yearly."),
    ({"plan": "gold", "interval": "month"}, "Choose one of the plans."),
    ({"plan": "business", "interval": "week"}, "Choose monthly or yearly."),
    ({"plan": "x" * 500, "interval": "month"}, "Choose a plan, monthly or yearly."),
])
def test_bad_checkout_input_answers_422_with_the_reason(app, client, synced, form, message):
    sign_up(client, "fig-bank", plan="business", domains=["bank"])
    token = csrf_token(client, "/t/fig-bank/admin/billing/")
    resp = client.post("/t/fig-bank/admin/billing/checkout", data={"csrf_token": token, **form})
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert synced.calls("POST", "/v1/checkout/sessions") == []


def test_a_stripe_failure_is_said_plainly_and_nothing_is_kept(app, client, synced):
    sign_up(client, "kiwi-post", plan="business", domains=["postal"])
    synced.fail_next["POST /v1/checkout/sessions"] = 400  # Stripe refuses it (a 5xx is retried, then the same)
    resp = checkout(client, "kiwi-post", "business", "month")
    assert resp.status_code == 503
    assert "Stripe could not complete this just now" in resp.get_data(as_text=True)
    assert billing_of(app, "kiwi-post").stripe_customer_id is None  # rolled back with the failure
    # the invoices list failing does not take the page down
    assert checkout(client, "kiwi-post", "business", "month").status_code == 303
    synced.fail_next["GET /v1/invoices"] = 400
    page = client.get("/t/kiwi-post/admin/billing/")
    assert page.status_code == 200 and "Stripe could not complete this just now" in page.get_data(as_text=True)


def test_a_plan_missing_in_stripe_is_refused_not_crashed(app, client, stripe_on):
    sign_up(client, "lime-inn", plan="business")  # `flask billing sync` never ran
    resp = checkout(client, "lime-inn", "business", "month")
    assert resp.status_code == 409 and "This plan cannot be bought just now" in resp.get_data(as_text=True)


def test_without_stripe_keys_the_billing_pages_say_so(app, client, world):
    sign_up(client, "nut-shop", plan="business", domains=["retail"])
    html = client.get("/t/nut-shop/admin/billing/").get_data(as_text=True)
    assert "Billing is not configured on this installation" in html and 'data-plan=' not in html
    token = csrf_token(client, "/t/nut-shop/admin/billing/")
    for path in ("checkout", "portal"):
        resp = client.post(f"/t/nut-shop/admin/billing/{path}",
                           data={"csrf_token": token, "plan": "business", "interval": "month"})
        assert resp.status_code == 409 and "Billing is not configured" in resp.get_data(as_text=True)


def test_the_customer_portal_needs_a_subscription_first(app, client, synced):
    sign_up(client, "date-hotel", plan="business")
    token = csrf_token(client, "/t/date-hotel/admin/billing/")
    resp = client.post("/t/date-hotel/admin/billing/portal", data={"csrf_token": token})
    assert resp.status_code == 409 and "Choose a plan first" in resp.get_data(as_text=True)
    assert checkout(client, "date-hotel", "business", "month").status_code == 303
    resp = client.post("/t/date-hotel/admin/billing/portal", data={"csrf_token": token})
    assert resp.status_code == 303


def test_the_platform_admin_sees_each_tenants_billing_state(app, client, world, synced):
    sign_up(client, "sky-mall", plan="business", domains=["retail"])
    world.tenant("comp-hotel")
    from core.extensions import db
    from core.identity.services import create_user
    with app.app_context():
        create_user("root@platform.test", "Root", PASSWORD, is_platform_admin=True)
        db.session.commit()
    root = app.test_client()
    login(root, "root@platform.test", PASSWORD)
    html = root.get("/platform/tenants").get_data(as_text=True)
    assert 'data-tenant="sky-mall">商业版 · 免费试用<' in html  # the platform pages speak Chinese by default
    assert 'data-tenant="comp-hotel">不计费<' in html
