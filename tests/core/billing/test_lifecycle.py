"""The billing lifecycle through Stripe: sign-up → trial → Checkout → active; a failed payment →
past_due → grace over → read-only → invoice paid → active again. The real SDK talks to the local
stand-in; Stripe's events come in signed as Stripe signs them."""
from datetime import timedelta

from sqlalchemy import func, select

from core.extensions import db
from tests.conftest import csrf_token, drain_jobs
from tests.core.billing.conftest import billing_of, checkout, now, post_event, sign_up, tenant_id


def _price(stub, lookup_key):
    return next(p for p in stub.prices.values() if p["lookup_key"] == lookup_key)


def _events(stub, client, *events):
    outcomes = []
    for ev in events:
        resp = post_event(client, ev)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        outcomes.append(resp.get_json()["outcome"])
    return outcomes


def subscribe(app, client, stub, slug, plan="business", interval="month", at=None, trial=False):
    """Stripe's side of a completed Checkout: the session, the subscription, its first invoice."""
    at = at or now()
    row = billing_of(app, slug)
    meta = {"tenant_id": str(row.tenant_id), "plan": plan, "interval": interval}
    sub = stub.subscription(customer=row.stripe_customer_id, status="trialing" if trial else "active",
                            created=at, lookup_key=f"vip_plan_{plan}_{interval}", metadata=meta,
                            trial_end=int(row.trial_ends_at.timestamp()) if trial else None)
    done = stub.completed_checkout(customer=row.stripe_customer_id, subscription=sub["id"], metadata=meta,
                                   created=at, paid=not trial)
    inv = stub.invoice(customer=row.stripe_customer_id, subscription=sub["id"], paid=True, created=at,
                       amount=0 if trial else 99900)
    outcomes = _events(stub, client, stub.event("checkout.session.completed", done, at),
                       stub.event("customer.subscription.created", sub, at),
                       stub.event("invoice.paid", inv, at))
    assert outcomes == ["applied"] * 3
    return sub


def test_sign_up_trial_checkout_then_active(app, client, synced):
    stub = synced
    assert sign_up(client, "harbour-hotel", plan="business").status_code == 302
    portal = client.get("/t/harbour-hotel/admin/billing/").get_data(as_text=True)
    assert 'id="trial-days">14<' in portal and "Free trial" in portal

    resp = checkout(client, "harbour-hotel", "business", "year")
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("https://checkout.stripe.test/c/pay/cs_")
    row = billing_of(app, "harbour-hotel")
    customer = stub.calls("POST", "/v1/customers")[0]
    assert customer.params["metadata"] == {"tenant_id": str(row.tenant_id), "tenant_slug": "harbour-hotel"}
    assert customer.headers["Idempotency-Key"] == f"vip-tenant-{row.tenant_id}-customer"
    assert row.stripe_customer_id in stub.customers
    sent = stub.calls("POST", "/v1/checkout/sessions")[0].params
    assert sent["mode"] == "subscription" and sent["customer"] == row.stripe_customer_id
    assert sent["line_items"] == [{"price": _price(stub, "vip_plan_business_year")["id"], "quantity": "1"}]
    assert sent["subscription_data"]["metadata"] == {"tenant_id": str(row.tenant_id), "plan": "business",
                                                     "interval": "year"}
    # subscribing during the trial keeps its remaining days: the first charge is when it ends
    assert int(sent["subscription_data"]["trial_end"]) == int(row.trial_ends_at.timestamp())
    assert sent["success_url"] == "http://localhost/t/harbour-hotel/admin/billing/?checkout=done"
    assert sent["locale"] == "en"

    t0 = now()
    sub = subscribe(app, client, stub, "harbour-hotel", "business", "year", at=t0, trial=True)
    row = billing_of(app, "harbour-hotel")
    assert (row.status, row.stripe_subscription_id, row.interval) == ("trialing", sub["id"], "year")
    page = client.get("/t/harbour-hotel/admin/billing/?checkout=done").get_data(as_text=True)
    assert "Subscribed; free until the trial ends" in page and "Stripe is confirming the payment" in page

    # the trial ends: Stripe charges the card and says so
    t1 = t0 + 14 * 86400
    active = stub.subscription(id=sub["id"], customer=row.stripe_customer_id, status="active", created=t0,
                               lookup_key="vip_plan_business_year", metadata=sub["metadata"],
                               period_end=t1 + 365 * 86400)
    paid = stub.invoice(customer=row.stripe_customer_id, subscription=sub["id"], paid=True, created=t1,
                        amount=999000)
    assert _events(stub, client, stub.event("customer.subscription.updated", active, t1),
                   stub.event("invoice.paid", paid, t1)) == ["applied", "applied"]
    row = billing_of(app, "harbour-hotel")
    assert row.status == "active" and row.current_period_end.timestamp() == t1 + 365 * 86400
    page = client.get("/t/harbour-hotel/admin/billing/").get_data(as_text=True)
    assert 'data-status="active"' in page and "Renews on" in page
    assert "9,990.00 CNY" in page and paid["hosted_invoice_url"] in page  # the invoice, from Stripe
    assert "Free trial" not in client.get("/t/harbour-hotel/").get_data(as_text=True)


