"""The reception timeline from the seed's numbers (000 酒店VIP客户接待规程): the notice 5 h before,
engineering 3 h, sealing by the right assistant only after engineering and QA, a moved arrival
moving every deadline, the departure notice within 2 h; and the PMS endpoint, idempotent and
answering bad input with the field."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.identity.principal import Principal
from domains.hotel import services
from domains.hotel.models import HotelStay, HotelStep
from domains.hotel.services import HotelError
from tests.conftest import Api

SHANGHAI = ZoneInfo("Asia/Shanghai")
ARRIVAL = datetime(2030, 5, 20, 18, 0, tzinfo=SHANGHAI)  # 18:00 in the hotel's own zone


def who(*positions, role="manager"):
    return Principal(label=f"{positions[0] if positions else role}@hotel.test", role=role, positions=positions,
                     membership_id=hash(positions) % 10_000)


GM = who("hotel.gm")


@pytest.fixture
def hotel(app, client, world):
    tid = world.tenant("huating", domains=["hotel"], name="华庭", timezone="Asia/Shanghai")
    _kid, key = world.api_key(tid, role="staff")
    return {"tid": tid, "api": Api(client, "huating/hotel", key), "world": world}  # the domain's API


def _stay(world, tid, level, arrival=ARRIVAL, departure=None, meal=None):
    with world.as_tenant(tid):
        stay, _ = services.upsert_from_pms("pms", {"reservation_no": f"R-{level}-{arrival:%H%M}",
                                                   "guest_name": "张先生", "arrival_at": arrival,
                                                   "departure_at": departure, "meal_at": meal},
                                           now=arrival - timedelta(days=1))
        services.decide_level("gm@hotel.test", GM, stay, level=level)
        db.session.commit()
        return stay.id


def _step(tid, world, stay_id, key) -> HotelStep:
    return db.session.scalar(db.select(HotelStep).where(HotelStep.stay_id == stay_id, HotelStep.key == key))


def test_a_notice_published_4h59_before_arrival_is_late(hotel):
    world, tid = hotel["world"], hotel["tid"]
    sid = _stay(world, tid, "VIP")
    with world.as_tenant(tid):
        notice = _step(tid, world, sid, "notice")
        assert notice.due_at == ARRIVAL - timedelta(hours=5)
        services.sign_step("fo", who("hotel.front_office"), notice, at=ARRIVAL - timedelta(hours=4, minutes=59))
        assert notice.late is True
        on_time = _step(tid, world, sid, "notice_engineering")
        services.sign_step("eng", who("hotel.engineering"), on_time, at=ARRIVAL - timedelta(hours=5, minutes=1))
        assert on_time.late is False


def test_engineering_signing_2h59_before_is_late(hotel):
    world, tid = hotel["world"], hotel["tid"]
    sid = _stay(world, tid, "VIP")
    with world.as_tenant(tid):
        eng = _step(tid, world, sid, "engineering")
        services.sign_step("eng", who("hotel.engineering"), eng, at=ARRIVAL - timedelta(hours=2, minutes=59))
        assert eng.late is True
        assert eng.due_at.astimezone(SHANGHAI) == datetime(2030, 5, 20, 15, 0, tzinfo=SHANGHAI)


def test_sealing_a_vvip_room_only_by_the_gms_assistant_after_engineering_and_qa(hotel):
    world, tid = hotel["world"], hotel["tid"]
    sid = _stay(world, tid, "VVIP")
    with world.as_tenant(tid):
        sealing = _step(tid, world, sid, "sealing")
        early = ARRIVAL - timedelta(hours=2)
        with pytest.raises(HotelError) as refused:
            services.sign_step("qaa", who("hotel.qa_assistant"), sealing, at=early)
        assert refused.value.status == 403 and refused.value.field == "position"
        with pytest.raises(HotelError) as owner:  # not even the owner: the protocol names the GM's assistant
            services.sign_step("owner", who(role="owner"), sealing, at=early)
        assert owner.value.status == 403
        with pytest.raises(HotelError) as waiting:
            services.sign_step("gma", who("hotel.gm_assistant"), sealing, at=early)
        assert waiting.value.status == 409 and "engineering" in waiting.value.message
        for key, pos, minutes in (("housekeeping", "hotel.housekeeping", 200), ("engineering", "hotel.engineering", 190),
                                  ("qa_final", "hotel.qa", 70)):
            services.sign_step(key, who(pos), _step(tid, world, sid, key), at=ARRIVAL - timedelta(minutes=minutes))
        services.sign_step("gma", who("hotel.gm_assistant"), sealing, at=ARRIVAL - timedelta(minutes=40))
        assert sealing.signed_position == "hotel.gm_assistant" and sealing.late is False
    vip = _stay(world, tid, "VIP", arrival=ARRIVAL + timedelta(hours=1))
    with world.as_tenant(tid):
        assert _step(tid, world, vip, "sealing").signers == ["hotel.qa_assistant"]


def test_moving_the_arrival_2h_later_moves_every_deadline_and_tells_every_department(hotel):
    world, tid = hotel["world"], hotel["tid"]
    sid = _stay(world, tid, "VVIP", departure=ARRIVAL + timedelta(days=2), meal=ARRIVAL + timedelta(hours=1))
    api = hotel["api"]
    with world.as_tenant(tid):
        before = {s.key: s.due_at for s in db.session.scalars(services.steps_query(sid))}
    moved = api.ok("POST", "/stays", {"reservation_no": "R-VVIP-1800", "guest_name": "张先生",
                                     "arrival_at": (ARRIVAL + timedelta(hours=2)).isoformat(),
                                     "departure_at": (ARRIVAL + timedelta(days=2)).isoformat(),
                                     "meal_at": (ARRIVAL + timedelta(hours=1)).isoformat()}, status=(200,))
    after = {s["key"]: datetime.fromisoformat(s["due_at"]) for s in moved["steps"]}
    arrival_steps = [k for k in before if k not in ("fnb_sealed", "fnb_qa", "send_off", "departure_told",
                                                    "left_items", "departure_notice")]
    assert arrival_steps and all(after[k] - before[k] == timedelta(hours=2) for k in arrival_steps)
    assert after["fnb_sealed"] == before["fnb_sealed"]  # the meal did not move
    with world.as_tenant(tid):
        from core.tasks.models import Task
        told = {t.position for t in db.session.scalars(db.select(Task).where(Task.source.like("hotel_arrival:%")))}
    assert {"hotel.front_office", "hotel.engineering", "hotel.qa", "hotel.housekeeping", "hotel.fnb"} <= told


def test_a_departure_notice_2h01_after_departure_is_late(hotel):
    world, tid = hotel["world"], hotel["tid"]
    sid = _stay(world, tid, "VIP", departure=ARRIVAL + timedelta(days=1))
    left = ARRIVAL + timedelta(days=1, minutes=-20)  # the guest left 20 minutes early
    with world.as_tenant(tid):
        stay = db.session.get(HotelStay, sid)
        services.record_departure("fo", stay, left)
        told = _step(tid, world, sid, "departure_told")
        services.sign_step("hk", who("hotel.housekeeping"), told, at=left + timedelta(minutes=25))
        assert told.late is False
        notice = _step(tid, world, sid, "departure_notice")
        assert notice.due_at == left + timedelta(hours=2)
        services.sign_step("fo", who("hotel.front_office"), notice, at=left + timedelta(hours=2, minutes=1))
        assert notice.late is True


def test_only_the_gm_decides_and_a_request_can_be_rejected(hotel):
    world, tid = hotel["world"], hotel["tid"]
    with world.as_tenant(tid):
        stay, _ = services.upsert_from_pms("pms", {"reservation_no": "R-REQ", "guest_name": "李总",
                                                   "arrival_at": ARRIVAL, "requested_level": "VVIP",
                                                   "request_source": "office"}, now=ARRIVAL - timedelta(days=1))
        assert stay.level_status == "requested" and stay.level is None
        with pytest.raises(HotelError):
            services.decide_level("sales", who("hotel.sales"), stay, level="VVIP")
        services.decide_level("gm", GM, stay, approve=False)
        assert stay.level_status == "rejected"
        assert db.session.scalars(services.steps_query(stay.id)).all() == []


def test_the_pms_endpoint_is_idempotent_and_answers_bad_input_with_the_field(hotel):
    api = hotel["api"]
    body = {"reservation_no": "PMS-0001", "guest_name": "王女士", "arrival_at": (ARRIVAL).isoformat(),
            "requested_level": "VIP", "request_source": "sales"}
    first = api.ok("POST", "/stays", body, status=(201,))
    again = api.ok("POST", "/stays", body, status=(200,))
    assert again["id"] == first["id"] and first["level_status"] == "requested"
    for bad, field in (({**body, "reservation_no": "PMS-2", "requested_level": "VVVIP"}, "requested_level"),
                       ({**body, "reservation_no": "PMS-3", "arrival_at": "2020-01-01T10:00:00+08:00"}, "arrival_at"),
                       ({**body, "reservation_no": "PMS-4", "arrival_at": "next tuesday"}, "arrival_at"),
                       ({**body, "reservation_no": "PMS-5", "arrival_at": "2030-05-20T18:00:00"}, "arrival_at"),
                       ({**body, "reservation_no": "PMS-6", "departure_at": "2030-05-19T18:00:00+08:00"},
                        "departure_at"),
                       ({**body, "reservation_no": ""}, "reservation_no")):
        resp = api("POST", "/stays", bad)
        assert resp.status_code == 422 and field in resp.get_json()["errors"], (field, resp.get_json())
    with hotel["world"].as_tenant(hotel["tid"]):
        assert [s.reservation_no for s in db.session.scalars(db.select(HotelStay))] == ["PMS-0001"]  # nothing half-made


def test_the_three_forms_print_and_download_as_pdf_in_chinese(app, hotel):
    world, tid = hotel["world"], hotel["tid"]
    sid = _stay(world, tid, "VVIP", departure=ARRIVAL + timedelta(days=1), meal=ARRIVAL + timedelta(hours=1))
    with world.as_tenant(tid):
        services.sign_step("eng", who("hotel.engineering"), _step(tid, world, sid, "engineering"),
                           at=ARRIVAL - timedelta(hours=4))
        db.session.commit()
    world.staff(tid, "fo@huating.test", role="manager", positions=["hotel.front_office"])
    from tests.conftest import login
    c = app.test_client()
    login(c, "fo@huating.test")
    page = c.get(f"/t/huating/hotel/stays/{sid}/forms/sealing").get_data(as_text=True)
    assert "贵宾封房确认表" in page and "工程部检查全部设施设备" in page and "eng · 2030-05-20 14:00" in page
    notice = c.get(f"/t/huating/hotel/stays/{sid}/forms/notice").get_data(as_text=True)
    assert "贵宾接待通知单" in notice and "A级果篮" in notice
    for form in ("notice", "sealing", "departure"):
        pdf = c.get(f"/t/huating/hotel/stays/{sid}/forms/{form}.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
        assert b"STSong-Light" in pdf.data  # the built-in Chinese font: no system fonts needed
    assert c.get(f"/t/huating/hotel/stays/{sid}/forms/menu").status_code == 404


def test_the_demo_hotel_has_a_week_of_stays_in_every_state(app, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    from core.tenancy.context import tenant_context
    from core.tenancy.models import Tenant
    with app.app_context():
        tenant = db.session.scalar(db.select(Tenant).where(Tenant.slug == "huating-hotel"))
        with tenant_context(tenant.id):
            stays = db.session.scalars(db.select(HotelStay)).all()
            assert len(stays) == 21
            assert {s.status for s in stays} >= {"upcoming", "in_house", "departed"}
            assert {s.level for s in stays if s.level} == {"IP", "VIP", "VVIP"}
            assert any(s.level_status == "requested" for s in stays)
            steps = db.session.scalars(db.select(HotelStep)).all()
            assert any(s.key == "sealing" and s.signed_at for s in steps)        # sealed rooms
            assert any(s.late for s in steps)                                     # steps signed late
            from core.models import utcnow
            assert any(s.signed_at is None and s.due_at and s.due_at < utcnow() for s in steps)  # overdue now
            assert any(s.key == "departure_notice" and s.signed_at for s in steps)
            # the new parts: service records (one new hire), tomorrow's VVIP planned and published,
            # today's late steps escalated once by the reminder job
            from domains.hotel.models import HotelPlan, HotelStaffProfile
            profiles = db.session.scalars(db.select(HotelStaffProfile)).all()
            assert len(profiles) == 15 and sum(p.service_start > utcnow().date() - timedelta(days=180)
                                               for p in profiles) == 1
            (plan,) = db.session.scalars(db.select(HotelPlan)).all()
            assert plan.published_at is not None and db.session.get(HotelStay, plan.stay_id).level == "VVIP"
            assert any(s.assignee_name == "李芳" and s.key == "housekeeping" for s in steps)
            assert any(s.escalated_at for s in steps)
