"""Segments over profile and purchases, and targeted notices through the outbox that respect consent
and each member's channel (seed 000: new large-size jeans → customers who buy jeans in large sizes)."""
import csv
import io
import re
from datetime import timedelta

import pytest

from core.models import utcnow
from tests.conftest import Api, buy, drain_jobs, line, login, new_member, publish_template


def jeans(size, colour="blue", price=300):
    return {**line(price, sku="J-1"), "category": "Jeans", "size": size, "colour": colour}


@pytest.fixture
def shop(client, world, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "retail_88")
    now = utcnow()
    people = {}
    specs = [  # name, phone, channel, email, consent, birthday
        ("大码甲", "13800000061", "email", "jia@example.cn", True, "1990-03-05"),
        ("大码乙", "13800000062", "sms", None, False, "1985-03-20"),
        ("小码丙", "13800000063", "wechat", None, True, "1992-07-01"),
        ("旧客丁", "13800000064", "call", None, True, "1979-03-11"),
        ("无邮戊", "13800000065", "email", None, True, "1995-12-12"),
    ]
    for name, phone, channel, email, consent, birthday in specs:
        fields = {"phone": phone, "contact_channel": channel, "promotions_consent": consent, "birthday": birthday}
        if email:
            fields["email"] = email
        people[name] = new_member(api, name=name, **fields)["id"]
    buy(api, people["大码甲"], "a1", [jeans("XL"), line(900)], at=now - timedelta(days=20))   # 1,200: VIP
    buy(api, people["大码乙"], "b1", [jeans("xl", "black")], at=now - timedelta(days=40))
    buy(api, people["小码丙"], "c1", [jeans("S")], at=now - timedelta(days=10))
    buy(api, people["旧客丁"], "d1", [jeans("XL")], at=now - timedelta(days=500))           # too long ago
    buy(api, people["无邮戊"], "e1", [jeans("XL")], at=now - timedelta(days=5))
    return {"api": api, "people": people, **two_tenants}


def _names(api, segment_id):
    return sorted(m["name"] for m in api.ok("GET", f"/segments/{segment_id}/members"))


def test_bought_jeans_in_large_sizes_this_year(shop):
    api = shop["api"]
    seg = api.ok("POST", "/segments", {"name": "大码牛仔裤", "definition": {
        "bought_category": "jeans", "bought_size": "XL", "bought_months": 12}})
    assert seg["members"] == 3
    assert _names(api, seg["id"]) == ["大码乙", "大码甲", "无邮戊"]  # case-insensitive; 丁 bought 500 days ago


def test_criteria_combine(shop):
    api = shop["api"]

    def names(definition):
        return _names(api, api.ok("POST", "/segments", {"name": str(definition), "definition": definition})["id"])

    assert names({"tiers": ["vip"]}) == ["大码甲"]
    assert names({"tiers": ["-"], "bought_category": "jeans", "bought_size": "xl"}) == ["大码乙", "无邮戊"]
    assert names({"spend_min_fen": 50000, "spend_months": 12}) == ["大码甲"]
    assert names({"spend_max_fen": 30000, "bought_colour": "BLACK"}) == ["大码乙"]
    assert names({"birthday_month": 3}) == ["大码乙", "大码甲", "旧客丁"]
    today = utcnow().date()
    assert names({"last_purchase_before": (today - timedelta(days=100)).isoformat()}) == ["旧客丁"]
    assert names({"last_purchase_after": (today - timedelta(days=15)).isoformat()}) == ["小码丙", "无邮戊"]


def test_bad_definitions_are_refused_with_the_field(shop):
    api = shop["api"]
    bad = api("POST", "/segments", {"name": "x", "definition": {"birthday_month": 13, "colour": "red"}})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]["definition"]
    assert "birthday_month" in errors and "colour" in errors
    bad = api("POST", "/segments", {"name": "x", "definition": {"spend_min_fen": 500, "spend_max_fen": 100}})
    assert bad.status_code == 422 and "spend_max_fen" in str(bad.get_json())