def test_checkout_after_the_trial_charges_at_once(app, client, synced, monkeypatch):
    stub = synced
    sign_up(client, "late-shop", plan="starter", domains=["retail"])
    from core.billing import services
    later = services.utcnow() + timedelta(days=15)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    assert "The free trial has ended" in client.get("/t/late-shop/").get_data(as_text=True)
    resp = checkout(client, "late-shop", "starter", "month")  # the billing pages stay open when read-only
    assert resp.status_code == 303
    assert "trial_end" not in stub.calls("POST", "/v1/checkout/sessions")[0].params["subscription_data"]
    subscribe(app, client, stub, "late-shop", "starter", "month", at=int(later.timestamp()))
    assert billing_of(app, "late-shop").status == "active"
    assert "The free trial has ended" not in client.get("/t/late-shop/").get_data(as_text=True)


def test_payment_failed_grace_read_only_then_paid_again(app, client, world, synced, monkeypatch):
    stub = synced
    sign_up(client, "river-bank", plan="business", domains=["bank"])
    checkout(client, "river-bank", "business", "month")
    t0 = now()
    sub = subscribe(app, client, stub, "river-bank", at=t0)
    tid = tenant_id(app, "river-bank")
    _key_id, key = world.api_key(tid)
    api = {"Authorization": f"Bearer {key}"}
    first = client.post("/api/v1/t/river-bank/members", json={"name": "张三"}, headers=api)
    assert first.status_code == 201

    # the renewal fails: past_due, but the tenant keeps working through the grace period
    row = billing_of(app, "river-bank")
    t1 = t0 + 30 * 86400
    failed = stub.invoice(customer=row.stripe_customer_id, subscription=sub["id"], paid=False, created=t1)
    past_due = stub.subscription(id=sub["id"], customer=row.stripe_customer_id, status="past_due", created=t0,
                                 lookup_key="vip_plan_business_month", metadata=sub["metadata"])
    assert _events(stub, client, stub.event("invoice.payment_failed", failed, t1),
                   stub.event("customer.subscription.updated", past_due, t1)) == ["applied", "applied"]
    row = billing_of(app, "river-bank")
    assert row.status == "past_due" and int(row.past_due_since.timestamp()) == t1
    from core.billing import services
    from core.models import utcnow
    clock = {"now": utcnow() + timedelta(days=30, hours=1)}
    monkeypatch.setattr(services, "utcnow", lambda: clock["now"])
    banner = client.get("/t/river-bank/").get_data(as_text=True)
    assert "The last payment failed. Update the payment method before" in banner
    assert client.post("/api/v1/t/river-bank/members", json={"name": "李四"}, headers=api).status_code == 201

    # seven days later the grace is over: read-only for pages and API, reading still works
    clock["now"] = utcnow() + timedelta(days=37, hours=2)
    refused = client.post("/api/v1/t/river-bank/members", json={"name": "王五"}, headers=api)
    assert refused.status_code == 402 and refused.get_json()["code"] == "read_only"
    assert "unpaid past the grace period" in refused.get_json()["message"]
    assert client.get(f"/api/v1/t/river-bank/members/{first.get_json()['id']}", headers=api).status_code == 200
    assert client.get("/t/river-bank/admin/settings").status_code == 200
    token = csrf_token(client, "/t/river-bank/admin/settings")
    page = client.post("/t/river-bank/admin/settings", data={"csrf_token": token, "name": "Renamed",
                                                             "timezone": "Asia/Shanghai", "currency": "CNY",
                                                             "default_locale": "en", "enabled_domains": ["bank"]})
    html = page.get_data(as_text=True)
    assert page.status_code == 402 and "This workplace is read-only" in html
    assert "/t/river-bank/admin/billing/" in html  # the owner is sent to pay
    dash = client.get("/t/river-bank/").get_data(as_text=True)
    assert "unpaid past the grace period" in dash and "Choose a plan and pay" in dash
    # staff see why, and who can fix it
    world.staff(tid, "teller@river.test", positions=["bank.teller"])
    from tests.conftest import login
    staff = app.test_client()
    token = login(staff, "teller@river.test")
    assert "Ask an owner of this business to renew" in staff.get("/t/river-bank/").get_data(as_text=True)
    assert staff.post("/logout", data={"csrf_token": token}).status_code == 302  # signing out always works
    # the owner opens Stripe's portal to pay the open invoice; the billing pages stay writable
    token = csrf_token(client, "/t/river-bank/admin/billing/")
    resp = client.post("/t/river-bank/admin/billing/portal", data={"csrf_token": token})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("https://billing.stripe.test/p/session/")
    portal = stub.calls("POST", "/v1/billing_portal/sessions")[0].params
    assert portal["customer"] == row.stripe_customer_id
    assert portal["return_url"] == "http://localhost/t/river-bank/admin/billing/"

    # the invoice is paid: active again, writes work
    t2 = t1 + 8 * 86400
    paid = stub.invoice(id=failed["id"], customer=row.stripe_customer_id, subscription=sub["id"], paid=True,
                        created=t1)
    active = stub.subscription(id=sub["id"], customer=row.stripe_customer_id, status="active", created=t0,
                               lookup_key="vip_plan_business_month", metadata=sub["metadata"])
    assert _events(stub, client, stub.event("invoice.paid", paid, t2),
                   stub.event("customer.subscription.updated", active, t2)) == ["applied", "applied"]
    row = billing_of(app, "river-bank")
    assert row.status == "active" and row.past_due_since is None
    assert client.post("/api/v1/t/river-bank/members", json={"name": "王五"}, headers=api).status_code == 201
    assert "read-only" not in client.get("/t/river-bank/").get_data(as_text=True)


