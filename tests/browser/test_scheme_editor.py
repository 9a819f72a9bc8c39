"""A tenant admin, in a real browser, starts a scheme from the retail 8.8 template, raises the
single-purchase threshold, runs the simulator, sees the predicted tier counts change, publishes,
and sees the new version live. Screenshots of each step are kept as test artefacts."""
from datetime import timedelta

from core.models import utcnow
from tests.conftest import Api, buy, line, new_member


def _predicted(page, tier):
    return int(page.inner_text(f'#tier-counts tr[data-tier="{tier}"] td.predicted'))


def test_admin_changes_the_threshold_simulates_and_publishes(client, world, two_tenants, live_server, page,
                                                             artefacts):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    now = utcnow()
    for n, (name, amount) in enumerate([("甲", 1100), ("乙", 1500), ("丙", 300)]):
        m = new_member(api, name=name, phone=f"1380000010{n}")
        buy(api, m["id"], f"p{n}", [line(amount)], at=now - timedelta(days=30))

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "owner@a.test")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_selector("nav.sidenav")
    page.click("nav.sidenav >> text=等级方案")
    page.select_option("select[name=start]", "template:retail_88")
    page.click("text=开始草案")
    page.wait_for_selector("input[name='tiers-0-conditions-0-amount']")
    assert page.input_value("input[name='tiers-0-conditions-0-amount']") == "1000.00"
    page.screenshot(path=str(artefacts / "1-editor.png"), full_page=True)

    # run the simulator on the template as it is: both big buyers would be VIPs
    page.click("button[name=save]:not(.offscreen)")
    page.click("text=用近 12 个月数据模拟测算")
    page.wait_for_selector("#tier-counts")
    assert _predicted(page, "vip") == 2
    page.screenshot(path=str(artefacts / "2-simulated-1000.png"), full_page=True)

    # raise the single-purchase threshold to 1,200 and simulate again: only 乙 stays
    page.click("text=返回该版本")
    page.click("text=编辑草案")
    page.fill("input[name='tiers-0-conditions-0-amount']", "1200")
    page.press("input[name='tiers-0-conditions-0-amount']", "Enter")
    page.wait_for_selector("table.diff")
    assert "¥1,200.00" in page.inner_text("table.diff")
    page.click("text=用近 12 个月数据模拟测算")
    page.wait_for_selector("#tier-counts")
    assert _predicted(page, "vip") == 1
    movers = page.inner_text("#movers")  # nobody holds a tier yet: 乙 moves up, 甲 stays without one
    assert "乙" in movers and "甲" not in movers
    page.screenshot(path=str(artefacts / "3-simulated-1200.png"), full_page=True)

    # publish with a note; the version is live and the API agrees
    page.click("text=返回该版本")
    page.fill("input[name=note]", "单笔门槛提高到1200元")
    page.click("text=发布此版本")
    page.wait_for_selector(".flash")
    assert "已生效" in page.inner_text(".flash")
    page.click("text=全部版本")
    row = page.inner_text("table tbody tr:first-child")
    assert "v1" in row and "现行" in row
    page.screenshot(path=str(artefacts / "4-published.png"), full_page=True)
    live = api.ok("GET", "/schemes")[0]
    assert live["status"] == "published"
    assert live["document"]["tiers"][0]["qualify"]["any"][0] == {"single_purchase_at_least": 120000}
