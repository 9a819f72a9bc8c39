"""The hotel demo: every position staffed (with service dates and grades, a new hire among them), and
a week of IP/VIP/VVIP stays in every state — upcoming, in progress with some steps late, sealed, in
house, departed — made through the same services as the PMS and the boards; tomorrow's VVIP has had
its planning meeting and the notice is published; the reminder job has run once, so today's late
steps are escalated."""
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from core.demo import seed_staff
from core.extensions import db
from core.identity.principal import Principal
from core.models import utcnow

PEOPLE = [
    ("gm@huating-hotel.demo", "王德明", "manager", ['hotel.gm']),  # 总经理
    ("gma@huating-hotel.demo", "刘思雨", "staff", ['hotel.gm_assistant']),  # 总经理助理
    ("am@huating-hotel.demo", "陈晓峰", "staff", ['hotel.assistant_manager']),  # 大堂副理
    ("fo@huating-hotel.demo", "赵雅琴", "manager", ['hotel.front_office']),  # 前厅经理
    ("hk@huating-hotel.demo", "孙丽华", "manager", ['hotel.housekeeping']),  # 客房部经理
    ("eng@huating-hotel.demo", "马永强", "manager", ['hotel.engineering']),  # 工程部经理
    ("qa@huating-hotel.demo", "黄俊杰", "manager", ['hotel.qa']),  # 质检经理
    ("qaa@huating-hotel.demo", "吴佳怡", "staff", ['hotel.qa_assistant']),  # 质检经理助理
    ("fnb@huating-hotel.demo", "郑国栋", "manager", ['hotel.fnb']),  # 餐饮总监
    ("sec@huating-hotel.demo", "何志勇", "manager", ['hotel.security']),  # 保安部经理
    ("mkt@huating-hotel.demo", "许婷婷", "manager", ['hotel.marketing']),  # 市场营销部经理
    ("sales@huating-hotel.demo", "冯浩然", "staff", ['hotel.sales']),  # 销售经理
    ("fin@huating-hotel.demo", "曹静", "staff", ['hotel.finance']),  # 财务采购
    ("hks@huating-hotel.demo", "李芳", "staff", []),  # 客房主管
    ("hkn@huating-hotel.demo", "周小雨", "staff", []),  # 客房服务员, 入职不满6个月
]

# (e-mail, years of service, grade): who may serve a VIP (6 months) or a VVIP (supervisor or above)
PROFILES = [("gm@huating-hotel.demo", 12, "executive"), ("fnb@huating-hotel.demo", 9, "director"),
            ("fo@huating-hotel.demo", 8, "manager"), ("hk@huating-hotel.demo", 10, "manager"),
            ("eng@huating-hotel.demo", 15, "manager"), ("qa@huating-hotel.demo", 6, "manager"),
            ("sec@huating-hotel.demo", 5, "manager"), ("mkt@huating-hotel.demo", 4, "manager"),
            ("sales@huating-hotel.demo", 3, "supervisor"), ("fin@huating-hotel.demo", 7, "supervisor"),
            ("gma@huating-hotel.demo", 3, "supervisor"), ("qaa@huating-hotel.demo", 2, "supervisor"),
            ("am@huating-hotel.demo", 4, "supervisor"), ("hks@huating-hotel.demo", 5, "supervisor"),
            ("hkn@huating-hotel.demo", 0.25, "staff")]


GUESTS = ["张部长", "李董事长", "王总", "赵教授", "陈先生", "刘女士", "周主任", "吴总经理", "孙院士", "郑先生"]


def seed_demo(tenant):
    logins = seed_staff(tenant, PEOPLE)
    staff = _profiles()
    _a_week_of_stays()
    _plan_tomorrows_vvip(staff, ZoneInfo(tenant.timezone))
    from domains.hotel.reminders import run_reminders_for
    run_reminders_for(tenant.id, ZoneInfo(tenant.timezone), utcnow())  # today's late steps escalate
    return logins


def _profiles() -> dict:
    from sqlalchemy import select

    from core.identity.models import Membership, User
    from domains.hotel.planning import save_profile
    ids = {e: i for e, i in db.session.execute(select(User.email, Membership.id).join(Membership, Membership.user_id == User.id))}
    today = utcnow().date()
    for email, years, grade in PROFILES:
        save_profile("demo", ids[email], service_start=today - timedelta(days=int(years * 365)), grade=grade)
    return ids


