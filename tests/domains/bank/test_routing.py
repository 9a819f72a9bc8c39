"""VIP call routing (003 篇4 §5): every hop, skipped hops, the longest-idle duty desk, corporate
contacts, ordinary callers, the voicemail ticket, replays and bad input; every hop logged."""
import pytest
from sqlalchemy import select

from core.extensions import db
from core.identity.models import Membership
from core.members.models import Member, MemberContact
from core.portfolios.services import assign_manager
from core.service.models import ServiceRequest
from domains.bank import routing
from domains.bank.models import BankCall, BankCallHop
from tests.domains.bank.conftest import T0, at


@pytest.fixture
def phones(bank):
    w, tid, api = bank.world, bank.tid, bank.bapi
    bank.manager = w.staff(tid, "cm@bank.test", positions=["bank.client_manager"])
    bank.officer = w.staff(tid, "duty@bank.test", role="manager", positions=["bank.duty_officer"])
    api.ok("PUT", f"/staff/{bank.manager}/line", {"mobile": "13911110001", "branch_id": bank.branch})
    api.ok("PUT", f"/staff/{bank.officer}/line", {"mobile": "13911110002", "branch_id": bank.branch})
    api.ok("POST", "/seats", {"branch_id": bank.branch, "kind": "manager", "extension": "8101",
                              "membership_id": bank.manager})
    api.ok("POST", "/seats", {"branch_id": bank.branch, "kind": "duty", "extension": "8801"})
    api.ok("POST", "/seats", {"branch_id": bank.branch, "kind": "duty", "extension": "8802"})
    api.ok("PUT", "/duty", {"branch_id": bank.branch, "day": T0.date().isoformat(), "membership_id": bank.officer})
    bank.vip = bank.member("钱金卡", tier="gold", phone="13800000001")
    with w.as_tenant(tid):
        assign_manager("test", db.session.get(Member, bank.vip), db.session.get(Membership, bank.manager),
                       position="bank.client_manager")
        db.session.commit()
    return bank


def presence(bank, extension, status, minutes):
    with bank.world.as_tenant(bank.tid):
        routing.set_presence("pbx", routing.seat_by_extension(extension), status, now=at(minutes))
        db.session.commit()


def hop(bank, call_id, caller="13800000001", minutes=10, **kw):
    with bank.world.as_tenant(bank.tid):
        d = routing.route("pbx", call_id=call_id, caller=caller, now=at(minutes), **kw)
        db.session.commit()
        return d


def log(bank, call_id):
    with bank.world.as_tenant(bank.tid):
        call = db.session.scalar(select(BankCall).where(BankCall.external_id == call_id))
        return [(h.hop, h.outcome, h.reason) for h in
                db.session.scalars(select(BankCallHop).where(BankCallHop.call_id == call.id).order_by(BankCallHop.seq))]


def test_a_vip_call_rings_the_managers_seat_first(phones):
    presence(phones, "8101", "available", 0)
    d = hop(phones, "c1")
    assert (d["action"], d["kind"], d["target"], d["hop"], d["vip"]) == ("dial", "manager_seat", "8101", 1, True)
    assert hop(phones, "c1", hop=1, outcome="answered")["action"] == "done"
    assert log(phones, "c1") == [("manager_seat", "answered", None)]
    with phones.world.as_tenant(phones.tid):
        assert routing.seat_by_extension("8101").status == "busy"  # answered: the seat is on the phone


def test_the_whole_chain_down_to_the_voicemail_ticket_for_the_manager(phones):
    presence(phones, "8101", "available", 0)
    presence(phones, "8801", "available", 1)
    d = hop(phones, "c2")
    assert d["kind"] == "manager_seat"
    d = hop(phones, "c2", hop=1, outcome="no_answer")
    assert (d["kind"], d["target"]) == ("manager_mobile", "13911110001")
    d = hop(phones, "c2", hop=2, outcome="busy")
    assert (d["kind"], d["target"]) == ("duty_desk", "8801")
    d = hop(phones, "c2", hop=3, outcome="no_answer")
    assert (d["kind"], d["target"]) == ("duty_mobile", "13911110002")
    d = hop(phones, "c2", hop=4, outcome="failed")
    assert d["action"] == "voicemail" and d["request_no"].startswith("SR")
    assert log(phones, "c2") == [("manager_seat", "no_answer", None), ("manager_mobile", "busy", None),
                                 ("duty_desk", "no_answer", None), ("duty_mobile", "failed", None),
                                 ("voicemail", "recorded", None)]
    with phones.world.as_tenant(phones.tid):
        req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.request_no == d["request_no"]))
        assert (req.assignee_id, req.member_id, req.kind, req.channel) == (phones.manager, phones.vip, "bank.inquiry", "phone")
        assert req.response_minutes == 60  # gold's promise: the callback is due within an hour of working time


def test_a_busy_or_absent_seat_goes_straight_to_the_managers_mobile(phones):
    presence(phones, "8101", "busy", 0)
    d = hop(phones, "c3")
    assert (d["hop"], d["kind"], d["target"]) == (2, "manager_mobile", "13911110001")
    presence(phones, "8101", "absent", 0)
    assert hop(phones, "c4")["kind"] == "manager_mobile"
    assert log(phones, "c3") == [("manager_seat", "skipped", "seat_busy"), ("manager_mobile", None, None)]
    assert log(phones, "c4")[0] == ("manager_seat", "skipped", "seat_absent")


