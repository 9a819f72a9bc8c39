"""An admin watches a member file being checked: the <progress> bar follows the job through the
JSON status endpoint, and when the job ends the page shows the bad rows by itself."""
from core.extensions import db
from core.imports import services
from core.tenancy.context import tenant_context
from tests.conftest import Api, publish_template
from tests.core.imports.helpers import csv_bytes, upload


def test_the_progress_bar_follows_the_check_then_the_bad_rows_appear(app, client, two_tenants, live_server, page,
                                                                    artefacts, monkeypatch):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "retail_88")
    rows = [["姓名", "手机", "等级"]] + [[f"会员{i}", f"139{i:08d}", "vip"] for i in range(8)]
    rows[3][1], rows[6][2] = "12345", "钻石"  # two bad rows: 4 (phone) and 7 (tier)
    batch = upload(api, csv_bytes(rows), "会员.csv")
    monkeypatch.setattr(services, "enqueue", lambda *a, **k: None)  # the check waits until we run it
    api.ok("POST", f"/imports/{batch['id']}/dry-run", {}, status=(202,))

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "owner@a.test")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_selector("nav.sidenav")
    page.click("nav.sidenav a[href='/t/tenant-a/admin/imports']")
    page.click(f"a[href='/t/tenant-a/admin/imports/{batch['id']}']")
    page.wait_for_selector("progress#import-progress")
    assert page.eval_on_selector("#import-progress", "p => [p.value, p.max]") == [0, 8]

    with app.app_context():  # the worker reports 5 rows done, as the job does between chunks
        services.Progress(two_tenants["a"], batch["id"], every=1)(5)
    page.wait_for_function("document.getElementById('import-progress').value === 5")
    assert "5" in page.inner_text("#import-progress-text")
    page.screenshot(path=str(artefacts / "1-checking.png"), full_page=True)

    with app.app_context(), tenant_context(two_tenants["a"]):  # the job ends
        services.check_batch(batch["id"])
        db.session.remove()
    page.wait_for_selector("table.import-problems")  # the page reloaded itself
    cells = page.eval_on_selector_all("table.import-problems tbody tr td:first-child",
                                      "tds => tds.map(td => td.textContent)")
    assert cells == ["4", "7"]
    assert page.query_selector("progress") is None
    page.screenshot(path=str(artefacts / "2-bad-rows.png"), full_page=True)
