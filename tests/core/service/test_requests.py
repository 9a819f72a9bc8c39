"""Service requests through the API: due time and priority from the tier (ordinary / VIP / SVIP),
status changes with a history, the complaint's nine steps, assignment within the tenant."""
import json
import os
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core import signals
from core.audit.models import AuditEntry
from core.extensions import db
from core.service import services
from core.tenancy.context import tenant_context
from tests.conftest import Api, buy, line, new_member, publish_template

SH = ZoneInfo("Asia/Shanghai")
STEPS = ["listen", "talk", "apologise", "analyse", "explain", "handle", "compensate", "confirm_satisfaction",
         "follow_up"]


def past_wednesday(tz=SH) -> date:
    """A Wednesday at least a week ago, so that the whole week after it is in the past too."""
    day = datetime.now(tz).date() - timedelta(days=7)
    while day.isoweekday() != 3:
        day -= timedelta(days=1)
    return day


def when(day: date, hh: int, mm: int = 0, tz=SH) -> str:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz).isoformat()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def local(day: date, hh: int, mm: int = 0, tz=SH) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz).astimezone(UTC)


@pytest.fixture
def api(client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "ordinary_vip_svip")
    return api


def member_of_tier(api, tier: str, phone: str) -> int:
    """A member of ``tier`` ("ordinary", "vip" or "svip"): spend enough for the rules to propose it,
    then approve it as the store manager does (both tiers are by application, 001 svip §一)."""
    m = new_member(api, phone=phone)
    if tier != "ordinary":
        buy(api, m["id"], f"qualify-{m['id']}", [line(30000 if tier == "svip" else 10000)])
        change = next(c for c in api.ok("GET", f"/members/{m['id']}/tier-changes") if c["status"] == "proposed")
        assert change["to_tier"] == tier
        api.ok("POST", f"/tier-changes/{change['id']}/decision", {"approve": True})
    return m["id"]


def create(api, status=(201,), **body):
    return api.ok("POST", "/service-requests", {"kind": "consultation", "subject": "咨询", **body}, status=status)


# ---- due time and priority from the tier ------------------------------------------------------------

def test_svip_due_times_follow_the_30_minute_rule_in_working_hours(api):
    svip = member_of_tier(api, "svip", "13800000001")
    wed = past_wednesday()
    sat, mon, thu = wed + timedelta(days=3), wed + timedelta(days=5), wed + timedelta(days=1)

    r = create(api, kind="complaint", subject="房间空调噪音", member_id=svip, received_at=when(wed, 10))
    assert (r["priority"], r["tier_key"], r["response_minutes"]) == (1, "svip", 30)
    assert utc(r["due_at"]) == local(wed, 10, 30)

    r = create(api, member_id=svip, received_at=when(wed, 17, 20))
    assert utc(r["due_at"]) == local(thu, 9, 20)  # 10 minutes on Wednesday, 20 on Thursday

    r = create(api, member_id=svip, received_at=when(sat, 11))
    assert utc(r["due_at"]) == local(mon, 9, 30)  # outside working hours: Monday's opening + 30

    r = create(api, member_id=svip, received_at=when(wed + timedelta(days=2), 19))
    assert utc(r["due_at"]) == local(mon, 9, 30)  # Friday evening → Monday


def test_priority_and_due_time_by_tier(api):
    wed = past_wednesday()
    svip = member_of_tier(api, "svip", "13800000001")
    vip = member_of_tier(api, "vip", "13800000002")
    ordinary = member_of_tier(api, "ordinary", "13800000003")
    at = when(wed, 16)
    rs = {name: create(api, member_id=mid, received_at=at) for name, mid in
          (("svip", svip), ("vip", vip), ("ordinary", ordinary))}
    rs["walk-in"] = create(api, received_at=at)
    assert {k: r["priority"] for k, r in rs.items()} == {"svip": 1, "vip": 3, "ordinary": 5, "walk-in": 5}
    assert utc(rs["svip"]["due_at"]) == local(wed, 16, 30)
    assert utc(rs["vip"]["due_at"]) == local(wed + timedelta(days=1), 9, 30)  # 120 min: 90 today, 30 tomorrow
    # no response time promised: the end of the next working day
    assert utc(rs["ordinary"]["due_at"]) == utc(rs["walk-in"]["due_at"]) == local(wed + timedelta(days=1), 17, 30)
    assert rs["ordinary"]["tier_key"] == "ordinary" and rs["walk-in"]["tier_key"] is None


