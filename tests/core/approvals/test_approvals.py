"""Tier applications (001 svip §一): filed by staff with the three descriptions, a first approval by a
consultant or manager, the final one by the store manager or GM, rejection with a reason, nothing
shown before the final approval, a task for every staffed position within one working day, the
month-end revocation review, and every step in the audit log."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.service.services import DEFAULT_HOURS, due_at
from tests.conftest import Api, login, new_member, publish_template

APPLICATION = {"spending_power": "每月护理两次，单次消费约两千元", "potential": "计划购买年卡",
               "need": "希望固定使用SVIP房间"}


@pytest.fixture
def club(app, client, world, two_tenants):
    """A beauty club on the ordinary / VIP / SVIP ladder, with a beautician (staff), a consultant
    (manager), the store manager (the owner) and a front-desk clerk holding a position."""
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "ordinary_vip_svip")
    world.staff(two_tenants["a"], "consultant@a.test", role="manager", positions=["retail.store_manager"])
    world.staff(two_tenants["a"], "gm2@a.test", role="admin")
    member = new_member(api, name="张丽", phone="13800000051")
    return {"api": api, "member": member, **two_tenants}


def _client(app, email):
    c = app.test_client()
    return c, login(c, email)


def _file(app, member_phone="13800000051", tier="svip", **override):
    c, csrf = _client(app, "staff@a.test")
    resp = c.post("/t/tenant-a/approvals/new", data={"csrf_token": csrf, "member": member_phone,
                                                     "tier_key": tier, **APPLICATION, **override})
    return resp


def _decide(app, email, app_id, decision, **fields):
    c, csrf = _client(app, email)
    return c.post(f"/t/tenant-a/approvals/{app_id}/decision", data={"csrf_token": csrf, "decision": decision,
                                                                     **fields})


def _app_id(resp) -> int:
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return int(re.search(r"/approvals/(\d+)", resp.headers["Location"]).group(1))


def test_two_approvals_grant_the_tier_and_every_position_gets_a_task(app, world, club):
    app_id = _app_id(_file(app))
    api = club["api"]
    # nothing changes for the member before the final approval
    assert api.ok("GET", f"/members/{club['member']['id']}")["tier_key"] is None
    assert _decide(app, "consultant@a.test", app_id, "approve", opinion="消费稳定，同意").status_code == 302
    assert api.ok("GET", f"/members/{club['member']['id']}")["tier_key"] is None
    assert api.ok("GET", f"/members/{club['member']['id']}/tier-changes") == []
    resp = _decide(app, "owner@a.test", app_id, "approve", opinion="同意", announcer="顾问李梅")
    assert resp.status_code == 302
    assert api.ok("GET", f"/members/{club['member']['id']}")["tier_key"] == "svip"
    change = api.ok("GET", f"/members/{club['member']['id']}/tier-changes")[0]
    assert change["to_tier"] == "svip" and "AP0000001" in change["reason"]

    tasks = api.ok("GET", "/tasks")
    # hotel.gm (the staff member) and retail.store_manager (the consultant) are the staffed positions
    assert sorted(t["position"] for t in tasks) == ["hotel.gm", "retail.store_manager"]
    approved_at = datetime.fromisoformat(api.ok("GET", f"/tier-applications/{app_id}")["final_at"])
    expected = due_at(approved_at, None, DEFAULT_HOURS, ZoneInfo("Asia/Shanghai"))
    assert all(datetime.fromisoformat(t["due_at"]) == expected for t in tasks)
    assert all("张丽" in t["subject"] and "顾问李梅" in t["detail"] for t in tasks)

    actions = [e["action"] for e in api.ok("GET", "/audit")]
    for step in ("tier_application.submit", "tier_application.first_approve", "tier_application.final_approve"):
        assert step in actions


def test_nobody_approves_their_own_and_the_two_approvers_differ(app, world, club):
    # the consultant files and may not give the first approval to herself
    c, csrf = _client(app, "consultant@a.test")
    app_id = _app_id(c.post("/t/tenant-a/approvals/new", data={"csrf_token": csrf, "member": "13800000051",
                                                               "tier_key": "vip", **APPLICATION}))
    assert _decide(app, "consultant@a.test", app_id, "approve", opinion="好").status_code == 403
    assert _decide(app, "staff@a.test", app_id, "approve", opinion="好").status_code == 403  # staff cannot decide
    assert _decide(app, "owner@a.test", app_id, "approve", opinion="同意").status_code == 302
    # the owner gave the first approval: the final one needs someone else
    assert _decide(app, "owner@a.test", app_id, "approve", opinion="同意", announcer="我").status_code == 403
    assert _decide(app, "gm2@a.test", app_id, "approve", opinion="同意", announcer="店总").status_code == 302
    assert club["api"].ok("GET", f"/members/{club['member']['id']}")["tier_key"] == "vip"


def test_rejection_needs_a_reason_beside_the_field_and_ends_the_application(app, club):
    app_id = _app_id(_file(app))
    resp = _decide(app, "consultant@a.test", app_id, "reject", reason="")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r'name="reason"[^>]*>\s*(?:<small class="hint">[^<]*</small>\s*)?<small class="error"', html)
    assert _decide(app, "consultant@a.test", app_id, "reject", reason="消费记录不足三个月").status_code == 302
    got = club["api"].ok("GET", f"/tier-applications/{app_id}")
    assert got["status"] == "rejected" and got["rejected_reason"] == "消费记录不足三个月"
    assert _decide(app, "owner@a.test", app_id, "approve", opinion="x", announcer="y").status_code == 409
    assert club["api"].ok("GET", "/tasks") == []


def test_every_item_of_the_form_must_be_filled(app, club):
    resp = _file(app, member="13999999999")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r'name="member"[^>]*>\s*<small class="error"', html)
    resp = _file(app, potential="   ")
    assert resp.status_code == 422 and 'class="error"' in resp.get_data(as_text=True).split('name="potential"')[1][:300]
    _app_id(_file(app))
    resp = _file(app)  # one application at a time per member
    assert resp.status_code == 422 and "AP0000001" in resp.get_data(as_text=True)


def test_api_refuses_bad_input_with_field_messages(club):
    api = club["api"]
    bad = api("POST", "/tier-applications", {"member_id": club["member"]["id"], "tier_key": "king", **APPLICATION})
    assert bad.status_code == 422 and "tier_key" in bad.get_json()["errors"]
    bad = api("POST", "/tier-applications", {"member_id": club["member"]["id"], "tier_key": "vip"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) >= {"spending_power", "potential", "need"}
    bad = api("POST", "/tier-applications", {"member_id": 999999, "tier_key": "vip", **APPLICATION})
    assert bad.status_code == 422 and "member_id" in bad.get_json()["errors"]


def test_month_end_review_revokes_and_tells_every_position(app, world, club):
    app_id = _app_id(_file(app))
    _decide(app, "consultant@a.test", app_id, "approve", opinion="同意")
    _decide(app, "owner@a.test", app_id, "approve", opinion="同意", announcer="顾问")
    c, csrf = _client(app, "owner@a.test")
    page = c.get("/t/tenant-a/approvals/review").get_data(as_text=True)
    assert "张丽" in page and "AP0000001" in page
    mid = club["member"]["id"]
    resp = c.post("/t/tenant-a/approvals/review", data={"csrf_token": csrf, "member_id": mid, "reason": ""})
    assert resp.status_code == 422
    resp = c.post("/t/tenant-a/approvals/review", data={"csrf_token": csrf, "member_id": mid,
                                                        "reason": "连续三个月未到店"})
    assert resp.status_code == 302
    member = club["api"].ok("GET", f"/members/{mid}")
    assert member["tier_key"] == "ordinary"  # the ladder's entry tier
    assert "张丽" not in c.get("/t/tenant-a/approvals/review").get_data(as_text=True)
    revoked = [t for t in club["api"].ok("GET", "/tasks") if t["source"].startswith("tier_revocation:")]
    assert sorted(t["position"] for t in revoked) == ["hotel.gm", "retail.store_manager"]
    assert "tier_application.revoke" in [e["action"] for e in club["api"].ok("GET", "/audit")]


def test_staff_see_and_close_their_positions_tasks_only(app, world, club):
    app_id = _app_id(_file(app))
    _decide(app, "consultant@a.test", app_id, "approve", opinion="同意")
    _decide(app, "owner@a.test", app_id, "approve", opinion="同意", announcer="顾问")
    c, csrf = _client(app, "staff@a.test")  # holds hotel.gm only
    page = c.get("/t/tenant-a/tasks/").get_data(as_text=True)
    assert page.count("张丽") == 1
    tasks = {t["position"]: t["id"] for t in club["api"].ok("GET", "/tasks")}
    other = c.post(f"/t/tenant-a/tasks/{tasks['retail.store_manager']}/done", data={"csrf_token": csrf})
    assert other.status_code == 302
    assert c.post(f"/t/tenant-a/tasks/{tasks['hotel.gm']}/done",
                  data={"csrf_token": csrf, "note": "已登记"}).status_code == 302
    open_now = {t["position"] for t in club["api"].ok("GET", "/tasks")}
    assert open_now == {"retail.store_manager"}  # the other position's task was refused
    done = club["api"].ok("GET", "/tasks?status=done")
    assert done[0]["done_by"] == "staff@a.test" and done[0]["done_note"] == "已登记"
    assert "张丽" not in c.get("/t/tenant-a/tasks/").get_data(as_text=True)


@pytest.mark.parametrize("lang,word", [("zh_CN", "会员资格申请"), ("en", "Tier applications")])
def test_pages_in_both_languages(app, club, lang, word):
    c, csrf = _client(app, "staff@a.test")
    c.post("/language", data={"locale": lang, "csrf_token": csrf, "next": "/"})
    assert word in c.get("/t/tenant-a/approvals/").get_data(as_text=True)
    with app.app_context():
        db.session.remove()
