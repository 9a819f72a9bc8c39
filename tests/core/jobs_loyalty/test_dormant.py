"""Dormant cards (休眠卡; 003 篇2 §五.5, 篇6): members holding an active card who bought nothing for N
months, listed for a manager, and one follow-up call per dormant member on the first of each month."""
import json
from datetime import timedelta

import pytest

from core.extensions import db
from core.members import services as members
from core.models import utcnow
from core.service import periodic
from core.tenancy.context import tenant_context
from tests.conftest import Api, buy, line, new_member, publish_template
from tests.core.jobs_loyalty.common import SH, made, run, set_card, sh, utc

AS_OF = sh(2026, 11, 1, 0, 30)  # 1 November in Shanghai (31 October in UTC); 6 months: since 1 May


def _card(api, member_id):
    return api.ok("GET", f"/members/{member_id}/cards")[0]


@pytest.fixture
def people(app, client, two_tenants):
    a = Api(client, "tenant-a", two_tenants["a_key"])
    b = Api(client, "tenant-b", two_tenants["b_key"])
    ta = two_tenants["a"]
    publish_template(a, "mall_five")  # cards without a validity end once they reach a tier
    out = {"a": a, "b": b, "ta": ta, "tb": two_tenants["b"]}
    out["old"] = new_member(a, name="一秒前", contact_channel="sms")["id"]
    buy(a, out["old"], "old", [line(100)], at=sh(2026, 4, 30, 23, 59, 59))   # one second before the cutoff
    out["edge"] = new_member(a, name="零点")["id"]
    buy(a, out["edge"], "edge", [line(100)], at=sh(2026, 5, 1, 0, 0))         # at the cutoff: not dormant
    out["never"] = new_member(a, name="从未消费", promotions_consent=True)["id"]
    a.ok("POST", f"/members/{out['never']}/cards", {"number": "PHY-0001"})  # a card, never a purchase
    out["nocard"] = new_member(a, name="无卡")["id"]                          # no card, no purchase
    out["void"] = new_member(a, name="作废")["id"]
    buy(a, out["void"], "void", [line(100)], at=sh(2026, 1, 10, 12))
    set_card(app, ta, _card(a, out["void"])["id"], status="void")
    out["lapsed"] = new_member(a, name="过期")["id"]
    buy(a, out["lapsed"], "lapsed", [line(100)], at=sh(2025, 10, 1, 12))     # accumulation card ended 1 Oct
    out["recent"] = new_member(a, name="常客")["id"]
    buy(a, out["recent"], "recent", [line(100)], at=sh(2026, 10, 20, 12))
    # tenant B: a dormant member of its own
    publish_template(b, "mall_five")
    out["b_old"] = new_member(b)["id"]
    buy(b, out["b_old"], "old", [line(100)], at=sh(2026, 3, 1, 12))
    return out


def _dormant_ids(app, tenant_id, as_of, months=6):
    with app.app_context(), tenant_context(tenant_id):
        return [m.id for m in db.session.scalars(members.dormant_query(as_of, months, SH))]


def test_dormant_boundaries(app, people):
    ids = _dormant_ids(app, people["ta"], AS_OF)
    assert ids == [people["never"], people["old"]]  # never bought first, then longest gone
    assert members.dormant_cutoff(AS_OF, 6, SH) == sh(2026, 5, 1)
    # a month on, the purchase at the cutoff is itself 6 months old
    assert _dormant_ids(app, people["ta"], sh(2026, 12, 1, 9)) == [people["never"], people["old"], people["edge"]]
    assert _dormant_ids(app, people["ta"], AS_OF, months=1) == [people["never"], people["old"], people["edge"]]
    assert _dormant_ids(app, people["ta"], AS_OF, months=7) == [people["never"]]
    # 31 August − 6 months is the end of February
    assert members.dormant_cutoff(sh(2026, 8, 31, 10), 6, SH) == sh(2026, 2, 28)