def test_cancellation_ends_in_read_only_and_keeps_the_data(app, client, world, synced):
    stub = synced
    sign_up(client, "old-post", plan="business", domains=["postal"])
    checkout(client, "old-post", "business", "month")
    t0 = now()
    sub = subscribe(app, client, stub, "old-post", at=t0)
    row = billing_of(app, "old-post")
    _id, key = world.api_key(row.tenant_id)
    api = {"Authorization": f"Bearer {key}"}
    kept = client.post("/api/v1/t/old-post/members", json={"name": "赵六"}, headers=api).get_json()
    # cancelled in Stripe's portal at the period's end, then the period ends
    ending = stub.subscription(id=sub["id"], customer=row.stripe_customer_id, status="active", created=t0,
                               lookup_key="vip_plan_business_month", metadata=sub["metadata"],
                               cancel_at_period_end=True)
    ended = stub.subscription(id=sub["id"], customer=row.stripe_customer_id, status="canceled", created=t0,
                              lookup_key="vip_plan_business_month", metadata=sub["metadata"])
    assert _events(stub, client, stub.event("customer.subscription.updated", ending, t0 + 60)) == ["applied"]
    assert "Ends on" in client.get("/t/old-post/admin/billing/").get_data(as_text=True)
    assert _events(stub, client, stub.event("customer.subscription.deleted", ended, t0 + 30 * 86400)) == ["applied"]
    assert billing_of(app, "old-post").status == "canceled"
    resp = client.post("/api/v1/t/old-post/members", json={"name": "钱七"}, headers=api)
    assert resp.status_code == 402 and "Nothing has been deleted" in resp.get_json()["message"]
    assert client.get(f"/api/v1/t/old-post/members/{kept['id']}", headers=api).get_json()["name"] == "赵六"
    # subscribing again opens it
    assert checkout(client, "old-post", "business", "month").status_code == 303
    subscribe(app, client, stub, "old-post", at=t0 + 31 * 86400)
    assert billing_of(app, "old-post").status == "active"
    assert client.post("/api/v1/t/old-post/members", json={"name": "钱七"}, headers=api).status_code == 201


