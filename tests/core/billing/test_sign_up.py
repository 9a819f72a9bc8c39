"""Self-service sign-up: a business opens its tenant and owner account and starts a 14-day trial."""
from datetime import timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.models import utcnow
from tests.conftest import csrf_token, login
from tests.core.billing.conftest import PASSWORD, billing_of, sign_up


def test_sign_up_opens_the_tenant_signs_the_owner_in_and_starts_the_trial(app, client, stripe_on):
    page = client.get("/signup")
    assert page.status_code == 200 and 'name="slug"' in page.get_data(as_text=True)
    before = utcnow()
    resp = sign_up(client, "lakeside-inn", plan="business", domains=["hotel"])
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/t/lakeside-inn/")

    dashboard = client.get("/t/lakeside-inn/")  # signed in already: the owner's empty dashboard
    html = dashboard.get_data(as_text=True)
    assert dashboard.status_code == 200 and "Lakeside-Inn Ltd" in html
    assert "14-day free trial has started" in html
    assert "Free trial of the Business plan: 14 days left." in html  # the owner's banner

    row = billing_of(app, "lakeside-inn")
    assert row.status == "trialing" and row.plan_key == "business" and row.stripe_customer_id is None
    assert timedelta(days=14) <= row.trial_ends_at - before <= timedelta(days=14, minutes=1)

    from core.identity.models import Membership, User
    from core.tenancy import Tenant, tenant_context
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "lakeside-inn"))
        assert tenant.enabled_domains == ["hotel"] and tenant.default_locale == "en"
        assert tenant.timezone == "Asia/Shanghai"
        with tenant_context(tenant.id):
            owner = db.session.scalar(select(Membership))
            assert owner.role == "owner" and owner.user.email == "owner@lakeside-inn.test"
    # the owner signs in again later with the password chosen at sign-up
    other = app.test_client()
    login(other, "owner@lakeside-inn.test", PASSWORD)
    assert other.get("/t/lakeside-inn/admin/billing/").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_sign_up_works_without_stripe_keys_and_runs_unlimited(app, client):
    resp = sign_up(client, "corner-shop", plan="starter", domains=["retail"])
    assert resp.status_code == 302
    page = client.get("/t/corner-shop/admin/billing/").get_data(as_text=True)
    assert "Billing is not configured on this installation" in page
    assert "Free trial" not in client.get("/t/corner-shop/").get_data(as_text=True)  # no banner: billing off
    # the Starter plan's single domain does not bind while billing is off
    token = csrf_token(client, "/t/corner-shop/admin/settings")
    resp = client.post("/t/corner-shop/admin/settings", data={
        "csrf_token": token, "name": "Corner", "timezone": "Asia/Shanghai", "currency": "CNY",
        "default_locale": "en", "enabled_domains": ["retail", "hotel"]})
    assert resp.status_code == 302


def _errors(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_bad_sign_ups_answer_next_to_the_field_and_create_nothing(app, client, world, stripe_on, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNUP_RATE_LIMIT", "100 per hour")
    world.tenant("taken-slug")
    world.staff(world.tenant("someone"), "exists@x.test")
    cases = [
        ({"slug": "Bad Slug!"}, "Use 1–40 lowercase letters"),
        ({"slug": "admin"}, "This address is reserved."),
        ({"slug": "taken-slug"}, "This address is already taken."),
        ({"domains": []}, "Choose at least one industry domain."),
        ({"domains": ["casino"]}, "is not a valid choice"),
        ({"plan": "platinum"}, "Not a valid choice"),
        ({"plan": "starter", "domains": ["hotel", "retail"]},
         "Your Starter plan includes up to 1 industry domains. The Business plan has no such limit."),
        ({"email": "exists@x.test"}, "An account with this e-mail already exists"),
        ({"email": "not-an-email"}, "Not a valid e-mail address."),
        ({"password": "short"}, "Field must be between 10 and 200 characters long."),
        ({"timezone": "Mars/Base"}, "Not a valid choice"),
        ({"confirm": "something else entirely"}, "The two passwords differ."),
        ({"name": "x" * 200}, "Field cannot be longer than 120 characters."),
    ]
    for i, (change, message) in enumerate(cases):
        kwargs = {k: v for k, v in change.items() if k in ("domains", "plan", "email", "password")}
        extra = {k: v for k, v in change.items() if k not in kwargs and k != "slug"}
        resp = sign_up(client, change.get("slug", f"new-biz-{i}"), **kwargs, **extra)
        assert message in _errors(resp), (change, resp.get_data(as_text=True)[:3000])
    from core.tenancy import Tenant
    with app.app_context():
        assert db.session.scalar(select(func.count(Tenant.id))) == 2  # the two made above


def test_someone_signed_in_opens_another_business_with_their_account(app, client, world, stripe_on):
    a = world.tenant("first-biz")
    world.staff(a, "boss@x.test", role="owner")
    login(client, "boss@x.test")
    page = client.get("/signup").get_data(as_text=True)
    assert 'name="password"' not in page and "boss@x.test" in page
    token = csrf_token(client, "/signup")
    resp = client.post("/signup", data={"csrf_token": token, "name": "Second", "slug": "second-biz",
                                        "enabled_domains": ["bank"], "timezone": "Asia/Shanghai",
                                        "default_locale": "en", "plan": "business"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/t/second-biz/")
    assert client.get("/t/second-biz/").status_code == 200
    assert client.get("/t/first-biz/").status_code == 200  # still works for the first business


def test_sign_up_is_rate_limited_like_sign_in(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNUP_RATE_LIMIT", "3 per hour")
    codes = [sign_up(client, "-bad-", plan="business").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]

