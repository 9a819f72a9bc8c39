"""三优一超 beyond the visits: the five priorities and the 11185 hotline (001 篇3 §一.(一)(二)), greetings
and the club (§一.(四)), stationing (§二.(二)), the plan, the reports and the yearly evaluation (003 篇1 §四),
and the demo bureau."""
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.service.models import ServiceRequest
from domains.postal import club, reports, services, visits
from domains.postal.models import PostalInvitation, PostalPromise, PostalStationLog, PostalVisit
from tests.conftest import login
from tests.domains.postal.conftest import NOW, SHANGHAI, principal

TODAY = NOW.date()


def test_the_five_priorities_are_service_kinds():
    from core.service.services import kinds
    assert {"postal.handling", "postal.inquiry", "postal.delivery", "postal.resolution", "postal.claim"} <= set(kinds())


def test_the_hotline_recognises_a_company_by_its_contact_and_opens_a_request_on_the_managers_list(bureau):
    from domains.postal import hotline
    b = bureau
    caller = b["api"].ok("POST", "/hotline/lookup", {"phone": "137-0000-0009"})
    assert caller["member_id"] == b["company"] and caller["contact_name"] == "陈主任"
    assert caller["manager_id"] == b["cm1"] and caller["manager_name"] == "邓丽"
    assert b["api"].ok("POST", "/hotline/lookup", {"phone": "13111111111"})["member_id"] is None
    with b["world"].as_tenant(b["tid"]):
        member, contact = hotline.recognise("13700000009")
        req = hotline.open_hotline_request("hl", member_id=member.id, kind="postal.claim", subject="包裹破损理赔",
                                           contact=contact, now=NOW)
        db.session.commit()
        # SVIP: priority 1, answered within 30 working minutes (Wednesday 10:00 → 10:30)
        assert (req.priority, req.tier_key, req.channel) == (1, "svip", "hotline")
        assert req.due_at == NOW + timedelta(minutes=30)
        assert req.assignee_id == b["cm1"] and "陈主任" in req.detail
        vip = hotline.open_hotline_request("hl", member_id=b["李强"], kind="postal.inquiry", subject="查询邮件",
                                           now=NOW)
        assert (vip.priority, vip.due_at) == (3, NOW + timedelta(minutes=120))
        with pytest.raises(services.PostalError) as refused:
            hotline.open_hotline_request("hl", member_id=b["李强"], kind="postal.lottery", subject="x", now=NOW)
        assert refused.value.field == "kind"
    r = b["api"]("POST", "/hotline/requests", {"member_id": 424242, "kind": "postal.claim", "subject": "x"})
    assert r.status_code == 404


def test_the_hotline_page_opens_a_request(client, world, bureau):
    b = bureau
    world.staff(b["tid"], "hl@post.test", positions=["postal.hotline_operator"])
    csrf = login(client, "hl@post.test")
    page = client.get("/t/mingzhou/postal/hotline?phone=13700000009").get_data(as_text=True)
    assert "东海电子商务有限公司" in page and "陈主任" in page
    r = client.post("/t/mingzhou/postal/hotline", data={"csrf_token": csrf, "phone": "13700000009",
                                                        "member_id": b["company"], "kind": "complaint",
                                                        "subject": "投递延误"})
    assert r.status_code == 200 and "SR0000001" in r.get_data(as_text=True)
    with b["world"].as_tenant(b["tid"]):
        req = db.session.scalar(select(ServiceRequest))
        assert (req.kind, req.assignee_id, len(req.complaint_steps)) == ("complaint", b["cm1"], 9)