def test_changing_plan_through_checkout_cancels_the_old_subscription_prorated(app, client, synced):
    stub = synced
    sign_up(client, "grow-mall", plan="starter", domains=["retail"])
    checkout(client, "grow-mall", "starter", "month")
    t0 = now()
    old = subscribe(app, client, stub, "grow-mall", "starter", "month", at=t0)
    page = client.get("/t/grow-mall/admin/billing/").get_data(as_text=True)
    assert "Switch" in page and "Subscribed" in page
    same = checkout(client, "grow-mall", "starter", "month")
    assert same.status_code == 409 and "You are already on this plan." in same.get_data(as_text=True)

    assert checkout(client, "grow-mall", "business", "month").status_code == 303
    assert len(stub.calls("POST", "/v1/customers")) == 1  # one Stripe customer per tenant
    new = subscribe(app, client, stub, "grow-mall", "business", "month", at=t0 + 3600)
    drain_jobs(app)  # the cancellation is a job (in-process without Redis, a worker's with it)
    row = billing_of(app, "grow-mall")
    assert (row.plan_key, row.stripe_subscription_id, row.status) == ("business", new["id"], "active")
    cancel = stub.calls("DELETE", f"/v1/subscriptions/{old['id']}")
    assert len(cancel) == 1 and cancel[0].params == {"prorate": "true", "invoice_now": "true"}
    # the old subscription's own ending arrives afterwards and changes nothing
    gone = stub.subscription(id=old["id"], customer=row.stripe_customer_id, status="canceled", created=t0,
                             lookup_key="vip_plan_starter_month", metadata=old["metadata"])
    assert _events(stub, client, stub.event("customer.subscription.deleted", gone, t0 + 3601)) == ["stale"]
    row = billing_of(app, "grow-mall")
    assert (row.plan_key, row.stripe_subscription_id, row.status) == ("business", new["id"], "active")


def test_every_event_is_recorded_once_with_its_outcome(app, client, synced):
    stub = synced
    sign_up(client, "log-inn", plan="business")
    checkout(client, "log-inn", "business", "month")
    subscribe(app, client, stub, "log-inn")
    from core.billing.models import ProcessedStripeEvent
    tid = tenant_id(app, "log-inn")
    with app.app_context():
        rows = db.session.scalars(select(ProcessedStripeEvent).order_by(ProcessedStripeEvent.id)).all()
        assert [r.type for r in rows] == ["checkout.session.completed", "customer.subscription.created",
                                          "invoice.paid"]
        assert {r.tenant_id for r in rows} == {tid} and {r.outcome for r in rows} == {"applied"}
        assert db.session.scalar(select(func.count(ProcessedStripeEvent.id))) == 3
