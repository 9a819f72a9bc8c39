"""The bank demo (汇通银行): two branches with counters, tellers, client managers, duty desks and a
duty rota; 2,000 clients (20 of them companies with registered contacts) with month-end balances,
tiered by the asset review; VIPs shared among the managers; a morning of tickets served at the
counters and calls routed through the hops — all through the same services as the pages and API,
except the clients and balances, which are inserted in bulk (the test suite seeds this demo)."""
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from core.demo import seed_staff
from core.extensions import db
from core.identity.models import Membership, User
from core.identity.principal import Principal
from core.members.models import Member, MemberContact
from core.models import utcnow
from core.tenancy.sequences import TenantSequence, next_value
from core.tiers.services import create_draft, publish

PEOPLE = [
    ("t1@huitong-bank.demo", "林芳", "staff", ['bank.teller']),  # 柜员
    ("t2@huitong-bank.demo", "谢伟", "staff", ['bank.teller']),  # 柜员
    ("t3@huitong-bank.demo", "高敏", "staff", ['bank.teller']),  # 柜员
    ("t4@huitong-bank.demo", "韩磊", "staff", ['bank.teller']),  # 柜员
    ("lm@huitong-bank.demo", "罗红梅", "staff", ['bank.lobby_manager']),  # 大堂经理
    ("cm1@huitong-bank.demo", "梁振宇", "staff", ['bank.client_manager']),  # 客户经理
    ("cm2@huitong-bank.demo", "宋佳", "staff", ['bank.client_manager']),  # 客户经理
    ("cm3@huitong-bank.demo", "邓超群", "staff", ['bank.client_manager']),  # 客户经理
    ("duty@huitong-bank.demo", "唐国华", "manager", ['bank.duty_officer']),  # 值班经理
    ("duty2@huitong-bank.demo", "彭丽", "manager", ['bank.duty_officer']),  # 值班经理
]
CLIENTS = 2000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌宇浩然思雨晨博"
COMPANIES = ["华远集团", "东方精工", "申江物流", "海纳科技", "明德置业", "金桥贸易", "恒信医药", "长风汽车",
             "锦程航运", "宏达建设", "新元能源", "沪光电子", "瑞丰食品", "天成纺织", "安泰保险经纪", "九州文旅",
             "中和化工", "嘉禾农业", "鼎盛投资", "云帆传媒"]
ACTOR = Principal(label="demo", role="admin")


def seed_demo(tenant):
    from domains.bank import assets, queue, routing
    logins = seed_staff(tenant, PEOPLE)
    tz = ZoneInfo(tenant.timezone)
    publish(ACTOR, create_draft(ACTOR, document=assets.LADDER, note="demo"), "资产分层")
    staff = {email: mid for email, mid in db.session.execute(
        select(User.email, Membership.id).join(Membership, Membership.user_id == User.id))}
    sh = queue.create_branch(ACTOR, code="SH01", name="上海分行营业部", hotline="02160000001")
    pd = queue.create_branch(ACTOR, code="SH02", name="浦东支行", hotline="02160000002")
    tellers = [staff[f"t{i}@huitong-bank.demo"] for i in (1, 2, 3, 4)]
    for branch, (ta, tb) in ((sh, tellers[:2]), (pd, tellers[2:])):
        queue.create_counter(ACTOR, branch, number=1, kinds=list(queue.KINDS), teller_id=ta)  # the VIP window
        queue.create_counter(ACTOR, branch, number=2, kinds=["bank.handling", "bank.inquiry"], teller_id=tb)
        queue.create_counter(ACTOR, branch, number=3, kinds=["bank.handling", "bank.delivery", "bank.claim"])
    managers = [staff[f"cm{i}@huitong-bank.demo"] for i in (1, 2, 3)]
    officers = [staff["duty@huitong-bank.demo"], staff["duty2@huitong-bank.demo"]]
    now = utcnow()
    for i, m in enumerate(managers):
        branch = sh if i < 2 else pd
        routing.set_staff_line(ACTOR, m, mobile=f"1391111000{i + 1}", branch_id=branch.id)
        seat = routing.create_seat(ACTOR, branch_id=branch.id, kind="manager", extension=f"810{i + 1}", membership_id=m)
        routing.set_presence(ACTOR, seat, ("available", "busy", "absent")[i], now - timedelta(minutes=30))
    for i, o in enumerate(officers):
        routing.set_staff_line(ACTOR, o, mobile=f"1392222000{i + 1}", branch_id=(sh, pd)[i].id)
    for branch, base in ((sh, 8800), (pd, 8900)):
        for k in (1, 2):
            seat = routing.create_seat(ACTOR, branch_id=branch.id, kind="duty", extension=str(base + k))
            routing.set_presence(ACTOR, seat, "available", now - timedelta(minutes=10 * k))
    today = now.astimezone(tz).date()
    for d in range(-3, 8):  # the rota: the two officers take turns
        day = today + timedelta(days=d)
        routing.set_duty(ACTOR, branch_id=sh.id, day=day, membership_id=officers[d % 2])
        routing.set_duty(ACTOR, branch_id=pd.id, day=day, membership_id=officers[(d + 1) % 2])
    db.session.flush()
    ids = _clients(tenant.id)
    period = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month's balances
    _balances(tenant.id, ids, period)
    assets.review(ACTOR, period)
    _managers(managers)
    _a_morning(tz, sh, pd, now)
    _cases(sh, now)
    return logins