def test_without_a_scheme_everyone_is_priority_5(client, two_tenants):
    api = Api(client, "tenant-b", two_tenants["b_key"])
    m = new_member(api)
    r = create(api, member_id=m["id"])
    assert r["priority"] == 5 and r["response_minutes"] is None


def test_a_tenant_in_another_time_zone(client, world):
    tid = world.tenant("ny-store", name="NY Store", timezone="America/New_York")
    _kid, key = world.api_key(tid)
    api = Api(client, "ny-store", key)
    publish_template(api, "ordinary_vip_svip")
    svip = member_of_tier(api, "svip", "13800000001")
    ny = ZoneInfo("America/New_York")
    wed = past_wednesday(ny)
    fri = wed + timedelta(days=2)
    r = create(api, member_id=svip, received_at=when(fri, 17, 20, ny))
    assert utc(r["due_at"]) == local(fri + timedelta(days=3), 9, 20, ny)  # Monday 09:20 in New York
    # 10:00 in New York is 23:00 in Shanghai, but this tenant's hours are New York's
    r = create(api, member_id=svip, received_at=when(wed, 10, 0, ny))
    assert utc(r["due_at"]) == local(wed, 10, 30, ny)


def test_service_hours_are_the_tenants_and_editable(api, client, two_tenants, world):
    hours = api.ok("GET", "/service-hours")
    assert hours == {"weekdays": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:30", "holidays": [],
                     "workdays": [], "timezone": "Asia/Shanghai", "updated_at": None, "updated_by": None}
    svip = member_of_tier(api, "svip", "13800000001")
    sat = past_wednesday() + timedelta(days=3)
    new = api.ok("PUT", "/service-hours", {"weekdays": [6, 1, 2, 3, 4, 5], "opens": "08:30", "closes": "20:00",
                                           "holidays": ["2026-10-01"]})
    assert new["weekdays"] == [1, 2, 3, 4, 5, 6] and new["closes"] == "20:00" and new["updated_by"]
    assert api.ok("GET", "/service-hours")["holidays"] == ["2026-10-01"]
    r = create(api, member_id=svip, received_at=when(sat, 19, 45))
    assert utc(r["due_at"]) == local(sat + timedelta(days=2), 8, 45)  # 15 min Saturday, 15 min Monday
    # tenant B still has the default hours
    b = Api(client, "tenant-b", two_tenants["b_key"])
    assert b.ok("GET", "/service-hours")["weekdays"] == [1, 2, 3, 4, 5]
    bad = api("PUT", "/service-hours", {"weekdays": [1], "opens": "18:00", "closes": "09:00"})
    assert bad.status_code == 422 and "closes" in bad.get_json()["errors"]
    bad = api("PUT", "/service-hours", {"weekdays": [1], "opens": "9:00", "closes": "25:00"})
    assert bad.status_code == 422 and {"opens", "closes"} <= set(bad.get_json()["errors"])
    bad = api("PUT", "/service-hours", {"weekdays": [1], "opens": "09:00", "closes": "17:00",
                                        "holidays": ["2026-10-10"], "workdays": ["2026-10-10"]})
    assert bad.status_code == 422 and "workdays" in bad.get_json()["errors"]
    _kid, staff_key = world.api_key(two_tenants["a"], role="staff")
    staff = Api(client, "tenant-a", staff_key)
    assert staff("PUT", "/service-hours", {"weekdays": [1], "opens": "09:00", "closes": "17:00"}).status_code == 403
    assert staff("GET", "/service-hours").status_code == 200


# ---- kinds and input -----------------------------------------------------------------------------

