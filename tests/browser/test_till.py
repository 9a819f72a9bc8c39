"""A cashier runs the till in a real browser: scans a card, rings up a regular and a promotional
line (88 % and 100 %), confirms and opens the print view; then a new customer's 1,000 purchase
offers the VIP registration; then the member registers online through the link on a phone.
Screenshots of each step are kept as test artefacts."""
import re

from core.extensions import db
from domains.retail import services
from tests.conftest import Api, buy, line, new_member, publish_template


def test_cashier_runs_the_till_and_the_member_registers(app, client, world, live_server, page, artefacts):
    tid = world.tenant("yueyi", domains=["retail"], name="悦衣坊")
    cashier = world.staff(tid, "cashier@yueyi.test", positions=["retail.cashier"], name="杨小琳")
    _kid, key = world.api_key(tid)
    api = Api(client, "yueyi", key)
    publish_template(api, "retail_88")
    with world.as_tenant(tid):
        services.assign_staff(None, services.create_store(None, code="BJ01", name="王府井店"), cashier)
        db.session.commit()
    vip = new_member(api, name="王芳", phone="13800000081")
    buy(api, vip["id"], "seed", [line(1200)])
    api.ok("POST", f"/members/{vip['id']}/cards", {"number": "VIP-0081"})

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "cashier@yueyi.test")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_selector("nav.sidenav")
    page.click("nav.sidenav >> text=收银台")
    # the scanner types the card number and presses Enter
    page.wait_for_selector("#q:focus")
    page.keyboard.type("VIP-0081")
    page.keyboard.press("Enter")
    page.wait_for_selector("#customer")
    assert "王芳" in page.inner_text("#customer") and "VIP卡" in page.inner_text("#customer")
    page.fill("input[name='lines-0-sku']", "羊毛大衣")
    page.fill("input[name='lines-0-price']", "100")
    page.fill("input[name='lines-1-sku']", "促销T恤")
    page.fill("input[name='lines-1-price']", "100")
    page.select_option("select[name='lines-1-price_type']", "promotional")
    page.press("input[name='lines-1-price']", "Enter")  # Enter quotes
    page.wait_for_selector("#quote")
    rates = [page.inner_text(f"#quote tr[data-line='{i}'] td.rate") for i in range(2)]
    assert rates == ["88%", "100%"]
    page.screenshot(path=str(artefacts / "1-quote.png"), full_page=True)
    page.click("button[name=confirm]")
    page.wait_for_selector("#receipt")
    assert "VIP-0081" in page.inner_text("#receipt") and "¥188.00" in page.inner_text("#receipt")
    page.emulate_media(media="print")
    assert not page.is_visible("nav.sidenav") and page.is_visible("#receipt")
    page.screenshot(path=str(artefacts / "2-receipt-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # a new customer spends 1,000: the till offers the VIP card
    page.click("text=下一位顾客")
    page.wait_for_selector("#q")
    page.fill("input[name=new_phone]", "13800000082")
    page.fill("input[name=new_name]", "李娜")
    page.fill("input[name='lines-0-sku']", "真丝连衣裙")
    page.fill("input[name='lines-0-price']", "1000")
    page.click("button[name=confirm]")
    page.wait_for_selector("text=填写VIP登记表")
    page.screenshot(path=str(artefacts / "3-qualifies.png"), full_page=True)
    page.click("text=填写VIP登记表")
    page.fill("input[name=card_number]", "VIP-0082")
    page.fill("input[name=birthday]", "1993-04-02")
    page.check("input[name=welcome_gift]")
    page.check("input[name=handbook]")
    page.click("button[type=submit]:has-text('发放VIP卡')")
    page.wait_for_selector("#registration-link")
    link = page.inner_text("#registration-link").strip()
    page.screenshot(path=str(artefacts / "4-card-issued.png"), full_page=True)

    # the member, on a phone, with no staff session
    phone = page.context.browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    mobile = phone.new_page()
    mobile.goto(re.sub(r"^https?://[^/]+", live_server, link))
    assert "李娜" in mobile.inner_text("main")
    mobile.select_option("select[name=contact_channel]", "wechat")
    mobile.check("input[name=promotions_consent]")
    mobile.click("button[type=submit]")
    mobile.wait_for_selector(".flash")
    assert "登记成功" in mobile.inner_text(".flash")
    mobile.screenshot(path=str(artefacts / "5-registered-on-phone.png"), full_page=True)
    phone.close()
    with world.as_tenant(tid):
        from core.members.models import Member
        registered = db.session.scalar(db.select(Member).where(Member.phone == "13800000082"))
        assert registered.registered_at is not None and registered.tier_key == "vip"
