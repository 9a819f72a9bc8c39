"""The postal demo (明州市邮政局): a lead, 5 client managers, the departments, 300 VIP clients (companies
with contacts, and persons), their plans and agreed prices, a quarter of logged visits with some
overdue and some promises broken, next quarter planned, a station with its log, a club event.

Written in bulk (one INSERT per table for the clients, contacts, plans, visits and purchases) so that
the test suite can seed it in a moment; promises go through the service so each opens its task."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from core.demo import seed_staff
from core.extensions import db
from core.identity.models import Membership, User
from core.identity.principal import Principal
from core.members.models import Member, MemberContact
from core.models import utcnow
from core.tasks.models import Task
from core.tenancy.sequences import TenantSequence

PEOPLE = [
    ("lead@mingzhou-post.demo", "韩建平", "manager", ['postal.lead']),  # 客户经理主管
    ("cm1@mingzhou-post.demo", "邓丽", "staff", ['postal.client_manager']),  # 客户经理
    ("cm2@mingzhou-post.demo", "彭宇", "staff", ['postal.client_manager']),
    ("cm3@mingzhou-post.demo", "罗婷", "staff", ['postal.client_manager']),
    ("cm4@mingzhou-post.demo", "梁志强", "staff", ['postal.client_manager']),
    ("cm5@mingzhou-post.demo", "宋雨桐", "staff", ['postal.client_manager']),
    ("hl@mingzhou-post.demo", "蒋晓梅", "staff", ['postal.hotline_operator', 'postal.customer_service']),  # 11185话务员
    ("st@mingzhou-post.demo", "蔡明", "staff", ['postal.stationed_staff']),  # 驻点人员
    ("mail@mingzhou-post.demo", "唐海燕", "staff", ['postal.mail']),  # 函件部
    ("parcels@mingzhou-post.demo", "许光明", "staff", ['postal.parcels']),  # 包裹快递部
    ("finance@mingzhou-post.demo", "韦红", "staff", ['postal.finance']),  # 邮政金融部
    ("phil@mingzhou-post.demo", "葛文博", "staff", ['postal.philately']),  # 集邮部
    ("delivery@mingzhou-post.demo", "范立军", "staff", ['postal.delivery']),  # 投递部
]

COMPANY_WORDS = ["明州", "东海", "甬江", "天一", "四明", "镇海", "北仑", "象山", "宁海", "慈溪"]
COMPANY_KINDS = ["电子商务有限公司", "进出口有限公司", "银行分行", "保险公司", "制造有限公司", "物流有限公司",
                 "出版社", "律师事务所", "医院", "中学"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"]
NEEDS = ["每月对账单批量寄递", "电商包裹上门揽收", "代发工资与理财咨询", "纪念邮票定制", "合同文件当日投递",
         "国际小包报关", "年终贺卡印制寄递"]
PROMISES = [("parcels", "安排每日16点上门揽收"), ("finance", "提供企业理财方案"), ("mail", "核对月度对账单寄递价格"),
            ("philately", "报送个性化邮票样稿"), ("delivery", "调整投递时段至上午")]


def seed_demo(tenant):
    logins = seed_staff(tenant, PEOPLE)
    seed_clients(tenant.id, 300, today=utcnow().date())
    return logins


def _managers() -> list[int]:
    rows = db.session.scalars(select(Membership).join(User).order_by(User.email)).all()
    return [m.id for m in rows if "postal.client_manager" in (m.positions or ())]


def _name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def seed_clients(tenant_id: int, n: int, *, today: date, seed: int = 10) -> dict:
    """``n`` clients spread over the tenant's client managers, with a quarter of history. Returns counts."""
    from core.tiers.services import create_draft, live_scheme, publish
    from domains.postal import services, visits
    from domains.postal.models import PostalPlan, PostalPrice, PostalStation, PostalStationLog, PostalVisit
    rng = random.Random(seed)
    now = utcnow()
    scheme = live_scheme()
    if scheme is None:
        scheme = publish(None, create_draft(None, template="ordinary_vip_svip"), note="postal demo")
    managers = _managers()
    services.ensure_cadences()
    m = Member.__table__
    first_no = int(db.session.scalar(select(TenantSequence.value).where(TenantSequence.name == "member")) or 0)
    rows, contacts = [], []
    for i in range(n):
        no = first_no + i + 1
        company = i % 3 != 2           # two in three are companies (对公客户)
        tier = "svip" if i % 5 == 0 else "vip"
        name = (f"{COMPANY_WORDS[i % 10]}{COMPANY_KINDS[(i // 10) % 10]}" + (f"{i // 100 + 1}" if i >= 100 else "")
                if company else _name(rng))
        rows.append({"tenant_id": tenant_id, "member_no": f"M{no:07d}", "name": name[:80], "gender": "unspecified",
                     "phone": None if company else f"139{no:08d}", "kind": "company" if company else "person",
                     "birthday": None if company else date(1960 + i % 35, 1 + i % 12, 1 + i % 28),
                     "address": f"明州市海曙区中山路{100 + i}号", "preferences": {}, "contact_channel": "call",
                     "promotions_consent": False, "tier_key": tier, "tier_scheme_id": scheme.id, "tier_since": now,
                     "points_balance": 0, "client_manager_id": managers[i % len(managers)] if managers else None,
                     "created_at": now})
    db.session.execute(insert(m), rows)
    seq = db.session.scalar(select(TenantSequence).where(TenantSequence.name == "member"))
    if seq is None:
        db.session.add(TenantSequence(name="member", value=first_no + n))
    else:
        seq.value = first_no + n
    db.session.flush()
    members = db.session.execute(select(m.c.id, m.c.kind, m.c.tier_key, m.c.client_manager_id, m.c.member_no)
                                 .where(m.c.tenant_id == tenant_id, m.c.member_no > f"M{first_no:07d}")
                                 .order_by(m.c.id)).all()
    for k, (mid, kind, *_r) in enumerate(members):
        if kind == "company":
            for j in range(1 + k % 2):
                contacts.append({"tenant_id": tenant_id, "member_id": mid, "name": _name(rng),
                                 "phone": f"137{(k * 2 + j + first_no * 2):08d}", "title": ("办公室主任", "财务经理")[j],
                                 "created_at": now})
    if contacts:
        db.session.execute(insert(MemberContact.__table__), contacts)
    # plans for last year and this year, with the agreed volume; last year's business (purchases)
    plans = []
    for k, (mid, kind, tier, *_r) in enumerate(members):
        goal = (500_000_00 if tier == "svip" else 100_000_00) if kind == "company" else 20_000_00
        for year in (today.year - 1, today.year):
            plans.append({"tenant_id": tenant_id, "member_id": mid, "year": year, "needs": NEEDS[k % len(NEEDS)],
                          "services": ["mail", "parcels"] if k % 2 else ["finance", "philately"],
                          "goals": "巩固合作, 提升用邮量", "yearly_goal_fen": goal, "updated_at": now,
                          "updated_by": "demo", "created_at": now})
    db.session.execute(insert(PostalPlan.__table__), plans)
    plan_ids = dict(db.session.execute(select(PostalPlan.member_id, PostalPlan.id)
                                       .where(PostalPlan.year == today.year)).all())
    db.session.execute(insert(PostalPrice.__table__), [
        {"tenant_id": tenant_id, "plan_id": plan_ids[mid], "service": "parcels", "item": "省内标准快递 首重1kg",
         "rule_level": ("national", "provincial", "city")[k % 3], "rule_ref": f"明邮〔{today.year}〕{k % 40 + 1}号",
         "list_price_fen": 1200, "agreed_price_fen": 800 if k % 5 == 0 else 950,
         "valid_from": date(today.year, 1, 1), "valid_until": date(today.year, 12, 31), "created_at": now}
        for k, (mid, *_r) in enumerate(members)])
    _last_year_business(tenant_id, members, today, rng, now)
    # a quarter of visits: logged ones every cadence; one client in eight fell behind (overdue), and one
    # in twenty has a planned visit whose day passed without a log (escalated to the lead)
    cad = services.cadences()
    vrows = []
    for k, (mid, kind, tier, manager_id, _no) in enumerate(members):
        every = cad.get(tier, 91)
        behind = k % 8 == 3
        day = today - timedelta(days=every + 5 + k % 7 if behind else 1 + k % (every - 1))
        while day > today - timedelta(days=92):
            vrows.append({"tenant_id": tenant_id, "member_id": mid, "manager_id": manager_id, "planned_on": day,
                          "status": "done", "source": "cadence", "visited_on": day,
                          "visited_at": datetime.combine(day, time(2, 0)).replace(tzinfo=now.tzinfo),
                          "place": "客户收寄点", "contact_name": "办公室主任" if kind == "company" else None,
                          "needs_found": NEEDS[(k + day.day) % len(NEEDS)], "next_step": "下次走访跟进",
                          "logged_by": "demo", "created_at": now})
            day -= timedelta(days=every)
        if k % 20 == 7:
            vrows.append({"tenant_id": tenant_id, "member_id": mid, "manager_id": manager_id,
                          "planned_on": today - timedelta(days=3 + k % 5), "status": "planned", "source": "cadence",
                          "visited_on": None, "visited_at": None, "place": None, "contact_name": None,
                          "needs_found": None, "next_step": None, "logged_by": None, "created_at": now})
    db.session.execute(insert(PostalVisit.__table__), vrows)
    db.session.flush()
    # promises on a few recent visits: kept, late, broken (open past due), still open
    recent = db.session.execute(select(PostalVisit, Member).join(Member, Member.id == PostalVisit.member_id)
                                .where(PostalVisit.status == "done",
                                       PostalVisit.visited_on >= today - timedelta(days=40))
                                .order_by(PostalVisit.id).limit(60)).all()
    lead = Principal(label="demo", role="manager", positions=("postal.lead",))
    for k, (visit, member) in enumerate(recent):
        dept, text = PROMISES[k % len(PROMISES)]
        due = datetime.combine(visit.visited_on + timedelta(days=7 if k % 4 else 30), time(9, 30)).replace(
            tzinfo=now.tzinfo)
        promise = visits.make_promise(lead, visit, member, text, dept, due)
        task = db.session.get(Task, promise.task_id)
        if k % 3 == 0:      # kept on time
            task.status, task.done_at, task.done_by = "done", due - timedelta(days=2), "demo"
        elif k % 7 == 1:    # kept, but late
            task.status, task.done_at, task.done_by = "done", due + timedelta(days=1), "demo"
    # next quarter planned from the cadence (set-based)
    visits.plan_visits(None, today, today + timedelta(days=91), now=now)
    # stationing at the largest client, with a week of its log
    staff = db.session.scalar(select(Membership).join(User).where(User.email == "st@mingzhou-post.demo"))
    if staff is not None:
        station = PostalStation(member_id=members[0][0], staff_id=staff.id, location="客户大楼一层收发室",
                                weekdays=[1, 2, 3, 4, 5], opens="09:00", closes="17:00",
                                starts_on=today - timedelta(days=60))
        db.session.add(station)
        db.session.flush()
        for back in range(1, 8):
            day = today - timedelta(days=back)
            if day.isoweekday() <= 5:
                db.session.add(PostalStationLog(station_id=station.id, day=day, items_handled=40 + back * 3,
                                                needs="月底集中寄递", author="st@mingzhou-post.demo"))
    services.set_holiday(None, date(today.year + 1, 1, 1), "元旦")
    db.session.flush()
    return {"clients": len(members), "contacts": len(contacts), "visits": len(vrows), "promises": len(recent)}


