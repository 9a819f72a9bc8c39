"""Stripe's webhook: the signature over the raw body, each event applied once by its id, whatever
the order, and a customer's events never reaching another tenant."""
import json

import pytest
from sqlalchemy import func, select

from core.extensions import db
from tests.conftest import login
from tests.core.billing.conftest import SECRET, billing_of, checkout, now, post_event, sign_up
from tests.core.billing.stripe_stub import sign


@pytest.fixture
def hotel(app, client, synced):
    """A signed-up tenant whose owner has opened Checkout (so it has a Stripe customer)."""
    sign_up(client, "bay-hotel", plan="business")
    assert checkout(client, "bay-hotel", "business", "month").status_code == 303
    row = billing_of(app, "bay-hotel")
    meta = {"tenant_id": str(row.tenant_id), "plan": "business", "interval": "month"}
    return {"row": row, "customer": row.stripe_customer_id, "meta": meta, "stub": synced}


def _sub(h, status, created, **kw):
    return h["stub"].subscription(customer=h["customer"], status=status, created=created,
                                  lookup_key=kw.pop("lookup_key", "vip_plan_business_month"),
                                  metadata=kw.pop("metadata", h["meta"]), **kw)


def _outcome(client, event):
    resp = post_event(client, event)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["outcome"]


def _count(app, model, **where):
    with app.app_context():
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return db.session.scalar(q)


def test_a_redelivered_event_is_applied_once(app, client, hotel):
    from core.audit.models import AuditEntry
    from core.billing.models import ProcessedStripeEvent
    stub, t0 = hotel["stub"], now()
    sub = _sub(hotel, "active", t0)
    created = stub.event("customer.subscription.created", sub, t0)
    assert _outcome(client, created) == "applied"
    from core.tenancy import tenant_context
    with app.app_context(), tenant_context(hotel["row"].tenant_id):
        audits = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "billing.state"))
    # Stripe retries: the same event id, again and again, even after newer ones
    failed = stub.invoice(customer=hotel["customer"], subscription=sub["id"], paid=False, created=t0 + 10)
    failure = stub.event("invoice.payment_failed", failed, t0 + 10)
    assert _outcome(client, failure) == "applied"
    paid = stub.event("invoice.paid", stub.invoice(id=failed["id"], customer=hotel["customer"],
                                                   subscription=sub["id"], paid=True, created=t0 + 10), t0 + 20)
    assert _outcome(client, paid) == "applied"
    assert billing_of(app, "bay-hotel").status == "active"
    assert [_outcome(client, e) for e in (created, failure, failure, paid)] == ["duplicate"] * 4
    row = billing_of(app, "bay-hotel")
    assert row.status == "active" and row.past_due_since is None  # the repeated failure did not count again
    assert _count(app, ProcessedStripeEvent) == 3
    with app.app_context(), tenant_context(hotel["row"].tenant_id):
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "billing.state")) == audits + 2  # past_due, then active: nothing for duplicates


def test_out_of_order_events_never_overwrite_a_newer_state(app, client, hotel):
    stub, t0 = hotel["stub"], now()
    created = _sub(hotel, "incomplete", t0)
    sub_id = created["id"]
    updated = _sub(hotel, "active", t0, id=sub_id, period_end=t0 + 30 * 86400)
    # updated (newer) arrives before created (older)
    assert _outcome(client, stub.event("customer.subscription.updated", updated, t0 + 5)) == "applied"
    assert _outcome(client, stub.event("customer.subscription.created", created, t0)) == "stale"
    row = billing_of(app, "bay-hotel")
    assert row.status == "active" and row.stripe_subscription_id == sub_id

    # a payment failure, then its recovery, delivered the other way round
    inv = stub.invoice(customer=hotel["customer"], subscription=sub_id, paid=False, created=t0 + 100)
    recovered = stub.invoice(id=inv["id"], customer=hotel["customer"], subscription=sub_id, paid=True,
                             created=t0 + 100)
    assert _outcome(client, stub.event("invoice.paid", recovered, t0 + 200)) == "applied"
    assert _outcome(client, stub.event("invoice.payment_failed", inv, t0 + 100)) == "stale"
    assert _outcome(client, stub.event("customer.subscription.updated",
                                       _sub(hotel, "past_due", t0, id=sub_id), t0 + 100)) == "stale"
    row = billing_of(app, "bay-hotel")
    assert row.status == "active" and row.past_due_since is None

    # in one second, the later step of the subscription's life wins whatever the order
    same = t0 + 300
    assert _outcome(client, stub.event("customer.subscription.deleted",
                                       _sub(hotel, "canceled", t0, id=sub_id), same)) == "applied"
    assert _outcome(client, stub.event("customer.subscription.updated",
                                       _sub(hotel, "active", t0, id=sub_id), same)) == "stale"
    # an ended subscription never comes back, even from a later-stamped older snapshot
    assert _outcome(client, stub.event("customer.subscription.updated",
                                       _sub(hotel, "active", t0, id=sub_id), same + 50)) == "stale"
    assert _outcome(client, stub.event("invoice.paid", recovered, same + 60)) == "stale"
    assert billing_of(app, "bay-hotel").status == "canceled"

    # a new subscription replaces it; the old one's late events are ignored
    newer = _sub(hotel, "active", t0 + 400)
    assert _outcome(client, stub.event("customer.subscription.created", newer, t0 + 400)) == "applied"
    assert _outcome(client, stub.event("customer.subscription.updated",
                                       _sub(hotel, "past_due", t0, id=sub_id), t0 + 500)) == "stale"
    old_invoice = stub.invoice(customer=hotel["customer"], subscription=sub_id, paid=False, created=t0 + 500)
    assert _outcome(client, stub.event("invoice.payment_failed", old_invoice, t0 + 500)) == "ignored"
    row = billing_of(app, "bay-hotel")
    assert (row.status, row.stripe_subscription_id) == ("active", newer["id"])


