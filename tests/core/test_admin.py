"""Tenant administration: staff, roles, positions, domains, settings, API keys, audit log;
and the platform admin opening a tenant."""
from sqlalchemy import select

from core.audit.models import AuditEntry, PlatformEvent
from core.extensions import db
from core.identity.models import Membership
from tests.conftest import drain_jobs, login


def _audit(world, tenant_id, action):
    with world.as_tenant(tenant_id):
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.id)).all()


def test_staff_cannot_reach_admin_pages(client, two_tenants):
    login(client, "staff@a.test")
    for url in ["/t/tenant-a/admin/staff", "/t/tenant-a/admin/settings", "/t/tenant-a/admin/api-keys",
                "/t/tenant-a/admin/audit"]:
        assert client.get(url).status_code == 403, url
    assert client.get("/t/tenant-a/hotel/").status_code == 200


def test_admin_sets_roles_and_positions_with_audit(client, world, two_tenants):
    csrf = login(client, "owner@a.test")
    mid = two_tenants["a_staff"]
    resp = client.post(f"/t/tenant-a/admin/staff/{mid}", data={
        "role": "manager", "positions": ["hotel.qa", "hotel.gm"], "active": "y", "csrf_token": csrf})
    assert resp.status_code == 302
    with world.as_tenant(two_tenants["a"]):
        m = db.session.get(Membership, mid)
        assert m.role == "manager" and m.positions == ["hotel.gm", "hotel.qa"]
    entry = _audit(world, two_tenants["a"], "staff.update")[-1]
    assert entry.actor_label == "owner@a.test"
    assert entry.before == {"role": "staff", "positions": ["hotel.gm"]}
    assert entry.after == {"role": "manager", "positions": ["hotel.gm", "hotel.qa"]}
    # unknown position: an error next to the field, nothing saved
    resp = client.post(f"/t/tenant-a/admin/staff/{mid}", data={
        "role": "manager", "positions": ["hotel.pope"], "active": "y", "csrf_token": csrf})
    assert resp.status_code == 200 and "hotel.pope" not in str(_audit(world, two_tenants["a"], "staff.update")[-1].after)


def test_last_owner_cannot_be_demoted(client, world, two_tenants):
    csrf = login(client, "owner@a.test")
    resp = client.post(f"/t/tenant-a/admin/staff/{two_tenants['a_owner']}", data={
        "role": "admin", "positions": [], "active": "y", "csrf_token": csrf})
    assert resp.status_code == 200
    with world.as_tenant(two_tenants["a"]):
        assert db.session.get(Membership, two_tenants["a_owner"]).role == "owner"


def test_admin_cannot_make_an_owner(client, world, two_tenants):
    world.staff(two_tenants["a"], "admin@a.test", role="admin")
    csrf = login(client, "admin@a.test")
    resp = client.post("/t/tenant-a/admin/staff/new", data={
        "email": "boss@a.test", "name": "Boss", "role": "owner", "csrf_token": csrf})
    assert resp.status_code == 200
    with world.as_tenant(two_tenants["a"]):
        assert db.session.scalar(select(Membership).join(Membership.user).where(
            Membership.role == "owner")).user.email == "owner@a.test"


def test_disabling_a_domain_hides_it_and_is_audited(client, world, two_tenants):
    csrf = login(client, "owner@a.test")
    assert client.get("/t/tenant-a/bank/").status_code == 200
    resp = client.post("/t/tenant-a/admin/settings", data={
        "name": "甲酒店", "timezone": "Asia/Shanghai", "currency": "CNY", "default_locale": "zh_CN",
        "enabled_domains": ["hotel"], "csrf_token": csrf})
    assert resp.status_code == 302
    assert client.get("/t/tenant-a/bank/").status_code == 404
    assert client.get("/api/v1/t/tenant-a/bank/team", headers={"X-CSRFToken": csrf}).status_code == 404
    assert client.get("/t/tenant-a/hotel/").status_code == 200
    nav = client.get("/t/tenant-a/").get_data(as_text=True)
    assert "/t/tenant-a/hotel/" in nav and "/t/tenant-a/bank/" not in nav
    entry = _audit(world, two_tenants["a"], "tenant.update")[-1]
    assert entry.before == {"enabled_domains": ["bank", "hotel", "postal", "retail"]}
    assert entry.after == {"enabled_domains": ["hotel"]}


def test_settings_errors_stay_next_to_the_field(client, two_tenants):
    csrf = login(client, "owner@a.test")
    resp = client.post("/t/tenant-a/admin/settings", data={
        "name": "甲酒店", "timezone": "Mars/Base", "currency": "yuan", "default_locale": "zh_CN",
        "csrf_token": csrf})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'class="field has-error"' in html


def test_api_keys_page_shows_the_key_once(client, two_tenants):
    csrf = login(client, "owner@a.test")
    resp = client.post("/t/tenant-a/admin/api-keys", data={"name": "PMS", "role": "staff", "csrf_token": csrf})
    html = resp.get_data(as_text=True)
    import re
    raw = re.search(r'id="new-key">(vip_[^<]+)<', html).group(1)
    assert raw not in client.get("/t/tenant-a/admin/api-keys").get_data(as_text=True)
    assert client.get("/api/v1/t/tenant-a/settings", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_platform_admin_opens_a_tenant_and_invites_its_owner(app, client, world):
    from core.identity.services import create_user
    with app.app_context():
        create_user("root@platform.test", "Root", "a platform password", is_platform_admin=True)
        db.session.commit()
    csrf = login(client, "root@platform.test", "a platform password")
    resp = client.post("/platform/tenants/new", data={
        "name": "新邮政局", "slug": "new-post", "timezone": "Asia/Shanghai", "currency": "CNY",
        "default_locale": "zh_CN", "enabled_domains": ["postal"], "owner_email": "boss@post.test",
        "owner_name": "王局长", "csrf_token": csrf})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    drain_jobs(app)
    assert any(m["to"] == "boss@post.test" for m in app.extensions["vip_sent_mail"])
    with app.app_context():
        assert db.session.scalars(select(PlatformEvent.action)).all() == ["tenant.create"]
    # the platform admin is not staff of the tenant and sees none of its pages
    assert client.get("/t/new-post/").status_code == 404
    # duplicate slug: form error, not a crash
    resp = client.post("/platform/tenants/new", data={
        "name": "x", "slug": "new-post", "timezone": "Asia/Shanghai", "currency": "CNY",
        "default_locale": "zh_CN", "owner_email": "b@post.test", "owner_name": "b", "csrf_token": csrf})
    assert resp.status_code == 200


def test_platform_pages_are_invisible_to_tenant_staff(client, two_tenants):
    login(client, "owner@a.test")
    assert client.get("/platform/tenants").status_code == 404
