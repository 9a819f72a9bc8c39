"""The report pages and their JSON: who may see them, both languages, the tenant's currency and time
zone, the table beside each chart with the same numbers, CSV downloads, bad selectors, isolation."""
import csv
import io
import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from core.extensions import db
from core.models import utcnow
from core.tenancy.context import tenant_context
from tests.conftest import login
from tests.core.reports.common import SH, card, ledger, member, purchase, request, scheme, sh, tier_change, utc

PAGES = ["tier-distribution", "vip-share", "top-members", "top-tracking", "dormant", "points-liability",
         "birthdays", "follow-ups"]
TITLES = {"tier-distribution": "Tier distribution over time", "vip-share": "VIP share of sales and the 80/20 curve",
          "top-members": "Monthly top members by spend", "top-tracking": "Top-500 tracking",
          "dormant": "Dormant cards", "points-liability": "Points liability", "birthdays": "Birthdays this week",
          "follow-ups": "Follow-ups due"}
BASE = "/t/tenant-a/admin/reports"


class Tables(HTMLParser):
    """The report tables of a page (id -> rows of cell texts, the heading row first) and the charts'
    embedded JSON (canvas id -> data)."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.charts, self.errors = {}, {}, {}
        self._table = self._row = self._cell = self._chart = self._error = None
        self._field = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "report" in (a.get("class") or ""):
            self._table = self.tables.setdefault(a["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "script" and "report-chart-data" in (a.get("class") or ""):
            self._chart = (a["data-canvas"], "")
        elif tag in ("input", "select") and a.get("name"):
            self._field = a["name"]
        elif tag == "small" and a.get("class") == "error":
            self._error = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr":
            self._row = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "script" and self._chart is not None:
            self.charts[self._chart[0]] = json.loads(self._chart[1])
            self._chart = None
        elif tag == "small" and self._error is not None:
            self.errors.setdefault(self._field, []).append(self._error.strip())
            self._error = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._chart is not None:
            self._chart = (self._chart[0], self._chart[1] + data)
        if self._error is not None:
            self._error += data


@pytest.fixture
def shop(app, world, two_tenants):
    """Tenant A with a manager and a little history; tenant B with a big spender A must never see."""
    out = dict(two_tenants)
    out["a_manager"] = world.staff(two_tenants["a"], "manager@a.test", role="manager")
    out["a_manager_key"] = world.api_key(two_tenants["a"], role="manager")[1]
    out["a_staff_key"] = world.api_key(two_tenants["a"], role="staff")[1]
    with app.app_context():
        with tenant_context(two_tenants["a"]):
            scheme("retail_88")                                              # one tier: vip, named "VIP"
            zhang = member("张丽", no="A0001", tier_key="vip", birthday=date(1990, 5, 17),
                           last_purchase_at=utcnow() - timedelta(days=10))   # not dormant
            card(zhang.id)
            purchase(zhang.id, sh(2026, 1, 10), 1234.56, tier_key="vip")
            purchase(zhang.id, utc(2026, 1, 31, 23, 30), 100, tier_key="vip")   # 1 February in Shanghai
            wang = member("=HYPERLINK(1)", no="A0002")
            purchase(wang.id, sh(2026, 1, 12), 99.5)
            db.session.commit()
        with tenant_context(two_tenants["b"]):
            b_scheme = scheme("retail_88")
            rich = member("乙方大客户", no="B0001", tier_key="vip", birthday=utcnow().astimezone(SH).date(),
                          points_balance=777)
            card(rich.id)
            purchase(rich.id, sh(2026, 1, 15), 8888.88, tier_key="vip")
            tier_change(rich.id, b_scheme.id, "vip", sh(2025, 6, 1))
            ledger(rich.id, "earn", 777, sh(2026, 1, 15), expires_at=utcnow() + timedelta(days=20))
            request("follow_up", "open", utcnow() - timedelta(hours=1), member_id=rich.id, subject="乙方回访")
            db.session.commit()
    return out


def english(client, csrf):
    client.post("/language", data={"locale": "en", "csrf_token": csrf, "next": "/"})


def text_in(app, locale, msgid):
    with app.test_request_context(), force_locale(locale):
        return _(msgid)


# ---- who may see them ---------------------------------------------------------------------------

def test_managers_find_the_reports_in_the_navigation(app, client, shop):
    login(client, "manager@a.test")
    html = client.get("/t/tenant-a/").get_data(as_text=True)
    assert f'href="{BASE}/"' in html
    index = client.get(f"{BASE}/").get_data(as_text=True)
    for page in PAGES:
        assert f'href="{BASE}/{page}"' in index


def test_staff_may_not_see_reports(app, client, shop):
    login(client, "staff@a.test")
    assert f'href="{BASE}/"' not in client.get("/t/tenant-a/").get_data(as_text=True)
    assert client.get(f"{BASE}/").status_code == 403
    for page in PAGES:
        assert client.get(f"{BASE}/{page}").status_code == 403, page
        assert client.get(f"{BASE}/{page}.csv").status_code == 403, page
        resp = client.get(f"/api/v1/t/tenant-a/reports/{page}",
                          headers={"Authorization": f"Bearer {shop['a_staff_key']}"})
        assert resp.status_code == 403, page


# ---- every page, both languages ----------------------------------------------------------------------

def test_every_page_renders_in_both_languages_with_its_tables(app, client, shop):
    csrf = login(client, "manager@a.test")
    for locale in ("zh_CN", "en"):
        if locale == "en":
            english(client, csrf)
        for page in PAGES:
            resp = client.get(f"{BASE}/{page}")
            html = resp.get_data(as_text=True)
            assert resp.status_code == 200, (page, locale)
            assert f"<h1>{text_in(app, locale, TITLES[page])}</h1>" in html, (page, locale)
            assert ('<html lang="zh-CN">' if locale == "zh_CN" else '<html lang="en">') in html
            assert Tables(html).tables, f"{page}: no table view"
            assert "vendor/chartjs/chart.umd.min.js" in html and "cdn" not in html.lower()
            assert f'href="{BASE}/{page}.csv' in html


def test_month_labels_and_amounts_follow_the_language(app, client, shop):
    csrf = login(client, "manager@a.test")
    zh = Tables(client.get(f"{BASE}/vip-share?month=2026-02&months=2").get_data(as_text=True))
    assert [r[0] for r in zh.tables["vip-share"][1:]] == ["2026年1月", "2026年2月"]
    # January: VIP 1,234.56; others 99.50 (the 23:30 UTC purchase is February's)
    assert zh.tables["vip-share"][1][1:4] == ["¥1,234.56", "¥99.50", "¥1,334.06"]
    english(client, csrf)
    en = Tables(client.get(f"{BASE}/vip-share?month=2026-02&months=2").get_data(as_text=True))
    assert [r[0] for r in en.tables["vip-share"][1:]] == ["Jan 2026", "Feb 2026"]
    assert en.tables["vip-share"][1][1:4] == ["CN¥1,234.56", "CN¥99.50", "CN¥1,334.06"]
    assert en.tables["vip-share"][2][1:4] == ["CN¥100.00", "CN¥0.00", "CN¥100.00"]
    assert en.tables["vip-share"][0][1] == "VIP sales (CNY)"


def test_amounts_are_in_the_tenants_own_currency(app, client, world):
    t = world.tenant("london-shop", domains=["retail"], default_locale="en", timezone="Europe/London", currency="GBP")
    world.staff(t, "boss@london.test", role="manager")
    with app.app_context(), tenant_context(t):
        m = member("Ada", no="L1")
        purchase(m.id, utc(2026, 1, 31, 23, 30), 1234.5)      # still January in London
        db.session.commit()
    login(client, "boss@london.test")
    page = Tables(client.get("/t/london-shop/admin/reports/top-members?month=2026-01").get_data(as_text=True))
    assert page.tables["top"][1][-1] == "£1,234.50"
    assert page.charts["top-chart"]["currency"] == "GBP"


# ---- the chart is the table's numbers -------------------------------------------------------------------

def test_the_chart_draws_the_numbers_of_the_table_beside_it(app, client, shop):
    login(client, "manager@a.test")
    page = Tables(client.get(f"{BASE}/top-members?month=2026-01").get_data(as_text=True))
    table, chart = page.tables["top"], page.charts["top-chart"]
    assert [r[2] for r in table[1:]] == ["张丽", "=HYPERLINK(1)"] == chart["labels"]
    assert [r[-1] for r in table[1:]] == ["¥1,234.56", "¥99.50"]
    assert chart["datasets"][0]["data"] == [1234.56, 99.5] and chart["unit"] == "money"
    assert "乙方大客户" not in json.dumps(chart, ensure_ascii=False)
    share = Tables(client.get(f"{BASE}/vip-share?month=2026-02&months=2").get_data(as_text=True))
    stacked = share.charts["vip-share-chart"]
    assert stacked["stacked"] and [d["data"] for d in stacked["datasets"]] == [[1234.56, 100.0], [99.5, 0.0]]
    assert stacked["labels"] == [r[0] for r in share.tables["vip-share"][1:]]


def test_the_80_20_figure_is_on_the_page(app, client, shop):
    login(client, "manager@a.test")
    html = client.get(f"{BASE}/vip-share?month=2026-02&months=2").get_data(as_text=True)
    # 张丽 paid 1,334.56 of 1,434.06: one member of two (50 %) makes 80 %
    figure = re.search(r'<p class="figure" id="pareto-figure">(.*?)</p>', html, re.S).group(1)
    assert "50.0%" in figure and "1" in figure and "2" in figure
    page = Tables(html)
    assert page.charts["pareto-chart"]["datasets"][0]["data"] == [0.0, 93.06, 100.0]
    assert [r[2] for r in page.tables["pareto"][1:]] == ["0.0%", "93.1%", "100.0%"]


# ---- CSV ---------------------------------------------------------------------------------------

def test_csv_download_for_excel(app, client, shop):
    csrf = login(client, "manager@a.test")
    english(client, csrf)
    resp = client.get(f"{BASE}/top-members.csv?month=2026-01")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="top-members-2026-01.csv"'
    raw = resp.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")                      # UTF-8 byte-order mark: Excel reads 张丽 right
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Rank", "Member number", "Name", "Tier", "Purchases", "Paid (CNY)"]
    assert rows[1] == ["1", "A0001", "张丽", "VIP", "1", "1234.56"]
    assert rows[2] == ["2", "A0002", "'=HYPERLINK(1)", "No tier", "1", "99.50"]   # no formula runs in Excel
    assert len(rows) == 3


def test_csv_of_a_report_with_several_tables(app, client, shop):
    login(client, "manager@a.test")
    text = client.get(f"{BASE}/vip-share.csv?month=2026-02&months=2").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2][0] == "2026-01" and rows[2][1:] == ["1234.56", "99.50", "1334.06", "92.5"]
    assert [] in rows                                            # a blank line, then the 80/20 table
    pareto = rows[rows.index([]) + 3:]                           # caption, heading, then the curve
    assert pareto[:3] == [["0", "0.0", "0.0"], ["1", "50.0", "93.1"], ["2", "100.0", "100.0"]]


# ---- the tenant's calendar on the pages ----------------------------------------------------------------

def test_a_late_utc_purchase_counts_in_the_next_shanghai_month(app, client, shop):
    login(client, "manager@a.test")
    january = Tables(client.get(f"{BASE}/top-members?month=2026-01").get_data(as_text=True)).tables["top"]
    february = Tables(client.get(f"{BASE}/top-members?month=2026-02").get_data(as_text=True)).tables["top"]
    assert january[1][-1] == "¥1,234.56" and february[1][-1] == "¥100.00"


def test_this_weeks_lists_are_the_tenants_days(app, client, shop):
    soon = utcnow().astimezone(SH).date() + timedelta(days=2)
    if (soon.month, soon.day) == (2, 29):
        soon += timedelta(days=1)
    with app.app_context(), tenant_context(shop["a"]):
        zhao = member("后天生日", no="A0100", birthday=date(1990, soon.month, soon.day))
        db.session.flush()
        late = request("follow_up", "open", utcnow() - timedelta(hours=2), member_id=zhao.id, subject="逾期回访")
        request("follow_up", "in_progress", utcnow() + timedelta(hours=1), subject="处理中")
        lapsed = member("沉睡", no="A0101", last_purchase_at=utcnow() - timedelta(days=400))
        card(lapsed.id)
        db.session.commit()
        late_no = late.request_no
    login(client, "manager@a.test")
    birthdays = Tables(client.get(f"{BASE}/birthdays?days=31").get_data(as_text=True))
    assert [r[3] for r in birthdays.tables["birthdays"][1:]] == ["后天生日"]
    follow = client.get(f"{BASE}/follow-ups").get_data(as_text=True)
    assert re.search(r'id="follow-ups-overdue">1<', follow) and re.search(r'id="follow-ups-total">2<', follow)
    listed = Tables(follow).tables["follow-ups"]
    assert len(listed) == 3 and listed[1][2] == late_no and "乙方回访" not in follow
    dormant = Tables(client.get(f"{BASE}/dormant").get_data(as_text=True))
    assert [r[1] for r in dormant.tables["dormant"][1:]] == ["沉睡"]   # 张丽 bought 10 days ago


def test_pages_of_a_long_list(app, client, shop, monkeypatch):
    from core.reports import views
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    with app.app_context(), tenant_context(shop["a"]):
        for i in range(3):                                   # never bought: listed first, by number
            card(member(f"睡{i}", no=f"Z{i}").id)
        db.session.commit()
    login(client, "manager@a.test")
    first = client.get(f"{BASE}/dormant?months=12").get_data(as_text=True)
    assert [r[1] for r in Tables(first).tables["dormant"][1:]] == ["睡0", "睡1"]
    assert re.search(rf'href="{BASE}/dormant\?(page=2&amp;months=12|months=12&amp;page=2)"', first)
    summary, chart = Tables(first).tables["dormant-summary"], Tables(first).charts["dormant-chart"]
    assert summary[-1][0] == text_in(app, "zh_CN", "All tiers") and summary[-1][-1] == "3"   # the total row …
    assert chart["labels"] == [r[0] for r in summary[1:-1]]                                 # … is not a bar
    assert chart["datasets"][0]["data"] == [int(r[1]) for r in summary[1:-1]]               # never bought
    second = Tables(client.get(f"{BASE}/dormant?months=12&page=2").get_data(as_text=True))
    assert [r[1] for r in second.tables["dormant"][1:]][0] == "睡2"
    everyone = client.get(f"{BASE}/dormant.csv?months=12").get_data().decode("utf-8-sig")
    assert all(name in everyone for name in ("睡0", "睡1", "睡2"))


# ---- bad selectors ------------------------------------------------------------------------------

BAD = [("tier-distribution", "month=2026-13", "month"), ("tier-distribution", "months=abc", "months"),
       ("vip-share", "months=0", "months"), ("vip-share", "month=1900-01", "month"),
       ("top-members", "month=junk", "month"), ("top-members", "limit=101", "limit"),
       ("top-tracking", "size=5", "size"), ("top-tracking", "months=13", "months"),
       ("dormant", "months=99999999999999999999", "months"), ("dormant", "page=0", "page"),
       ("points-liability", "months=-1", "months"), ("birthdays", "days=1.5", "days"),
       ("follow-ups", "days=32", "days"), ("follow-ups", "page=x", "page")]


@pytest.mark.parametrize("page, query, field", BAD)
def test_a_bad_selector_is_shown_beside_its_field(app, client, shop, page, query, field):
    login(client, "manager@a.test")
    for suffix in ("", ".csv"):
        resp = client.get(f"{BASE}/{page}{suffix}?{query}")
        assert resp.status_code == 400, (page, query)
        parsed = Tables(resp.get_data(as_text=True))
        assert list(parsed.errors) == [field] and parsed.errors[field][0]
        assert not parsed.tables                                          # no report from a bad selection


@pytest.mark.parametrize("page, query, field", [b for b in BAD if b[2] != "page"] +
                         [("dormant", "page_size=501", "page_size"), ("follow-ups", "page=x", "page")])
def test_the_api_names_the_bad_field(app, client, shop, page, query, field):
    resp = client.get(f"/api/v1/t/tenant-a/reports/{page}?{query}",
                      headers={"Authorization": f"Bearer {shop['a_manager_key']}"})
    assert resp.status_code == 422, (page, query)
    assert list(resp.get_json()["errors"]) == [field]


# ---- the JSON --------------------------------------------------------------------------------------

def test_the_api_answers_with_raw_numbers(app, client, shop):
    auth = {"Authorization": f"Bearer {shop['a_manager_key']}"}
    top = client.get("/api/v1/t/tenant-a/reports/top-members?month=2026-01", headers=auth).get_json()
    assert top["currency"] == "CNY" and top["timezone"] == "Asia/Shanghai" and top["month"] == "2026-01"
    assert [(m["member_no"], m["spend_fen"]) for m in top["members"]] == [("A0001", 123456), ("A0002", 9950)]
    share = client.get("/api/v1/t/tenant-a/reports/vip-share?month=2026-02&months=2", headers=auth).get_json()
    assert [(m["month"], m["vip_fen"], m["total_fen"]) for m in share["months"]] == [
        ("2026-01", 123456, 133406), ("2026-02", 10000, 10000)]
    assert share["pareto"]["members_for_80"] == 1 and share["pareto"]["members"] == 2
    for page in PAGES:
        resp = client.get(f"/api/v1/t/tenant-a/reports/{page}", headers=auth)
        assert resp.status_code == 200, page
        assert "乙方" not in resp.get_data(as_text=True), page


def test_tenant_b_never_appears_in_tenant_as_reports(app, client, shop):
    """B has a big spender, a birthday today, a follow-up overdue and a dormant-looking card; A's
    reports, pages, downloads and JSON alike, show none of it."""
    login(client, "manager@a.test")
    for page in PAGES:
        for url in (f"{BASE}/{page}?month=2026-01&days=31&months=12", f"{BASE}/{page}.csv?month=2026-01&days=31"):
            resp = client.get(url)
            body = resp.get_data().decode("utf-8-sig")
            assert resp.status_code == 200, url
            assert "乙方" not in body and "8,888.88" not in body and "8888.88" not in body, url
    top = Tables(client.get(f"{BASE}/top-members?month=2026-01").get_data(as_text=True))
    assert [r[2] for r in top.tables["top"][1:]] == ["张丽", "=HYPERLINK(1)"]      # the control: A's own
    tiers = Tables(client.get(f"{BASE}/tier-distribution").get_data(as_text=True)).tables["tiers"]
    assert all(row[-1] == "0" for row in tiers[1:])                   # B's VIP is in none of A's month ends
    liability = client.get(f"{BASE}/points-liability").get_data(as_text=True)
    assert re.search(r'id="liability-total">0<', liability)           # B's 777 points are B's
    assert [r[-1] for r in Tables(client.get(f"{BASE}/vip-share?month=2026-01&months=1")
                                  .get_data(as_text=True)).tables["vip-share"][1:]] == ["92.5%"]
    # and B's own owner sees B's figures
    b = app.test_client()
    login(b, "owner@b.test")
    assert "乙方大客户" in b.get("/t/tenant-b/admin/reports/top-members?month=2026-01").get_data(as_text=True)
    assert b.get(f"{BASE}/top-members").status_code == 404
