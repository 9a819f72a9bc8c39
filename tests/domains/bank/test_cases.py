"""Problem resolution (优先解决问题) and claims (优先理赔) as cases, and deliveries (优先投递) as tracked
hand-overs: core requests with the tier's SLA (seed 001 优先服务; 003 篇1/篇3) plus steps in order,
each signed and due inside the request's due time."""
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.extensions import db
from core.service.models import ServiceRequest
from domains.bank import cases
from domains.bank.models import BankCaseStep, BankDelivery
from tests.domains.bank.conftest import at, teller


def test_cases_are_ordered_by_tier_within_a_kind_and_due_by_the_tiers_sla(bank, world):
    plain = bank.member("王普通")
    gold = bank.member("李金卡", tier="gold")
    private = bank.member("赵私行", tier="private")
    with world.as_tenant(bank.tid):
        first = cases.open_case(teller(), kind="bank.claim", subject="车险理赔", member_id=plain, now=at(0))
        g = cases.open_case(teller(), kind="bank.claim", subject="账户盗刷理赔", member_id=gold, now=at(1))
        p = cases.open_case(teller(), kind="bank.claim", subject="保险理赔", member_id=private, now=at(2))
        r = cases.open_case(teller(), kind="bank.resolution", subject="转账未到账", member_id=plain, now=at(3))
        db.session.commit()
        # 私人银行 answers in 15 working minutes, 金卡 in 60 (assets.LADDER), an ordinary client next working day
        assert (p.priority, p.due_at) == (1, at(17))
        assert (g.priority, g.due_at) == (3, at(61))
        assert first.priority == 5 and first.due_at > at(61)
        claims = [row["request"].id for row in cases.cases(("bank.claim",), now=at(5))]
        assert claims == [p.id, g.id, first.id]            # the VIPs before the ordinary claim filed first
        assert [row["request"].id for row in cases.cases(now=at(5))][-2:] == [first.id, r.id]
        steps = cases.steps_of(g.id)
        assert [s.key for s in steps] == ["registered", "documents_checked", "assessed", "decided", "paid"]
        # step i of 5 due at received + 60 min × i / 5: 12, 24, 36, 48, 60 minutes
        assert [s.due_at for s in steps] == [at(1 + 12 * i) for i in range(1, 6)]
        assert steps[0].done_at == at(1) and steps[0].done_by == "teller@bank.test"   # registered on opening
        assert [s.key for s in cases.steps_of(r.id)] == ["registered", "investigating", "answered",
                                                         "client_confirmed"]
        # the private client's claim: its step "documents checked" past due at 09:10 → overdue
        late = next(row for row in cases.cases(("bank.claim",), now=at(10)) if row["request"].id == p.id)
        assert late["overdue"] and late["next"].key == "documents_checked"


def test_steps_go_in_order_each_signed_and_the_last_resolves(bank):
    gold = bank.member("李金卡", tier="gold")
    case = bank.bapi.ok("POST", "/cases", {"kind": "bank.claim", "subject": "信用卡盗刷理赔", "member_id": gold})
    assert case["priority"] == 3 and case["next_step"] == "documents_checked" and case["status"] == "open"
    r = bank.bapi("POST", f"/cases/{case['id']}/steps", {"step": "assessed"})
    assert r.status_code == 409 and "step" in r.get_json()["errors"]
    r = bank.bapi("POST", f"/cases/{case['id']}/steps", {"step": "flying"})
    assert r.status_code == 422 and "step" in r.get_json()["errors"]
    got = bank.bapi.ok("POST", f"/cases/{case['id']}/steps", {"step": "documents_checked", "note": "身份证、报案回执"})
    assert got["status"] == "in_progress" and got["next_step"] == "assessed"
    assert got["steps"][1]["done_by"] and got["steps"][1]["note"] == "身份证、报案回执"
    for step in ("assessed", "decided", "paid"):
        got = bank.bapi.ok("POST", f"/cases/{case['id']}/steps", {"step": step})
    assert got["status"] == "resolved" and got["next_step"] is None and all(s["done_at"] for s in got["steps"])
    r = bank.bapi("POST", f"/cases/{case['id']}/steps", {"step": "paid"})
    assert r.status_code == 409 and "step" in r.get_json()["errors"]
    assert [c["id"] for c in bank.bapi.ok("GET", "/cases")] == []          # resolved: off the open list
    r = bank.bapi("POST", "/cases", {"kind": "bank.handling", "subject": "x"})
    assert r.status_code == 422 and "kind" in r.get_json()["errors"]
    r = bank.bapi("POST", "/cases", {"kind": "bank.claim", "subject": "x", "member_id": 999999})
    assert r.status_code == 404 and "member_id" in r.get_json()["errors"]
    assert bank.bapi("GET", "/cases?kind=bank.delivery").status_code == 422


