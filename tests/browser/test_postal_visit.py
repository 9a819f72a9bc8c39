"""On a phone: a client manager opens today's visit, logs it with a promise for the parcels department,
and the promise appears on the parcels department's task list. Screenshots kept."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.extensions import db
from core.identity.models import Membership

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}


def _sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_manager_logs_todays_visit_with_a_promise_and_the_department_sees_it(world, live_server, chromium,
                                                                             artefacts):
    from core.members.services import create_member
    from core.portfolios.services import assign_manager
    from domains.postal.models import PostalVisit
    tid = world.tenant("mingzhou", domains=["postal"], name="明州邮政", timezone="Asia/Shanghai")
    cm = world.staff(tid, "cm1@post.test", positions=["postal.client_manager"], name="邓丽")
    world.staff(tid, "parcels@post.test", positions=["postal.parcels"], name="许光明")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    with world.as_tenant(tid):
        client = create_member(None, {"name": "东海电子商务有限公司", "kind": "company", "address": "中山路100号"})
        client.tier_key = "svip"
        assign_manager(None, client, db.session.get(Membership, cm), position="postal.client_manager")
        visit = PostalVisit(member_id=client.id, manager_id=cm, planned_on=today, status="planned")
        db.session.add(visit)
        db.session.commit()
        visit_id = visit.id

    ctx = chromium.new_context(**PHONE)
    phone = ctx.new_page()
    phone.set_default_timeout(15_000)
    _sign_in(phone, live_server, "cm1@post.test")
    phone.goto(f"{live_server}/t/mingzhou/postal/visits")
    phone.wait_for_selector(f"li[data-visit='{visit_id}'].today")
    phone.screenshot(path=str(artefacts / "1-todays-visits.png"), full_page=True)
    phone.click(f"li[data-visit='{visit_id}'] >> a")
    phone.wait_for_selector("form#visit-log")
    phone.fill("input[name=contact_name]", "陈主任")
    phone.fill("textarea[name=needs_found]", "每天下午有大量电商包裹需要揽收")
    phone.fill("input[name=promise_text]", "安排每日16点上门揽收")
    phone.select_option("select[name=promise_department]", "parcels")
    phone.fill("input[name=promise_due_on]", date.fromordinal(today.toordinal() + 3).isoformat())
    phone.fill("textarea[name=next_step]", "下月回访确认揽收效果")
    phone.screenshot(path=str(artefacts / "2-log-form.png"), full_page=True)
    # the form fits the phone: nothing wider than the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("form#visit-log >> button[type=submit]")
    phone.wait_for_selector("#visit-record")
    assert "安排每日16点上门揽收" in phone.inner_text("#promises")
    phone.screenshot(path=str(artefacts / "3-logged.png"), full_page=True)
    ctx.close()

    ctx = chromium.new_context(**PHONE)
    dept = ctx.new_page()
    dept.set_default_timeout(15_000)
    _sign_in(dept, live_server, "parcels@post.test")
    dept.goto(f"{live_server}/t/mingzhou/tasks/")
    dept.wait_for_selector("text=安排每日16点上门揽收")
    assert "东海电子商务有限公司" in dept.content()
    dept.screenshot(path=str(artefacts / "4-parcels-department-tasks.png"), full_page=True)
    ctx.close()