def _cases(branch, now) -> None:
    """A few problems, claims and deliveries in every state: VIPs and ordinary clients, one overdue."""
    from domains.bank import cases
    vips = list(db.session.scalars(select(Member.id).where(Member.tier_key.in_(("private", "diamond", "gold")),
                                                          Member.kind == "person")
                                   .order_by(Member.id).limit(4)))
    plain = db.session.scalar(select(Member.id).where(Member.tier_key.is_(None), Member.kind == "person")
                              .order_by(Member.id))
    old = now - timedelta(days=3)
    for kind, subject, member, at, steps in (
            ("bank.claim", "信用卡盗刷理赔", vips[0], now - timedelta(minutes=20), ["documents_checked"]),
            ("bank.claim", "财产险理赔", plain, old, []),
            ("bank.resolution", "跨行转账未到账", vips[1], now - timedelta(minutes=5), []),
            ("bank.resolution", "网银证书无法使用", plain, now - timedelta(hours=1), ["investigating", "answered"])):
        req = cases.open_case(ACTOR, kind=kind, subject=subject, member_id=member, now=at)
        for i, step in enumerate(steps):
            cases.advance(ACTOR, req.id, step, now=at + timedelta(minutes=5 * (i + 1)))
    for member, item, what in ((vips[2], "card", "私人银行借记卡"), (vips[3], "document", "大额存单证实书")):
        req = cases.open_delivery(ACTOR, member_id=member, item=item, description=what, branch_id=branch.id,
                                  now=now - timedelta(minutes=30))
        cases.advance(ACTOR, req.id, "prepared", now=now - timedelta(minutes=20))


def _clients(tenant_id: int) -> list[int]:
    """2,000 clients in one insert; their member numbers taken from the tenant's counter."""
    rng = random.Random(2026)
    first = next_value("member")
    db.session.execute(update(TenantSequence).where(TenantSequence.name == "member")
                       .values(value=first + CLIENTS - 1))
    now = utcnow()
    rows = []
    for i in range(CLIENTS):
        company = i < len(COMPANIES)
        rows.append({"tenant_id": tenant_id, "member_no": f"M{first + i:07d}",
                     "name": COMPANIES[i] if company else rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
                     "gender": "unspecified" if company else rng.choice(("male", "female")),
                     "phone": f"021{61000000 + i}" if company else f"13{rng.randint(5, 9)}{i:08d}",
                     "kind": "company" if company else "person", "preferences": {}, "contact_channel": "call",
                     "promotions_consent": False, "points_balance": 0, "created_at": now,
                     "registered_at": now})
    db.session.execute(Member.__table__.insert(), rows)
    ids = list(db.session.scalars(select(Member.id).order_by(Member.id)))
    contacts = []
    for i, company_id in enumerate(ids[:len(COMPANIES)]):
        contacts.append({"tenant_id": tenant_id, "member_id": company_id, "name": f"财务负责人{i + 1}",
                         "phone": f"1370000{i:04d}", "title": "财务总监", "created_at": now})
    db.session.execute(MemberContact.__table__.insert(), contacts)
    return ids