def test_another_tenants_case_is_not_found(bank, world):
    other = world.tenant("other-bank", domains=["bank"], timezone="Asia/Shanghai")
    with world.as_tenant(other):
        theirs = cases.open_case(None, kind="bank.resolution", subject="别家的问题", now=at(0)).id
        db.session.commit()
    assert bank.bapi("GET", f"/cases/{theirs}").status_code == 404
    assert bank.bapi("POST", f"/cases/{theirs}/steps", {"step": "investigating"}).status_code == 404
    with world.as_tenant(other):
        assert cases.steps_of(theirs)[1].done_at is None


def test_a_delivery_is_handed_over_only_with_the_id_checked(bank, world):
    plain = bank.member("王普通")
    diamond = bank.member("周钻石", tier="diamond")
    company = bank.api.ok("POST", "/members", {"name": "华东贸易有限公司", "kind": "company", "phone": "02155550001"})["id"]
    contact = bank.api.ok("POST", f"/members/{company}/contacts", {"name": "王建国", "phone": "13900001001"})["id"]
    body = {"item": "card", "description": "钻石借记卡", "branch_id": bank.branch}
    r = bank.bapi("POST", "/deliveries", {**body, "member_id": company})
    assert r.status_code == 422 and "contact_id" in r.get_json()["errors"]     # a company receives via a contact
    r = bank.bapi("POST", "/deliveries", {**body, "member_id": diamond, "contact_id": contact})
    assert r.status_code == 404 and "contact_id" in r.get_json()["errors"]
    r = bank.bapi("POST", "/deliveries", {**body, "member_id": diamond, "item": "cash"})
    assert r.status_code == 422 and "item" in r.get_json()["errors"]
    ordinary = bank.bapi.ok("POST", "/deliveries", {**body, "member_id": plain, "item": "document",
                                                     "description": "对账单"})
    vip = bank.bapi.ok("POST", "/deliveries", {**body, "member_id": diamond})
    corp = bank.bapi.ok("POST", "/deliveries", {**body, "member_id": company, "contact_id": contact,
                                                 "item": "document", "description": "开户回单"})
    assert [d["id"] for d in bank.bapi.ok("GET", "/deliveries")] == [vip["id"], ordinary["id"], corp["id"]]
    assert vip["next_step"] == "prepared" and vip["delivery"]["item"] == "card"
    url = f"/cases/{vip['id']}/steps"
    r = bank.bapi("POST", url, {"step": "handed_over", "recipient_name": "周钻石", "id_checked": True})
    assert r.status_code == 409 and "step" in r.get_json()["errors"]            # not prepared nor notified yet
    bank.bapi.ok("POST", url, {"step": "prepared"})
    bank.bapi.ok("POST", url, {"step": "client_notified", "note": "短信通知"})
    r = bank.bapi("POST", url, {"step": "handed_over", "recipient_name": "周钻石"})
    assert r.status_code == 422 and "id_checked" in r.get_json()["errors"]
    r = bank.bapi("POST", url, {"step": "handed_over", "id_checked": True})
    assert r.status_code == 422 and "recipient_name" in r.get_json()["errors"]
    with world.as_tenant(bank.tid):                                              # nothing half-applied
        d = db.session.query(BankDelivery).filter_by(request_id=vip["id"]).one()
        assert (d.recipient_name, d.id_checked, d.outcome) == (None, False, None)
        assert db.session.query(BankCaseStep).filter_by(request_id=vip["id"], key="handed_over").one().done_at is None
    done = bank.bapi.ok("POST", url, {"step": "handed_over", "recipient_name": "周钻石", "id_checked": True})
    assert done["status"] == "resolved" and done["delivery"]["outcome"] == "handed_over"
    assert done["delivery"]["id_checked"] and done["delivery"]["handed_by"] and done["delivery"]["handed_at"]
    curl = f"/cases/{corp['id']}/steps"
    bank.bapi.ok("POST", curl, {"step": "prepared"})
    bank.bapi.ok("POST", curl, {"step": "client_notified"})
    back = bank.bapi.ok("POST", curl, {"step": "returned", "note": "联系人离职"})
    assert back["delivery"]["outcome"] == "returned" and back["steps"][-1]["key"] == "returned"
    with world.as_tenant(bank.tid):
        assert db.session.get(ServiceRequest, vip["id"]).kind == "bank.delivery"
    assert [d["id"] for d in bank.bapi.ok("GET", "/deliveries")] == [ordinary["id"]]