def test_unknown_kind_and_bad_input_name_the_field(api):
    resp = api("POST", "/service-requests", {"kind": "massage", "subject": "x"})
    assert resp.status_code == 422 and "kind" in resp.get_json()["errors"]
    assert "complaint" in resp.get_json()["errors"]["kind"][0]
    resp = api("POST", "/service-requests", {"kind": "claim", "subject": "x", "channel": "pigeon"})
    assert resp.status_code == 422 and "channel" in resp.get_json()["errors"]
    resp = api("POST", "/service-requests", {"kind": "claim", "subject": "x", "member_id": 999999})
    assert resp.status_code == 404 and "member_id" in resp.get_json()["errors"]
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    resp = api("POST", "/service-requests", {"kind": "claim", "subject": "x", "received_at": future})
    assert resp.status_code == 422 and "received_at" in resp.get_json()["errors"]
    resp = api("POST", "/service-requests", {"kind": "claim", "subject": "x", "received_at": "2026-11-18T10:00:00"})
    assert resp.status_code == 422 and "received_at" in resp.get_json()["errors"]  # no offset: refused


def test_a_domain_registers_a_kind(api, monkeypatch):
    monkeypatch.setattr(services, "_KINDS", dict(services._KINDS))
    services.register_kind("bank.priority_claim", "优先索赔")
    r = create(api, kind="bank.priority_claim")
    assert r["kind"] == "bank.priority_claim"
    assert "bank.priority_claim" in {k["key"] for k in api.ok("GET", "/service-kinds")}
    with pytest.raises(ValueError):
        services.register_kind("Bad Key", "x")


def test_kinds_are_listed_in_the_readers_language(api):
    kinds = {k["key"]: k["label"] for k in api.ok("GET", "/service-kinds", headers={"Accept-Language": "en"})}
    assert set(kinds) >= {"consultation", "complaint", "claim", "delivery", "visit", "follow_up", "greeting"}
    assert kinds["complaint"] == "投诉"  # the tenant's default language is zh_CN


# ---- status changes and history ------------------------------------------------------------------

def test_valid_path_and_history(api, two_tenants):
    seen = []

    def listener(sender, **kw):
        seen.append((sender.id, kw["action"]))

    signals.service_request_changed.connect(listener)
    try:
        r = create(api, kind="delivery", subject="送货上门")
        r = api.ok("POST", f"/service-requests/{r['id']}/assign", {"membership_id": two_tenants["a_staff"]})
        r = api.ok("POST", f"/service-requests/{r['id']}/status", {"to": "in_progress", "note": "已联系客户"})
        assert r["responded_at"] and r["status_label"] == "处理中"
        r = api.ok("POST", f"/service-requests/{r['id']}/status", {"to": "resolved"})
        assert r["resolved_at"]
        r = api.ok("POST", f"/service-requests/{r['id']}/status", {"to": "closed"})
        assert r["status"] == "closed" and r["closed_at"]
    finally:
        signals.service_request_changed.disconnect(listener)
    history = api.ok("GET", f"/service-requests/{r['id']}")["events"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == [
        ("created", None, "open"), ("assigned", "open", "open"), ("status", "open", "in_progress"),
        ("status", "in_progress", "resolved"), ("status", "resolved", "closed")]
    assert history[2]["note"] == "已联系客户" and all(e["actor"].startswith("api-key:") and e["at"] for e in history)
    assert [a for _id, a in seen] == ["created", "assigned", "status", "status", "status"]
    with api.client.application.app_context(), tenant_context(two_tenants["a"]):
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "service_request")).all()
    assert sorted(actions) == sorted(["service_request.create", "service_request.assign"]
                                     + ["service_request.status"] * 3)


