"""Tenants: each sees only its own member files; the bulk writes (Core SQL) name their tenant."""
from sqlalchemy import func, select

from core.extensions import db
from core.imports import services
from core.imports.models import ImportBatch
from core.members.models import Card, Member
from core.tenancy.context import tenant_context
from tests.conftest import Api, login, new_member, publish_template
from tests.core.imports.helpers import check, csv_bytes, start, upload


def test_tenant_a_cannot_see_or_touch_tenant_bs_batches(app, client, two_tenants):
    a = Api(client, "tenant-a", two_tenants["a_key"])
    b = Api(client, "tenant-b", two_tenants["b_key"])
    mine = upload(a, csv_bytes([["姓名"], ["甲"]]))
    theirs = upload(b, csv_bytes([["姓名", "手机"], ["乙", "1"]]))
    check(app, b, theirs["id"])
    assert [x["id"] for x in a.ok("GET", "/imports")] == [mine["id"]]
    for method, path, body in [("GET", "", None), ("PUT", "/mapping", {"mapping": {"name": 0}}),
                               ("POST", "/dry-run", {}), ("POST", "/start", None), ("GET", "/problems", None)]:
        assert a(method, f"/imports/{theirs['id']}{path}", json=body).status_code == 404, (method, path)
    login(client, "owner@a.test")
    assert client.get(f"/t/tenant-a/admin/imports/{theirs['id']}").status_code == 404
    assert client.get(f"/t/tenant-a/admin/imports/{theirs['id']}/problems.csv").status_code == 404
    page = client.get("/t/tenant-a/admin/imports").get_data(as_text=True)
    assert f"/imports/{mine['id']}" in page and f"/imports/{theirs['id']}\"" not in page


def test_the_bulk_writes_touch_only_the_importing_tenant(app, client, two_tenants):
    """Same phones and card numbers in both tenants (unique per tenant, not across); B's members,
    cards and batch are untouched by A's import and by A's progress writer."""
    a = Api(client, "tenant-a", two_tenants["a_key"])
    b = Api(client, "tenant-b", two_tenants["b_key"])
    for api in (a, b):
        publish_template(api, "retail_88")
    rows = [["姓名", "手机", "卡号", "等级"]] + [[f"会员{i}", f"139{i:08d}", f"C{i:05d}", "vip"] for i in range(30)]
    in_b = upload(b, csv_bytes(rows))
    check(app, b, in_b["id"])
    start(app, b, in_b["id"])
    in_a = upload(a, csv_bytes(rows))
    assert check(app, a, in_a["id"])["bad_rows"] == 0  # B's phones and cards are not A's
    assert start(app, a, in_a["id"])["imported"] == 30
    for tenant in ("a", "b"):
        with app.app_context(), tenant_context(two_tenants[tenant]):
            assert db.session.scalar(select(func.count(Member.id))) == 30
            assert db.session.scalar(select(func.count(Card.id))) == 30
            owners = set(db.session.scalars(select(Card.member_id)))
            assert owners == set(db.session.scalars(select(Member.id)))  # every card is its own tenant's member
    # the progress writer names the tenant: B's batch id with A's tenant changes nothing
    with app.app_context():
        services.Progress(two_tenants["a"], in_b["id"], every=1)(12345)
        with tenant_context(two_tenants["b"]):
            assert db.session.get(ImportBatch, in_b["id"]).rows_done == 30


def test_the_export_is_one_tenants_members(app, client, two_tenants):
    a = Api(client, "tenant-a", two_tenants["a_key"])
    b = Api(client, "tenant-b", two_tenants["b_key"])
    new_member(a, name="甲方会员", phone="13700000001")
    new_member(b, name="乙方会员", phone="13700000002")
    text = a("GET", "/members/export?format=csv").get_data(as_text=True)
    assert "甲方会员" in text and "乙方会员" not in text