def test_a_late_step_reminds_the_lobby_manager_once_and_only_the_step_the_case_waits_on(app, bank, world):
    from core.jobs.cron import PERIODIC
    from core.jobs.registry import resolve
    from core.tasks.models import Task
    from domains.bank.cases import LATE_STEP_SOURCE, remind_late_steps, remind_late_steps_for
    assert ("domains.bank.cases.remind_late_steps", 900) in PERIODIC
    resolve("domains.bank.cases.remind_late_steps")
    vip = bank.member("赵私行", tier="private", phone="13900000088")
    with world.as_tenant(bank.tid):
        claim = cases.open_case(teller(), kind="bank.claim", subject="保险理赔", member_id=vip, now=at(0))
        quick = cases.open_case(teller(), kind="bank.resolution", subject="网银", member_id=vip, now=at(0))
        db.session.commit()
        steps = cases.steps_of(claim.id)
        claim_no, quick_id = claim.request_no, quick.id
    tz = ZoneInfo("Asia/Shanghai")
    late_at = steps[1].due_at + timedelta(minutes=1)          # "documents checked" is past due
    with world.as_tenant(bank.tid):
        assert remind_late_steps_for(bank.tid, tz, steps[1].due_at - timedelta(minutes=1)) == 0   # not yet
        cases.advance(teller(), quick_id, "investigating", now=at(1))   # the other case keeps up
        db.session.commit()
    with world.as_tenant(bank.tid):
        made = remind_late_steps_for(bank.tid, tz, late_at)
        db.session.commit()
        tasks = db.session.scalars(select(Task).where(Task.source.like(f"{LATE_STEP_SOURCE}%"))).all()
    assert made >= 1
    mine = [t for t in tasks if claim_no in t.subject]
    assert len(mine) == 1 and mine[0].position == "bank.lobby_manager" and mine[0].member_id == vip
    assert mine[0].subject.startswith("超时：") and "材料已审核" in mine[0].subject    # in the tenant's language
    with world.as_tenant(bank.tid):                               # much later: every step is late, still one task
        assert remind_late_steps_for(bank.tid, tz, late_at + timedelta(days=30)) == 1   # only the other case's
        db.session.commit()
        again = db.session.scalars(select(Task).where(Task.source.like(f"{LATE_STEP_SOURCE}%"))).all()
        assert len([t for t in again if claim_no in t.subject]) == 1
    with app.app_context():
        assert remind_late_steps(as_of=(late_at + timedelta(days=31)).isoformat()) == 0   # the job: nothing new