def _last_year_business(tenant_id, members, today, rng, now) -> None:
    """The business of last year (one yearly total per client, as a purchase) and of this year to date,
    so the yearly evaluation has years to judge: about one client in six falls short of the agreed volume."""
    from core.purchases.models import Purchase
    rows = []
    for year in (today.year - 1, today.year):
        share = 1 if year < today.year else max(0, (today - date(year, 1, 10)).days) / 365
        day = date(year, 12, 20) if year < today.year else today - timedelta(days=10)  # no follow-up call
        for k, (mid, kind, tier, *_r) in enumerate(members):
            goal = (500_000_00 if tier == "svip" else 100_000_00) if kind == "company" else 20_000_00
            paid = int(goal * share) * (60 if k % 6 == 1 else 110 + k % 30) // 100
            if paid <= 0:
                continue
            rows.append({"tenant_id": tenant_id, "external_id": f"POST-{year}-{mid}", "kind": "sale",
                         "member_id": mid, "purchased_at": datetime.combine(day, time(4, 0)).replace(tzinfo=now.tzinfo),
                         "tier_key": tier, "list_total_fen": paid, "discount_fen": 0, "regular_fen": paid,
                         "paid_fen": paid, "points": 0, "birthday_units": 0,
                         "lines": [{"sku": "POSTAL-YEAR", "unit_price_fen": paid, "quantity": 1,
                                    "price_type": "regular"}],
                         "recorded_by": "demo", "fingerprint": f"demo-{year}-{mid}", "created_at": now})
    if rows:
        db.session.execute(insert(Purchase.__table__), rows)
