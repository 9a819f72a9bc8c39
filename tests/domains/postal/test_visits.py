"""Client-manager visits (001 vip客户管理制度篇3 §二.(一) 定期走访): the cadence, planning set-based, the log
with promises routed to departments, escalation once, the hand-over, the calendar feed, bad input."""
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.identity.models import Membership
from core.tasks.models import Task
from domains.postal import services, visits
from domains.postal.models import PostalPromise, PostalVisit
from tests.conftest import login
from tests.domains.postal.conftest import NOW, SHANGHAI, principal

TODAY = NOW.date()


def _done_visit(member_id, manager_id, days_ago):
    day = TODAY - timedelta(days=days_ago)
    v = PostalVisit(member_id=member_id, manager_id=manager_id, planned_on=day, status="done", source="manual",
                    visited_on=day, visited_at=datetime.combine(day, time(10), SHANGHAI))
    db.session.add(v)
    db.session.flush()
    return v


def _planned(member_id, manager_id, day):
    v = PostalVisit(member_id=member_id, manager_id=manager_id, planned_on=day, status="planned", source="manual")
    db.session.add(v)
    db.session.flush()
    return v


def test_a_monthly_client_last_visited_32_days_ago_is_overdue(bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        assert services.cadences() == {"svip": 30, "vip": 91}
        _done_visit(b["王芳"], b["cm1"], 32)   # SVIP: monthly
        _done_visit(b["李强"], b["cm1"], 32)   # VIP: quarterly
        _done_visit(b["赵敏"], b["cm2"], 29)   # SVIP, within the month
        assert visits.is_overdue(b["王芳"], NOW) is True
        assert visits.is_overdue(b["李强"], NOW) is False
        assert visits.is_overdue(b["赵敏"], NOW) is False
        row = next(r for r in visits.client_visit_status(NOW) if r["member_id"] == b["王芳"])
        assert row["due_on"] == TODAY - timedelta(days=2) and row["every_days"] == 30


def test_the_tenant_sets_its_own_cadence(bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        services.set_cadences("admin", {"svip": 14, "vip": 30})
        _done_visit(b["李强"], b["cm1"], 32)
        assert visits.is_overdue(b["李强"], NOW) is True   # VIP now monthly
        with pytest.raises(services.PostalError) as refused:
            services.set_cadences("admin", {"vip": 0})
        assert refused.value.field == "cadences"


def test_planning_a_quarter_is_set_based_and_twice_plans_once(bureau):
    b = bureau
    start, end = TODAY, TODAY + timedelta(days=90)
    with b["world"].as_tenant(b["tid"]):
        _done_visit(b["赵敏"], b["cm2"], 40)       # SVIP overdue: first visit on the first day
        made = visits.plan_visits("lead", start, end, now=NOW)
        db.session.commit()
        rows = db.session.execute(select(PostalVisit.member_id, PostalVisit.manager_id, PostalVisit.planned_on)
                                  .where(PostalVisit.status == "planned")).all()
        got = {}
        for mid, manager, day in rows:
            got.setdefault(mid, []).append(day)
        expected = {
            b["王芳"]: [start + timedelta(days=b["王芳"] % 30 + 30 * k) for k in range(4)
                       if b["王芳"] % 30 + 30 * k <= 90],
            b["李强"]: [start + timedelta(days=b["李强"] % 91)],
            b["company"]: [start + timedelta(days=b["company"] % 30 + 30 * k) for k in range(4)
                           if b["company"] % 30 + 30 * k <= 90],
            b["赵敏"]: [start, start + timedelta(days=30), start + timedelta(days=60), start + timedelta(days=90)],
        }
        assert {k: sorted(v) for k, v in got.items()} == expected
        assert made == sum(len(v) for v in expected.values())
        assert {m: mgr for m, mgr, _d in rows} == {b["王芳"]: b["cm1"], b["李强"]: b["cm1"], b["company"]: b["cm1"],
                                                   b["赵敏"]: b["cm2"]}
        assert visits.plan_visits("lead", start, end, now=NOW) == 0   # planned already: nothing twice


def _log_with_promise(b, due_on, at=None):
    at = at or NOW - timedelta(days=3)
    visit = _planned(b["王芳"], b["cm1"], at.date())
    visits.log_visit("cm1", principal(b["cm1"]), visit, visited_at=at, place="客户办公室", contact_name="王芳",
                     needs_found="每月对账单批量寄递", next_step="下月回访",
                     promises=[{"text": "安排每日上门揽收", "department": "parcels", "due_on": due_on}], now=at)
    db.session.commit()
    return visit


def test_a_promise_becomes_a_task_for_its_department(bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        visit = _log_with_promise(b, TODAY + timedelta(days=2), at=NOW)
        assert visit.status == "done" and visit.visited_on == TODAY
        promise = db.session.scalar(select(PostalPromise))
        task = db.session.get(Task, promise.task_id)
        assert task.position == "postal.parcels" and task.member_id == b["王芳"]
        assert "安排每日上门揽收" in task.subject
        # due by the close of its day (the default working hours: 17:30 in the bureau's zone)
        assert task.due_at == datetime.combine(TODAY + timedelta(days=2), time(17, 30), SHANGHAI)


def test_a_promise_due_yesterday_and_not_done_escalates_once(bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        _log_with_promise(b, TODAY - timedelta(days=1))
        assert visits.escalate_for(b["tid"], SHANGHAI, NOW) == 1
        db.session.commit()
        for later in (NOW, NOW + timedelta(hours=1), NOW + timedelta(days=1)):   # every later run: nothing new
            assert visits.escalate_for(b["tid"], SHANGHAI, later) == 0
            db.session.commit()
        lead_tasks = db.session.scalars(select(Task).where(Task.position == "postal.lead")).all()
        assert len(lead_tasks) == 1
        assert lead_tasks[0].source.startswith("postal:promise-broken:") and "安排每日上门揽收" in lead_tasks[0].subject


def test_a_kept_promise_and_a_visit_not_yet_due_do_not_escalate(bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        _log_with_promise(b, TODAY - timedelta(days=1))
        task = db.session.scalar(select(Task).where(Task.position == "postal.parcels"))
        task.status, task.done_at = "done", NOW - timedelta(days=2)
        _planned(b["李强"], b["cm1"], TODAY)                          # today: not overdue
        overdue = _planned(b["赵敏"], b["cm2"], TODAY - timedelta(days=1))  # yesterday, not logged
        db.session.commit()
        assert visits.escalate_for(b["tid"], SHANGHAI, NOW) == 1
        assert visits.escalate_for(b["tid"], SHANGHAI, NOW) == 0
        sources = db.session.scalars(select(Task.source).where(Task.position == "postal.lead")).all()
        assert sources == [f"postal:visit-overdue:{overdue.id}"]


def test_the_escalation_job_runs_for_every_tenant_once(app, bureau):
    from core.jobs.cron import PERIODIC
    assert ("domains.postal.visits.escalate", 3600) in PERIODIC
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        _log_with_promise(b, TODAY - timedelta(days=1))
    with app.app_context():
        assert visits.escalate(NOW.isoformat()) == 1
        assert visits.escalate(NOW.isoformat()) == 0


def test_a_hand_over_moves_future_visits_and_open_promises_to_the_new_manager(bureau):
    from core.portfolios.services import hand_over
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        _log_with_promise(b, TODAY + timedelta(days=5))        # open promise of 王芳, by cm1
        kept = _log_with_promise(b, TODAY + timedelta(days=5), at=NOW - timedelta(days=10))
        kept_promise = db.session.scalar(select(PostalPromise).where(PostalPromise.visit_id == kept.id))
        db.session.get(Task, kept_promise.task_id).status = "done"
        visits.plan_visits("lead", TODAY, TODAY + timedelta(days=90), now=NOW)
        db.session.commit()
        cm1_planned = db.session.scalar(select(func.count(PostalVisit.id)).where(
            PostalVisit.manager_id == b["cm1"], PostalVisit.status == "planned"))
        assert cm1_planned >= 3
        moved = hand_over("lead", db.session.get(Membership, b["cm1"]), position="postal.client_manager",
                          to_manager=db.session.get(Membership, b["cm2"]), reason="调岗")
        db.session.commit()
        assert set(moved) == {b["王芳"], b["李强"], b["company"]}
        by_manager = dict(db.session.execute(select(PostalVisit.manager_id, func.count(PostalVisit.id))
                                             .where(PostalVisit.status == "planned")
                                             .group_by(PostalVisit.manager_id)).all())
        assert b["cm1"] not in by_manager
        done_by = set(db.session.scalars(select(PostalVisit.manager_id).where(PostalVisit.status == "done")))
        assert done_by == {b["cm1"]}                               # history stays with who did it
        promises = {p.id: p.manager_id for p in db.session.scalars(select(PostalPromise))}
        assert promises[kept_promise.id] == b["cm1"]               # kept: history
        assert [m for pid, m in promises.items() if pid != kept_promise.id] == [b["cm2"]]


def test_the_calendar_feed_holds_exactly_the_managers_planned_visits(client, bureau):
    from icalendar import Calendar
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        visits.plan_visits("lead", TODAY, TODAY + timedelta(days=90), now=NOW)
        _done_visit(b["李强"], b["cm1"], 5)  # logged: not on the calendar any more
        db.session.commit()
        expected = {(f"postal-visit-{v.id}@mingzhou", v.planned_on) for v in db.session.scalars(
            select(PostalVisit).where(PostalVisit.manager_id == b["cm1"], PostalVisit.status == "planned"))}
    url = b["api"].ok("POST", "/calendar-link", {"manager_id": b["cm1"]})["url"]
    resp = client.get(url[url.index("/postal/"):])
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    cal = Calendar.from_ical(resp.data)
    events = cal.walk("VEVENT")
    got = {(str(e["UID"]), e.decoded("DTSTART")) for e in events}
    assert got == expected and len(events) == len(expected) >= 4
    assert all(str(e["SUMMARY"]).startswith(("Visit", "走访")) for e in events)
    assert client.get("/postal/calendar/not-a-token.ics").status_code == 404
    url2 = b["api"].ok("POST", "/calendar-link", {"manager_id": b["cm1"]})["url"]   # a new link retires the old
    assert client.get(url[url.index("/postal/"):]).status_code == 404
    assert client.get(url2[url2.index("/postal/"):]).status_code == 200


# ---- bad input: the reason, and nothing half-created ------------------------------------------------

def test_a_manager_cannot_plan_or_log_another_managers_client(bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        with pytest.raises(services.PostalError) as refused:
            visits.schedule_visit("cm1", principal(b["cm1"]), b["赵敏"], TODAY + timedelta(days=1), TODAY)
        assert refused.value.status == 403 and refused.value.field == "member_id"
        other = _planned(b["赵敏"], b["cm2"], TODAY)
        db.session.commit()
        with pytest.raises(services.PostalError) as refused:
            visits.log_visit("cm1", principal(b["cm1"]), other, visited_at=NOW, now=NOW)
        assert refused.value.status == 403
        # the lead may
        assert visits.schedule_visit("lead", principal(b["lead"]), b["赵敏"], TODAY + timedelta(days=1), TODAY)


def test_bad_input_answers_4xx_with_the_reason(bureau):
    api, b = bureau["api"], bureau
    r = api("POST", "/visits", {"member_id": 987654, "planned_on": "2030-05-01"})
    assert r.status_code == 404 and "member_id" in str(r.get_json())
    r = api("POST", "/visits/plan", {"start": "2030-06-30", "end": "2030-04-01"})
    assert r.status_code == 422 and "end" in str(r.get_json())
    r = api("POST", "/visits", {"member_id": b["王芳"], "planned_on": "2001-01-01"})
    assert r.status_code == 422 and "planned_on" in str(r.get_json())
    api.ok("PUT", f"/clients/{b['王芳']}/plan", {"year": 2030, "needs": "批量寄递", "services": ["mail", "parcels"],
                                                "yearly_goal_fen": 50_000_000})
    r = api("POST", f"/clients/{b['王芳']}/plan/prices", {
        "service": "parcels", "item": "省内快递", "rule_level": "provincial", "list_price_fen": 1200,
        "agreed_price_fen": 900, "valid_from": "2030-12-31", "valid_until": "2030-01-01"})
    assert r.status_code == 422 and "valid_until" in str(r.get_json())
    r = api("POST", f"/clients/{b['王芳']}/plan/prices", {
        "service": "parcels", "item": "省内快递", "rule_level": "county", "list_price_fen": 1200,
        "agreed_price_fen": 900, "valid_from": "2030-01-01", "valid_until": "2030-12-31"})
    assert r.status_code == 422 and "rule_level" in str(r.get_json())
    ok = api.ok("POST", f"/clients/{b['王芳']}/plan/prices", {
        "service": "parcels", "item": "省内快递", "rule_level": "provincial", "list_price_fen": 1200,
        "agreed_price_fen": 900, "valid_from": "2030-01-01", "valid_until": "2030-12-31"})
    assert ok["agreed_price_fen"] == 900


def test_a_log_with_one_bad_promise_writes_nothing(bureau):
    api, b = bureau["api"], bureau
    with b["world"].as_tenant(b["tid"]):
        visit_id = _planned(b["王芳"], b["cm1"], date.today()).id
        db.session.commit()
    today = date.today()
    r = api("POST", f"/visits/{visit_id}/log", {
        "visited_at": datetime.now(SHANGHAI).isoformat(), "place": "客户办公室",
        "promises": [{"text": "上门揽收", "department": "parcels", "due_on": (today + timedelta(days=3)).isoformat()},
                     {"text": "理财方案", "department": "finance", "due_on": (today - timedelta(days=3)).isoformat()}]})
    assert r.status_code == 422 and "promises" in str(r.get_json())
    with b["world"].as_tenant(b["tid"]):
        assert db.session.get(PostalVisit, visit_id).status == "planned"
        assert db.session.scalar(select(func.count(PostalPromise.id))) == 0
        assert db.session.scalar(select(func.count(Task.id))) == 0
    r = api("POST", f"/visits/{visit_id}/log", {"visited_at": "2030-01-01T10:00:00", "promises": []})
    assert r.status_code == 422 and "visited_at" in str(r.get_json())


def test_the_visit_log_page_for_another_managers_visit_is_refused(client, bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        other = _planned(b["赵敏"], b["cm2"], date.today()).id
        db.session.commit()
    csrf = login(client, "cm1@post.test")
    assert client.get(f"/t/mingzhou/postal/visits/{other}").status_code == 403
    r = client.post(f"/t/mingzhou/postal/visits/{other}", data={"csrf_token": csrf, "visited_at": "2030-01-01T10:00"})
    assert r.status_code == 403
    with b["world"].as_tenant(b["tid"]):
        assert db.session.get(PostalVisit, other).status == "planned"


def test_a_manager_logs_todays_visit_on_the_page_and_the_department_sees_the_promise(client, bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        visit_id = _planned(b["王芳"], b["cm1"], date.today()).id
        db.session.commit()
    csrf = login(client, "cm1@post.test")
    page = client.get("/t/mingzhou/postal/visits").get_data(as_text=True)
    assert "王芳" in page and f"/visits/{visit_id}" in page
    now_local = datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    r = client.post(f"/t/mingzhou/postal/visits/{visit_id}", data={
        "csrf_token": csrf, "visited_at": now_local, "place": "客户办公室", "contact_name": "王芳",
        "needs_found": "月底集中寄递", "next_step": "下月回访", "promise_text": "安排每日上门揽收",
        "promise_department": "parcels", "promise_due_on": (date.today() + timedelta(days=2)).isoformat()})
    assert r.status_code == 302
    client.get("/logout")
    login(client, "parcels@post.test")
    assert "安排每日上门揽收" in client.get("/t/mingzhou/tasks/").get_data(as_text=True)


def test_a_visit_is_moved_or_cancelled_by_its_manager_only(client, bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        visit = _planned(b["王芳"], b["cm1"], TODAY - timedelta(days=2))
        visit.escalated_at = NOW
        other = _planned(b["赵敏"], b["cm2"], TODAY + timedelta(days=3))
        db.session.commit()
        with pytest.raises(services.PostalError) as refused:
            visits.reschedule_visit("cm1", principal(b["cm1"]), other, TODAY + timedelta(days=4), TODAY)
        assert refused.value.status == 403
        with pytest.raises(services.PostalError) as refused:
            visits.reschedule_visit("cm1", principal(b["cm1"]), visit, TODAY - timedelta(days=1), TODAY)
        assert refused.value.field == "planned_on"
        moved = visits.reschedule_visit("cm1", principal(b["cm1"]), visit, TODAY + timedelta(days=1), TODAY)
        assert moved.planned_on == TODAY + timedelta(days=1) and moved.escalated_at is None
        db.session.commit()
        visit_id, other_id = visit.id, other.id
    r = bureau["api"]("POST", f"/visits/{other_id}/reschedule", {"cancel": True})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    r = bureau["api"]("POST", f"/visits/{other_id}/reschedule", {"planned_on": "2099-01-01"})
    assert r.status_code == 409
    csrf = login(client, "cm1@post.test")
    r = client.post(f"/t/mingzhou/postal/visits/{visit_id}/move", data={"csrf_token": csrf, "planned_on": "x"})
    assert r.status_code == 422
    r = client.post(f"/t/mingzhou/postal/visits/{visit_id}/move", data={"csrf_token": csrf, "cancel": "1"})
    assert r.status_code == 302
    with b["world"].as_tenant(b["tid"]):
        assert db.session.get(PostalVisit, visit_id).status == "cancelled"
