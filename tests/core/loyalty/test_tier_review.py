"""Tier review: downgrades by policy, set-based, idempotent, one tenant at a time."""
import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.tiers import services as tiers
from core.tiers.ladders import TEMPLATES
from tests.conftest import Api, buy, line, new_member

SH = ZoneInfo("Asia/Shanghai")


def _publish(api, template, **downgrade):
    doc = copy.deepcopy(TEMPLATES[template]["document"])
    if downgrade:
        doc["policies"]["downgrade"] = downgrade
    scheme = api.ok("POST", "/schemes", {"document": doc})
    api.ok("POST", f"/schemes/{scheme['id']}/publish", {})


def _review(app, tenant_id, at):
    from core.tenancy import tenant_context
    with app.app_context(), tenant_context(tenant_id):
        n = tiers.run_review(tenant_id, SH, at)
        db.session.commit()
        return n


def _tier(api, mid):
    return api.ok("GET", f"/members/{mid}")["tier_key"]


@pytest.fixture
def apparel(client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    _publish(api, "apparel")  # yearly review
    return api


def test_yearly_review_runs_on_new_year_and_keeps_who_still_meets_the_standard(app, apparel, two_tenants):
    keep, drop = new_member(apparel), new_member(apparel)
    buy(apparel, keep["id"], "k1", [line(6000)], at=datetime(2025, 3, 1, 12, tzinfo=SH))
    buy(apparel, keep["id"], "k2", [line(5200)], at=datetime(2025, 11, 1, 12, tzinfo=SH))
    buy(apparel, drop["id"], "d1", [line(6000)], at=datetime(2024, 12, 20, 12, tzinfo=SH))
    assert _tier(apparel, keep["id"]) == _tier(apparel, drop["id"]) == "elite"
    assert _review(app, two_tenants["a"], datetime(2025, 12, 31, 23, 59, tzinfo=SH)) == 0  # not yet
    assert _review(app, two_tenants["a"], datetime(2026, 1, 1, 0, 30, tzinfo=SH)) == 1
    assert _tier(apparel, keep["id"]) == "elite" and _tier(apparel, drop["id"]) is None
    change = apparel.ok("GET", f"/members/{drop['id']}/tier-changes")[0]
    assert change["from_tier"] == "elite" and change["to_tier"] is None and "yearly" in change["reason"]
    assert _review(app, two_tenants["a"], datetime(2026, 1, 1, 5, tzinfo=SH)) == 0  # re-run: nothing


def test_a_member_falls_to_the_highest_tier_still_met(app, apparel, two_tenants):
    m = new_member(apparel)
    buy(apparel, m["id"], "e", [line(6000)], at=datetime(2024, 6, 1, 12, tzinfo=SH))
    buy(apparel, m["id"], "k", [line(3500, "promotional")], at=datetime(2025, 6, 1, 12, tzinfo=SH))  # full price
    assert _tier(apparel, m["id"]) == "elite"
    _review(app, two_tenants["a"], datetime(2025, 1, 1, 1, tzinfo=SH))
    assert _tier(apparel, m["id"]) == "elite"
    _review(app, two_tenants["a"], datetime(2026, 1, 1, 1, tzinfo=SH))
    assert _tier(apparel, m["id"]) == "knight"  # 3,500 paid in one purchase still meets knight


def test_two_years_below_standard_before_a_downgrade(app, client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    _publish(api, "apparel", kind="years_below", years=2)
    m = new_member(api)
    buy(api, m["id"], "e", [line(6000)], at=datetime(2024, 6, 1, 12, tzinfo=SH))
    _review(app, two_tenants["a"], datetime(2026, 1, 1, 1, tzinfo=SH))  # 2025 below, 2024 met
    assert _tier(api, m["id"]) == "elite"
    _review(app, two_tenants["a"], datetime(2027, 1, 1, 1, tzinfo=SH))  # 2026 and 2025 below
    assert _tier(api, m["id"]) is None


def test_inactive_members_fall_nightly(app, client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    _publish(api, "apparel", kind="inactive_months", months=6)
    m = new_member(api)
    t0 = datetime(2026, 1, 10, 12, tzinfo=SH)
    buy(api, m["id"], "e", [line(6000)], at=t0)
    assert _review(app, two_tenants["a"], t0 + timedelta(days=150)) == 0
    assert _review(app, two_tenants["a"], t0 + timedelta(days=200)) == 0  # inactive, but 6,000 within 12 months
    _review(app, two_tenants["a"], t0 + timedelta(days=400))
    assert _tier(api, m["id"]) is None


def test_monthly_review_only_lists_for_a_manager(app, client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    _publish(api, "ordinary_vip_svip")
    m = new_member(api)
    buy(api, m["id"], "big", [line(12000)], at=datetime(2025, 2, 1, 12, tzinfo=SH))
    change = [c for c in api.ok("GET", f"/members/{m['id']}/tier-changes") if c["status"] == "proposed"][0]
    api.ok("POST", f"/tier-changes/{change['id']}/decision", {"approve": True})
    assert _tier(api, m["id"]) == "vip"
    listed = api.ok("GET", "/tier-review?as_of=2026-03-31T23:00:00%2B08:00")
    assert [(r["member_id"], r["from_tier"], r["to_tier"]) for r in listed] == [(m["id"], "vip", "ordinary")]
    assert _review(app, two_tenants["a"], datetime(2026, 3, 31, 23, tzinfo=SH)) == 0  # a person decides
    assert _tier(api, m["id"]) == "vip"
    assert api.ok("GET", "/tier-review?as_of=2025-03-31T23:00:00%2B08:00") == []


def test_review_touches_one_tenant_only(app, client, two_tenants):
    a, b = (Api(client, f"tenant-{t}", two_tenants[f"{t}_key"]) for t in "ab")
    _publish(a, "apparel")
    _publish(b, "apparel")
    ma, mb = new_member(a), new_member(b)
    buy(a, ma["id"], "e", [line(6000)], at=datetime(2024, 6, 1, 12, tzinfo=SH))
    buy(b, mb["id"], "e", [line(6000)], at=datetime(2024, 6, 1, 12, tzinfo=SH))
    _review(app, two_tenants["a"], datetime(2026, 1, 1, 1, tzinfo=SH))
    assert _tier(a, ma["id"]) is None and _tier(b, mb["id"]) == "elite"


def test_hourly_job_reviews_every_tenant(app, apparel, two_tenants, monkeypatch):
    m = new_member(apparel)
    buy(apparel, m["id"], "e", [line(6000)], at=datetime(2024, 6, 1, 12, tzinfo=SH))
    monkeypatch.setattr(tiers, "utcnow", lambda: datetime(2026, 1, 1, 0, 5, tzinfo=SH))
    with app.app_context():
        assert tiers.review_tiers() == 1
    assert _tier(apparel, m["id"]) is None