def test_monthly_follow_ups_on_the_first_of_the_month(app, people):
    fn, ta = periodic.dormant_follow_ups_for, people["ta"]
    assert run(app, fn, ta, sh(2026, 10, 31, 23, 30)) == 0    # not the first
    assert utc(AS_OF).day == 31
    assert run(app, fn, ta, AS_OF) == 2
    rows = {r["member_id"]: r for r in made(app, ta)}
    assert set(rows) == {people["old"], people["never"]} == set(_dormant_ids(app, ta, AS_OF))
    for r in rows.values():
        assert r["kind"] == "follow_up" and r["subject"] == "休眠会员回访"
        assert r["dedupe_key"] == f"dormant:2026-11:{r['member_id']}"
        assert r["due_at"] == utc(sh(2026, 11, 30, 17, 30))  # by the month's last working day
        assert r["detail"].startswith("已6个月无消费（自2026-05-01起无消费）")
    assert rows[people["old"]]["channel"] == "sms"
    assert rows[people["never"]]["detail"].endswith("会员已同意接收促销信息。")
    assert run(app, fn, ta, sh(2026, 11, 1, 20)) == 0        # re-run the same day: nothing new
    assert run(app, fn, ta, sh(2026, 11, 2, 9)) == 0
    assert run(app, fn, ta, sh(2026, 12, 1, 9)) == 3         # next month: again, once per member per month
    assert sorted(r["dedupe_key"] for r in made(app, ta) if r["dedupe_key"].startswith("dormant:2026-12")) == \
        sorted(f"dormant:2026-12:{people[k]}" for k in ("old", "never", "edge"))
    assert made(app, people["tb"]) == []


def test_the_job_runs_every_tenant(app, people):
    with app.app_context():
        assert periodic.dormant_follow_ups(as_of=AS_OF) == 3  # A's two, B's one
        assert periodic.dormant_follow_ups(as_of=AS_OF + timedelta(hours=2)) == 0
    assert [r["member_id"] for r in made(app, people["tb"])] == [people["b_old"]]


# ---- the list endpoint -------------------------------------------------------------------------

@pytest.fixture
def listed(app, client, two_tenants):
    a = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(a, "retail_88")
    long_gone = new_member(a, name="久未光临")["id"]
    buy(a, long_gone, "lg", [line(100)], at=sh(2025, 6, 1, 12))
    a.ok("POST", f"/members/{long_gone}/cards", {"number": "PHY-0100"})  # the old card lapsed; a new one now
    never = new_member(a, name="从未消费")["id"]
    a.ok("POST", f"/members/{never}/cards", {"number": "PHY-0101"})
    recent = new_member(a, name="常客")["id"]
    buy(a, recent, "r", [line(100)], at=utcnow() - timedelta(days=1))
    b = Api(client, "tenant-b", two_tenants["b_key"])
    b_never = new_member(b)["id"]
    b.ok("POST", f"/members/{b_never}/cards", {"number": "PHY-0100"})
    return {"a": a, "long_gone": long_gone, "never": never, "recent": recent}


def test_the_dormant_list(listed):
    a = listed["a"]
    rows = a.ok("GET", "/members/dormant")  # 6 months by default
    assert [r["id"] for r in rows] == [listed["never"], listed["long_gone"]]
    assert rows[0]["last_purchase_at"] is None and rows[1]["last_purchase_at"].startswith("2025-06-01T04:00:00")
    assert set(rows[0]) >= {"member_no", "name", "phone_masked", "contact_channel", "promotions_consent"}
    assert [r["id"] for r in a.ok("GET", "/members/dormant?months=36")] == [listed["never"]]
    assert [r["id"] for r in a.ok("GET", "/members/dormant?months=1")] == [listed["never"], listed["long_gone"]]
    resp = a("GET", "/members/dormant?page=1&page_size=1")
    assert resp.status_code == 200 and len(resp.get_json()) == 1
    assert json.loads(resp.headers["X-Pagination"])["total"] == 2


@pytest.mark.parametrize("query", ["months=0", "months=37", "months=-1", "months=abc", "months=1.5"])
def test_the_dormant_list_refuses_bad_months(listed, query):
    resp = listed["a"]("GET", f"/members/dormant?{query}")
    assert resp.status_code == 422 and "months" in resp.get_json()["errors"]


def test_the_dormant_list_is_for_managers(client, listed, world, two_tenants):
    _, staff_key = world.api_key(two_tenants["a"], role="staff", name="till")
    assert Api(client, "tenant-a", staff_key)("GET", "/members/dormant").status_code == 403
    _, manager_key = world.api_key(two_tenants["a"], role="manager", name="desk")
    assert Api(client, "tenant-a", manager_key)("GET", "/members/dormant").status_code == 200
    # another tenant's slug: not found
    assert listed["a"]("GET", "/members/dormant").status_code == 200
    assert client.get("/api/v1/t/tenant-b/members/dormant",
                      headers={"Authorization": f"Bearer {two_tenants['a_key']}"}).status_code == 404
