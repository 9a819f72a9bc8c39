"""The what-if simulator: the seeds' numbers under a changed threshold, agreement with the engine
at the till, the SQL and Python paths agreeing, and one tenant's data never in another's run."""
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.models import utcnow
from core.tiers import services as tiers
from core.tiers.models import TierScheme, TierSimulationMove
from tests.conftest import Api, buy, line, new_member, publish_template

TZ = ZoneInfo("Asia/Shanghai")


def _draft_with_single(api, live_id, yuan):
    live = api.ok("GET", f"/schemes/{live_id}")
    doc = live["document"]
    doc["tiers"][0]["qualify"]["any"][0] = {"single_purchase_at_least": yuan * 100}
    return api.ok("POST", "/schemes", {"document": doc})["id"]


def _tiers_now(world, tenant_id) -> dict:
    from core.members.models import Member
    with world.as_tenant(tenant_id):
        return {m.name: m.tier_key for m in db.session.scalars(db.select(Member))}


def _simulate(world, tenant_id, scheme_id, as_of=None):
    with world.as_tenant(tenant_id):
        run = tiers.simulate(None, db.session.get(TierScheme, scheme_id), tenant_id, TZ, as_of)
        db.session.commit()
        moves = db.session.execute(tiers.simulation_moves_query(run.id)).all()
        return run.summary, [(m.name, m.from_tier, m.to_tier, m.direction, m.proposed) for m in moves]