def test_greetings_run_twice_send_once_and_carry_no_promotion(app, bureau):
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        services.set_holiday("admin", TODAY, "清明节")
        db.session.commit()
        # three persons born on 10 April: birthday greetings; four managed clients: holiday greetings
        assert club.greetings_for(b["tid"], SHANGHAI, NOW) == 7
        db.session.commit()
        assert club.greetings_for(b["tid"], SHANGHAI, NOW) == 0
        assert club.greetings_for(b["tid"], SHANGHAI, NOW + timedelta(hours=5)) == 0
        db.session.commit()
        rows = db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
        assert len(rows) == 7 and {r.kind for r in rows} == {"greeting"}
        managers = {r.member_id: r.assignee_id for r in rows}
        assert managers[b["company"]] == b["cm1"] and managers[b["赵敏"]] == b["cm2"]
        holiday = [r for r in rows if r.dedupe_key.startswith("postal-holiday:")]
        assert len(holiday) == 4 and all("清明节" in r.subject for r in holiday)
        assert all(("no promotion" in r.detail) or ("不得" in r.detail) or ("促销" in r.detail) for r in rows)
    from core.jobs.cron import PERIODIC
    assert ("domains.postal.club.greetings", 3600) in PERIODIC
    with app.app_context():
        assert club.greetings(NOW.isoformat()) == 0   # the hourly job: already sent


def test_club_event_invitations_from_a_segment_and_attendance(bureau):
    from core.segments.services import save_segment
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        segment = save_segment("lead", name="SVIP客户", definition={"tiers": ["svip"]})
        event = club.create_event("lead", title="VIP客户联谊会", starts_at=NOW + timedelta(days=7), place="邮政大楼",
                                  capacity=3, now=NOW)
        assert club.invite_segment("lead", event, segment, now=NOW) == 3   # 王芳, 赵敏, the company
        assert club.invite_segment("lead", event, segment, now=NOW) == 0   # invited once
        with pytest.raises(services.PostalError) as refused:
            club.mark_attendance("lead", event, b["王芳"], now=NOW)
        assert refused.value.status == 409
        inv = club.mark_attendance("lead", event, b["王芳"], now=NOW + timedelta(days=7, hours=1))
        assert inv.attended_at is not None
        with pytest.raises(services.PostalError):
            club.mark_attendance("lead", event, b["李强"], now=NOW + timedelta(days=7, hours=1))  # not invited
        db.session.commit()
        assert db.session.scalar(select(func.count(PostalInvitation.id))) == 3


def test_stationing_with_a_schedule_and_a_daily_log(bureau, world):
    from core.identity.models import Membership
    b = bureau
    st = world.staff(b["tid"], "st@post.test", positions=["postal.stationed_staff"])
    with b["world"].as_tenant(b["tid"]):
        station = services.station_staff("lead", principal(b["lead"]), services.client(b["company"]),
                                         staff=db.session.get(Membership, st), location="客户大楼收发室",
                                         weekdays=[1, 2, 3, 4, 5], opens="09:00", closes="17:00",
                                         starts_on=TODAY - timedelta(days=30))
        log = services.log_station_day("st", principal(st), station, day=TODAY, items_handled=120, today=TODAY)
        again = services.log_station_day("st", principal(st), station, day=TODAY, items_handled=130, today=TODAY)
        assert log.id == again.id and again.items_handled == 130
        sunday = TODAY + timedelta(days=(7 - TODAY.isoweekday()))
        with pytest.raises(services.PostalError) as refused:
            services.log_station_day("st", principal(st), station, day=sunday - timedelta(days=7), today=TODAY)
        assert refused.value.field == "day"
        with pytest.raises(services.PostalError) as refused:
            services.log_station_day("cm2", principal(b["cm2"]), station, day=TODAY, today=TODAY)
        assert refused.value.status == 403
        with pytest.raises(services.PostalError) as refused:
            services.station_staff("lead", principal(b["lead"]), services.client(b["company"]),
                                   staff=db.session.get(Membership, st), location="x", weekdays=[1], opens="09:00",
                                   closes="17:00", starts_on=TODAY, ends_on=TODAY - timedelta(days=1))
        assert refused.value.field == "ends_on"
        db.session.commit()
        assert db.session.scalar(select(func.count(PostalStationLog.id))) == 1


def _visit(member_id, manager_id, days_ago):
    day = TODAY - timedelta(days=days_ago)
    db.session.add(PostalVisit(member_id=member_id, manager_id=manager_id, planned_on=day, status="done",
                               source="manual", visited_on=day, visited_at=datetime.combine(day, time(10), SHANGHAI)))