def test_both_duty_desks_idle_the_one_idle_longest_takes_the_call(phones):
    presence(phones, "8101", "absent", 0)
    presence(phones, "8801", "available", 5)   # idle since 09:05
    presence(phones, "8802", "available", 2)   # idle since 09:02: longer
    d = hop(phones, "c5")
    d = hop(phones, "c5", hop=d["hop"], outcome="no_answer")
    assert (d["kind"], d["target"]) == ("duty_desk", "8802")
    # the other way round: 8801 idle longest
    presence(phones, "8802", "busy", 6)
    presence(phones, "8802", "available", 7)
    d = hop(phones, "c6")
    d = hop(phones, "c6", hop=d["hop"], outcome="no_answer")
    assert (d["kind"], d["target"]) == ("duty_desk", "8801")
    # an unanswered desk passes the call to the duty officer's mobile, not to the next desk
    d = hop(phones, "c6", hop=d["hop"], outcome="no_answer")
    assert d["kind"] == "duty_mobile"


def test_no_desk_free_goes_to_the_duty_officers_mobile(phones):
    presence(phones, "8101", "absent", 0)
    d = hop(phones, "c7")
    d = hop(phones, "c7", hop=d["hop"], outcome="no_answer")
    assert d["kind"] == "duty_mobile"
    assert ("duty_desk", "skipped", "no_desk") in log(phones, "c7")


def test_corporate_clients_only_through_registered_contacts(phones):
    company = phones.member("华远集团", tier="diamond", phone="02161234567")
    with phones.world.as_tenant(phones.tid):
        m = db.session.get(Member, company)
        m.kind = "company"
        db.session.add(MemberContact(member_id=company, name="财务总监 李", phone="13700000001", title="CFO"))
        assign_manager("test", m, db.session.get(Membership, phones.manager), position="bank.client_manager")
        db.session.commit()
    presence(phones, "8101", "available", 0)
    presence(phones, "8801", "available", 0)
    contact = hop(phones, "c8", caller="13700000001")
    assert (contact["vip"], contact["kind"]) == (True, "manager_seat")
    switchboard = hop(phones, "c9", caller="02161234567")
    assert (switchboard["vip"], switchboard["kind"], switchboard["target"]) == (False, "duty_desk", "8801")


def test_ordinary_callers_go_to_the_duty_desk_then_a_ticket_for_the_duty_officer(phones):
    presence(phones, "8801", "available", 0)
    d = hop(phones, "c10", caller="13500000009")
    assert (d["vip"], d["kind"], d["target"]) == (False, "duty_desk", "8801")
    d = hop(phones, "c10", caller="13500000009", hop=1, outcome="busy")
    assert d["action"] == "voicemail"
    with phones.world.as_tenant(phones.tid):
        req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.request_no == d["request_no"]))
        assert (req.assignee_id, req.member_id) == (phones.officer, None)
    assert log(phones, "c10") == [("duty_desk", "busy", None), ("voicemail", "recorded", None)]


def test_a_vip_of_a_tier_without_priority_is_ordinary(phones):
    plain = phones.member("普通客户", phone="13600000001")  # entry tier "ordinary": priority 5
    presence(phones, "8801", "available", 0)
    assert hop(phones, "c11", caller="13600000001")["vip"] is False
    assert plain


def test_replays_answer_the_same_decision_and_bad_input_names_the_field(phones):
    presence(phones, "8101", "available", 0)
    first = hop(phones, "c12")
    assert hop(phones, "c12") == first                                  # the first request again
    second = hop(phones, "c12", hop=1, outcome="no_answer")
    assert hop(phones, "c12", hop=1, outcome="no_answer") == second     # the outcome again
    api = phones.bapi
    r = api("POST", "/calls/route", {"call_id": "x", "caller": "13800000001", "outcome": "maybe"})
    assert r.status_code == 422 and "outcome" in r.get_json()["errors"]
    r = api("POST", "/calls/route", {"call_id": "unknown", "caller": "13800000001", "hop": 1, "outcome": "busy"})
    assert r.status_code == 404 and "call_id" in r.get_json()["errors"]
    r = api("POST", "/calls/route", {"call_id": "y", "caller": "hello"})
    assert r.status_code == 422 and "caller" in r.get_json()["errors"]
    r = api("POST", "/calls/route", {"call_id": "y", "caller": "13800000001", "branch_code": "NOPE"})
    assert r.status_code == 404 and "branch_code" in r.get_json()["errors"]
    with phones.world.as_tenant(phones.tid):
        assert db.session.scalar(select(BankCall.id).where(BankCall.external_id == "y")) is None
    ok = api.ok("POST", "/calls/route", {"call_id": "z", "caller": "13800000001"})
    assert ok["kind"] == "manager_seat"
    assert api.ok("PUT", "/seats/presence", {"extension": "8801", "status": "available"})["idle_since"]
    r = api("PUT", "/seats/presence", {"extension": "9999", "status": "available"})
    assert r.status_code == 404 and "extension" in r.get_json()["errors"]
    calls = api.ok("GET", "/calls")
    z = next(c for c in calls if c["external_id"] == "z")
    assert [h["hop"] for h in z["hops"]] == ["manager_seat"]
    r = api("PUT", "/duty", {"branch_id": phones.branch, "day": "2030-05-20", "membership_id": phones.manager})
    assert r.status_code == 422 and "membership_id" in r.get_json()["errors"]
