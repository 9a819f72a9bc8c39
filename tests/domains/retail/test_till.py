"""The retail till on the loyalty engine: stores, finding the customer, the quote line by line,
the sale recorded once at a store by a cashier, the receipt, the VIP registration at the till and
the member's 30 days to register online (001 VIP会员制度 第四–十一条)."""
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.members.models import Card, Member
from core.members.services import MemberError
from domains.retail import services
from domains.retail.models import RetailRegistration, RetailSale
from tests.conftest import Api, buy, line, login, new_member, publish_template

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shop(app, client, world):
    tid = world.tenant("yueyi", domains=["retail"], name="悦衣坊")
    world.staff(tid, "owner@yueyi.test", role="owner")
    cashier = world.staff(tid, "cashier@yueyi.test", positions=["retail.cashier"])
    other = world.staff(tid, "cashier2@yueyi.test", positions=["retail.cashier"])
    world.staff(tid, "nostore@yueyi.test", positions=["retail.cashier"])
    _kid, key = world.api_key(tid)
    api = Api(client, "yueyi", key)
    publish_template(api, "retail_88")
    with world.as_tenant(tid):
        s1 = services.create_store(None, code="BJ01", name="王府井店")
        s2 = services.create_store(None, code="SH01", name="南京路店")
        services.assign_staff(None, s1, cashier)
        services.assign_staff(None, s2, other)
        db.session.commit()
        stores = (s1.id, s2.id)
    vip = new_member(api, name="王芳", phone="13800000071", birthday="1988-06-15")
    buy(api, vip["id"], "seed-1", [line(1200)])  # a VIP already
    card = api.ok("POST", f"/members/{vip['id']}/cards", {"number": "VIP-0071"})
    return {"tid": tid, "api": api, "vip": vip, "card": card, "stores": stores}


def _cashier(app, email="cashier@yueyi.test"):
    c = app.test_client()
    return c, login(c, email)


def _basket(csrf, member_id="", store_id="", receipt="R-TEST-1", **extra):
    data = {"csrf_token": csrf, "member_id": str(member_id), "store_id": str(store_id), "receipt_no": receipt,
            "lines-0-sku": "羊毛大衣", "lines-0-price": "100", "lines-0-quantity": "1",
            "lines-0-price_type": "regular",
            "lines-1-sku": "促销T恤", "lines-1-price": "100", "lines-1-quantity": "1",
            "lines-1-price_type": "promotional"}
    data.update(extra)
    return data


def test_the_cashier_finds_the_member_by_card_phone_or_name_and_birthday(app, shop):
    c, _csrf = _cashier(app)
    for query in ("VIP-0071", "138-0000-0071", "王芳 1988-06-15", "王芳"):
        html = c.get("/t/yueyi/retail/till", query_string={"q": query}).get_data(as_text=True)
        assert 'id="customer"' in html and "王芳" in html, query
        assert 'data-state="vip"' in html
    html = c.get("/t/yueyi/retail/till", query_string={"q": "13999999999"}).get_data(as_text=True)
    assert 'id="customer"' not in html and 'value="13999999999"' in html  # offered as a new customer's phone


def test_quote_shows_88_on_regular_and_100_on_promotional_then_the_sale_and_receipt(app, shop):
    c, csrf = _cashier(app)
    s1 = shop["stores"][0]
    resp = c.post("/t/yueyi/retail/till", data={**_basket(csrf, shop["vip"]["id"], s1), "quote": "1"})
    html = resp.get_data(as_text=True)
    rates = re.findall(r'<td class="rate">(\d+)%', html)
    assert rates == ["88", "100"]
    assert "188.00" in html and 'data-points="188"' in html

    resp = c.post("/t/yueyi/retail/till", data={**_basket(csrf, shop["vip"]["id"], s1), "confirm": "1"})
    assert resp.status_code == 302
    again = c.post("/t/yueyi/retail/till", data={**_basket(csrf, shop["vip"]["id"], s1), "confirm": "1"})
    assert again.headers["Location"] == resp.headers["Location"]  # the same receipt number: recorded once
    receipt = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "VIP-0071" in receipt and "王府井店" in receipt and "cashier@yueyi.test" in receipt
    assert "188.00" in receipt and 'class="sign-here"' in receipt
    with app.app_context():
        from core.tenancy.context import tenant_context
        with tenant_context(shop["tid"]):
            sales = db.session.scalars(db.select(RetailSale)).all()
            assert [(s.store_id, s.cashier) for s in sales] == [(s1, "cashier@yueyi.test")]


