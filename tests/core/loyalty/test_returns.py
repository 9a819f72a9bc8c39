"""Returns reverse the points they earned, never below what was already redeemed."""
import pytest

from tests.conftest import Api, buy, line, new_member, publish_template


@pytest.fixture
def vip(client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "retail_88")
    m = new_member(api)
    buy(api, m["id"], "q", [line(1000)])
    return api, m["id"]


def _returns(api, purchase_id, external_id, items, status=(200, 201)):
    return api.ok("POST", f"/purchases/{purchase_id}/returns", {"external_id": external_id, "lines": items},
                  status=status)


def test_a_full_return_takes_back_every_point_and_refunds_what_was_paid(vip):
    api, mid = vip
    p = buy(api, mid, "s1", [line(100, quantity=3), line(50, "promotional")])  # 264 + 50 paid
    assert p["points"] == 314
    r = _returns(api, p["id"], "r1", [{"line": 0, "quantity": 3}, {"line": 1, "quantity": 1}])
    assert r["paid_fen"] == -31400 and r["points"] == -314
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 0


def test_partial_returns_add_up_to_the_original(vip):
    api, mid = vip
    p = buy(api, mid, "s1", [line(100, quantity=3)])  # 3 × 88 = 264 paid, 264 points
    r1 = _returns(api, p["id"], "r1", [{"line": 0, "quantity": 1}])
    r2 = _returns(api, p["id"], "r2", [{"line": 0, "quantity": 2}])
    assert r1["paid_fen"] + r2["paid_fen"] == -26400
    assert r1["points"] + r2["points"] == -264
    over = api("POST", f"/purchases/{p['id']}/returns", {"external_id": "r3", "lines": [{"line": 0, "quantity": 1}]})
    assert over.status_code == 422 and "lines[0].quantity" in over.get_json()["errors"]


def test_a_return_never_takes_the_balance_below_zero(vip):
    api, mid = vip
    p = buy(api, mid, "s1", [line(500, "promotional")])  # 500 points
    gift = api.ok("POST", "/rewards", {"code": "G", "name": "礼品", "points_cost": 400})
    api.ok("POST", f"/members/{mid}/points/redeem", {"reward_id": gift["id"]})  # 100 left
    r = _returns(api, p["id"], "r1", [{"line": 0, "quantity": 1}])
    assert r["points"] == -100 and r["paid_fen"] == -50000
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 0


def test_a_return_is_recorded_once(vip):
    api, mid = vip
    p = buy(api, mid, "s1", [line(100, quantity=2)])
    first = _returns(api, p["id"], "r1", [{"line": 0, "quantity": 1}])
    again = api("POST", f"/purchases/{p['id']}/returns", {"external_id": "r1", "lines": [{"line": 0, "quantity": 1}]})
    assert again.status_code == 200 and again.get_json()["id"] == first["id"]
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 88
    bad = api("POST", f"/purchases/{p['id']}/returns", {"external_id": "x", "lines": [{"line": 5, "quantity": 1}]})
    assert bad.status_code == 422 and "lines[0].line" in bad.get_json()["errors"]


def test_returns_lower_the_spend_that_counts_for_tiers(vip):
    api, mid = vip
    m2 = new_member(api)
    p = buy(api, m2["id"], "s-900", [line(900)])
    _returns(api, p["id"], "r-900", [{"line": 0, "quantity": 1}])
    after = buy(api, m2["id"], "s-1100", [line(600), line(500)])  # 1,100 in one purchase qualifies anyway
    assert after["member_tier_after"] == "vip"
    m3 = new_member(api)
    p = buy(api, m3["id"], "a", [line(900)])
    _returns(api, p["id"], "ra", [{"line": 0, "quantity": 1}])
    buy(api, m3["id"], "b", [line(800)])
    assert buy(api, m3["id"], "c", [line(400)])["member_tier_after"] is None  # 2,100 − 900 < 2,000
