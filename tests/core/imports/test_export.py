"""Export: any member list to CSV (UTF-8 with BOM) and .xlsx, audited; re-importing it gives the
same members back."""
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.extensions import db
from core.members.models import Card, Member
from core.tenancy.context import tenant_context
from tests.conftest import Api, buy, line, login, new_member, publish_template
from tests.core.imports.helpers import check, start, upload

PROFILE = ("name", "phone", "gender", "birthday", "email", "address", "tier_key", "contact_channel",
           "promotions_consent", "job", "notes")


@pytest.fixture
def apis(client, two_tenants):
    a = Api(client, "tenant-a", two_tenants["a_key"])
    b = Api(client, "tenant-b", two_tenants["b_key"])
    for api in (a, b):
        publish_template(api, "retail_88")
    return a, b


def _seed(app, a, two_tenants):
    """Members made at the counter (API) and by an import, with every exported field."""
    m1 = new_member(a, name="张丽", phone="13812345678", birthday="1990-05-17", gender="female",
                    email="li@example.cn", address="上海市静安区南京西路1号", contact_channel="wechat",
                    promotions_consent=True, job="教师", notes="=1+1 喜欢蓝色")  # a formula-looking note
    a.ok("POST", f"/members/{m1['id']}/cards", {"number": "VIP-0001"})
    new_member(a, name="+王强", phone="+44 20 7946 0958", gender="male")
    new_member(a, name="李四", phone=None)
    return m1


def _profiles(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        cards = dict(db.session.execute(select(Card.member_id, Card.number).where(Card.status == "active")).all())
        return sorted((tuple(getattr(m, f) for f in PROFILE) + (cards.get(m.id),))
                      for m in db.session.scalars(select(Member)))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_imports_back_into_another_tenant_unchanged(app, apis, two_tenants, fmt):
    a, b = apis
    m1 = _seed(app, a, two_tenants)
    buy(a, m1["id"], "x1", [line(1200)])  # 张丽 becomes VIP
    resp = a("GET", f"/members/export?format={fmt}")
    assert resp.status_code == 200
    content = resp.get_data()
    if fmt == "csv":
        assert resp.mimetype == "text/csv" and content.startswith(b"\xef\xbb\xbf")  # Excel reads Chinese right
    else:
        assert content.startswith(b"PK")
    batch = upload(b, content, f"export.{fmt}")
    assert set(batch["mapping"]) == {"name", "phone", "gender", "birthday", "email", "address", "card_number",
                                     "tier_key", "contact_channel", "promotions_consent", "job", "notes"}
    assert check(app, b, batch["id"])["bad_rows"] == 0
    assert start(app, b, batch["id"])["imported"] == 3
    exported, imported = _profiles(app, two_tenants["a"]), _profiles(app, two_tenants["b"])
    if fmt == "xlsx":  # typed cells: text is text, even "=1+1"
        assert imported == exported
    else:  # CSV: text Excel would run as a formula carries an apostrophe, the one difference
        assert [tuple(v.lstrip("'") if isinstance(v, str) else v for v in p) for p in imported] == exported
        assert {p[PROFILE.index("notes")] for p in imported} >= {"'=1+1 喜欢蓝色"}
    vip = next(p for p in imported if p[0] == "张丽")
    assert vip[PROFILE.index("tier_key")] == "vip" and vip[-1] == "VIP-0001"
    assert vip[PROFILE.index("birthday")] == date(1990, 5, 17)


def test_the_export_is_audited_with_its_filters(app, apis, two_tenants):
    a, _ = apis
    _seed(app, a, two_tenants)
    a("GET", "/members/export?format=xlsx&q=张")
    with app.app_context(), tenant_context(two_tenants["a"]):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.export"))
    assert entry.after == {"format": "xlsx", "tier": None, "search": True, "count": 1}
    assert entry.actor_label.startswith("api-key:")


def test_filters_by_tier_and_by_name_or_phone(app, apis, two_tenants):
    a, _ = apis
    m1 = _seed(app, a, two_tenants)
    buy(a, m1["id"], "x1", [line(1200)])

    def names(query):
        resp = a("GET", "/members/export?format=csv&" + query)
        assert resp.status_code == 200, resp.get_json()
        rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
        return sorted(r[1] for r in rows[1:])

    assert names("") == ["'+王强", "张丽", "李四"]
    assert names("tier=vip") == ["张丽"]
    assert names("tier=-") == ["'+王强", "李四"]
    assert names("q=李") == ["李四"]
    assert names("q=5678") == ["张丽"]       # phone digits
    assert names("q=%25") == []               # % is a character here, not a wildcard
    bad = a("GET", "/members/export?format=pdf")
    assert bad.status_code == 422 and "format" in bad.get_json()["errors"]


def test_the_export_page_downloads_and_answers_bad_input_beside_the_fields(app, client, apis, two_tenants):
    a, _ = apis
    _seed(app, a, two_tenants)
    login(client, "owner@a.test")
    page = client.get("/t/tenant-a/admin/members/export")
    assert page.status_code == 200 and 'name="tier"' in page.get_data(as_text=True)
    resp = client.get("/t/tenant-a/admin/members/export?format=xlsx&tier=vip&q=")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.get_data()), read_only=True).worksheets[0]
    assert [r for r in ws.iter_rows(values_only=True)][1:] == []  # nobody is VIP yet
    bad = client.get("/t/tenant-a/admin/members/export?format=pdf&tier=gold&q=" + "x" * 100)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and html.count('class="error" role="alert"') == 3