@pytest.mark.parametrize("path, to", [
    ([], "resolved"), ([], "closed"), ([], "open"),
    (["in_progress"], "closed"), (["in_progress"], "in_progress"),
    (["in_progress", "resolved"], "cancelled"), (["in_progress", "resolved"], "open"),
])
def test_invalid_transitions_are_refused_with_409(api, path, to):
    r = create(api)
    for step in path:
        api.ok("POST", f"/service-requests/{r['id']}/status", {"to": step})
    resp = api("POST", f"/service-requests/{r['id']}/status", {"to": to})
    body = resp.get_json()
    assert resp.status_code == 409 and body["code"] == "conflict"
    message = body["errors"]["to"][0]
    current = path[-1] if path else "open"
    assert current in message and to in message  # says where it is and what was asked
    assert len(api.ok("GET", f"/service-requests/{r['id']}")["events"]) == 1 + len(path)  # nothing written


def test_finished_requests_never_change(api, two_tenants):
    r = create(api)
    api.ok("POST", f"/service-requests/{r['id']}/status", {"to": "cancelled", "note": "客户撤回"})
    for to in ("open", "in_progress", "resolved", "closed"):
        resp = api("POST", f"/service-requests/{r['id']}/status", {"to": to})
        assert resp.status_code == 409 and "cancelled" in resp.get_json()["errors"]["to"][0]
    resp = api("POST", f"/service-requests/{r['id']}/assign", {"membership_id": two_tenants["a_staff"]})
    assert resp.status_code == 409


def test_a_resolved_request_can_be_reopened(api):
    r = create(api)
    for to in ("in_progress", "resolved", "in_progress"):
        r = api.ok("POST", f"/service-requests/{r['id']}/status", {"to": to})
    assert r["status"] == "in_progress" and r["resolved_at"] is None


# ---- complaints: the nine steps --------------------------------------------------------------------

def test_a_complaint_is_resolved_only_after_its_steps(api):
    r = create(api, kind="complaint", subject="会员折扣未生效")
    assert [s["key"] for s in r["complaint_steps"]] == STEPS
    assert [s["label"] for s in r["complaint_steps"]] == ["倾听", "沟通", "道歉", "分析", "解释", "处理", "补偿",
                                                          "确认满意", "跟进"]
    assert not any(s["done"] for s in r["complaint_steps"])
    rid = r["id"]
    api.ok("POST", f"/service-requests/{rid}/status", {"to": "in_progress"})
    for step in STEPS[:7]:
        api.ok("POST", f"/service-requests/{rid}/complaint-steps", {"step": step})
    resp = api("POST", f"/service-requests/{rid}/status", {"to": "resolved"})
    assert resp.status_code == 409 and "confirm_satisfaction" in resp.get_json()["errors"]["to"][0]
    r = api.ok("POST", f"/service-requests/{rid}/complaint-steps", {"step": "confirm_satisfaction", "note": "客户满意"})
    done = {s["key"]: s for s in r["complaint_steps"]}
    assert done["confirm_satisfaction"]["done"] and done["confirm_satisfaction"]["ticked_by"].startswith("api-key:")
    assert done["confirm_satisfaction"]["ticked_at"] and done["confirm_satisfaction"]["note"] == "客户满意"
    assert not done["follow_up"]["done"]
    api.ok("POST", f"/service-requests/{rid}/status", {"to": "resolved"})
    # the follow-up may come after resolving, but closing waits for it
    resp = api("POST", f"/service-requests/{rid}/status", {"to": "closed"})
    assert resp.status_code == 409 and "follow_up" in resp.get_json()["errors"]["to"][0]
    resp = api("POST", f"/service-requests/{rid}/complaint-steps", {"step": "listen"})
    assert resp.status_code == 409  # only the follow-up is left to tick once resolved
    api.ok("POST", f"/service-requests/{rid}/complaint-steps", {"step": "follow_up"})
    r = api.ok("POST", f"/service-requests/{rid}/status", {"to": "closed"})
    assert all(s["done"] for s in r["complaint_steps"])
    steps_logged = [e["note"] for e in r["events"] if e["action"] == "step"]
    assert steps_logged == STEPS[:7] + ["confirm_satisfaction: 客户满意", "follow_up"]
    assert api("POST", f"/service-requests/{rid}/complaint-steps", {"step": "follow_up"}).status_code == 409