def test_checkout_completion_before_or_after_the_subscription_events(app, client, hotel):
    stub, t0 = hotel["stub"], now()
    sub = _sub(hotel, "active", t0, lookup_key="vip_plan_unlimited_year",
               metadata={**hotel["meta"], "plan": "unlimited", "interval": "year"})
    done = stub.completed_checkout(customer=hotel["customer"], subscription=sub["id"],
                                   metadata={**hotel["meta"], "plan": "unlimited", "interval": "year"}, created=t0)
    # the subscription's event first, the Checkout Session's afterwards: the subscription's state stands
    assert _outcome(client, stub.event("customer.subscription.created", sub, t0)) == "applied"
    past_due = _sub(hotel, "past_due", t0, id=sub["id"], lookup_key="vip_plan_unlimited_year")
    assert _outcome(client, stub.event("customer.subscription.updated", past_due, t0 + 1)) == "applied"
    assert _outcome(client, stub.event("checkout.session.completed", done, t0 + 2)) == "applied"
    row = billing_of(app, "bay-hotel")
    assert (row.status, row.plan_key, row.interval) == ("past_due", "unlimited", "year")


@pytest.mark.parametrize("header", [
    None,                                   # no header at all
    "",                                     # empty
    "garbage",                              # not t=…,v1=…
    "t=abc,v1=def",                         # unparseable timestamp
    "t=1700000000,v0=abc",                  # no v1 signature
])
def test_a_bad_signature_header_answers_400_and_changes_nothing(app, client, hotel, header):
    from core.billing.models import ProcessedStripeEvent
    ev = hotel["stub"].event("customer.subscription.created", _sub(hotel, "canceled", now()), now())
    payload = json.dumps(ev)
    resp = client.post("/billing/webhook", data=payload, content_type="application/json",
                       headers={} if header is None else {"Stripe-Signature": header})
    assert resp.status_code == 400 and resp.get_json()["error"] == "signature"
    assert _count(app, ProcessedStripeEvent) == 0 and billing_of(app, "bay-hotel").status == "trialing"