def test_a_promotion_reaches_consenting_members_on_their_own_channel(app, shop):
    api = shop["api"]
    seg = api.ok("POST", "/segments", {"name": "大码", "definition": {"bought_category": "jeans", "bought_size": "xl",
                                                                     "bought_months": 24}})
    notice = api.ok("POST", f"/segments/{seg['id']}/notices", {"kind": "promotion", "subject": "大码牛仔裤到货",
                                                                "body": "新款大码牛仔裤已到店"})
    # 乙 did not agree to promotions; 戊 prefers e-mail but left none
    assert (notice["queued"], notice["skipped"]) == (2, 2)
    drain_jobs(app)
    deliveries = {d["member_id"]: d for d in api.ok("GET", f"/notices/{notice['id']}/deliveries")}
    p = shop["people"]
    assert deliveries[p["大码乙"]]["skip_reason"] == "no_consent"
    assert deliveries[p["无邮戊"]]["skip_reason"] == "no_address"
    assert deliveries[p["大码甲"]]["status"] == "sent" and deliveries[p["大码甲"]]["channel"] == "email"
    assert deliveries[p["旧客丁"]]["status"] == "sent" and deliveries[p["旧客丁"]]["channel"] == "call"
    mail = app.extensions.get("vip_sent_mail", [])
    assert [m["to"] for m in mail if m["subject"] == "大码牛仔裤到货"] == ["jia@example.cn"]
    calls = [t for t in api.ok("GET", "/tasks") if "旧客丁" in t["subject"]]
    assert len(calls) == 1 and "13800000064" in calls[0]["detail"]
    # a service notice reaches those without consent too (乙 by SMS)
    service = api.ok("POST", f"/segments/{seg['id']}/notices", {"kind": "service", "subject": "门店搬迁",
                                                                 "body": "本店下月迁至新址"})
    assert (service["queued"], service["skipped"]) == (3, 1)
    drain_jobs(app)
    sms = [m for m in app.extensions.get("vip_sent_messages", []) if m["subject"] == "门店搬迁"]
    assert sms == [{"channel": "sms", "to": "13800000062", "subject": "门店搬迁"}]


def test_the_filter_builder_page_previews_saves_and_exports(app, client, shop):
    csrf = login(client, "owner@a.test")
    form = {"csrf_token": csrf, "name": "大码牛仔裤", "bought_category": "jeans", "bought_size": "XL",
            "bought_months": "12", "spend_months": "12", "birthday_month": ""}
    html = client.post("/t/tenant-a/segments/new", data={**form, "preview": "1"}).get_data(as_text=True)
    assert "3" in re.search(r"<h2>([^<]*)</h2>", html).group(1) and "大码甲" in html
    bad = client.post("/t/tenant-a/segments/new", data={**form, "spend_min": "-5", "save": "1"})
    assert bad.status_code == 422
    assert 'class="error"' in bad.get_data(as_text=True).split('name="spend_min"')[1][:300]
    bad = client.post("/t/tenant-a/segments/new", data={**form, "spend_min": "500", "spend_max": "100", "save": "1"})
    assert bad.status_code == 422
    assert 'class="error"' in bad.get_data(as_text=True).split('name="spend_max"')[1][:300]
    resp = client.post("/t/tenant-a/segments/new", data={**form, "save": "1"})
    assert resp.status_code == 302
    exported = client.get(resp.headers["Location"] + "/members.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert sorted(r[1] for r in rows[1:]) == ["大码乙", "大码甲", "无邮戊"]
    assert "segment.export" in [e["action"] for e in shop["api"].ok("GET", "/audit")]


def test_staff_cannot_build_segments(client, shop):
    login(client, "staff@a.test")
    assert client.get("/t/tenant-a/segments/").status_code == 403


def test_purchases_without_item_attributes_still_replay(shop):
    """A till that resends a purchase recorded before category/size existed is not refused."""
    api = shop["api"]
    first = api.ok("POST", "/purchases", {"external_id": "plain-1", "member_id": shop["people"]["小码丙"],
                                          "lines": [line(100)]})
    again = api("POST", "/purchases", {"external_id": "plain-1", "member_id": shop["people"]["小码丙"],
                                       "lines": [line(100)]})
    assert again.status_code == 200 and again.get_json()["id"] == first["id"]