def test_ticking_twice_changes_nothing_and_other_kinds_have_no_steps(api):
    c = create(api, kind="complaint", subject="投诉")
    api.ok("POST", f"/service-requests/{c['id']}/complaint-steps", {"step": "listen"})
    first = api.ok("GET", f"/service-requests/{c['id']}")
    again = api.ok("POST", f"/service-requests/{c['id']}/complaint-steps", {"step": "listen"})
    assert again["complaint_steps"] == first["complaint_steps"] and len(again["events"]) == len(first["events"])
    other = create(api)
    assert other["complaint_steps"] is None
    resp = api("POST", f"/service-requests/{other['id']}/complaint-steps", {"step": "listen"})
    assert resp.status_code == 422 and "step" in resp.get_json()["errors"]
    resp = api("POST", f"/service-requests/{c['id']}/complaint-steps", {"step": "pray"})
    assert resp.status_code == 422 and "step" in resp.get_json()["errors"]


# ---- assignment ----------------------------------------------------------------------------------

def test_assignment_only_to_the_tenants_own_staff(api, two_tenants, world):
    r = create(api)
    resp = api("POST", f"/service-requests/{r['id']}/assign", {"membership_id": two_tenants["b_staff"]})
    assert resp.status_code in (404, 422) and "membership_id" in resp.get_json()["errors"]
    resp = api("POST", f"/service-requests/{r['id']}/assign", {"membership_id": two_tenants["b_owner"]})
    assert resp.status_code in (404, 422)
    after = api.ok("GET", f"/service-requests/{r['id']}")
    assert after["assignee_id"] is None and [e["action"] for e in after["events"]] == ["created"]
    r = api.ok("POST", f"/service-requests/{r['id']}/assign", {"membership_id": two_tenants["a_staff"]})
    assert r["assignee_id"] == two_tenants["a_staff"] and r["assignee_name"] == "staff"
    assert [x["id"] for x in api.ok("GET", f"/service-requests?assignee_id={two_tenants['a_staff']}")] == [r["id"]]
    r = api.ok("POST", f"/service-requests/{r['id']}/assign", {"membership_id": None})
    assert r["assignee_id"] is None and r["events"][-1]["action"] == "assigned"


# ---- listing -------------------------------------------------------------------------------------

def test_the_queue_puts_priority_then_due_time_first(api):
    wed = past_wednesday()
    svip = member_of_tier(api, "svip", "13800000001")
    vip = member_of_tier(api, "vip", "13800000002")
    walk_in_early = create(api, subject="a", received_at=when(wed, 9))
    vip_late = create(api, subject="b", member_id=vip, received_at=when(wed, 15))
    svip_late = create(api, subject="c", member_id=svip, received_at=when(wed, 16))
    vip_early = create(api, subject="d", member_id=vip, received_at=when(wed, 10))
    svip_early = create(api, subject="e", member_id=svip, received_at=when(wed, 11))
    done = create(api, subject="f", member_id=svip, received_at=when(wed, 9))
    for to in ("in_progress", "resolved"):
        api.ok("POST", f"/service-requests/{done['id']}/status", {"to": to})
    order = [r["id"] for r in api.ok("GET", "/service-requests")]
    assert order == [svip_early["id"], svip_late["id"], vip_early["id"], vip_late["id"], walk_in_early["id"],
                     done["id"]]
    active = [r["id"] for r in api.ok("GET", "/service-requests?status=active")]
    assert active == order[:-1]
    assert [r["id"] for r in api.ok("GET", "/service-requests?status=resolved")] == [done["id"]]
    assert [r["id"] for r in api.ok("GET", f"/service-requests?member_id={vip}")] == [vip_early["id"], vip_late["id"]]
    assert "events" not in api.ok("GET", "/service-requests")[0]


