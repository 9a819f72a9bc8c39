"""The retail demo: a brand with 3 stores and their cashiers, the 8.8 VIP card, a gift catalogue and
300 members with a year of purchases rung up at the tills, covering every state a till shows:
registered VIPs, discount-card-only VIPs who missed their 30 days, VIPs still inside them, VIPs
without a card yet, accumulation cards, birthdays this week, cards to renew at the year end.

Every sale goes through the engine (``core.purchases.services.record``) in time order, so tiers,
cards and points are what the till itself would have made. Deterministic: the same demo each time.
"""
import random
from datetime import timedelta

from core.demo import seed_staff
from core.extensions import db
from core.members import services as members
from core.members.models import Card
from core.models import utcnow
from core.points.services import create_reward
from core.purchases.pricing import BasketLine
from core.purchases.services import record, tenant_zone
from core.tiers.services import create_draft, publish
from domains.retail import services
from domains.retail.models import RetailSale

PEOPLE = [
    ("sm1@yueyi-fashion.demo", "郭美玲", "manager", ['retail.store_manager']),  # 店长
    ("c1@yueyi-fashion.demo", "杨小琳", "staff", ['retail.cashier']),  # 收银员 王府井店
    ("c2@yueyi-fashion.demo", "朱文博", "staff", ['retail.cashier']),  # 收银员 南京路店
    ("c3@yueyi-fashion.demo", "何佳怡", "staff", ['retail.cashier']),  # 收银员 天河店
    ("gw1@yueyi-fashion.demo", "高雪", "staff", ['retail.consultant']),  # 导购顾问
]
STORES = [("BJ01", "王府井店", "北京市东城区王府井大街138号"), ("SH01", "南京路店", "上海市黄浦区南京东路300号"),
          ("GZ01", "天河店", "广州市天河区天河路208号")]
GIFTS = [("BAG", "环保购物袋", 300), ("SCARF", "真丝围巾", 2000), ("CARE", "羊毛衫护理套装", 800)]
ITEMS = [("羊毛大衣", "coat", 168000), ("牛仔裤", "jeans", 39900), ("真丝衬衫", "shirt", 59900),
         ("针织衫", "knitwear", 45900), ("连衣裙", "dress", 79900), ("T恤", "t-shirt", 12900),
         ("围巾", "scarf", 29900), ("西装外套", "blazer", 129900)]
SIZES = ["s", "m", "l", "xl", "xxl"]
COLOURS = ["black", "navy", "camel", "white", "red"]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高"
GIVEN = "芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲"
MEMBERS = 300


def seed_demo(tenant):
    logins = seed_staff(tenant, PEOPLE)
    publish(None, create_draft(None, template="retail_88", note="demo"))
    from core.identity.models import Membership
    from core.identity.models import User
    staff = {u.email: m.id for m, u in db.session.execute(
        db.select(Membership, User).join(User, User.id == Membership.user_id))}
    stores = []
    for (code, name, address), cashier in zip(STORES, ["c1", "c2", "c3"], strict=True):
        store = services.create_store(None, code=code, name=name, address=address)
        services.assign_staff(None, store, staff[f"{cashier}@yueyi-fashion.demo"])
        services.assign_staff(None, store, staff["sm1@yueyi-fashion.demo"])
        stores.append((store, f"{cashier}@yueyi-fashion.demo"))
    for code, name, cost in GIFTS:
        create_reward(None, code, name, cost)
    _members_and_a_year_of_sales(stores)
    return logins


def _basket(rng, budget_fen):
    lines, total = [], 0
    while total < budget_fen and len(lines) < 4:
        desc, category, price = rng.choice(ITEMS)
        kind = "promotional" if rng.random() < 0.15 else "regular"
        lines.append(BasketLine(sku=f"{category.upper()}-{price // 100}", description=desc, unit_price_fen=price,
                                quantity=1, price_type=kind, category=category, size=rng.choice(SIZES),
                                colour=rng.choice(COLOURS)))
        total += price
    return lines


def _members_and_a_year_of_sales(stores):
    rng = random.Random(88)
    now = utcnow()
    today = now.date()
    n = 0
    for i in range(MEMBERS):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if i < 12:  # birthdays this week
            day = today + timedelta(days=i % 7)
            birthday = day.replace(year=rng.randint(1965, 2000)) if not (day.month == 2 and day.day == 29) else None
        else:
            birthday = today.replace(year=rng.randint(1960, 2002), month=rng.randint(1, 12), day=rng.randint(1, 28))
        member = members.create_member(None, {"name": name, "phone": f"139{i:08d}", "birthday": birthday,
                                              "gender": rng.choice(["female", "female", "male"]),
                                              "contact_channel": rng.choice(["sms", "wechat", "call", "sms"]),
                                              "promotions_consent": rng.random() < 0.7})
        # spend patterns: a big single purchase, steady spending, or small purchases only
        kind = rng.random()
        days = sorted(rng.sample(range(1, 365), rng.randint(1, 5)), reverse=True)
        for k, back in enumerate(days):
            budget = 110000 if kind < 0.25 and k == len(days) - 1 else rng.choice([15000, 30000, 60000, 90000])
            if kind >= 0.7:
                budget = rng.choice([12900, 29900, 39900])
            store, cashier = rng.choice(stores)
            at = now - timedelta(days=back, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
            before = member.tier_key
            purchase, _ = record(cashier, external_id=f"DEMO-{i:03d}-{k}", member_id=member.id,
                                 lines=_basket(rng, budget), purchased_at=at)
            db.session.add(RetailSale(purchase_id=purchase.id, store_id=store.id, cashier=cashier))
            n += 1
            if member.tier_key and not before and rng.random() < 0.85:
                _hand_over_the_card(rng, store, member, at, cashier)
    db.session.flush()
    return n


def _hand_over_the_card(rng, store, member, at, cashier):
    """The VIP card at the till on the day the member qualified; then, mostly, online registration
    within the 30 days (some miss it and keep a discount card)."""
    registration, _raw = services.register_vip(cashier, store, member, card_number=f"VIP-{member.member_no[1:]}",
                                               profile={}, welcome_gift=True, handbook=True)
    card = db.session.get(Card, registration.card_id)
    card.issued_at = at
    card.valid_until = members.valid_until({"kind": "december_renewal"}, at, tenant_zone())
    db.session.flush()
    deadline = members.registration_deadline(member, _live())
    registration.deadline = deadline
    if rng.random() < 0.75 and deadline is not None:
        when = min(at + timedelta(days=rng.randint(0, 20)), utcnow())
        if when < deadline:
            members.register_online(cashier, member, at=when)
            registration.registered_at = when


def _live():
    from core.tiers.services import live_scheme
    return live_scheme()
