"""Calendar-year expiry (001 第十八条): points earned in a year are gone on 1 January in the
tenant's time zone, and not a minute earlier; re-running changes nothing."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.points import services as points
from tests.conftest import Api, buy, line, new_member, publish_template

SH = ZoneInfo("Asia/Shanghai")
NEW_YEAR_UTC = datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc)  # 2027-01-01 00:00 in Shanghai


@pytest.fixture
def vip(client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "retail_88")
    m = new_member(api)
    buy(api, m["id"], "q", [line(1000)], at=datetime(2026, 3, 1, 10, tzinfo=SH))
    buy(api, m["id"], "earn", [line(1000, "promotional")], at=datetime(2026, 6, 1, 10, tzinfo=SH))
    return api, m["id"]


def _run(app, tenant_id, as_of, member_id=None):
    from core.tenancy import tenant_context
    with app.app_context(), tenant_context(tenant_id):
        n = points.expire_due(tenant_id, as_of, member_id)
        db.session.commit()
        return n


def test_points_expire_at_local_new_year_not_a_minute_earlier(app, vip, two_tenants):
    api, mid = vip
    entry = api.ok("GET", f"/members/{mid}/points/entries")[0]
    assert entry["expires_at"].startswith("2026-12-31T16:00:00")
    assert _run(app, two_tenants["a"], NEW_YEAR_UTC - timedelta(minutes=1)) == 0
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 1000
    assert _run(app, two_tenants["a"], NEW_YEAR_UTC) == 1
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 0
    assert _run(app, two_tenants["a"], NEW_YEAR_UTC + timedelta(hours=1)) == 0  # re-run: nothing more
    kinds = [e["kind"] for e in api.ok("GET", f"/members/{mid}/points/entries")]
    assert kinds == ["expire", "earn"]


def test_only_what_was_not_spent_expires_and_next_years_points_stay(app, vip, two_tenants):
    api, mid = vip
    gift = api.ok("POST", "/rewards", {"code": "G", "name": "礼品", "points_cost": 300})
    api.ok("POST", f"/members/{mid}/points/redeem", {"reward_id": gift["id"]})
    buy(api, mid, "next-year", [line(50, "promotional")], at=NEW_YEAR_UTC + timedelta(minutes=5))
    _run(app, two_tenants["a"], NEW_YEAR_UTC + timedelta(minutes=10))
    entries = api.ok("GET", f"/members/{mid}/points/entries")
    assert [e["points"] for e in entries if e["kind"] == "expire"] == [-700]
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 50


def test_other_tenants_are_untouched(app, client, vip, two_tenants):
    api, mid = vip
    b = Api(client, "tenant-b", two_tenants["b_key"])
    publish_template(b, "retail_88")
    bm = new_member(b)
    buy(b, bm["id"], "q", [line(1000)], at=datetime(2026, 3, 1, 10, tzinfo=SH))
    buy(b, bm["id"], "e", [line(400, "promotional")], at=datetime(2026, 3, 2, 10, tzinfo=SH))
    _run(app, two_tenants["a"], NEW_YEAR_UTC)
    assert b.ok("GET", f"/members/{bm['id']}/points")["balance"] == 400


def test_expire_job_runs_every_tenant(app, vip, two_tenants, monkeypatch):
    api, mid = vip
    monkeypatch.setattr(points, "utcnow", lambda: NEW_YEAR_UTC + timedelta(seconds=1))
    with app.app_context():
        assert points.expire_points() == 1
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 0


def test_expired_points_cannot_be_redeemed(app, vip, two_tenants, monkeypatch):
    api, mid = vip
    gift = api.ok("POST", "/rewards", {"code": "G2", "name": "礼品", "points_cost": 100})
    monkeypatch.setattr(points, "utcnow", lambda: NEW_YEAR_UTC + timedelta(seconds=1))
    short = api("POST", f"/members/{mid}/points/redeem", {"reward_id": gift["id"]})
    assert short.status_code == 422
    assert api.ok("GET", f"/members/{mid}/points")["balance"] == 0


def test_a_backdated_purchase_after_a_sweep_expires_in_the_next_one(app, client, vip, two_tenants):
    """Found by the property test: a purchase from last year uploaded after New Year earns points
    already past their end; the next sweep in the same minute must expire them, not crash."""
    api, mid = vip
    assert _run(app, two_tenants["a"], NEW_YEAR_UTC) == 1
    buy(api, mid, "late-upload", [line(200, "promotional")], at=datetime(2026, 12, 20, 10, tzinfo=SH))
    assert api.ok("GET", f"/members/{mid}/points/entries")[0]["points"] == 200
    assert _run(app, two_tenants["a"], NEW_YEAR_UTC) == 1
    assert [e["points"] for e in api.ok("GET", f"/members/{mid}/points/entries") if e["kind"] == "expire"] == \
        [-200, -1000]
