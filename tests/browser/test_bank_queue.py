"""A VIP takes a ticket at the kiosk by phone number, a teller calls it, and the lobby board, open
all along, shows the number and the counter without a reload. Screenshots kept."""
from core.extensions import db
from core.members.models import Member
from core.tiers.services import grant, live_scheme
from domains.bank.assets import LADDER
from tests.conftest import Api


def _sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_selector("nav.sidenav")


def test_a_vip_ticket_from_the_kiosk_is_called_and_the_lobby_board_follows(client, world, live_server, chromium,
                                                                          artefacts):
    tid = world.tenant("huitong", domains=["bank"], name="汇通银行", timezone="Asia/Shanghai")
    world.staff(tid, "lm@huitong.test", role="manager", positions=["bank.lobby_manager"], name="罗红梅")
    teller = world.staff(tid, "t1@huitong.test", positions=["bank.teller"], name="林芳")
    _kid, key = world.api_key(tid, role="admin")
    core, bank = Api(client, "huitong", key), Api(client, "huitong/bank", key)
    scheme = core.ok("POST", "/schemes", {"document": LADDER})
    core.ok("POST", f"/schemes/{scheme['id']}/publish", {"note": "assets"})
    vip = core.ok("POST", "/members", {"name": "周钻石", "phone": "13900000001"})["id"]
    with world.as_tenant(tid):
        grant("test", db.session.get(Member, vip), live_scheme(), "diamond", "test")
        db.session.commit()
    branch = bank.ok("POST", "/branches", {"code": "SH01", "name": "上海分行营业部"})["id"]
    counter = bank.ok("POST", f"/branches/{branch}/counters",
                      {"number": 3, "kinds": ["bank.handling"], "teller_id": teller})["id"]
    bank.ok("POST", f"/branches/{branch}/tickets", {})  # an ordinary client came first: A001

    lobby_ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    lobby = lobby_ctx.new_page()
    lobby.set_default_timeout(15_000)
    _sign_in(lobby, live_server, "lm@huitong.test")
    lobby.goto(f"{live_server}/t/huitong/bank/branches/{branch}/lobby")
    lobby.wait_for_selector("#lobby-rows table.lobby")
    assert lobby.get_attribute("html", "lang") == "zh-CN"           # Chinese by default
    assert lobby.locator("nav.sidenav, header.topbar").count() == 0  # full screen: its own layout, no menu
    assert lobby.locator("#lobby-rows tr[data-number]").count() == 0  # nobody called yet
    lobby.screenshot(path=str(artefacts / "1-lobby-before.png"), full_page=True)

    kiosk = lobby_ctx.new_page()  # the kiosk in the lobby, signed in as the lobby manager
    kiosk.set_default_timeout(15_000)
    kiosk.goto(f"{live_server}/t/huitong/bank/branches/{branch}/kiosk")
    kiosk.fill("input[name=identifier]", "139 0000 0001")
    kiosk.click("#kiosk-form button[type=submit]")
    kiosk.wait_for_selector("#ticket >> text=V001")
    kiosk.screenshot(path=str(artefacts / "2-kiosk-ticket.png"), full_page=True)

    teller_ctx = chromium.new_context(locale="zh-CN")
    console = teller_ctx.new_page()
    console.set_default_timeout(15_000)
    _sign_in(console, live_server, "t1@huitong.test")
    console.goto(f"{live_server}/t/huitong/bank/counters/{counter}")
    console.click("#call_next")
    console.wait_for_selector("#current[data-ticket='V001']")   # the VIP before the earlier A001
    console.screenshot(path=str(artefacts / "3-teller-console.png"), full_page=True)

    # the lobby page was not reloaded: its rows refresh themselves
    lobby.wait_for_selector("#lobby-rows tr[data-number='V001']", timeout=15_000)
    assert "3" in lobby.inner_text("#lobby-rows tr[data-number='V001']")
    assert lobby.evaluate("performance.getEntriesByType('navigation').length") == 1
    lobby.screenshot(path=str(artefacts / "4-lobby-after.png"), full_page=True)
    lobby_ctx.close()
    teller_ctx.close()
