"""The planning meeting (一会一案) in a browser: the assistant manager sees the guest's history, gives
the engineering inspection to a named person (a new hire is refused with the reason), publishes the
notice; the engineering board, open all along, shows the person without a reload. Screenshots kept."""
from datetime import date, timedelta

from core.extensions import db
from core.identity.principal import Principal
from core.models import utcnow
from tests.browser.test_hotel_boards import _sign_in


def test_the_planning_meeting_names_people_and_the_board_shows_them(client, world, live_server, chromium, artefacts):
    from domains.hotel import planning, services
    tid = world.tenant("huating", domains=["hotel"], name="华庭国际大酒店")
    world.staff(tid, "am@huating.test", positions=["hotel.assistant_manager"], name="陈晓峰")
    world.staff(tid, "eng@huating.test", role="manager", positions=["hotel.engineering"], name="马永强")
    veteran = world.staff(tid, "tech@huating.test", name="刘师傅")
    rookie = world.staff(tid, "rookie@huating.test", name="小王")
    with world.as_tenant(tid):
        today = utcnow().date()
        planning.save_profile("admin", veteran, service_start=date(2018, 3, 1), grade="supervisor")
        planning.save_profile("admin", rookie, service_start=today - timedelta(days=60), grade="supervisor")
        stay, _ = services.upsert_from_pms("pms", {"reservation_no": "PMS-9901", "guest_name": "张部长",
                                                   "arrival_at": utcnow() + timedelta(hours=20), "room_no": "1808"})
        services.decide_level("gm", Principal(label="gm", role="manager", positions=("hotel.gm",)), stay, level="VVIP")
        db.session.commit()
        sid = stay.id

    eng_ctx = chromium.new_context(locale="zh-CN")
    eng = eng_ctx.new_page()
    eng.set_default_timeout(15_000)
    _sign_in(eng, live_server, "eng@huating.test")
    eng.goto(f"{live_server}/t/huating/hotel/boards/engineering")
    eng.wait_for_selector("tr[data-step='engineering']")
    assert eng.locator("tr[data-step='engineering'] .assignee").count() == 0

    am_ctx = chromium.new_context(locale="zh-CN")
    am = am_ctx.new_page()
    am.set_default_timeout(15_000)
    _sign_in(am, live_server, "am@huating.test")
    am.goto(f"{live_server}/t/huating/hotel/stays/{sid}/plan")
    am.select_option("tr[data-step='engineering'] select", label="小王")
    am.click("#plan-form button[type=submit]")
    am.wait_for_selector("tr[data-step='engineering'] .error")
    assert "6个月" in am.inner_text("tr[data-step='engineering'] .error") or \
        "6 months" in am.inner_text("tr[data-step='engineering'] .error")
    am.screenshot(path=str(artefacts / "1-new-hire-refused.png"), full_page=True)
    am.select_option("tr[data-step='engineering'] select", label="刘师傅")
    am.click("#plan-form button[type=submit]")
    am.click("button[name=publish]")
    am.wait_for_selector("strong#published")
    am.screenshot(path=str(artefacts / "2-published.png"), full_page=True)

    eng.wait_for_selector("tr[data-step='engineering'] .assignee:has-text('刘师傅')", timeout=15_000)
    assert eng.evaluate("performance.getEntriesByType('navigation').length") == 1
    eng.screenshot(path=str(artefacts / "3-engineering-board.png"), full_page=True)
    am_ctx.close()
    eng_ctx.close()