def test_a_cashier_rings_up_only_in_their_own_store(app, shop):
    c, csrf = _cashier(app)
    resp = c.post("/t/yueyi/retail/till", data={**_basket(csrf, shop["vip"]["id"], shop["stores"][1]), "confirm": "1"})
    assert resp.status_code == 403
    c2, csrf2 = _cashier(app, "nostore@yueyi.test")
    resp = c2.post("/t/yueyi/retail/till", data={**_basket(csrf2, shop["vip"]["id"]), "confirm": "1"})
    assert resp.status_code == 403 and 'role="alert"' in resp.get_data(as_text=True)


def test_bad_basket_input_is_answered_beside_the_field(app, shop):
    c, csrf = _cashier(app)
    data = _basket(csrf, shop["vip"]["id"], shop["stores"][0], **{"lines-0-price": "-3", "lines-1-quantity": "0"})
    resp = c.post("/t/yueyi/retail/till", data={**data, "confirm": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'class="error"' in html.split('name="lines-0-price"')[1][:300]
    assert 'class="error"' in html.split('name="lines-1-quantity"')[1][:300]
    empty = {k: v for k, v in _basket(csrf, shop["vip"]["id"], shop["stores"][0]).items() if not k.startswith("lines")}
    resp = c.post("/t/yueyi/retail/till", data={**empty, "confirm": "1"})
    assert resp.status_code == 422 and 'class="error"' in resp.get_data(as_text=True).split('name="lines-0-price"')[1][:300]


def test_a_new_customers_1000_purchase_offers_the_vip_card_and_the_link_registers_online(app, client, shop):
    c, csrf = _cashier(app)
    data = {"csrf_token": csrf, "store_id": str(shop["stores"][0]), "receipt_no": "R-NEW-1",
            "new_phone": "13800000072", "new_name": "李娜", "lines-0-sku": "真丝连衣裙", "lines-0-price": "1000",
            "lines-0-quantity": "1", "lines-0-price_type": "regular", "confirm": "1"}
    resp = c.post("/t/yueyi/retail/till", data=data)
    assert resp.status_code == 302 and "qualified=1" in resp.headers["Location"]
    receipt = c.get(resp.headers["Location"]).get_data(as_text=True)
    form_url = re.search(r'href="([^"]+/vip[^"]*)"', receipt).group(1).replace("&amp;", "&")
    member_id = int(re.search(r"/members/(\d+)/vip", form_url).group(1))
    assert shop["api"].ok("GET", f"/members/{member_id}")["tier_key"] == "vip"

    resp = c.post(form_url, data={"csrf_token": csrf, "card_number": "VIP-0072", "name": "李娜",
                                  "phone": "13800000072", "birthday": "1993-04-02", "gender": "female",
                                  "welcome_gift": "y", "handbook": "y"})
    assert resp.status_code == 200
    link = re.search(r'id="registration-link">([^<]+)<', resp.get_data(as_text=True)).group(1)
    path = link.split("localhost", 1)[-1]
    # until the member registers, the card is a discount card only: 8.8 but no points
    quote = c.post("/t/yueyi/retail/till", data={**_basket(csrf, member_id, shop["stores"][0], "R-Q"), "quote": "1"})
    html = quote.get_data(as_text=True)
    assert re.findall(r'<td class="rate">(\d+)%', html) == ["88", "100"] and 'data-state="registration_open"' in html

    public = app.test_client()  # the member's own phone: no staff session
    page = public.get(path)
    assert page.status_code == 200 and "李娜" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    done = public.post(path, data={"csrf_token": token, "contact_channel": "wechat", "promotions_consent": "y"})
    assert done.status_code == 200 and 'class="flash"' in done.get_data(as_text=True)
    member = shop["api"].ok("GET", f"/members/{member_id}")
    assert member["registered_at"] and member["contact_channel"] == "wechat"
    html = c.post("/t/yueyi/retail/till", data={**_basket(csrf, member_id, shop["stores"][0], "R-Q2"),
                                                "quote": "1"}).get_data(as_text=True)
    assert 'data-state="vip"' in html
    assert public.get("/retail/join/not-a-token").status_code == 404


@pytest.mark.parametrize("day,registered", [(30, True), (31, False)])
def test_thirty_days_to_register_online(app, world, shop, day, registered):
    """Day 30 after the card was handed over: registered, full VIP. Day 31: too late, discount card only."""
    api = shop["api"]
    m = new_member(api, registered=False, name="赵敏", phone="13800000073")
    buy(api, m["id"], "z1", [line(1000)])
    issued = datetime(2026, 3, 1, 19, 30, tzinfo=SHANGHAI)  # an evening sale on 1 March
    with world.as_tenant(shop["tid"]):
        member = db.session.get(Member, m["id"])
        store = db.session.get(services.RetailStore, shop["stores"][0])
        registration, _raw = services.register_vip(None, store, member, card_number="VIP-0073", profile={},
                                                   welcome_gift=True, handbook=True)
        db.session.scalar(db.select(Card).where(Card.number == "VIP-0073")).issued_at = issued
        db.session.flush()
        at = datetime.combine(issued.date() + timedelta(days=day), time(23, 0), SHANGHAI)  # late on day N
        if registered:
            services.complete_online_registration(registration, email=None, contact_channel="sms",
                                                  promotions_consent=False, at=at)
            assert member.registered_at == at
        else:
            with pytest.raises(MemberError) as refused:
                services.complete_online_registration(registration, email=None, contact_channel="sms",
                                                      promotions_consent=False, at=at)
            assert refused.value.field == "registration"
            assert member.registered_at is None
        db.session.commit()
    q = api.ok("POST", "/purchases/quote", {"member_id": m["id"], "lines": [line(100)]})
    assert q["paid_fen"] == 8800  # the 8.8 discount either way
    assert q["points"] == (88 if registered else 0)


def test_stores_page_adds_a_store_and_its_staff(app, shop):
    c, csrf = _client_owner(app)
    bad = c.post("/t/yueyi/retail/stores", data={"csrf_token": csrf, "create": "1", "code": "BJ 01!", "name": "x"})
    assert bad.status_code == 422 and 'class="error"' in bad.get_data(as_text=True).split('name="code"')[1][:300]
    dup = c.post("/t/yueyi/retail/stores", data={"csrf_token": csrf, "create": "1", "code": "bj01", "name": "重复"})
    assert dup.status_code == 422
    ok = c.post("/t/yueyi/retail/stores", data={"csrf_token": csrf, "create": "1", "code": "GZ01", "name": "天河店"})
    assert ok.status_code == 302 and "天河店" in c.get("/t/yueyi/retail/stores").get_data(as_text=True)
    staff_c, _ = _cashier(app)
    assert staff_c.get("/t/yueyi/retail/stores").status_code == 403


def _client_owner(app):
    c = app.test_client()
    return c, login(c, "owner@yueyi.test")


def test_the_registration_link_speaks_the_tenants_language(app, world, shop):
    with world.as_tenant(shop["tid"]):
        member = db.session.get(Member, shop["vip"]["id"])
        reg = RetailRegistration(member_id=member.id, token_hash=services._token_hash("tok-zh"),
                                 deadline=datetime(2099, 1, 1, tzinfo=SHANGHAI), issued_by="test")
        db.session.add(reg)
        db.session.commit()
    html = app.test_client().get("/retail/join/tok-zh", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "登记您的VIP卡" in html


def _today_birthday():
    from core.models import utcnow
    today = utcnow().astimezone(SHANGHAI).date()
    year = 1990 if not (today.month == 2 and today.day == 29) else 1992
    return today.replace(year=year).isoformat()


def test_one_birthday_price_a_year_across_all_stores(app, shop):
    """6折 on the birthday with the ID checked, in one store; the other store sees it used and charges 8.8."""
    api = shop["api"]
    m = new_member(api, name="孙丽", phone="13800000074", birthday=_today_birthday())
    buy(api, m["id"], "b-seed", [line(1000)])  # VIP now
    s1, s2 = shop["stores"]
    c, csrf = _cashier(app)
    html = c.get("/t/yueyi/retail/till", query_string={"member_id": m["id"], "store_id": s1}).get_data(as_text=True)
    assert 'id="birthday-today"' in html and 'id="birthday-used"' not in html
    sale = {"csrf_token": csrf, "member_id": str(m["id"]), "store_id": str(s1), "receipt_no": "R-BD-1",
            "lines-0-sku": "羊毛大衣", "lines-0-price": "100", "lines-0-quantity": "1",
            "lines-0-price_type": "regular", "id_checked": "y"}
    quote = c.post("/t/yueyi/retail/till", data={**sale, "quote": "1"}).get_data(as_text=True)
    assert re.findall(r'<td class="rate">(\d+)%', quote) == ["60"] and 'data-points="0"' in quote
    assert c.post("/t/yueyi/retail/till", data={**sale, "confirm": "1"}).status_code == 302

    c2, csrf2 = _cashier(app, "cashier2@yueyi.test")
    html = c2.get("/t/yueyi/retail/till", query_string={"member_id": m["id"], "store_id": s2}).get_data(as_text=True)
    assert 'id="birthday-used"' in html and "王府井店" in html  # the use is visible in every store
    again = {**sale, "csrf_token": csrf2, "store_id": str(s2), "receipt_no": "R-BD-2"}
    quote = c2.post("/t/yueyi/retail/till", data={**again, "quote": "1"}).get_data(as_text=True)
    assert re.findall(r'<td class="rate">(\d+)%', quote) == ["88"]


def test_a_gift_is_refused_for_lack_of_points_with_the_message_at_the_till(app, shop):
    api = shop["api"]
    gift = api.ok("POST", "/rewards", {"code": "SCARF", "name": "真丝围巾", "points_cost": 5000})
    cheap = api.ok("POST", "/rewards", {"code": "BAG", "name": "环保袋", "points_cost": 100})
    c, csrf = _cashier(app)
    vip = shop["vip"]["id"]
    buy(api, vip, "pts-1", [line(500)])  # 440.00 paid at 8.8: 440 points
    balance = api.ok("GET", f"/members/{vip}")["points_balance"]
    assert balance == 440
    resp = c.post(f"/t/yueyi/retail/till/members/{vip}/gifts", data={"csrf_token": csrf, "reward_id": gift["id"],
                                                                      "key": "k1", "store_id": shop["stores"][0]})
    html = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "5000" in re.search(r'class="flash error"[^>]*>([^<]*)', html).group(1)
    assert api.ok("GET", f"/members/{vip}")["points_balance"] == balance
    ok = c.post(f"/t/yueyi/retail/till/members/{vip}/gifts", data={"csrf_token": csrf, "reward_id": cheap["id"],
                                                                    "key": "k2"})
    c.post(f"/t/yueyi/retail/till/members/{vip}/gifts", data={"csrf_token": csrf, "reward_id": cheap["id"],
                                                              "key": "k2"})  # a double click: taken once
    assert ok.status_code == 302
    assert api.ok("GET", f"/members/{vip}")["points_balance"] == balance - 100


@pytest.mark.parametrize("when,renewed", [(datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI), True),
                                          (datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), False)])
def test_renewal_on_31_december_but_not_on_1_january(app, world, shop, when, renewed):
    with world.as_tenant(shop["tid"]):
        member = db.session.get(Member, shop["vip"]["id"])
        card = db.session.scalar(db.select(Card).where(Card.number == "VIP-0071"))
        card.valid_until = datetime(2027, 1, 1, tzinfo=SHANGHAI)  # a card of 2026: void after December
        db.session.flush()
        assert (services.renewal_offer(member, at=when) is not None) == renewed
        if renewed:
            services.renew(None, member, at=when)
            assert card.valid_until == datetime(2028, 1, 1, tzinfo=SHANGHAI)
        else:
            with pytest.raises(MemberError):
                services.renew(None, member, at=when)
            assert card.valid_until == datetime(2027, 1, 1, tzinfo=SHANGHAI)
        db.session.rollback()


def test_the_store_managers_day(app, world, shop):
    api = shop["api"]
    sm = world.staff(shop["tid"], "sm@yueyi.test", role="manager", positions=["retail.store_manager"])
    c, csrf = _cashier(app)
    s1 = shop["stores"][0]
    c.post("/t/yueyi/retail/till", data={**_basket(csrf, shop["vip"]["id"], s1, "R-M1"), "confirm": "1"})
    c.post("/t/yueyi/retail/till", data={"csrf_token": csrf, "store_id": str(s1), "receipt_no": "R-M2",
                                         "lines-0-sku": "袜子", "lines-0-price": "30", "lines-0-quantity": "1",
                                         "lines-0-price_type": "regular", "confirm": "1"})  # a walk-in
    no_card = new_member(api, name="钱多多", phone="13800000075")
    buy(api, no_card["id"], "nc-1", [line(1500)])  # VIP by the numbers, no card handed over yet
    for n, amount in enumerate([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]):
        m = new_member(api, name=f"客{n}", phone=f"1381111{n:04d}")
        buy(api, m["id"], f"abc-{n}", [line(amount)], at=None)
    mc = app.test_client()
    login(mc, "sm@yueyi.test")
    html = mc.get("/t/yueyi/retail/manager").get_data(as_text=True)
    today = re.search(r'<tr data-store="BJ01">.*?</tr>', html, re.S).group(0)
    assert re.search(r'class="vip-count">1<', today) and re.search(r'class="other-count">1<', today)
    assert "钱多多" in html.split('id="no-card"')[1].split("</table>")[0]
    abc = {k: int(v) for k, v in re.findall(r'data-class="(\w)">.*?class="members">(\d+)<', html, re.S)}
    assert sum(abc.values()) == 12 and abc["A"] == 2 and abc["B"] == 4  # 12 members bought: 2, 4, 6
    assert sm  # a manager of the store
    cashier_page = _cashier(app)[0].get("/t/yueyi/retail/manager")
    assert cashier_page.status_code == 403


def test_the_demo_brand_covers_every_state_the_till_shows(app, runner):
    """3 stores, cashiers, 300 members and a year of sales: VIPs, discount-card-only, inside the 30
    days, accumulation cards, birthdays this week, renewals due at the year end."""
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    from core.tenancy.context import tenant_context
    from core.tenancy.models import Tenant
    with app.app_context():
        tenant = db.session.scalar(db.select(Tenant).where(Tenant.slug == "yueyi-fashion"))
        with tenant_context(tenant.id):
            people = db.session.scalars(db.select(Member)).all()
            states = {}
            for m in people:
                s = services.card_state(m).state
                states[s] = states.get(s, 0) + 1
            assert len(people) == 300
            assert set(states) >= {"vip", "discount_only", "registration_open", "accumulation"}, states
            assert len(db.session.scalars(db.select(services.RetailStore)).all()) == 3
            assert services.qualified_without_card(), "some VIPs were not handed a card yet"
            assert sum(services.birthday_today(m) or False for m in people) >= 1
            sales = db.session.scalars(db.select(RetailSale)).all()
            assert len({s.store_id for s in sales}) == 3 and len(sales) > 500
            from core.models import utcnow
            now = utcnow()
            november = datetime(now.year if now.month > 1 else now.year - 1, 11, 24, tzinfo=SHANGHAI)
            assert services.renewals_due(at=november)  # the November list of cards lapsing at the year end


@pytest.fixture
def variant(app, client, world):
    def make(template):
        tid = world.tenant(f"v-{template.replace('_', '-')}", domains=["retail"])
        cashier = world.staff(tid, f"c@{template}.test", positions=["retail.cashier"])
        _kid, key = world.api_key(tid)
        api = Api(client, f"v-{template.replace('_', '-')}", key)
        publish_template(api, template)
        with world.as_tenant(tid):
            store = services.create_store(None, code="S1", name="一号店")
            services.assign_staff(None, store, cashier)
            db.session.commit()
            store_id = store.id
        c = app.test_client()
        return api, c, login(c, f"c@{template}.test"), store_id, f"v-{template.replace('_', '-')}"
    return make


def test_the_apparel_cards_birthday_month_two_items_at_the_till(variant):
    """002: the knight card's birthday month gives 2 regular items a year at 6折, the rest at 8.5折."""
    from core.models import utcnow
    api, c, csrf, store, slug = variant("apparel")
    today = utcnow().astimezone(SHANGHAI).date()
    m = new_member(api, name="周杰", phone="13800000091", birthday=today.replace(year=1990, day=1).isoformat())
    buy(api, m["id"], "k1", [line(3200)])  # a single 3,000: the knight card
    data = {"csrf_token": csrf, "member_id": str(m["id"]), "store_id": str(store), "receipt_no": "R-A1",
            "lines-0-sku": "衬衫", "lines-0-price": "100", "lines-0-quantity": "3", "lines-0-price_type": "regular",
            "id_checked": "y", "quote": "1"}
    html = c.post(f"/t/{slug}/retail/till", data=data).get_data(as_text=True)
    # 2 × 60.00 + 1 × 85.00 = 205.00 for 300.00 of shirts
    assert "205.00" in re.search(r'<tr data-line="0">.*?</tr>', html, re.S).group(0)


def test_the_malls_cards_show_their_parking_hours(variant):
    api, c, csrf, store, slug = variant("mall_five")
    m = new_member(api, name="吴彤", phone="13800000092")
    buy(api, m["id"], "m1", [line(600)], at=None)
    buy(api, m["id"], "m2", [line(1000)])  # 1,600 within 3 months, with a single 500: the normal card
    html = c.get(f"/t/{slug}/retail/till", query_string={"member_id": m["id"], "store_id": store}).get_data(as_text=True)
    tier = api.ok("GET", f"/members/{m['id']}")["tier_key"]
    assert tier is not None
    assert 'id="parking"' in html