def test_overdue_filter(api):
    svip = member_of_tier(api, "svip", "13800000001")
    old = create(api, member_id=svip, received_at=when(past_wednesday(), 10))
    taken = create(api, member_id=svip, received_at=when(past_wednesday(), 11))
    api.ok("POST", f"/service-requests/{taken['id']}/status", {"to": "in_progress"})
    fresh = create(api, kind="complaint", subject="x", member_id=svip)  # due in the future
    overdue = api.ok("GET", "/service-requests?overdue=true")
    assert [r["id"] for r in overdue] == [old["id"]] and overdue[0]["overdue"] is True
    not_overdue = {r["id"] for r in api.ok("GET", "/service-requests?overdue=false")}
    assert not_overdue == {taken["id"], fresh["id"]}
    assert [r["id"] for r in api.ok("GET", "/service-requests?kind=complaint")] == [fresh["id"]]


def test_pagination(api):
    for i in range(5):
        create(api, subject=f"s{i}")
    resp = api("GET", "/service-requests?page=2&page_size=2")
    assert resp.status_code == 200 and len(resp.get_json()) == 2
    assert json.loads(resp.headers["X-Pagination"])["total"] == 5


def test_bad_list_filters_name_the_parameter(api):
    for query, name in (("status=lost", "status"), ("overdue=perhaps", "overdue"), ("member_id=abc", "member_id")):
        resp = api("GET", f"/service-requests?{query}")
        assert resp.status_code == 422 and name in resp.get_json()["errors"], query


# ---- idempotency and tenancy ---------------------------------------------------------------------

def test_creation_with_an_idempotency_key_happens_once(api):
    body = {"kind": "claim", "subject": "行李索赔"}
    first = api("POST", "/service-requests", body, headers={"Idempotency-Key": "call-0193"})
    second = api("POST", "/service-requests", body, headers={"Idempotency-Key": "call-0193"})
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.get_json()["id"] == second.get_json()["id"]
    assert len(api.ok("GET", "/service-requests")) == 1
    other = api("POST", "/service-requests", {**body, "subject": "另一件"}, headers={"Idempotency-Key": "call-0193"})
    assert other.status_code == 422
    # status changes replay too: the same key moves the request once
    rid = first.get_json()["id"]
    for _ in range(2):
        api.ok("POST", f"/service-requests/{rid}/status", {"to": "in_progress"}, headers={"Idempotency-Key": "mv-1"})
    assert len(api.ok("GET", f"/service-requests/{rid}")["events"]) == 2


def test_request_numbers_are_per_tenant(client, two_tenants, api):
    a = create(api)
    b = create(Api(client, "tenant-b", two_tenants["b_key"]))
    assert a["request_no"] == b["request_no"] == "SR0000001"


def test_another_tenants_request_and_member_are_not_found(client, two_tenants, api):
    b = Api(client, "tenant-b", two_tenants["b_key"])
    b_member = new_member(b)
    b_req = create(b, member_id=b_member["id"])
    assert api("GET", f"/service-requests/{b_req['id']}").status_code == 404
    assert api("POST", f"/service-requests/{b_req['id']}/status", {"to": "in_progress"}).status_code == 404
    resp = api("POST", "/service-requests", {"kind": "claim", "subject": "x", "member_id": b_member["id"]})
    assert resp.status_code == 404
    assert api.ok("GET", "/service-requests") == []
    assert b.ok("GET", f"/service-requests/{b_req['id']}")["status"] == "open"


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="row locks need PostgreSQL: run with DATABASE_URL (CI's second run does)")
def test_concurrent_moves_serialise_on_the_request(app, api, two_tenants):
    """Twenty staff press "take it up" at once: one moves it, nineteen are told it has moved."""
    rid = create(api)["id"]
    results, barrier = [], threading.Barrier(20)

    def worker():
        with app.app_context(), tenant_context(two_tenants["a"]):
            barrier.wait()
            try:
                services.change_status(None, rid, "in_progress")
                db.session.commit()
                results.append("ok")
            except services.ServiceError as e:
                db.session.rollback()
                results.append(e.status)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and results.count(409) == 19
    events = api.ok("GET", f"/service-requests/{rid}")["events"]
    assert [e["action"] for e in events] == ["created", "status"]
