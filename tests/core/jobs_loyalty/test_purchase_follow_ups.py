"""Follow-up calls after a purchase (宝贝回访, 002): made on the 3rd day after the purchase (tenant
dates), due by the end of the 7th, once per purchase."""
from datetime import timedelta

import pytest

from core.models import utcnow
from core.service import periodic
from tests.conftest import Api, buy, line, new_member, publish_template
from tests.core.jobs_loyalty.common import SH, made, run, sequence_value, sh, utc


@pytest.fixture
def sales(client, two_tenants):
    a = Api(client, "tenant-a", two_tenants["a_key"])
    b = Api(client, "tenant-b", two_tenants["b_key"])
    publish_template(a, "retail_88")
    publish_template(b, "retail_88")
    ann = new_member(a, contact_channel="wechat", promotions_consent=False)["id"]
    bob = new_member(a, name="王强", promotions_consent=True)["id"]
    p1 = buy(a, ann, "POS-1", [line(1200)], at=sh(2026, 10, 12, 20, 30))["id"]
    p2 = buy(a, bob, "POS-2", [line(300)], at=sh(2026, 10, 12, 23, 30))["id"]
    # 00:30 on the 13th in Shanghai, still the 12th in UTC: a purchase of the 13th
    p3 = buy(a, ann, "POS-3", [line(80)], at=sh(2026, 10, 13, 0, 30))["id"]
    b_member = new_member(b)["id"]
    b_sale = buy(b, b_member, "POS-1", [line(500)], at=sh(2026, 10, 12, 12))["id"]
    return {"a": a, "b": b, "ann": ann, "bob": bob, "p1": p1, "p2": p2, "p3": p3, "b_sale": b_sale,
            "ta": two_tenants["a"], "tb": two_tenants["b"]}


def _keys(app, tenant_id):
    return [r["dedupe_key"] for r in made(app, tenant_id)]


def test_made_exactly_three_tenant_local_days_after_not_two_not_four(app, sales):
    fn, ta = periodic.purchase_follow_ups_for, sales["ta"]
    assert run(app, fn, ta, sh(2026, 10, 14, 9)) == 0        # 2 days after the 12th (and 1 after the 13th)
    assert run(app, fn, ta, sh(2026, 10, 14, 23, 59)) == 0
    as_of = sh(2026, 10, 15, 0, 5)                            # the 15th in Shanghai, the 14th in UTC
    assert utc(as_of).day == 14
    assert run(app, fn, ta, as_of) == 2
    assert _keys(app, ta) == [f"followup:{sales['p1']}", f"followup:{sales['p2']}"]
    assert run(app, fn, ta, sh(2026, 10, 16, 9)) == 1        # the 13th's purchase, 3 days on
    assert _keys(app, ta)[-1] == f"followup:{sales['p3']}"
    assert run(app, fn, ta, sh(2026, 10, 17, 9)) == 0        # 4 days after the 13th: nothing more
    assert run(app, fn, ta, sh(2026, 10, 19, 9)) == 0


def test_re_running_creates_nothing_new_once_per_purchase(app, sales):
    fn, ta = periodic.purchase_follow_ups_for, sales["ta"]
    for hour in (0, 1, 9, 17, 23):
        run(app, fn, ta, sh(2026, 10, 15, hour, 5))
    assert len(made(app, ta)) == 2 and sequence_value(app, ta) == 2


def test_what_the_follow_up_says_and_when_it_is_due(app, sales):
    run(app, periodic.purchase_follow_ups_for, sales["ta"], sh(2026, 10, 15, 9))
    run(app, periodic.purchase_follow_ups_for, sales["ta"], sh(2026, 10, 16, 9))
    rows = {r["dedupe_key"]: r for r in made(app, sales["ta"])}
    first, second, third = (rows[f"followup:{sales[p]}"] for p in ("p1", "p2", "p3"))
    for r in (first, second, third):
        assert r["kind"] == "follow_up" and r["subject"] == "购物回访" and r["status"] == "open"
    assert first["member_id"] == sales["ann"] and first["channel"] == "wechat"
    assert second["member_id"] == sales["bob"] and second["channel"] == "phone"
    # due by the end of the 7th day after the purchase: Monday 19th, Tuesday 20th
    assert first["due_at"] == second["due_at"] == utc(sh(2026, 10, 19, 17, 30))
    assert third["due_at"] == utc(sh(2026, 10, 20, 17, 30))
    assert first["detail"] == ("2026-10-12的购物（单号POS-1）：询问会员所购商品是否合适（尺码、质量、保养），"
                               "记录意见或投诉。请在购物后第3至第7天内回访。会员未同意接收促销信息：不得提及任何促销。")
    assert "单号POS-2" in second["detail"] and second["detail"].endswith("会员已同意接收促销信息。")
    assert (first["tier_key"], first["priority"]) == ("vip", 3)


def test_due_on_the_last_working_day_within_seven_days(app, client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    m = new_member(api)["id"]
    buy(api, m, "SAT", [line(100)], at=sh(2026, 10, 17, 15))  # a Saturday; the 7th day is Saturday too
    assert run(app, periodic.purchase_follow_ups_for, two_tenants["a"], sh(2026, 10, 20, 9)) == 1
    assert made(app, two_tenants["a"])[0]["due_at"] == utc(sh(2026, 10, 23, 17, 30))  # Friday


def test_returns_and_other_tenants_get_none(app, sales, client):
    a, ta = sales["a"], sales["ta"]
    sale = buy(a, sales["ann"], "NOW-1", [line(200), line(100)])  # now; returned the same day
    a.ok("POST", f"/purchases/{sale['id']}/returns",
         {"external_id": "NOW-1-RET", "lines": [{"line": 0, "quantity": 1}]})
    as_of = (utcnow().astimezone(SH) + timedelta(days=3)).replace(hour=10, minute=0)
    assert run(app, periodic.purchase_follow_ups_for, ta, as_of) == 1  # the sale, not its return
    assert _keys(app, ta) == [f"followup:{sale['id']}"]
    run(app, periodic.purchase_follow_ups_for, ta, sh(2026, 10, 15, 9))
    assert made(app, sales["tb"]) == []  # B bought on the 12th too, and is untouched
    assert run(app, periodic.purchase_follow_ups_for, sales["tb"], sh(2026, 10, 15, 9)) == 1
    assert _keys(app, sales["tb"]) == [f"followup:{sales['b_sale']}"]


def test_the_job_runs_every_tenant(app, sales):
    with app.app_context():
        assert periodic.purchase_follow_ups(as_of=sh(2026, 10, 15, 9).isoformat()) == 3  # A's two, B's one
        assert periodic.purchase_follow_ups(as_of=sh(2026, 10, 15, 10).isoformat()) == 0


def test_a_missed_third_day_is_caught_up_until_the_seventh(app, sales):
    """An outage on the 15th: the 12th's purchases are still followed up on the 16th … 19th, not later."""
    fn, ta = periodic.purchase_follow_ups_for, sales["ta"]
    assert run(app, fn, ta, sh(2026, 10, 21, 9)) == 0        # 12th + 9, 13th + 8: too late for a 3–7-day call
    assert run(app, fn, ta, sh(2026, 10, 19, 9)) == 3        # the 12th + 7 and the 13th + 6: all caught up
    assert run(app, fn, ta, sh(2026, 10, 19, 10)) == 0
    assert sorted(_keys(app, ta)) == sorted(f"followup:{sales[p]}" for p in ("p1", "p2", "p3"))