def _balances(tenant_id: int, ids: list[int], period) -> None:
    """A month of balances: most clients modest, a fifth rich, a few very rich (the 80/20)."""
    from domains.bank.models import BankBalance
    rng = random.Random(7)
    rows, now = [], utcnow()
    for n, member_id in enumerate(ids):
        r = rng.random()
        yuan = (rng.randint(5_000_000, 30_000_000) if r > 0.99 or n < 8 else rng.randint(500_000, 4_000_000)
                if r > 0.82 else rng.randint(1_000, 300_000))
        accounts = 2 if r > 0.5 else 1
        for a in range(accounts):
            rows.append({"tenant_id": tenant_id, "period": period, "account_no": f"6222{member_id:08d}{a}",
                         "member_id": member_id, "balance_fen": yuan * 100 // accounts, "received_at": now})
    db.session.execute(BankBalance.__table__.insert(), rows)


def _managers(managers: list[int]) -> None:
    """Every VIP (and every company client) gets a manager, portfolios kept even."""
    from core.portfolios.services import assign_manager
    from domains.bank.clients import POSITION
    vips = db.session.scalars(select(Member).where(Member.tier_key.in_(("gold", "diamond", "private")))
                              .order_by(Member.id)).all()
    people = {m: db.session.get(Membership, m) for m in managers}
    for i, member in enumerate(vips):
        assign_manager(ACTOR, member, people[managers[i % len(managers)]], position=POSITION, reason="demo")


def _a_morning(tz, sh, pd, now) -> None:
    """09:00 to 12:00 of the last morning: tickets at both branches served at three counters each,
    and calls routed hop by hop. When the demo runs today after noon a few tickets still wait."""
    from domains.bank import queue, routing
    from domains.bank.models import BankCounter
    rng = random.Random(11)
    local = now.astimezone(tz)
    day = local.date() if local.time() >= time(12, 0) else local.date() - timedelta(days=1)
    start = datetime.combine(day, time(9, 0), tz)
    vips = list(db.session.scalars(select(Member.id).where(Member.tier_key.in_(("gold", "diamond", "private")))))
    plain = list(db.session.scalars(select(Member.id).where(Member.tier_key.is_(None)).limit(300)))
    teller = Principal(label="demo-teller", role="staff", positions=("bank.teller",))
    for branch in (sh, pd):
        arrivals = sorted(start + timedelta(minutes=rng.uniform(0, 175)) for _ in range(60))
        tickets = []
        counters = list(db.session.scalars(select(BankCounter).where(BankCounter.branch_id == branch.id)))
        free = {c.id: start for c in counters}
        issued = 0
        while True:
            cid = min(free, key=free.get)
            t = free[cid]
            if t >= start + timedelta(hours=3):
                break
            while issued < len(arrivals) and arrivals[issued] <= t:
                member = rng.choice(vips) if rng.random() < 0.3 else (rng.choice(plain) if rng.random() < 0.5 else None)
                kind = rng.choices(list(queue.KINDS), weights=(6, 2, 1, 1, 1))[0]
                tickets.append(queue.take_ticket(ACTOR, branch, kind=kind, member_id=member, now=arrivals[issued]))
                issued += 1
            counter = next(c for c in counters if c.id == cid)
            got = queue.call_next(teller, counter, now=t)
            if got is None:
                free[cid] = arrivals[issued] if issued < len(arrivals) else start + timedelta(hours=3)
                continue
            if rng.random() < 0.04:
                queue.no_show(teller, counter, got.id, now=t + timedelta(minutes=2))
                free[cid] = t + timedelta(minutes=2)
                continue
            queue.serve(teller, counter, got.id, now=t + timedelta(minutes=1))
            done = t + timedelta(minutes=rng.uniform(3, 12))
            queue.complete(teller, counter, got.id, now=done)
            free[cid] = done
        if day != local.date():  # yesterday's last clients were served before closing
            end = start + timedelta(hours=3, minutes=30)
            for counter in counters:
                while (got := queue.call_next(teller, counter, now=end)) is not None:
                    queue.complete(teller, counter, got.id, now=end + timedelta(minutes=5))
    callers = list(db.session.scalars(select(Member.phone).where(Member.tier_key.in_(("gold", "diamond")))
                                      .limit(25))) + [f"1370000{i:04d}" for i in range(5)] + \
        [f"1580000{i:04d}" for i in range(10)]
    for n, phone in enumerate(callers):
        at = start + timedelta(minutes=4 * n + rng.uniform(0, 3))
        d = routing.route(ACTOR, call_id=f"demo-{day:%Y%m%d}-{n}", caller=phone, now=at)
        hop = 0
        while d["action"] == "dial" and hop < 6:
            hop += 1
            outcome = rng.choices(("answered", "no_answer", "busy"), weights=(6, 3, 1))[0]
            d = routing.route(ACTOR, call_id=d["call_id"], caller=phone, hop=d["hop"], outcome=outcome,
                              now=at + timedelta(seconds=25 * hop))
        for seat in routing.seats("duty"):  # the desk that answered is free again a few minutes later
            if seat.status == "busy":
                routing.set_presence(ACTOR, seat, "available", at + timedelta(minutes=3))
