"""A hotel GM signs in with a real browser, finds the hotel's team, switches language, and
cannot open another tenant."""
import os

from core.demo import DEMO_PASSWORD


def test_demo_gm_signs_in_and_sees_only_the_hotel(runner, live_server, page, tmp_path):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    page.goto(f"{live_server}/t/huating-hotel/")
    assert "/login" in page.url  # strangers are sent to sign in first
    page.fill("input[name=email]", "gm@huating-hotel.demo")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "华庭国际大酒店"
    nav = page.inner_text("nav.sidenav")
    assert "酒店贵宾接待" in nav and "银行" not in nav and "邮政" not in nav

    page.click("nav.sidenav >> text=酒店贵宾接待")
    page.wait_for_selector("table")
    team = page.inner_text("table")
    assert "总经理" in team and "王德明" in team and "质检经理助理" in team

    page.click("button[name=locale][value=en]")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Hotel VIP reception"
    assert "General manager" in page.inner_text("table")
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=str(tmp_path / "hotel.png"), full_page=True)

    resp = page.goto(f"{live_server}/t/huitong-bank/")
    assert resp.status == 404 and "汇通" not in page.content()

    page.goto(f"{live_server}/t/huating-hotel/")
    page.click("text=Sign out")
    page.wait_for_selector("input[name=email]")
    assert "/login" in page.url