def test_signatures_are_checked_against_the_raw_body_secret_and_time(app, client, hotel):
    from core.billing.models import ProcessedStripeEvent
    ev = hotel["stub"].event("customer.subscription.created", _sub(hotel, "canceled", now()), now())
    payload = json.dumps(ev)
    good = sign(payload, SECRET)
    # another secret; the body changed after signing (even one space); signed ten minutes ago
    assert post_event(client, ev, secret="whsec_someone_else").status_code == 400
    tampered = payload.replace('"canceled"', '"active"')
    assert client.post("/billing/webhook", data=tampered, content_type="application/json",
                       headers={"Stripe-Signature": good}).status_code == 400
    assert client.post("/billing/webhook", data=payload + " ", content_type="application/json",
                       headers={"Stripe-Signature": good}).status_code == 400
    assert post_event(client, ev, timestamp=now() - 600).status_code == 400
    assert _count(app, ProcessedStripeEvent) == 0
    # the same bytes with the right signature are accepted: it is the signature, not the content
    resp = client.post("/billing/webhook", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": good})
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "applied"
    # Stripe may list several v1 signatures while a secret is being rolled: one match is enough
    ev2 = hotel["stub"].event("customer.subscription.updated", _sub(hotel, "canceled", now()), now())
    p2 = json.dumps(ev2)
    t = now()
    rolled = f"t={t},v1={'0' * 64},{sign(p2, SECRET, t).split(',')[1]}"
    assert client.post("/billing/webhook", data=p2, content_type="application/json",
                       headers={"Stripe-Signature": rolled}).status_code == 200


@pytest.mark.parametrize("body", [
    "[]", "{}", '"text"', "{not json", json.dumps({"id": "evt_1", "type": "invoice.paid", "created": 1}),
    json.dumps({"id": "evt_2", "type": "invoice.paid", "created": "yesterday", "data": {"object": {}}}),
    json.dumps({"id": 5, "type": "invoice.paid", "created": 1, "data": {"object": {}}}),
    json.dumps({"id": "evt_3", "type": "invoice.paid", "created": 1, "data": {"object": []}}),
])
def test_signed_but_malformed_bodies_answer_400_never_500(app, client, hotel, body):
    resp = client.post("/billing/webhook", data=body, content_type="application/json",
                       headers={"Stripe-Signature": sign(body, SECRET)})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.get_json()["error"] in ("malformed", "signature")


def test_odd_shapes_inside_a_real_event_do_not_break_it(app, client, hotel):
    stub = hotel["stub"]
    ev = stub.event("customer.subscription.updated", {**_sub(hotel, "active", now()), "items": "nope"}, now())
    assert post_event(client, ev).status_code in (200, 400)
    ev = stub.event("invoice.paid", {"customer": hotel["customer"], "parent": "x"}, now())
    assert post_event(client, ev).status_code in (200, 400)
    ev = stub.event("customer.subscription.updated", {**_sub(hotel, "weird_status", now())}, now())
    assert _outcome(client, ev) == "ignored"  # a status we do not know changes nothing
    row = billing_of(app, "bay-hotel")
    assert (row.status, row.stripe_subscription_id) == ("trialing", None)
    # values no column could hold are dropped, not written
    odd = _sub(hotel, "active", now(), metadata={**hotel["meta"], "interval": "x" * 100})
    odd["items"]["data"][0]["current_period_end"] = 10**30
    odd["items"]["data"][0]["price"]["recurring"]["interval"] = "fortnight" * 10
    odd["created"], odd["trial_end"] = "yesterday", 10**30
    assert _outcome(client, stub.event("customer.subscription.updated", odd, now())) == "applied"
    row = billing_of(app, "bay-hotel")
    assert row.status == "active" and row.interval == "month" and row.current_period_end is None
    assert _outcome(client, stub.event("customer.subscription.updated", {**odd, "id": "s" * 300}, now())) \
        == "ignored"
    huge = stub.event("invoice.paid", {"customer": hotel["customer"]}, now())
    huge["created"] = 10**30
    assert post_event(client, huge).status_code == 400


def test_events_we_do_not_follow_and_unknown_customers_are_acknowledged(app, client, hotel):
    from core.billing.models import ProcessedStripeEvent
    stub = hotel["stub"]
    assert _outcome(client, stub.event("plan.created", stub.fixture("plan"), now())) == "ignored"
    stranger = stub.subscription(customer="cus_nobody", status="canceled", created=now(),
                                 lookup_key="vip_plan_business_month")
    assert _outcome(client, stub.event("customer.subscription.deleted", stranger, now())) == "ignored"
    assert _count(app, ProcessedStripeEvent, outcome="ignored") == 2
    assert billing_of(app, "bay-hotel").status == "trialing"


def test_the_webhook_is_off_without_stripe_keys(app, client):
    body = json.dumps({"id": "evt_x", "type": "invoice.paid", "created": 1, "data": {"object": {}}})
    resp = client.post("/billing/webhook", data=body, content_type="application/json",
                       headers={"Stripe-Signature": sign(body, SECRET)})
    assert resp.status_code == 404


def test_one_customers_events_never_touch_another_tenant(app, client, synced):
    stub = synced
    sign_up(client, "tenant-one", plan="business")
    checkout(client, "tenant-one", "business", "month")
    other = app.test_client()
    sign_up(other, "tenant-two", plan="business")
    checkout(other, "tenant-two", "business", "month")
    one, two = billing_of(app, "tenant-one"), billing_of(app, "tenant-two")
    assert one.stripe_customer_id != two.stripe_customer_id
    t0 = now()
    # one's customer, with metadata that claims to be tenant two: refused, nothing changes anywhere
    forged = stub.subscription(customer=one.stripe_customer_id, status="canceled", created=t0,
                               lookup_key="vip_plan_business_month", metadata={"tenant_id": str(two.tenant_id)})
    assert _outcome(client, stub.event("customer.subscription.deleted", forged, t0)) == "ignored"
    assert billing_of(app, "tenant-one").status == billing_of(app, "tenant-two").status == "trialing"
    # one's own event changes one only
    mine = stub.subscription(customer=one.stripe_customer_id, status="active", created=t0,
                             lookup_key="vip_plan_business_month", metadata={"tenant_id": str(one.tenant_id)})
    assert _outcome(client, stub.event("customer.subscription.created", mine, t0)) == "applied"
    assert billing_of(app, "tenant-one").status == "active"
    two_now = billing_of(app, "tenant-two")
    assert (two_now.status, two_now.stripe_subscription_id) == ("trialing", None)
    # and one tenant's invoices and billing page are not the other's
    stub.invoice(customer=one.stripe_customer_id, subscription=mine["id"], paid=True, created=t0)
    page_two = other.get("/t/tenant-two/admin/billing/").get_data(as_text=True)
    assert "No invoices yet." in page_two
    assert stub.calls("GET", "/v1/invoices")[-1].params["customer"] == two.stripe_customer_id
    assert other.get("/t/tenant-one/admin/billing/").status_code == 404
    login(other, "owner@tenant-two.test", "a long sign-up password")
    assert other.get("/t/tenant-one/admin/billing/").status_code == 404
