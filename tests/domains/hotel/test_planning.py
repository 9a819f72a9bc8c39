"""The tenant's protocol, the staff rules, the planning meeting (一会一案), reminders and escalations,
the GM's stand-in, guest history and the hotel card's calendar — from the seed's numbers (000 酒店VIP
客户接待规程; 001 星级酒店VIP客户的管理制度), with frozen times in the hotel's own zone."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.identity.principal import Principal
from core.tasks.models import Task
from domains.hotel import history, planning, reminders, services
from domains.hotel.models import HotelStay, HotelStep
from domains.hotel.services import HotelError
from tests.conftest import Api, buy, line, login, new_member, publish_template

SHANGHAI = ZoneInfo("Asia/Shanghai")
ARRIVAL = datetime(2030, 5, 20, 18, 0, tzinfo=SHANGHAI)
GM = Principal(label="gm@hotel.test", role="manager", positions=("hotel.gm",))


@pytest.fixture
def hotel(app, client, world):
    tid = world.tenant("huating", domains=["hotel"], name="华庭", timezone="Asia/Shanghai")
    _kid, key = world.api_key(tid, role="admin")
    return {"tid": tid, "api": Api(client, "huating", key), "world": world, "client": client}


def _stay(world, tid, level, no, arrival=ARRIVAL, member_id=None, **kw):
    with world.as_tenant(tid):
        stay, _ = services.upsert_from_pms("pms", {"reservation_no": no, "guest_name": kw.pop("name", "张先生"),
                                                   "arrival_at": arrival, "member_id": member_id, **kw},
                                           now=arrival - timedelta(days=2))
        services.decide_level("gm", GM, stay, level=level)
        db.session.commit()
        return stay.id


def _step(stay_id, key) -> HotelStep:
    return db.session.scalar(db.select(HotelStep).where(HotelStep.stay_id == stay_id, HotelStep.key == key))


def _says(text, english, chinese) -> bool:
    """The message in whichever language the catalogue gives (Chinese is the default)."""
    return english in str(text) or chinese in str(text)


def _tasks(prefix):
    return db.session.scalars(db.select(Task).where(Task.source.like(prefix + "%")).order_by(Task.id)).all()


def _profile(world, tid, email, *, started, grade, positions=(), role="staff", name=None):
    mid = world.staff(tid, email, role=role, positions=positions, name=name)
    with world.as_tenant(tid):
        planning.save_profile("admin", mid, service_start=started, grade=grade, today=date(2030, 5, 1))
        db.session.commit()
    return mid


# ---- 1. the protocol per tenant --------------------------------------------------------------------

def test_the_protocol_is_seeded_from_the_seed_and_an_edit_changes_new_stays_only(hotel):
    world, tid = hotel["world"], hotel["tid"]
    old = _stay(world, tid, "VIP", "R-OLD")
    with world.as_tenant(tid):
        vip = planning.protocol_for("VIP")
        steps = {s["key"]: s for s in vip.steps}
        assert steps["notice"]["offset"] == -300 and steps["engineering"]["offset"] == -180
        assert steps["qa_final"]["offset"] == -60 and steps["sealing"]["signers"] == ["hotel.qa_assistant"]
        assert vip.amenities == ["fruit_b", "flowers_b", "banner", "lobby_sign"]
        assert planning.protocol_for("VVIP").amenities[-1] == "flowers_on_arrival"
        edited = [dict(s, offset=-240) if s["key"] == "engineering" else s for s in vip.steps]
        edited.append({"key": "cigars", "title": "雪茄房准备", "department": "fnb", "signers": ["hotel.fnb"],
                       "anchor": "arrival", "offset": -90, "depends_on": ["notice"]})
        planning.save_protocol("admin", "VIP", amenities=["fruit_a", "flowers_b"], steps=edited, remind_minutes=45)
        db.session.commit()
    new = _stay(world, tid, "VIP", "R-NEW")
    with world.as_tenant(tid):
        assert _step(new, "engineering").due_at == ARRIVAL - timedelta(hours=4)
        assert _step(new, "cigars").title == "雪茄房准备" and _step(new, "cigars").due_at == ARRIVAL - timedelta(minutes=90)
        assert db.session.get(HotelStay, new).amenities == ["fruit_a", "flowers_b"]
        # the stay planned before the edit keeps its own protocol
        assert _step(old, "engineering").due_at.astimezone(SHANGHAI) == datetime(2030, 5, 20, 15, 0, tzinfo=SHANGHAI)
        assert _step(old, "cigars") is None
        assert db.session.get(HotelStay, old).amenities == ["fruit_b", "flowers_b", "banner", "lobby_sign"]


def test_the_protocol_refuses_a_bad_row_naming_its_field_and_saves_nothing(hotel):
    world, tid = hotel["world"], hotel["tid"]
    with world.as_tenant(tid):
        steps = planning.protocol_for("VVIP").steps
        bad = [dict(s, offset="three hours") if s["key"] == "engineering" else s for s in steps]
        with pytest.raises(HotelError) as e:
            planning.save_protocol("admin", "VVIP", amenities=[], steps=bad, remind_minutes=30)
        assert e.value.field == f"steps-{[s['key'] for s in steps].index('engineering')}-offset"
        loop = [dict(s, depends_on=["sealing"]) if s["key"] == "engineering" else s for s in steps]
        with pytest.raises(HotelError) as e:
            planning.save_protocol("admin", "VVIP", amenities=[], steps=loop, remind_minutes=30)
        assert e.value.field.endswith("-depends_on")
        with pytest.raises(HotelError) as e:
            planning.save_protocol("admin", "VVIP", amenities=[], steps=[dict(steps[0], signers=["hotel.pope"])],
                                   remind_minutes=30)
        assert e.value.field == "steps-0-signers"
        db.session.rollback()
        assert {s["key"]: s["offset"] for s in planning.protocol_for("VVIP").steps}["engineering"] == -180


def test_the_protocol_page_is_a_form_for_the_admin_with_errors_on_the_field(hotel):
    world, tid, client = hotel["world"], hotel["tid"], hotel["client"]
    world.staff(tid, "admin@huating.test", role="admin")
    world.staff(tid, "fo@huating.test", role="manager", positions=["hotel.front_office"])
    csrf = login(client, "fo@huating.test")
    assert client.get("/t/huating/hotel/protocol?level=VIP").status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    csrf = login(client, "admin@huating.test")
    page = client.get("/t/huating/hotel/protocol?level=VIP").get_data(as_text=True)
    assert 'name="steps-0-key"' in page and 'value="-180"' in page and "<textarea" not in page
    with world.as_tenant(tid):
        steps = planning.protocol_for("VIP").steps
    eng = [s["key"] for s in steps].index("engineering")
    form = {"csrf_token": csrf, "amenities": ["fruit_b", "flowers_b"], "remind_minutes": "30"}
    for i, s in enumerate(steps):
        p = f"steps-{i}-"
        form.update({p + "key": s["key"], p + "department": s["department"], p + "signers": s["signers"],
                     p + "anchor": s["anchor"], p + "offset": str(s["offset"]), p + "depends_on": s["depends_on"]})
    form[f"steps-{eng}-offset"] = "abc"
    resp = client.post("/t/huating/hotel/protocol?level=VIP", data=form)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    row = html[html.index(f'name="steps-{eng}-offset"') - 300:html.index(f'name="steps-{eng}-offset"') + 400]
    assert "has-error" in row and 'role="alert"' in row
    with world.as_tenant(tid):
        assert {s["key"]: s["offset"] for s in planning.protocol_for("VIP").steps}["engineering"] == -180
    form[f"steps-{eng}-offset"] = "-200"
    assert client.post("/t/huating/hotel/protocol?level=VIP", data=form).status_code == 302
    with world.as_tenant(tid):
        vip = planning.protocol_for("VIP")
        assert {s["key"]: s["offset"] for s in vip.steps}["engineering"] == -200
        assert vip.amenities == ["fruit_b", "flowers_b"]


# ---- 1b. staff rules ---------------------------------------------------------------------------------

def test_staff_under_6_months_or_below_supervisor_for_a_vvip_are_refused_with_the_reason(hotel):
    world, tid = hotel["world"], hotel["tid"]
    vip, vvip = _stay(world, tid, "VIP", "R-VIP"), _stay(world, tid, "VVIP", "R-VVIP", arrival=ARRIVAL + timedelta(hours=1))
    new = _profile(world, tid, "new@h.test", started=date(2029, 11, 21), grade="supervisor")   # 5 months 30 days
    six = _profile(world, tid, "six@h.test", started=date(2029, 11, 20), grade="staff")        # 6 months that day
    sup = _profile(world, tid, "sup@h.test", started=date(2025, 1, 1), grade="supervisor")
    unknown = world.staff(tid, "unknown@h.test")
    with world.as_tenant(tid):
        hk = _step(vip, "housekeeping")
        with pytest.raises(HotelError) as e:
            planning.assign_step("am", hk, new, SHANGHAI)
        assert e.value.field == "assignee_id" and _says(e.value.message, "6 months", "6个月")
        with pytest.raises(HotelError) as e:
            planning.assign_step("am", hk, unknown, SHANGHAI)
        assert _says(e.value.message, "service start", "入职日期")
        planning.assign_step("am", hk, six, SHANGHAI)
        assert hk.assignee_name == "six"
        with pytest.raises(HotelError) as e:
            planning.assign_step("am", _step(vvip, "housekeeping"), six, SHANGHAI)
        assert _says(e.value.message, "supervisors or above", "主管级以上")
        planning.assign_step("am", _step(vvip, "housekeeping"), sup, SHANGHAI)
        assert _step(vvip, "housekeeping").assignee_id == sup


def test_the_staff_profile_page_keeps_service_start_and_grade(hotel):
    world, tid, client = hotel["world"], hotel["tid"], hotel["client"]
    world.staff(tid, "admin@huating.test", role="admin")
    mid = world.staff(tid, "hk1@huating.test", name="李芳")
    csrf = login(client, "admin@huating.test")
    assert "李芳" in client.get("/t/huating/hotel/staff").get_data(as_text=True)
    bad = client.post(f"/t/huating/hotel/staff/{mid}", data={"csrf_token": csrf, "service_start": "2029-13-01",
                                                            "grade": "supervisor"})
    assert bad.status_code == 400 and "has-error" in bad.get_data(as_text=True)
    ok = client.post(f"/t/huating/hotel/staff/{mid}", data={"csrf_token": csrf, "service_start": "2024-03-01",
                                                           "grade": "supervisor"})
    assert ok.status_code == 302
    with world.as_tenant(tid):
        p = planning.profile_of(mid)
        assert (p.service_start, p.grade) == (date(2024, 3, 1), "supervisor")


# ---- 2. the planning meeting -------------------------------------------------------------------------

def test_the_planning_meeting_reads_the_history_assigns_people_and_publishes_to_every_department(hotel):
    world, tid, client, api = hotel["world"], hotel["tid"], hotel["client"], hotel["api"]
    publish_template(api, "hotel_v1_v4")
    member = new_member(api, name="张部长", phone="13900000001")
    with world.as_tenant(tid):
        from core.members.models import Member
        m = db.session.get(Member, member["id"])
        m.preferences, m.hobbies = {"pillow": "荞麦枕", "tea": "龙井"}, "围棋"
        db.session.commit()
    before = _stay(world, tid, "VIP", "R-LAST", arrival=ARRIVAL - timedelta(days=60), member_id=member["id"],
                   name="张部长")
    with world.as_tenant(tid):
        history.note_guest("am", db.session.get(HotelStay, before), "喜欢清蒸鲈鱼,不吃辣")
        db.session.commit()
    sid = _stay(world, tid, "VVIP", "R-PLAN", member_id=member["id"], name="张部长", room_no="1808")
    world.staff(tid, "am@huating.test", positions=["hotel.assistant_manager"], name="陈晓峰")
    for dept in ("front_office", "housekeeping", "engineering", "qa", "fnb", "security", "marketing", "finance"):
        world.staff(tid, f"{dept}@huating.test", role="manager", positions=[f"hotel.{dept}"])
    junior = _profile(world, tid, "junior@h.test", started=date(2030, 1, 1), grade="supervisor", name="新员工")
    senior = _profile(world, tid, "senior@h.test", started=date(2020, 1, 1), grade="supervisor", name="孙丽华")
    csrf = login(client, "am@huating.test")
    page = client.get(f"/t/huating/hotel/stays/{sid}/plan").get_data(as_text=True)
    assert "荞麦枕" in page and "围棋" in page and "喜欢清蒸鲈鱼" in page
    with world.as_tenant(tid):
        hk, eng = _step(sid, "housekeeping").id, _step(sid, "engineering").id
    refused = client.post(f"/t/huating/hotel/stays/{sid}/plan", data={
        "csrf_token": csrf, f"assignee-{eng}": str(senior), f"assignee-{hk}": str(junior), "notes": "走VIP通道"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert _says(html, "6 months", "6个月")
    with world.as_tenant(tid):
        assert _step(sid, "engineering").assignee_id is None  # nothing half-assigned
    ok = client.post(f"/t/huating/hotel/stays/{sid}/plan", data={
        "csrf_token": csrf, f"assignee-{eng}": str(senior), f"assignee-{hk}": str(senior), "notes": "走VIP通道"})
    assert ok.status_code == 302
    assert client.post(f"/t/huating/hotel/stays/{sid}/plan/publish", data={"csrf_token": csrf}).status_code == 302
    assert client.post(f"/t/huating/hotel/stays/{sid}/plan/publish", data={"csrf_token": csrf}).status_code == 302
    with world.as_tenant(tid):
        plan = planning.plan_of(db.session.get(HotelStay, sid))
        assert plan.published_at is not None and plan.notes == "走VIP通道"
        assert plan.history["member"]["preferences"]["pillow"] == "荞麦枕"
        assert plan.history["stays"][0]["notes"] == "喜欢清蒸鲈鱼,不吃辣"
        notices = _tasks(f"hotel_notice:{sid}:")
        assert sorted(t.position for t in notices) == sorted(
            f"hotel.{d}" for d in ("front_office", "housekeeping", "engineering", "qa", "fnb", "security",
                                   "marketing", "finance"))  # once each, though published twice
        assert "孙丽华" in next(t.detail for t in notices if t.position == "hotel.engineering")
        from core.jobs.models import OutboxMessage
        mails = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.job == "core.mail.send_mail")).all()
        assert len({m.args["to"] for m in mails}) == 8
    client.post("/logout", data={"csrf_token": csrf})
    login(client, "engineering@huating.test")
    from unittest import mock
    with mock.patch("domains.hotel.views.utcnow", return_value=ARRIVAL - timedelta(hours=4)):
        board = client.get("/t/huating/hotel/boards/engineering/rows").get_data(as_text=True)
    assert "孙丽华" in board
    notice = client.get(f"/t/huating/hotel/stays/{sid}/forms/notice").get_data(as_text=True)
    assert "孙丽华" in notice and "走VIP通道" in notice


# ---- 3. reminders, escalations, the GM's stand-in --------------------------------------------------------

def test_a_reminder_30_min_before_and_one_escalation_when_overdue_however_often_cron_runs(hotel):
    world, tid = hotel["world"], hotel["tid"]
    sid = _stay(world, tid, "VIP", "R-REM")
    with world.as_tenant(tid):
        eng = _step(sid, "engineering")
        assert eng.due_at.astimezone(SHANGHAI).strftime("%H:%M") == "15:00"
        reminders.run_reminders_for(tid, SHANGHAI, ARRIVAL - timedelta(hours=3, minutes=31))
        assert not [t for t in _tasks("hotel_remind:") if t.source.startswith(f"hotel_remind:{eng.id}:")]
        for minute in (30, 29, 29, 10):
            reminders.run_reminders_for(tid, SHANGHAI, ARRIVAL - timedelta(hours=3, minutes=minute))
        db.session.commit()
        mine = [t for t in _tasks("hotel_remind:") if t.source.startswith(f"hotel_remind:{eng.id}:")]
        assert len(mine) == 1 and mine[0].position == "hotel.engineering" and "30" in mine[0].subject
        assert _tasks("hotel_overdue:") == [] or all(
            not t.source.startswith(f"hotel_overdue:{eng.id}:") for t in _tasks("hotel_overdue:"))
        for minutes in (1, 2, 30):  # 15:01, 15:02, 15:30
            reminders.run_reminders_for(tid, SHANGHAI, ARRIVAL - timedelta(hours=3) + timedelta(minutes=minutes))
        db.session.commit()
        overdue = [t for t in _tasks("hotel_overdue:") if t.source.startswith(f"hotel_overdue:{eng.id}:")]
        assert len(overdue) == 1 and overdue[0].position == "hotel.engineering"
        assert _step(sid, "engineering").escalated_at.astimezone(SHANGHAI).strftime("%H:%M") == "15:01"
        signed = _step(sid, "flowers")  # due 16:00, signed 15:40: never escalated
        services.sign_step("fin", Principal(label="fin", role="manager", positions=("hotel.finance",)), signed,
                           at=ARRIVAL - timedelta(hours=2, minutes=20))
        reminders.run_reminders_for(tid, SHANGHAI, ARRIVAL - timedelta(hours=1, minutes=55))
        db.session.commit()
        assert not any(t.source.startswith(f"hotel_overdue:{signed.id}:") for t in _tasks("hotel_overdue:"))
        # the arrival moves 2 h later: the new deadline (17:00) gets its own reminder
        services.move_arrival("pms", db.session.get(HotelStay, sid), ARRIVAL + timedelta(hours=2),
                              now=ARRIVAL - timedelta(hours=2, minutes=40))
        reminders.run_reminders_for(tid, SHANGHAI, ARRIVAL - timedelta(hours=1, minutes=20))
        db.session.commit()
        mine = [t for t in _tasks("hotel_remind:") if t.source.startswith(f"hotel_remind:{eng.id}:")]
        assert len(mine) == 2


def test_the_reminder_lead_is_the_tenants_choice(hotel):
    world, tid = hotel["world"], hotel["tid"]
    with world.as_tenant(tid):
        vip = planning.protocol_for("VIP")
        planning.save_protocol("admin", "VIP", amenities=vip.amenities, steps=vip.steps, remind_minutes=60)
        db.session.commit()
    sid = _stay(world, tid, "VIP", "R-LEAD")
    with world.as_tenant(tid):
        reminders.run_reminders_for(tid, SHANGHAI, ARRIVAL - timedelta(hours=3, minutes=59))
        eng = _step(sid, "engineering")
        assert eng.reminded_at is not None


def test_when_the_gm_is_away_the_most_senior_manager_on_duty_is_notified_within_1_minute(hotel, client):
    world, tid = hotel["world"], hotel["tid"]
    gm = world.staff(tid, "gm@huating.test", role="manager", positions=["hotel.gm"], name="王德明")
    _profile(world, tid, "fnb@huating.test", started=date(2015, 1, 1), grade="director", positions=["hotel.fnb"],
             role="manager", name="郑国栋")
    _profile(world, tid, "fo@huating.test", started=date(2010, 1, 1), grade="manager",
             positions=["hotel.front_office"], role="manager", name="赵雅琴")
    away_director = _profile(world, tid, "mkt@huating.test", started=date(2005, 1, 1), grade="director",
                             positions=["hotel.marketing"], role="manager", name="许婷婷")
    with world.as_tenant(tid):
        from domains.hotel.models import HotelStaffProfile
        db.session.scalar(db.select(HotelStaffProfile).where(HotelStaffProfile.membership_id == away_director)).away = True
        db.session.commit()
    sid = _stay(world, tid, "VIP", "R-AWAY", room_no="1808")
    greeting = ARRIVAL - timedelta(minutes=15)
    with world.as_tenant(tid):  # the GM is in: nobody stands in
        reminders.run_reminders_for(tid, SHANGHAI, greeting + timedelta(seconds=30))
        assert db.session.get(HotelStay, sid).stand_in_notified_at is None
        db.session.rollback()
    csrf = login(client, "gm@huating.test")
    client.post("/t/huating/hotel/gm/presence", data={"csrf_token": csrf, "away": "1"})
    assert 'value="0"' in client.get("/t/huating/hotel/gm").get_data(as_text=True)  # "I am back"
    with world.as_tenant(tid):
        assert reminders.gm_away() is True
        reminders.run_reminders_for(tid, SHANGHAI, greeting - timedelta(minutes=1))
        assert db.session.get(HotelStay, sid).stand_in_notified_at is None
        for seconds in (40, 100, 160):  # cron every minute: the first run after the greeting time tells them
            reminders.run_reminders_for(tid, SHANGHAI, greeting + timedelta(seconds=seconds))
        db.session.commit()
        stay = db.session.get(HotelStay, sid)
        assert stay.stand_in_name == "郑国栋"  # the director on duty, not the longer-serving manager
        assert stay.stand_in_notified_at - greeting <= timedelta(minutes=1)
        told = _tasks(f"hotel_stand_in:{sid}")
        assert sorted(t.position for t in told) == ["hotel.fnb", "hotel.gm"]
        assert "郑国栋" in next(t.detail for t in told if t.position == "hotel.fnb")
        # an overdue step while the GM is away reaches its department and the senior manager, once
        reminders.run_reminders_for(tid, SHANGHAI, ARRIVAL - timedelta(hours=2, minutes=59))
        reminders.run_reminders_for(tid, SHANGHAI, ARRIVAL - timedelta(hours=2, minutes=58))
        db.session.commit()
        eng = _step(sid, "engineering")
        assert sorted(t.position for t in _tasks(f"hotel_overdue:{eng.id}:")) == ["hotel.engineering", "hotel.fnb"]
    assert gm  # the GM's own profile was made by the flag
    client.post("/t/huating/hotel/gm/presence", data={"csrf_token": csrf, "away": "0"})
    with world.as_tenant(tid):
        assert reminders.gm_away() is False


def test_the_reminders_job_is_on_the_cron_every_minute(app):
    from core.jobs.cron import PERIODIC
    from core.jobs.registry import resolve
    assert ("domains.hotel.reminders.reminders", 60) in PERIODIC
    resolve("domains.hotel.reminders.reminders")
    resolve("domains.hotel.history.hotel_calendar")


# ---- 4. guest history, on-time rate, the card's calendar ----------------------------------------------

def test_the_on_time_rate_per_department_and_step(hotel):
    world, tid, client = hotel["world"], hotel["tid"], hotel["client"]
    a = _stay(world, tid, "VIP", "R-A")
    b = _stay(world, tid, "VIP", "R-B", arrival=ARRIVAL + timedelta(hours=1))
    eng = Principal(label="eng", role="manager", positions=("hotel.engineering",))
    with world.as_tenant(tid):
        services.sign_step("fo", Principal(label="fo", role="manager", positions=("hotel.front_office",)),
                           _step(a, "notice"), at=ARRIVAL - timedelta(hours=7))
        services.sign_step("eng", eng, _step(a, "engineering"), at=ARRIVAL - timedelta(hours=3, minutes=1))
        services.sign_step("eng", eng, _step(b, "engineering"), at=ARRIVAL - timedelta(hours=1, minutes=59))  # late
        services.sign_step("eng", eng, _step(a, "notice_engineering"), at=ARRIVAL - timedelta(hours=6))
        db.session.commit()
        rates = history.on_time_rates(SHANGHAI, date(2030, 5, 20), date(2030, 5, 20), ARRIVAL - timedelta(hours=1))
    row = next(r for r in rates["steps"] if r["key"] == "engineering")
    assert (row["due"], row["on_time"], row["late"], row["rate"]) == (2, 1, 1, 0.5)
    dept = next(r for r in rates["departments"] if r["department"] == "engineering")
    # two notices due 13:00 and 14:00, one signed on time; the other open and overdue at 17:00
    assert (dept["steps"], dept["due"], dept["on_time"], dept["open_overdue"]) == (4, 4, 2, 1)
    world.staff(tid, "boss@huating.test", role="manager")
    login(client, "boss@huating.test")
    csv = client.get("/t/huating/hotel/reports/on-time.csv?first=2030-05-20&last=2030-05-20").get_data(as_text=True)
    assert "50.0" in csv
    assert client.get("/t/huating/hotel/reports/on-time?first=2030-05-21&last=2030-05-01").status_code == 400


def test_the_guest_page_shows_stays_requests_and_preferences(hotel):
    world, tid, client, api = hotel["world"], hotel["tid"], hotel["client"], hotel["api"]
    publish_template(api, "hotel_v1_v4")
    member = new_member(api, name="李董事长", phone="13900000002")
    api.ok("POST", "/service-requests", {"kind": "complaint", "subject": "空调噪音", "member_id": member["id"]})
    with world.as_tenant(tid):
        from core.members.models import Member
        db.session.get(Member, member["id"]).preferences = {"floor": "高楼层"}
        db.session.commit()
    _stay(world, tid, "VIP", "R-G", member_id=member["id"], name="李董事长")
    world.staff(tid, "am@huating.test", positions=["hotel.assistant_manager"])
    login(client, "am@huating.test")
    page = client.get(f"/t/huating/hotel/guests/{member['id']}").get_data(as_text=True)
    assert "高楼层" in page and "空调噪音" in page and "R-G" in page


def _card_holder(api, name, birthday, phone):
    m = new_member(api, name=name, birthday=birthday, phone=phone)
    buy(api, m["id"], f"first-{phone}", [line(680)])  # the first spend gives the V4 card
    return m


def test_a_birthday_in_house_gets_a_1lb_cake_or_wine_otherwise_a_card_by_post_once_a_year(hotel):
    world, tid, api = hotel["world"], hotel["tid"], hotel["api"]
    publish_template(api, "hotel_v1_v4")
    in_house = _card_holder(api, "王总", "1970-05-20", "13900000011")
    away = _card_holder(api, "赵教授", "1965-05-20", "13900000012")
    with world.as_tenant(tid):
        from core.members.models import Member
        assert db.session.get(Member, in_house["id"]).tier_key is not None
    sid = _stay(world, tid, "VIP", "R-BDAY", arrival=ARRIVAL - timedelta(days=1), member_id=in_house["id"],
                name="王总", departure_at=ARRIVAL + timedelta(days=2), room_no="1608")
    with world.as_tenant(tid):
        db.session.get(HotelStay, sid).status = "in_house"
        db.session.commit()
        week_before = datetime(2030, 5, 13, 9, 0, tzinfo=SHANGHAI)
        history.birthdays_for(tid, SHANGHAI, week_before)
        history.birthdays_for(tid, SHANGHAI, week_before + timedelta(hours=1))
        db.session.commit()
        cards = _tasks("hotel_bday_card:2030:")
        assert [(t.member_id, t.position) for t in cards] == [(away["id"], "hotel.sales")]  # not the guest staying then
        on_the_day = datetime(2030, 5, 20, 9, 0, tzinfo=SHANGHAI)
        for hour in range(3):
            history.birthdays_for(tid, SHANGHAI, on_the_day + timedelta(hours=hour))
        db.session.commit()
        cakes = _tasks("hotel_bday_cake:2030:")
        assert [(t.member_id, t.position) for t in cakes] == [(in_house["id"], "hotel.fnb")]
        assert _says(cakes[0].subject, "1 lb", "1磅") and "1608" in cakes[0].detail
        assert len(_tasks("hotel_bday_card:2030:")) == 1


def test_the_monthly_top_10_by_spend_and_the_statements_every_2_months(hotel):
    world, tid, api = hotel["world"], hotel["tid"], hotel["api"]
    publish_template(api, "hotel_v1_v4")
    ids = []
    for i in range(12):
        m = new_member(api, name=f"客人{i:02d}", phone=f"139000001{i:02d}")
        ids.append(m["id"])
        buy(api, m["id"], f"F-{i}", [line(1000 + 100 * i)], at=datetime(2030, 4, 10, 12, tzinfo=SHANGHAI))
    with world.as_tenant(tid):
        first_of_may = datetime(2030, 5, 1, 0, 30, tzinfo=SHANGHAI)
        assert history.top_spenders_for(tid, SHANGHAI, first_of_may - timedelta(days=1)) == 0
        history.top_spenders_for(tid, SHANGHAI, first_of_may)
        history.top_spenders_for(tid, SHANGHAI, first_of_may + timedelta(hours=1))
        db.session.commit()
        (top,) = _tasks("hotel_top10:2030-04")
        lines = top.detail.splitlines()
        assert top.position == "hotel.marketing" and len(lines) == 10
        assert lines[0].startswith("1. 客人11") and lines[9].startswith("10. 客人02")
        assert history.statements_for(tid, SHANGHAI, datetime(2030, 6, 1, 9, tzinfo=SHANGHAI)) == 0  # not in June
        july = datetime(2030, 7, 1, 1, 0, tzinfo=SHANGHAI)
        assert history.statements_for(tid, SHANGHAI, july) == 12
        assert history.statements_for(tid, SHANGHAI, july + timedelta(hours=1)) == 0
        db.session.commit()
        (post,) = _tasks("hotel_statements:2030-07")
        assert post.position == "hotel.sales" and "12" in post.subject
