"""Purchases on the seeds' schemes: the numbers of DOMAIN.md §3 and 002/003, through the API."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Api, buy, line, new_member, publish_template

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def retail(client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "retail_88")
    return api


def _member(api, mid):
    return api.ok("GET", f"/members/{mid}")


def test_a_1200_purchase_qualifies_at_once(retail):
    m = new_member(retail)
    p = buy(retail, m["id"], "p1", [line(1200)])
    assert p["member_tier_after"] == "vip"
    change = retail.ok("GET", f"/members/{m['id']}/tier-changes")[0]
    assert change["to_tier"] == "vip" and change["status"] == "applied" and change["scheme_id"]
    assert "single_purchase" in change["reason"]


def test_1500_plus_600_within_six_months_qualifies(retail):
    m = new_member(retail)
    t0 = datetime(2026, 1, 10, 12, tzinfo=SH)
    buy(retail, m["id"], "p1", [line(1500)], at=t0)
    buy(retail, m["id"], "p2", [line(600)], at=t0 + timedelta(days=150))
    assert retail.ok("GET", f"/members/{m['id']}")["tier_key"] == "vip"


def test_2000_within_six_months_from_purchases_under_1000_qualifies(retail):
    """The rolling-window rule on its own: no single purchase reaches 1,000."""
    m = new_member(retail)
    t0 = datetime(2026, 1, 10, 12, tzinfo=SH)
    assert buy(retail, m["id"], "p1", [line(900)], at=t0)["member_tier_after"] is None
    assert buy(retail, m["id"], "p2", [line(700)], at=t0 + timedelta(days=60))["member_tier_after"] is None
    assert buy(retail, m["id"], "p3", [line(400)], at=t0 + timedelta(days=170))["member_tier_after"] == "vip"


def test_the_same_2000_over_seven_months_does_not(retail):
    m = new_member(retail)
    t0 = datetime(2026, 1, 10, 12, tzinfo=SH)
    buy(retail, m["id"], "p1", [line(900)], at=t0)
    buy(retail, m["id"], "p2", [line(700)], at=t0 + timedelta(days=60))
    late = t0 + timedelta(days=7 * 31)
    assert buy(retail, m["id"], "p3", [line(400)], at=late)["member_tier_after"] is None  # 2,000 < 3,000 in 12


def test_2900_over_eleven_months_does_not_and_3000_does(retail):
    m = new_member(retail)
    t0 = datetime(2025, 12, 1, 12, tzinfo=SH)
    for i in range(29):  # 100 yuan each, spread over 11 months: never 2,000 within 6 months
        tier = buy(retail, m["id"], f"p{i}", [line(100)], at=t0 + timedelta(days=i * 11))["member_tier_after"]
        assert tier is None, i
    last = t0 + timedelta(days=28 * 11 + 5)
    assert buy(retail, m["id"], "p29", [line(100)], at=last)["member_tier_after"] == "vip"


def test_vip_pays_88_on_regular_lines_only_and_earns_on_what_was_paid(retail):
    m = new_member(retail)
    buy(retail, m["id"], "qualify", [line(1200)])
    before = _member(retail, m["id"])["points_balance"]
    q = retail.ok("POST", "/purchases/quote", {"member_id": m["id"], "lines": [line(100), line(100, "promotional")]})
    assert [l["paid_fen"] for l in q["lines"]] == [8800, 10000] and q["points"] == 188
    p = buy(retail, m["id"], "p2", [line(100), line(100, "promotional")])
    assert p["paid_fen"] == 18800 and p["points"] == 188
    assert p["points_balance_after"] == before + 188


def test_birthday_60_percent_earns_nothing_and_is_once_a_year(retail):
    m = new_member(retail, birthday="1990-11-24")
    buy(retail, m["id"], "qualify", [line(1200)], at=datetime(2026, 6, 1, 10, tzinfo=SH))
    birthday = datetime(2026, 11, 24, 15, tzinfo=SH)
    no_id = retail.ok("POST", "/purchases/quote", {"member_id": m["id"], "lines": [line(100)],
                                                    "purchased_at": birthday.isoformat()})
    assert no_id["lines"][0]["paid_fen"] == 8800 and no_id["birthday_blocked_reason"] == "id_check_required"
    p = buy(retail, m["id"], "bday", [line(100), line(100, "promotional")], at=birthday, id_checked=True)
    assert [l["paid_fen"] for l in p["lines"]] == [6000, 10000] and p["points"] == 100
    again = buy(retail, m["id"], "bday2", [line(100)], at=birthday + timedelta(hours=1), id_checked=True)
    assert again["paid_fen"] == 8800  # one birthday use per year, across every store


def test_replaying_a_purchase_changes_nothing(retail):
    m = new_member(retail)
    buy(retail, m["id"], "qualify", [line(1200)])
    first = buy(retail, m["id"], "POS-1", [line(100)])
    balance = _member(retail, m["id"])["points_balance"]
    assert balance == 88
    for _ in range(5):
        again = retail("POST", "/purchases", {"external_id": "POS-1", "member_id": m["id"], "lines": [line(100)],
                                              "purchased_at": first["purchased_at"]})
        assert again.status_code == 200 and again.get_json()["id"] == first["id"]
    assert _member(retail, m["id"])["points_balance"] == balance
    assert len(retail.ok("GET", f"/members/{m['id']}/points/entries")) == 1
    # a till that retries without a time sends the same request: replayed, not refused
    bare = {"external_id": "POS-2", "member_id": m["id"], "lines": [line(100)]}
    assert retail("POST", "/purchases", bare).status_code == 201
    assert retail("POST", "/purchases", bare).status_code == 200
    moved = retail("POST", "/purchases", {**bare, "purchased_at": "2020-01-01T00:00:00+08:00"})
    assert moved.status_code == 409
    other = retail("POST", "/purchases", {"external_id": "POS-1", "member_id": m["id"], "lines": [line(5)]})
    assert other.status_code == 409 and "external_id" in other.get_json()["errors"]


def test_discount_card_only_until_registered(retail):
    m = new_member(retail, registered=False)
    p = buy(retail, m["id"], "p1", [line(1200)])
    assert p["member_tier_after"] == "vip" and p["points"] == 0
    p = buy(retail, m["id"], "p2", [line(100)])
    assert p["paid_fen"] == 8800 and p["points"] == 0  # the discount, but no points
    retail.ok("POST", f"/members/{m['id']}/registration")
    assert buy(retail, m["id"], "p3", [line(100)])["points"] == 88


def test_first_purchase_gets_an_accumulation_card_upgraded_in_place(retail):
    m = new_member(retail)
    buy(retail, m["id"], "p1", [line(50)])
    card = retail.ok("GET", f"/members/{m['id']}/cards")[0]
    assert card["kind"] == "accumulation" and card["number"].startswith("A")
    buy(retail, m["id"], "p2", [line(1500)])
    after = retail.ok("GET", f"/members/{m['id']}/cards")
    assert len(after) == 1 and after[0]["number"] == card["number"] and after[0]["kind"] == "virtual"


def test_mall_purple_gold_at_40000_waits_for_approval(client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "mall_five")
    m = new_member(api)
    p = buy(api, m["id"], "big", [line(40000)])
    assert p["member_tier_after"] != "purple_gold"
    proposed = [c for c in api.ok("GET", f"/members/{m['id']}/tier-changes") if c["status"] == "proposed"]
    assert [c["to_tier"] for c in proposed] == ["purple_gold"]
    decided = api.ok("POST", f"/tier-changes/{proposed[0]['id']}/decision", {"approve": True})
    assert decided["status"] == "applied" and decided["decided_by"].startswith("api-key:")
    assert api.ok("GET", f"/members/{m['id']}")["tier_key"] == "purple_gold"
    again = api("POST", f"/tier-changes/{proposed[0]['id']}/decision", {"approve": False})
    assert again.status_code == 409


def test_publishing_never_rewrites_history(retail):
    m = new_member(retail)
    buy(retail, m["id"], "p1", [line(1200)])
    first = retail.ok("GET", f"/members/{m['id']}/tier-changes")[0]
    schemes = retail.ok("GET", "/schemes")
    live = schemes[0]
    assert live["status"] == "published"
    edit = retail("PATCH", f"/schemes/{live['id']}", {"document": live["document"]})
    assert edit.status_code == 409
    draft = retail.ok("POST", "/schemes", {"copy_of": live["id"]})
    retail.ok("POST", f"/schemes/{draft['id']}/publish", {})
    assert retail.ok("GET", f"/members/{m['id']}/tier-changes")[0] == first
    assert first["scheme_id"] == live["id"]


def test_scheme_errors_name_the_field(retail):
    bad = retail("POST", "/schemes", {"document": {"name": "x", "tiers": [], "policies": {}}})
    assert bad.status_code == 422 and "document" in bad.get_json()["errors"]
    assert "tiers" in str(bad.get_json()["errors"]["document"])
    unknown = retail("POST", "/schemes", {"template": "casino"})
    assert unknown.status_code == 422 and "template" in unknown.get_json()["errors"]