def test_reports_coverage_promises_and_the_yearly_evaluation(client, bureau):
    from core.purchases.models import Purchase
    b = bureau
    with b["world"].as_tenant(b["tid"]):
        _visit(b["王芳"], b["cm1"], 10)      # covered
        _visit(b["李强"], b["cm1"], 100)     # VIP, 100 > 91 days: overdue
        _visit(b["赵敏"], b["cm2"], 5)       # covered; the company was never visited
        rows = {r["manager"]: r for r in reports.coverage(NOW)}
        assert (rows["邓丽"]["clients"], rows["邓丽"]["covered"], rows["邓丽"]["share"]) == (3, 1, 0.3333)
        assert (rows["彭宇"]["clients"], rows["彭宇"]["covered"]) == (1, 1)
        total = list(rows.values())[-1]
        assert (total["clients"], total["covered"], total["share"]) == (4, 2, 0.5)
        # the evaluation of 2029: 王芳 agreed ¥500,000 and did ¥520,000; 赵敏 agreed ¥300,000 and did ¥120,000
        for name, goal, done in (("王芳", 50_000_000, 52_000_000), ("赵敏", 30_000_000, 12_000_000)):
            services.save_plan("lead", principal(b["lead"]), services.client(b[name]), year=2029,
                               services=["parcels"], yearly_goal_fen=goal)
            db.session.add(Purchase(external_id=f"Y-{name}", kind="sale", member_id=b[name],
                                    purchased_at=datetime(2029, 6, 1, tzinfo=SHANGHAI), list_total_fen=done,
                                    discount_fen=0, paid_fen=done, lines=[], recorded_by="t", fingerprint="f"))
        db.session.commit()
        ev = reports.evaluation(2029, SHANGHAI)
        assert [(r["name"], r["met"], r["done_fen"]) for r in ev] == [("赵敏", False, 12_000_000),
                                                                     ("王芳", True, 52_000_000)]
    login(client, "lead@post.test")
    page = client.get("/t/mingzhou/postal/reports/evaluation?year=2029").get_data(as_text=True)
    assert "赵敏" in page
    csv = client.get("/t/mingzhou/postal/reports/evaluation.csv?year=2029")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "赵敏" in text and "120000.00" in text
    assert client.get("/t/mingzhou/postal/reports/coverage").status_code == 200
    assert client.get("/t/mingzhou/postal/reports/promises?start=2030-05-01&end=2030-04-01").status_code == 400


def test_the_demo_bureau(app, world):
    from core.tenancy.context import tenant_context
    from domains.postal.demo import seed_demo
    tid = world.tenant("demo-post", domains=["postal"], timezone="Asia/Shanghai")
    with app.app_context(), tenant_context(tid):
        from core.tenancy.models import Tenant
        seed_demo(db.session.get(Tenant, tid))
        db.session.commit()
        from core.members.models import Member, MemberContact
        from core.portfolios.services import portfolio_sizes
        sizes = portfolio_sizes("postal.client_manager")
        assert len(sizes) == 5 and sum(sizes.values()) == 300 and set(sizes.values()) == {60}
        kinds = dict(db.session.execute(select(Member.kind, func.count()).group_by(Member.kind)).all())
        assert kinds == {"company": 200, "person": 100}
        assert db.session.scalar(select(func.count(MemberContact.id))) == 300
        status = visits.client_visit_status()
        overdue = sum(r["overdue"] for r in status)
        assert 30 <= overdue <= 60   # one client in eight fell behind
        assert db.session.scalar(select(func.count(PostalVisit.id)).where(PostalVisit.status == "planned",
                                                                         PostalVisit.planned_on > date.today()))
        assert visits.escalate_for(tid, SHANGHAI) > 0   # overdue visits and broken promises
        broken = db.session.scalar(select(func.count(PostalPromise.id)).where(PostalPromise.escalated_at.is_not(None)))
        assert broken > 0
        assert any(not r["met"] for r in reports.evaluation(date.today().year - 1, SHANGHAI))


