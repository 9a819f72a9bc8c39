"""The GM approves a VIP stay and publishes the notice; the engineering manager signs on the
engineering board; the GM's board, open all along, shows it without a reload. Screenshots kept."""
from datetime import timedelta

from core.models import utcnow
from tests.conftest import Api


def _sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_selector("nav.sidenav")


def test_gm_approves_engineering_signs_and_the_gms_board_follows(client, world, live_server, chromium, artefacts):
    tid = world.tenant("huating", domains=["hotel"], name="华庭国际大酒店")
    world.staff(tid, "gm@huating.test", role="manager", positions=["hotel.gm"], name="王德明")
    world.staff(tid, "eng@huating.test", role="manager", positions=["hotel.engineering"], name="马永强")
    _kid, key = world.api_key(tid, role="staff")
    pms = Api(client, "huating/hotel", key)
    pms.ok("POST", "/stays", {"reservation_no": "PMS-8801", "guest_name": "张部长", "room_no": "1808",
                              "arrival_at": (utcnow() + timedelta(hours=6)).isoformat(),
                              "requested_level": "VIP", "request_source": "office"}, status=(201,))

    gm_ctx = chromium.new_context(locale="zh-CN")
    gm = gm_ctx.new_page()
    gm.set_default_timeout(15_000)
    _sign_in(gm, live_server, "gm@huating.test")
    gm.click("nav.sidenav >> text=贵宾住店")
    gm.click("tr[data-stay='PMS-8801'] >> button[value=approve]")
    gm.wait_for_selector("tr[data-stay='PMS-8801'] >> text=VIP")
    gm.screenshot(path=str(artefacts / "1-approved.png"), full_page=True)
    gm.goto(f"{live_server}/t/huating/hotel/boards/front_office")
    gm.click("tr[data-step='notice'] >> button[name=sign]")  # the notice is published
    gm.wait_for_selector("tr[data-step='notice'].signed")
    gm.goto(f"{live_server}/t/huating/hotel/gm")
    row = "tr[data-stay='PMS-8801']"
    gm.wait_for_selector(row)
    assert "engineering" not in (gm.get_attribute(row, "data-signed") or "").split()
    gm.screenshot(path=str(artefacts / "2-gm-board-before.png"), full_page=True)

    eng_ctx = chromium.new_context(locale="zh-CN")
    eng = eng_ctx.new_page()
    eng.set_default_timeout(15_000)
    _sign_in(eng, live_server, "eng@huating.test")
    eng.goto(f"{live_server}/t/huating/hotel/boards/engineering")
    eng.click("tr[data-step='notice_engineering'] >> button[name=sign]")
    eng.wait_for_selector("tr[data-step='notice_engineering'].signed")
    eng.click("tr[data-step='engineering'] >> button[name=sign]")
    eng.wait_for_selector("tr[data-step='engineering'].signed")
    eng.screenshot(path=str(artefacts / "3-engineering-board.png"), full_page=True)

    # the GM's page was not reloaded: its rows refresh themselves
    gm.wait_for_function("""() => (document.querySelector("tr[data-stay='PMS-8801']").dataset.signed || '')
                                      .split(' ').includes('engineering')""", timeout=15_000)
    assert gm.evaluate("performance.getEntriesByType('navigation').length") == 1
    gm.screenshot(path=str(artefacts / "4-gm-board-after.png"), full_page=True)
    gm_ctx.close()
    eng_ctx.close()
