"""The points ledger: redemption rules, idempotency, concurrency, balance = sum of the ledger."""
import os
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.extensions import db
from core.points import services as points
from tests.conftest import Api, buy, line, new_member, publish_template


@pytest.fixture
def api(client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "retail_88")
    return api


def _vip_with_points(api, yuan=2000):
    """A VIP holding exactly ``yuan`` points: qualify first (that purchase earns nothing, the
    customer is not yet a VIP), then a promotional purchase, paid in full, earns 1 point a yuan."""
    m = new_member(api)
    buy(api, m["id"], f"qualify-{m['id']}", [line(1000)])
    buy(api, m["id"], f"fund-{m['id']}", [line(yuan, "promotional")])
    return m["id"]


def test_redeem_for_a_gift_and_refuse_when_short(api):
    mid = _vip_with_points(api, 1200)  # 1,200 points
    gift = api.ok("POST", "/rewards", {"code": "SCARF", "name": "丝巾", "points_cost": 500, "stock": 5})
    entry = api.ok("POST", f"/members/{mid}/points/redeem", {"reward_id": gift["id"], "quantity": 2})
    assert entry["points"] == -1000 and entry["balance_after"] == 200 and entry["kind"] == "redeem"
    short = api("POST", f"/members/{mid}/points/redeem", {"reward_id": gift["id"]})
    body = short.get_json()
    assert short.status_code == 422 and "200" in body["errors"]["points"][0] and "500" in body["errors"]["points"][0]
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 200


def test_a_redemption_replayed_with_its_key_takes_points_and_stock_once(api):
    mid = _vip_with_points(api, 1200)
    gift = api.ok("POST", "/rewards", {"code": "MUG", "name": "马克杯", "points_cost": 100, "stock": 3})
    for _ in range(3):
        api.ok("POST", f"/members/{mid}/points/redeem", {"reward_id": gift["id"]},
               headers={"Idempotency-Key": "till-7-redeem-1"})
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 1100
    assert next(r for r in api.ok("GET", "/rewards") if r["id"] == gift["id"])["stock"] == 2


def test_points_belong_to_the_member_only(client, two_tenants, api):
    mid = _vip_with_points(api, 1200)
    other = _vip_with_points(api, 1000)
    gift = api.ok("POST", "/rewards", {"code": "BAG", "name": "手提袋", "points_cost": 1500})
    assert api("POST", f"/members/{mid}/points/redeem", {"reward_id": gift["id"]}).status_code == 422
    assert api.ok("GET", f"/members/{other}/points")["balance"] == 1000  # no pooling across members


def test_adjustments_need_a_manager_and_a_reason(api, world, two_tenants):
    mid = _vip_with_points(api, 100)
    assert api("POST", f"/members/{mid}/points/adjust", {"points": 50, "reason": ""}).status_code == 422
    api.ok("POST", f"/members/{mid}/points/adjust", {"points": 50, "reason": "补录小票"})
    _kid, staff_key = world.api_key(two_tenants["a"], role="staff")
    staff = Api(api.client, "tenant-a", staff_key)
    assert staff("POST", f"/members/{mid}/points/adjust", {"points": 50, "reason": "x"}).status_code == 403
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 150


def test_statement_for_a_period(api):
    mid = _vip_with_points(api, 300)
    s = api.ok("GET", f"/members/{mid}/points/statement?since=2000-01-01T00:00:00%2B08:00&until=2100-01-01T00:00:00%2B08:00")
    assert s["opening"] == 0 and s["closing"] == 300 and [e["points"] for e in s["entries"]] == [300]


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="row locks need PostgreSQL: run with DATABASE_URL (CI's second run does)")
def test_fifty_concurrent_redemptions_never_overdraw(app, api, two_tenants):
    from core.tenancy import tenant_context
    mid = _vip_with_points(api, 1000)  # 1,000 points: room for 10 redemptions of 100
    gift = api.ok("POST", "/rewards", {"code": "PEN", "name": "钢笔", "points_cost": 100})
    results, barrier = [], threading.Barrier(50)

    def worker(i):
        with app.app_context(), tenant_context(two_tenants["a"]):
            barrier.wait()
            try:
                points.redeem(None, mid, gift["id"], 1, idempotency_key=f"c{i}")
                db.session.commit()
                results.append("ok")
            except points.PointsError:
                db.session.rollback()
                results.append("short")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 10 and results.count("short") == 40
    with app.app_context(), tenant_context(two_tenants["a"]):
        member = points.lock_member(mid)
        assert member.points_balance == 0 == points.ledger_sum(mid)


operations = st.lists(st.tuples(st.sampled_from(["earn", "redeem", "adjust"]), st.integers(1, 500)),
                      min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_balance_is_the_sum_of_the_ledger_for_any_history(app, world, two_tenants, ops):
    from core.members.services import create_member
    from core.tenancy import tenant_context
    with app.app_context(), tenant_context(two_tenants["a"]):
        member = create_member(None, {"name": "随机"})
        db.session.commit()
        for i, (kind, n) in enumerate(ops):
            try:
                if kind == "earn":
                    points.post(None, member.id, "earn", n, "test", idempotency_key=f"h{member.id}-{i}")
                elif kind == "redeem":
                    points.post(None, member.id, "redeem", -n, "test")
                else:
                    points.adjust(None, member.id, n if i % 2 else -n, "test")
                db.session.commit()
            except points.PointsError:
                db.session.rollback()
            m = points.lock_member(member.id)
            assert m.points_balance >= 0
            assert m.points_balance == points.ledger_sum(member.id)
            db.session.commit()


every_kind = st.lists(st.tuples(st.sampled_from(["earn", "redeem", "adjust", "reverse", "expire"]),
                                st.integers(1, 400), st.integers(0, 800)),
                      min_size=1, max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=every_kind)
def test_ledger_invariants_hold_for_every_kind_of_movement(app, world, two_tenants, ops):
    """Random histories of earns (expiring at random days), redemptions, adjustments, reversals
    capped at the balance and expiry sweeps: the balance is always the ledger's sum, never below
    zero, and a sweep run twice at the same moment expires nothing more."""
    from datetime import datetime, timedelta, timezone

    from core.members.services import create_member
    from core.tenancy import tenant_context
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with app.app_context(), tenant_context(two_tenants["a"]):
        member = create_member(None, {"name": "随机"})
        db.session.commit()
        for i, (kind, n, day) in enumerate(ops):
            try:
                if kind == "earn":
                    points.post(None, member.id, "earn", n, "t", expires_at=t0 + timedelta(days=day))
                elif kind == "redeem":
                    points.post(None, member.id, "redeem", -n, "t")
                elif kind == "adjust":
                    points.adjust(None, member.id, n if i % 2 else -n, "t")
                elif kind == "reverse":
                    points.post(None, member.id, "reverse", -n, "t", allow_partial=True)
                else:
                    at = t0 + timedelta(days=day)
                    points.expire_due(two_tenants["a"], at, member.id)
                    db.session.commit()
                    assert points.expire_due(two_tenants["a"], at, member.id) == 0
                db.session.commit()
            except points.PointsError:
                db.session.rollback()
            m = points.lock_member(member.id)
            assert m.points_balance >= 0
            assert m.points_balance == points.ledger_sum(member.id)
            db.session.commit()