@pytest.fixture
def shop(client, world, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    live = publish_template(api, "retail_88")
    now = utcnow()
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    a = new_member(api, name="甲", phone="13800000011")
    buy(api, a["id"], "a1", [line(1100)], at=ago(100))          # VIP at once (≥ 1,000 in one purchase)
    buy(api, a["id"], "a2", [line(100)], at=ago(50))            # priced at 8.8折: 12.00 off, 88 points
    b = new_member(api, name="乙", phone="13800000012")
    buy(api, b["id"], "b1", [line(1500)], at=ago(120))          # VIP at once, under 1,000 or 1,200
    buy(api, b["id"], "b2", [line(600)], at=ago(60))            # at VIP price under both
    c = new_member(api, name="丙", phone="13800000013")
    for i in range(11):                                         # 2,900 over 11 months: never VIP
        buy(api, c["id"], f"c{i}", [line(2900 / 11 if i else 2900 - 10 * round(2900 / 11, 2))],
            at=ago(330 - 30 * i))
    d = new_member(api, name="丁", phone="13800000014")
    for i in range(10):                                         # 3,000 over 10 months: VIP at the last
        buy(api, d["id"], f"d{i}", [line(300)], at=ago(330 - 35 * i))  # ≤ 1,800 in any six months
    new_member(api, name="戊", phone="13800000015")             # no purchase at all
    return {"api": api, "live": live, "tenant": two_tenants["a"]}


def test_a_raised_single_threshold_moves_the_1100_buyer_down(world, shop):
    api = shop["api"]
    assert _tiers_now(world, shop["tenant"]) == {
        "甲": "vip", "乙": "vip", "丙": None, "丁": "vip", "戊": None}
    draft = _draft_with_single(api, shop["live"], 1200)
    summary, moves = _simulate(world, shop["tenant"], draft)
    vip = summary["tiers"][0]
    assert (vip["key"], vip["now"], vip["predicted"]) == ("vip", 3, 2)
    assert summary["without_tier"] == {"now": 2, "predicted": 3}
    assert moves == [("甲", "vip", None, "down", False)]
    assert (summary["up"], summary["down"]) == (0, 1)
    # 甲's 100.00 at VIP price (12.00 off, 88 points) is gone under the draft; 乙's 600.00 stays
    assert summary["discount_live_fen"] == 7200 + 1200 and summary["discount_draft_fen"] == 7200
    assert summary["points_live"] == 528 + 88 and summary["points_draft"] == 528


def test_the_live_scheme_replayed_predicts_today(world, shop):
    copy = shop["api"].ok("POST", "/schemes", {"copy_of": shop["live"]})["id"]
    summary, moves = _simulate(world, shop["tenant"], copy)
    assert summary["tiers"][0]["predicted"] == summary["tiers"][0]["now"] == 3
    assert moves == []
    assert summary["discount_draft_fen"] == summary["discount_live_fen"]
    assert summary["points_draft"] == summary["points_live"]


def test_a_lowered_threshold_lifts_and_the_list_says_who(world, shop):
    api = shop["api"]
    doc = api.ok("GET", f"/schemes/{shop['live']}")["document"]
    doc["tiers"][0]["qualify"]["any"][2] = {"spend_within_months": {"amount": 250000, "months": 12}}
    draft = api.ok("POST", "/schemes", {"document": doc})["id"]
    summary, moves = _simulate(world, shop["tenant"], draft)
    assert moves == [("丙", None, "vip", "up", False)]
    assert summary["tiers"][0]["predicted"] == 4


@pytest.mark.parametrize("template", ["apparel", "mall_five", "hotel_v1_v4"])
def test_replaying_the_live_ladder_lands_where_the_engine_put_everyone(client, world, two_tenants, template):
    """Random histories recorded at the till; the simulator, replaying the same purchases under a
    copy of the live scheme, must land every member in the tier the engine gave them
    (prerequisites, one step per purchase, manual review included)."""
    api = Api(client, "tenant-a", two_tenants["a_key"])
    live = publish_template(api, template)
    rnd = random.Random(template)
    now = utcnow()
    members = []
    for n in range(10):
        m = new_member(api, name=f"会员{n}", phone=f"1390000{n:04d}")
        days = sorted(rnd.sample(range(1, 360), rnd.randint(1, 6)), reverse=True)
        for k, day in enumerate(days):
            amount = rnd.choice([300, 800, 1500, 3200, 5100, 9000, 16000, 26000, 45000])
            buy(api, m["id"], f"{n}-{k}", [line(amount)], at=now - timedelta(days=day, minutes=n))
        members.append(m["id"])
    engine = _tiers_now(world, two_tenants["a"])
    pending = {mid for mid in members for c in api.ok("GET", f"/members/{mid}/tier-changes")
               if c["status"] == "proposed"}
    copy = api.ok("POST", "/schemes", {"copy_of": live})["id"]
    summary, moves = _simulate(world, two_tenants["a"], copy)
    predicted = {t["key"]: t["predicted"] for t in summary["tiers"]}
    counts = {}
    for tier in engine.values():
        counts[tier] = counts.get(tier, 0) + 1
    assert {k: v for k, v in predicted.items() if v} == {k: v for k, v in counts.items() if k}
    assert summary["without_tier"]["predicted"] == counts.get(None, 0)
    # the only movers are those a person still has to approve
    with world.as_tenant(two_tenants["a"]):
        ids = {m.member_id for m in db.session.scalars(db.select(TierSimulationMove))}
    assert ids == pending
    assert all(mv[4] for mv in moves)


def test_one_tenants_purchases_never_reach_anothers_simulation(client, world, two_tenants):
    a = Api(client, "tenant-a", two_tenants["a_key"])
    b = Api(client, "tenant-b", two_tenants["b_key"])
    live_a, _live_b = publish_template(a, "retail_88"), publish_template(b, "retail_88")
    ma = new_member(a, name="甲", phone="13800000021")
    mb = new_member(b, name="乙", phone="13800000021")
    buy(a, ma["id"], "same-id", [line(500)])
    buy(b, mb["id"], "same-id", [line(5000)])
    draft = _draft_with_single(a, live_a, 400)
    summary, moves = _simulate(world, two_tenants["a"], draft)
    assert summary["members"] == 1 and summary["sales"] == 1
    assert moves == [("甲", None, "vip", "up", False)]
    with world.as_tenant(two_tenants["b"]):
        assert db.session.scalars(db.select(TierSimulationMove)).all() == []


def test_postgres_window_masks_equal_the_python_ones(app, client, world, two_tenants):
    """The two ways of computing "which rules are met at this sale" agree, at month ends, across
    the tenant's midnight and on returns."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the window-frame path is PostgreSQL's; SQLite always takes the Python path")
    from core.tiers import simulate as sim
    from core.tiers.document import load_scheme
    from core.tiers.ladders import TEMPLATES
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "apparel")
    rnd = random.Random(7)
    now = utcnow()
    for n in range(12):
        m = new_member(api, name=f"会员{n}", phone=f"1391000{n:04d}")
        for k in range(rnd.randint(1, 8)):
            when = now - timedelta(days=rnd.randint(0, 420), hours=rnd.randint(0, 23))
            p = buy(api, m["id"], f"{n}-{k}", [line(rnd.choice([900, 2500, 3000, 5000, 7999]))], at=when)
            if rnd.random() < 0.2:
                api.ok("POST", f"/purchases/{p['id']}/returns", {"external_id": f"r{n}-{k}", "lines": [
                    {"line": 0, "quantity": 1}]})
    # two receipts in the same second: the first did not know of the second
    twin = new_member(api, name="同时", phone="13910009999")
    same = now - timedelta(days=30)
    buy(api, twin["id"], "twin-1", [line(4000)], at=same)
    buy(api, twin["id"], "twin-2", [line(5000)], at=same)  # 4,250.00 paid at 8.5折: 8,250 together
    scheme = load_scheme(TEMPLATES["apparel"]["document"])
    since = sim.window_start(now, 12, TZ)
    with world.as_tenant(two_tenants["a"]):
        fast = list(sim._rows_postgres(two_tenants["a"], scheme, since, now, TZ))
        slow = list(sim._rows_python(two_tenants["a"], scheme, since, now, TZ))
    assert [r[5] for r in fast] == [r[5] for r in slow]
    assert any(r[5] for r in fast)
    knight, elite = 1, 2
    assert [r[5] for r in fast if r[0] == twin["id"]] == [knight, knight | elite]
