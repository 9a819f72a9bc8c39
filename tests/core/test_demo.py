"""`flask demo seed`: four tenants, staff in every position, and each login sees only its own."""
import re

from core.demo import DEMO_PASSWORD, TENANTS
from core.plugins import registry
from tests.conftest import csrf_token

LOGIN_LINE = re.compile(r"^\s+(\S+)\s+(\S+@\S+)\s+(\S+)$")


def _logins(output):
    return [m.groups() for m in map(LOGIN_LINE.match, output.splitlines()) if m]


def test_demo_seed_and_every_login_sees_only_its_tenant(app, runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    logins = _logins(result.output)
    assert len(logins) > 25
    by_name = {t.name: t for t in TENANTS}
    seen_positions = {t.domain: set() for t in TENANTS}

    for workplace, email, _name in logins:
        client = app.test_client()
        resp = client.post("/login", data={"email": email, "password": DEMO_PASSWORD,
                                           "csrf_token": csrf_token(client)})
        assert resp.status_code == 302, email
        page = client.get("/", follow_redirects=True)
        html = page.get_data(as_text=True)
        if workplace == "—":  # the platform admin: no tenant's data, just the platform pages
            assert "/platform/tenants" in html
            assert all(f"/t/{t.slug}/" not in html for t in TENANTS)
            continue
        own = by_name[workplace]
        assert page.status_code == 200 and own.name in html, email
        assert f"/t/{own.slug}/{own.domain}/" in html, f"{email} does not see {own.domain}"
        for other in TENANTS:
            if other is own:
                continue
            assert other.name not in html and f"/t/{other.slug}/" not in html, (email, other.slug)
            assert client.get(f"/t/{other.slug}/").status_code == 404
            assert client.get(f"/t/{own.slug}/{other.domain}/").status_code == 404  # not enabled
        landing = client.get(f"/t/{own.slug}/{own.domain}/")
        assert landing.status_code == 200
        team_html = landing.get_data(as_text=True)
        # the landing page lists the team by position; a demo leaves no position vacant
        assert "flash error" not in team_html, f"{own.slug} has vacant positions"
        seen_positions[own.domain].add(email)

    for spec in TENANTS:
        assert seen_positions[spec.domain], spec.domain


def test_demo_covers_every_position_with_chinese_names(app, runner):
    runner.invoke(args=["demo", "seed"])
    from sqlalchemy import select

    from core.extensions import db
    from core.identity.models import Membership
    from core.tenancy import Tenant, tenant_context
    with app.app_context():
        tenants = db.session.scalars(select(Tenant)).all()
        assert sorted(t.enabled_domains[0] for t in tenants) == ["bank", "hotel", "postal", "retail"]
        for t in tenants:
            with tenant_context(t):
                members = db.session.scalars(select(Membership)).all()
                held = {p for m in members for p in m.positions}
                plugin = registry(app)[t.enabled_domains[0]]
                assert held == set(plugin.position_keys()), t.slug
                assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", m.user.name) for m in members)
            db.session.remove()


def test_demo_refuses_a_database_that_has_data(runner, two_tenants):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "already has tenants" in result.output
    ensure = runner.invoke(args=["demo", "ensure"])
    assert ensure.exit_code == 0 and "already has data" in ensure.output
