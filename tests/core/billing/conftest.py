"""Billing fixtures: the Stripe stand-in, Stripe keys switched on for one test, and helpers that
drive the real pages (sign-up, Checkout, portal) and post signed webhook events."""
from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import select

from core.extensions import db
from tests.conftest import csrf_token
from tests.core.billing.stripe_stub import StripeStub, sign

SECRET = "whsec_test_vip"
PASSWORD = "a long sign-up password"

# Small limits, so a test reaches them with a handful of rows.
SMALL_PLANS = [
    {"key": "small", "name": {"en": "Small", "zh_CN": "小型版"}, "currency": "cny",
     "limits": {"members": 2, "domains": 1, "staff": 2}, "prices": {"month": 10000, "year": 100000}},
    {"key": "medium", "name": {"en": "Medium", "zh_CN": "中型版"}, "currency": "cny",
     "limits": {"members": 5, "domains": None, "staff": 4}, "prices": {"month": 30000, "year": 300000}},
    {"key": "large", "name": {"en": "Large", "zh_CN": "大型版"}, "currency": "cny",
     "limits": {"members": None, "domains": None, "staff": None}, "prices": {"month": 90000, "year": 900000}},
]


@pytest.fixture(scope="session")
def stripe_stub():
    stub = StripeStub()
    yield stub
    stub.stop()


@pytest.fixture
def stripe_on(app, stripe_stub, monkeypatch):
    """Stripe keys set for this test only, the SDK pointed at the stand-in."""
    stripe_stub.reset()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_vip")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_stub.url)
    return stripe_stub


@pytest.fixture
def small_plans(app, monkeypatch):
    monkeypatch.setitem(app.config, "BILLING_PLANS", json.dumps(SMALL_PLANS))
    return SMALL_PLANS


@pytest.fixture
def synced(app, stripe_on):
    """Stripe's Products and Prices made to match the plans, as `flask billing sync` does."""
    result = app.test_cli_runner().invoke(args=["billing", "sync"])
    assert result.exit_code == 0, result.output
    stripe_on.requests.clear()
    return stripe_on


def sign_up(client, slug, *, plan="business", domains=("hotel",), email=None, password=PASSWORD,
            locale="en", name=None, **extra):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en" if locale == "en" else "zh-CN"  # the visitor's browser
    token = csrf_token(client, "/signup")
    data = {"csrf_token": token, "name": name or f"{slug.title()} Ltd", "slug": slug,
            "enabled_domains": list(domains), "timezone": "Asia/Shanghai", "default_locale": locale,
            "plan": plan, "owner_name": "Owner " + slug, "owner_email": email or f"owner@{re.sub('[^a-z0-9-]', '', slug.lower()) or 'x'}.test",
            "password": password, "confirm": password, **extra}
    return client.post("/signup", data=data)


def post_event(client, event: dict, secret: str = SECRET, timestamp: int | None = None, header=None):
    payload = json.dumps(event)
    sig = header if header is not None else sign(payload, secret, timestamp)
    return client.post("/billing/webhook", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": sig} if sig else {})


def billing_of(app, slug):
    from core.billing.models import TenantBilling
    from core.tenancy import Tenant, tenant_context
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        with tenant_context(tenant.id):
            row = db.session.scalar(select(TenantBilling))
            db.session.expunge(row)
            return row


def tenant_id(app, slug):
    from core.tenancy import Tenant
    with app.app_context():
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def checkout(client, slug, plan, interval="month"):
    token = csrf_token(client, f"/t/{slug}/admin/billing/")
    return client.post(f"/t/{slug}/admin/billing/checkout",
                       data={"csrf_token": token, "plan": plan, "interval": interval})


def now() -> int:
    return int(time.time())
