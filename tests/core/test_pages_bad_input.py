"""Bad input to every staff page: oversized bodies, junk forms, bad slugs. Never a 500."""
import pytest

from tests.conftest import login
from tests.core.test_isolation_urls import PUBLIC


def _page_rules(app):
    return [r for r in app.url_map.iter_rules()
            if not r.rule.startswith("/api/") and r.endpoint != "static" and "POST" in r.methods]


def _own_values(rule, w):
    values = {"tenant": "tenant-a", "membership_id": w["a_staff"], "api_key_id": w["a_key_id"],
              "tenant_id": w["a"], "status": "suspended", "token": "junk", "scheme_id": w.get("a_scheme", 1),
              "fmt": "csv", "application_id": 1, "task_id": 1,
              "segment_id": 1, "notice_id": 1, "store_id": 1,
              "member_id": 1, "purchase_id": 1, "batch_id": 1,
              "stay_id": 1, "step_id": 1, "department": "engineering", "form": "notice",
              "visit_id": 1, "station_id": 1, "event_id": 1, "report": "coverage",
              "branch_id": 1, "counter_id": 1, "ticket_id": 1, "request_id": 1}
    return rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]


JUNK_FORMS = [
    {},
    {"email": "x" * 5000, "name": "y" * 5000, "password": "z" * 5000},
    {"role": "king", "positions": ["hotel.pope", "../../etc"], "active": "maybe"},
    {"enabled_domains": ["casino"], "timezone": "Mars/Base", "currency": "€€€€", "default_locale": "tlh"},
    {"slug": "-BAD SLUG-", "owner_email": "@", "locale": "xx", "next": "//evil.example"},
]


def test_every_page_form_survives_junk(app, two_tenants):
    from core.extensions import db
    from core.identity.services import create_user
    with app.app_context():
        create_user("root@platform.test", "Root", "a platform password", is_platform_admin=True)
        db.session.commit()
        from core.tenancy import tenant_context
        from core.tiers.services import create_draft
        with tenant_context(two_tenants["a"]):  # a draft for the scheme editor's forms to refuse junk on
            two_tenants["a_scheme"] = create_draft(None, template="retail_88").id
        db.session.commit()
    for who, password in (("owner@a.test", None), ("root@platform.test", "a platform password")):
        client = app.test_client()
        csrf = login(client, who) if password is None else login(client, who, password)
        re_rendered = 0
        for rule in _page_rules(app):
            if rule.endpoint == "auth.logout":
                continue
            url = _own_values(rule, two_tenants)
            for form in JUNK_FORMS:
                resp = client.post(url, data={**form, "csrf_token": csrf})
                assert resp.status_code < 500, f"{who} POST {url} {form}: {resp.status_code}"
                re_rendered += resp.status_code == 200
        assert re_rendered >= 5, f"{who}: the forms were never shown back with their errors"
        assert client.get("/", follow_redirects=True).status_code == 200


def test_every_page_refuses_an_oversized_body(app, client, two_tenants):
    csrf = login(client, "owner@a.test")
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    for rule in _page_rules(app):
        url = _own_values(rule, two_tenants)
        resp = client.post(url, data={"name": big, "csrf_token": csrf})
        assert resp.status_code == 413, f"POST {url}: {resp.status_code}"


@pytest.mark.parametrize("slug", ["BAD SLUG", "UPPER", "-dash", "a" * 80, "x%00y"])
def test_every_tenant_page_answers_404_to_a_bad_slug(app, client, two_tenants, slug):
    csrf = login(client, "owner@a.test")
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or rule.rule.startswith("/api/") or "tenant" not in rule.arguments:
            continue
        url = _own_values(rule, two_tenants).replace("tenant-a", slug, 1)
        method = "GET" if "GET" in rule.methods else "POST"
        assert client.open(url, method=method, data={"csrf_token": csrf}).status_code == 404, url


def test_a_suspended_tenant_is_closed_to_its_staff(app, client, world, two_tenants):
    from core.extensions import db
    from core.tenancy import Tenant
    with app.app_context():
        db.session.get(Tenant, two_tenants["a"]).status = "suspended"
        db.session.commit()
    login(client, "owner@a.test")
    assert client.get("/t/tenant-a/").status_code == 404
    resp = client.get("/api/v1/t/tenant-a/settings", headers={"Authorization": f"Bearer {two_tenants['a_key']}"})
    assert resp.status_code == 404