def _plan_tomorrows_vvip(staff: dict, tz) -> None:
    """The planning meeting for tomorrow's VVIP: each department's step to a named person, published."""
    from sqlalchemy import select

    from domains.hotel.models import HotelStay, HotelStep
    from domains.hotel.planning import hold_meeting, publish_plan
    now = utcnow()
    stay = db.session.scalars(select(HotelStay).where(HotelStay.level == "VVIP", HotelStay.arrival_at > now)
                              .order_by(HotelStay.arrival_at)).first()
    if stay is None:
        return
    people = {"housekeeping": "hks@huating-hotel.demo", "engineering": "eng@huating-hotel.demo",
              "qa": "qaa@huating-hotel.demo", "fnb": "fnb@huating-hotel.demo", "front_office": "am@huating-hotel.demo",
              "security": "sec@huating-hotel.demo", "marketing": "mkt@huating-hotel.demo",
              "finance": "fin@huating-hotel.demo"}
    steps = db.session.scalars(select(HotelStep).where(HotelStep.stay_id == stay.id, HotelStep.signed_at.is_(None)))
    stay.special_needs = stay.special_needs or "不吃辣;高楼层、远离电梯;需要加湿器"
    hold_meeting("am@huating-hotel.demo", stay, notes="走贵宾通道;总经理率部门经理大堂外迎接,迎宾献花。",
                 assignments={s.id: staff[people[s.department]] for s in steps if s.department in people}, tz=tz)
    publish_plan("am@huating-hotel.demo", stay, now=now)


def _signer(position):
    return Principal(label=f"{position}@demo", role="manager", positions=(position,))


def _a_week_of_stays():
    from domains.hotel import services
    now = utcnow()
    gm = Principal(label="gm@huating-hotel.demo", role="manager", positions=("hotel.gm",))
    levels = ("IP", "VIP", "VVIP")
    n = 0
    for day in range(-3, 4):
        for k in range(3):
            arrival = (now + timedelta(days=day)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=3 + 4 * k)
            stay, _ = services.upsert_from_pms("pms", {
                "reservation_no": f"HT{day + 3}{k}", "guest_name": GUESTS[n % len(GUESTS)], "room_no": f"{18 + k}08",
                "arrival_at": arrival, "departure_at": arrival + timedelta(days=2),
                "meal_at": arrival + timedelta(hours=2) if k == 1 else None,
                "requested_level": levels[(n + 1) % 3] if k == 2 else None, "request_source": "sales"},
                now=arrival - timedelta(days=7))
            n += 1
            if k == 2 and day > 0:
                continue  # a request still waiting for the GM
            services.decide_level(gm, gm, stay, level=levels[n % 3])
            steps = db.session.scalars(services.steps_query(stay.id)).all()
            for step in steps:
                if step.due_at is None or step.due_at > now or step.anchor == "departure":
                    continue
                if day == 0 and k == 0 and (step.key in ("qa_final", "sealing") or step.key.startswith("notice_")):
                    continue  # in progress today: departments have not signed for the notice, overdue
                late = day == 0 and step.key == "engineering"
                at = step.due_at + (timedelta(minutes=20) if late else -timedelta(minutes=15))
                if all(_signed(steps, d) for d in step.depends_on):
                    services.sign_step(step.signers[0], _signer(step.signers[0]), step, at=at)
            if arrival < now and day < 0 and arrival + timedelta(days=2) < now:
                services.record_departure("fo@huating-hotel.demo", stay, arrival + timedelta(days=2))
                for step in steps:
                    if step.anchor == "departure" and step.signed_at is None:
                        if all(_signed(steps, d) for d in step.depends_on):
                            services.sign_step(step.signers[0], _signer(step.signers[0]), step,
                                               at=step.due_at - timedelta(minutes=5))
            elif arrival < now:
                stay.status = "in_house"
    db.session.flush()


def _signed(steps, key):
    return any(s.key == key and s.signed_at is not None for s in steps)