def test_the_plan_page_saves_a_plan_and_a_price_in_yuan(client, bureau):
    b = bureau
    csrf = login(client, "cm1@post.test")
    url = f"/t/mingzhou/postal/clients/{b['company']}"
    assert "东海电子商务有限公司" in client.get(url).get_data(as_text=True)
    r = client.post(url, data={"csrf_token": csrf, "year": 2030, "action": "plan", "needs": "电商包裹上门揽收",
                               "services": ["parcels", "mail"], "goals": "年用邮量增长20%", "yearly_goal": "500000.00"})
    assert r.status_code == 302
    r = client.post(url, data={"csrf_token": csrf, "year": 2030, "action": "price", "service": "parcels",
                               "item": "省内标准快递 首重1kg", "rule_level": "provincial", "rule_ref": "浙邮〔2030〕8号",
                               "list_price": "12.00", "agreed_price": "8.50", "valid_from": "2030-01-01",
                               "valid_until": "2030-12-31"})
    assert r.status_code == 302
    r = client.post(url, data={"csrf_token": csrf, "year": 2030, "action": "price", "service": "parcels",
                               "item": "省外快递", "rule_level": "city", "list_price": "12.00", "agreed_price": "13.00",
                               "valid_from": "2030-01-01", "valid_until": "2030-12-31"})
    assert r.status_code == 422
    with b["world"].as_tenant(b["tid"]):
        plan = services.plan_of(b["company"], 2030)
        assert (plan.services, plan.yearly_goal_fen) == (["mail", "parcels"], 50_000_000)
        prices = services.prices_of(plan.id, on=date(2030, 6, 1))
        assert [(p.item, p.list_price_fen, p.agreed_price_fen) for p in prices] == [("省内标准快递 首重1kg", 1200, 850)]
        assert services.prices_of(plan.id, on=date(2031, 1, 1)) == []
    assert client.get(f"/t/mingzhou/postal/clients/{b['赵敏']}").status_code == 403   # another manager's client


def test_a_manager_calling_the_api_for_another_managers_client_gets_403(client, bureau):
    b = bureau
    csrf = login(client, "cm1@post.test")
    r = client.post("/api/v1/t/mingzhou/postal/visits", json={"member_id": b["赵敏"], "planned_on": "2099-01-05"},
                    headers={"X-CSRFToken": csrf})
    assert r.status_code == 403 and "赵敏" in r.get_json()["message"]
    r = client.post("/api/v1/t/mingzhou/postal/visits", json={"member_id": b["王芳"], "planned_on": "2099-01-05"},
                    headers={"X-CSRFToken": csrf})
    assert r.status_code == 201 and r.get_json()["manager_id"] == b["cm1"]
    with b["world"].as_tenant(b["tid"]):
        assert db.session.scalar(select(func.count(PostalVisit.id))) == 1


def test_the_station_club_and_cadence_pages(client, world, bureau):
    from core.identity.models import Membership
    b = bureau
    st = world.staff(b["tid"], "st@post.test", positions=["postal.stationed_staff"])
    world.staff(b["tid"], "admin@post.test", role="admin")
    with b["world"].as_tenant(b["tid"]):
        station = services.station_staff("lead", principal(b["lead"]), services.client(b["company"]),
                                         staff=db.session.get(Membership, st), location="客户大楼收发室",
                                         weekdays=[1, 2, 3, 4, 5, 6, 7], opens="09:00", closes="17:00",
                                         starts_on=date(2020, 1, 1))
        db.session.commit()
        station_id = station.id
    csrf = login(client, "st@post.test")
    r = client.post(f"/t/mingzhou/postal/stations/{station_id}", data={
        "csrf_token": csrf, "day": date.today().isoformat(), "items_handled": "85", "needs": "月底集中寄递"})
    assert r.status_code == 302
    assert "月底集中寄递" in client.get(f"/t/mingzhou/postal/stations/{station_id}").get_data(as_text=True)
    r = client.post(f"/t/mingzhou/postal/stations/{station_id}", data={"csrf_token": csrf, "day": "2999-01-01"})
    assert r.status_code == 422
    assert client.get("/t/mingzhou/postal/club").status_code == 200
    client.get("/logout")
    csrf = login(client, "admin@post.test")
    r = client.post("/t/mingzhou/postal/cadence", data={"csrf_token": csrf, "tier_key": ["svip", "vip"],
                                                        "every_days": ["14", "30"]})
    assert r.status_code == 302
    with b["world"].as_tenant(b["tid"]):
        assert services.cadences() == {"svip": 14, "vip": 30}
