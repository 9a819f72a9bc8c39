"""A new business signs itself up in a real browser and reaches its empty dashboard, in its free
trial. Screenshots of each step are kept as test artefacts."""


def test_a_business_signs_up_and_reaches_its_empty_dashboard(app, live_server, page, artefacts, monkeypatch):
    # billing on (no Stripe call is made until the owner chooses to pay), so the trial shows
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_browser")
    page.goto(f"{live_server}/login")
    page.click("a[href='/signup']")
    page.wait_for_selector("input[name=slug]")
    page.screenshot(path=str(artefacts / "1-sign-up.png"), full_page=True)

    # a first try with a reserved address: the form comes back with the reason next to the field
    page.fill("input[name=name]", "西湖宾馆")
    page.fill("input[name=slug]", "admin")
    page.check("input[name=enabled_domains][value=hotel]")
    page.select_option("select[name=timezone]", "Asia/Shanghai")
    page.select_option("select[name=default_locale]", "zh_CN")
    page.check("input[name=plan][value=business]")
    page.fill("input[name=owner_name]", "王雪梅")
    page.fill("input[name=owner_email]", "owner@xihu-hotel.test")
    page.fill("input[name=password]", "a long browser password")
    page.fill("input[name=confirm]", "a long browser password")
    page.click("button[type=submit]")
    page.wait_for_selector(".field.has-error")
    assert page.input_value("input[name=slug]") == "admin"
    page.screenshot(path=str(artefacts / "2-address-taken.png"), full_page=True)

    page.fill("input[name=slug]", "xihu-hotel")
    page.fill("input[name=password]", "a long browser password")
    page.fill("input[name=confirm]", "a long browser password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/t/xihu-hotel/")
    assert page.inner_text("main h1") == "西湖宾馆"
    assert page.is_visible(".flash")
    assert page.is_visible(".billing-notice.trial")  # the owner sees the trial and its days left
    assert "14" in page.inner_text(".billing-notice.trial")
    cards = page.locator("main ul.cards li")
    assert cards.count() == 1 and "/t/xihu-hotel/hotel/" in cards.first.inner_html()
    assert page.is_visible("nav.sidenav a[href='/t/xihu-hotel/admin/billing/']")
    page.screenshot(path=str(artefacts / "3-empty-dashboard.png"), full_page=True)

    page.click("nav.sidenav a[href='/t/xihu-hotel/admin/billing/']")
    page.wait_for_selector("#usage")
    assert page.inner_text("#trial-days") == "14"
    assert page.inner_text("#usage tr[data-kind=members] td.used") == "0"
    assert page.inner_text("#usage tr[data-kind=staff] td.used") == "1"
    page.screenshot(path=str(artefacts / "4-billing.png"), full_page=True)
