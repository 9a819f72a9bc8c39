"""A manager opens the VIP-share report in a real browser: the vendored Chart.js draws each chart
from the JSON beside it, the bars are the table's numbers, and nothing is fetched from another host.
Screenshots are kept as test artefacts."""
from datetime import timedelta

from core.extensions import db
from core.models import utcnow
from core.tenancy.context import tenant_context
from tests.core.reports.common import SH, card, ledger, member, purchase, request, sh, utc


def test_the_charts_draw_the_tables_numbers_from_our_own_server(app, world, two_tenants, live_server, page,
                                                                artefacts):
    world.staff(two_tenants["a"], "manager@a.test", role="manager")
    with app.app_context(), tenant_context(two_tenants["a"]):
        vip, other = member("张丽", tier_key="vip").id, member("王强").id
        purchase(vip, sh(2026, 1, 10), 1234.56, tier_key="vip")
        purchase(vip, utc(2026, 1, 31, 23, 30), 100, tier_key="vip")     # February in Shanghai
        purchase(other, sh(2026, 1, 12), 99.5)
        soon = utcnow().astimezone(SH).date() + timedelta(days=3)
        card(member("沉睡", birthday=soon.replace(year=1990) if (soon.month, soon.day) != (2, 29) else None).id)
        ledger(vip, "earn", 100, utcnow() - timedelta(days=40), expires_at=utcnow() + timedelta(days=40))
        request("follow_up", "open", utcnow() + timedelta(hours=3), member_id=other)
        db.session.commit()
    hosts, errors = set(), []
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "manager@a.test")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_selector("nav.sidenav")
    page.goto(f"{live_server}/t/tenant-a/admin/reports/vip-share?month=2026-02&months=2")
    page.wait_for_function("() => window.Chart && Chart.getChart('vip-share-chart') && Chart.getChart('pareto-chart')")

    drawn = page.evaluate("() => Chart.getChart('vip-share-chart').data.datasets.map(d => d.data)")
    assert drawn == [[1234.56, 100], [99.5, 0]]
    cells = page.eval_on_selector_all("#vip-share tbody tr", "rows => rows.map(r => r.innerText.split('\\t'))")
    assert [c[1:3] for c in cells] == [["¥1,234.56", "¥99.50"], ["¥100.00", "¥0.00"]]
    assert page.evaluate("() => Chart.getChart('vip-share-chart').options.scales.y.stacked") is True
    assert page.evaluate("() => Chart.getChart('pareto-chart').data.datasets[0].data") == [0, 93.06, 100]
    # the canvas has been painted: some pixel is not transparent
    assert page.evaluate("""() => { const c = document.getElementById('vip-share-chart');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; } return false; }""")
    page.screenshot(path=str(artefacts / "vip-share.png"), full_page=True)

    # every report page: each chart drawn, no script error
    for report in ("tier-distribution", "top-members?month=2026-01", "top-tracking?month=2026-02&months=1",
                   "dormant", "points-liability", "birthdays", "follow-ups"):
        page.goto(f"{live_server}/t/tenant-a/admin/reports/{report}")
        page.wait_for_load_state("load")
        canvases = page.eval_on_selector_all("canvas", "cs => cs.map(c => c.id)")
        assert canvases, report
        page.wait_for_function("ids => ids.every(id => window.Chart && Chart.getChart(id))", arg=canvases)
        page.screenshot(path=str(artefacts / f"{report.split('?')[0]}.png"), full_page=True)
    assert errors == []
    assert hosts == {live_server.split("/")[2]}, hosts                  # no CDN, nothing from elsewhere
