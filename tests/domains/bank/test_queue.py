"""The branch queue: VIPs first by tier, ageing past the maximum wait, the teller's actions, the
kiosk's identification, bad input, and no ticket served twice under concurrency."""
import os
import threading

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.tenancy.context import tenant_context
from domains.bank import queue
from domains.bank.models import BankBranch, BankCounter, BankTicket
from tests.domains.bank.conftest import at, teller


def _take(bank, minutes, member_id=None, kind="bank.handling"):
    with bank.world.as_tenant(bank.tid):
        t = queue.take_ticket("kiosk", db.session.get(BankBranch, bank.branch), kind=kind, member_id=member_id,
                              now=at(minutes))
        db.session.commit()
        return t.number


def _call(bank, minutes, counter=None):
    with bank.world.as_tenant(bank.tid):
        c = db.session.get(BankCounter, counter or bank.counter1)
        t = queue.call_next(teller(bank.teller1), c, now=at(minutes))
        if t is not None:
            queue.complete(teller(), c, t.id, now=at(minutes))
        db.session.commit()
        return t.number if t else None


def test_a_vip_ticket_issued_after_an_ordinary_one_is_called_first(bank):
    gold = bank.member("钱金卡", tier="gold")
    private = bank.member("孙私行", tier="private")
    assert _take(bank, 0) == "A001"
    assert _take(bank, 1, gold) == "V001"
    assert _take(bank, 2, private) == "V002"
    # private banking (priority 1) before gold (3) before the ordinary ticket, although issued last
    assert [_call(bank, 3), _call(bank, 4), _call(bank, 5), _call(bank, 6)] == ["V002", "V001", "A001", None]


def test_an_ordinary_ticket_past_its_maximum_wait_goes_before_newer_vips(bank):
    gold = bank.member("钱金卡", tier="gold")
    wait = {w["tier_key"]: w["minutes"] for w in bank.bapi.ok("GET", "/tier-waits")}
    assert wait == {"ordinary": 40, "gold": 20, "diamond": 15, "private": 10, "": 40}
    assert _take(bank, 0) == "A001"            # the entry tier "ordinary": 40 minutes at most
    _take(bank, 38, gold), _take(bank, 39, gold)
    assert _call(bank, 39.5) == "V001"           # still within 40 minutes: the VIP goes first
    assert _call(bank, 40) == "A001"             # reached its maximum wait: before the newer VIP
    assert _call(bank, 41) == "V002"


def test_overdue_tickets_go_by_deadline_and_the_tenant_sets_the_wait(bank):
    gold = bank.member("钱金卡", tier="gold")
    bank.bapi.ok("PUT", "/tier-waits", {"tier_key": "ordinary", "max_wait_minutes": 5})
    bank.bapi.ok("PUT", "/tier-waits", {"tier_key": "gold", "max_wait_minutes": 3})
    _take(bank, 0)                # A001 deadline 5
    _take(bank, 1, gold)          # V001 deadline 4
    _take(bank, 1.5)              # A002 deadline 6.5
    assert [_call(bank, 10), _call(bank, 10), _call(bank, 10)] == ["V001", "A001", "A002"]
    bad = bank.bapi("PUT", "/tier-waits", {"tier_key": "platinum", "max_wait_minutes": 5})
    assert bad.status_code == 422 and "tier_key" in str(bad.get_json())
    bad = bank.bapi("PUT", "/tier-waits", {"tier_key": "gold", "max_wait_minutes": 0})
    assert bad.status_code == 422 and "max_wait_minutes" in str(bad.get_json())


def test_a_counter_calls_only_its_kinds(bank):
    _take(bank, 0, kind="bank.claim")
    _take(bank, 1, kind="bank.handling")
    assert _call(bank, 2, bank.counter2) == "A002"   # counter 2 serves handling only
    assert _call(bank, 3, bank.counter2) is None
    assert _call(bank, 3, bank.counter1) == "A001"


def test_the_kiosk_identifies_by_card_phone_or_id_number(bank):
    vip = bank.member("周钻石", tier="diamond", phone="13900000001", id_number="11010519491231002X")
    bank.api.ok("POST", f"/members/{vip}/cards", {"number": "6225880012345678"})
    for identifier, how in (("6225880012345678", "card"), ("139 0000 0001", "phone"),
                            ("11010519491231002X", "id_number")):
        t = bank.bapi.ok("POST", f"/branches/{bank.branch}/tickets", {"identifier": identifier})
        assert (t["member_id"], t["identified_by"], t["tier_key"], t["priority"], t["max_wait_minutes"]) == \
            (vip, how, "diamond", 2, 15)
        assert t["number"].startswith("V")
    stranger = bank.bapi.ok("POST", f"/branches/{bank.branch}/tickets", {"identifier": "13800009999"})
    assert (stranger["member_id"], stranger["priority"], stranger["number"]) == (None, 5, "A001")


def test_the_teller_console_actions_and_their_refusals(bank):
    api, c1, c2 = bank.bapi, bank.counter1, bank.counter2
    t = api.ok("POST", f"/branches/{bank.branch}/tickets", {"kind": "bank.inquiry"})
    called = api.ok("POST", f"/counters/{c1}/call-next")["ticket"]
    assert (called["number"], called["status"], called["counter_id"]) == ("A001", "called", c1)
    # the counter finishes the current ticket before calling another
    again = api("POST", f"/counters/{c1}/call-next")
    assert again.status_code == 409 and "counter_id" in again.get_json()["errors"]
    assert api.ok("POST", f"/counters/{c1}/tickets/{t['id']}/recall")["recalls"] == 1
    # transfer to counter 2 as a handling ticket: it waits for counter 2 only
    moved = api.ok("POST", f"/counters/{c1}/tickets/{t['id']}/transfer", {"to_counter_id": c2, "to_kind": "bank.handling"})
    assert (moved["status"], moved["for_counter_id"], moved["kind"]) == ("waiting", c2, "bank.handling")
    assert api.ok("POST", f"/counters/{c1}/call-next")["ticket"] is None
    assert api.ok("POST", f"/counters/{c2}/call-next")["ticket"]["number"] == "A001"
    assert api.ok("POST", f"/counters/{c2}/tickets/{t['id']}/serve")["status"] == "serving"
    done = api.ok("POST", f"/counters/{c2}/tickets/{t['id']}/complete")
    assert done["status"] == "done" and done["completed_at"]
    # a completed ticket called again, an unknown ticket, another branch's ticket
    r = api("POST", f"/counters/{c2}/tickets/{t['id']}/recall")
    assert r.status_code == 409 and "ticket_id" in r.get_json()["errors"]
    assert api("POST", f"/counters/{c2}/tickets/999999/serve").status_code == 404
    other = api.ok("POST", "/branches", {"code": "SH02", "name": "浦东支行"})["id"]
    foreign = api.ok("POST", f"/branches/{other}/tickets", {})
    r = api("POST", f"/counters/{c1}/tickets/{foreign['id']}/serve")
    assert r.status_code == 409 and "其他网点" in r.get_json()["errors"]["ticket_id"][0]  # the tenant's Chinese
    # no-show
    api.ok("POST", f"/branches/{bank.branch}/tickets", {})
    nxt = api.ok("POST", f"/counters/{c1}/call-next")["ticket"]
    assert api.ok("POST", f"/counters/{c1}/tickets/{nxt['id']}/no-show")["status"] == "no_show"


def test_bad_ticket_input_names_the_field_and_creates_nothing(bank):
    r = bank.bapi("POST", f"/branches/{bank.branch}/tickets", {"kind": "bank.loan"})
    assert r.status_code == 422 and "kind" in r.get_json()["errors"]
    r = bank.bapi("POST", f"/branches/{bank.branch}/tickets", {"member_id": 987654})
    assert r.status_code == 404 and "member_id" in r.get_json()["errors"]
    assert bank.bapi("POST", "/branches/987654/tickets", {}).status_code == 404
    r = bank.bapi("POST", f"/branches/{bank.branch}/counters", {"number": 1, "kinds": ["bank.handling"]})
    assert r.status_code == 409 and "number" in r.get_json()["errors"]
    with bank.world.as_tenant(bank.tid):
        assert db.session.scalar(select(func.count()).select_from(BankTicket)) == 0


def _concurrent_tellers(app, bank, tellers, tickets):
    """``tellers`` threads, each with its own session and counter, call next and complete until the
    queue is empty. Returns the ticket ids each one served."""
    with bank.world.as_tenant(bank.tid):
        branch = db.session.get(BankBranch, bank.branch)
        counters = [queue.create_counter("t", branch, number=10 + i, kinds=["bank.handling"]).id
                    for i in range(tellers)]
        rows = [{"tenant_id": bank.tid, "branch_id": bank.branch, "business_day": at(0).date(),
                 "number": f"A{i:04d}", "kind": "bank.handling", "priority": 1 + i % 5, "max_wait_minutes": 30,
                 "issued_at": at(i / 100), "deadline_at": at(30 + i / 100), "status": "waiting",
                 "recalls": 0, "transfers": 0} for i in range(tickets)]
        db.session.execute(BankTicket.__table__.insert(), rows)
        db.session.commit()
    served, errors = {c: [] for c in counters}, []
    barrier = threading.Barrier(tellers, timeout=60)

    def work(counter_id):
        # wait for the others before touching the pool (15 connections for 20 tellers): a session
        # holds a connection only until it commits, so the tellers take turns at the pool
        barrier.wait()
        with app.app_context(), tenant_context(bank.tid):
            try:
                counter = db.session.get(BankCounter, counter_id)
                while True:
                    t = queue.call_next(teller(), counter, now=at(20))
                    if t is None:
                        db.session.commit()
                        return
                    queue.complete(teller(), counter, t.id, now=at(20))
                    db.session.commit()
                    served[counter_id].append(t.id)
            except Exception as e:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(c,)) for c in counters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return served, errors


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="FOR UPDATE SKIP LOCKED needs PostgreSQL (run with DATABASE_URL); "
                           "SQLite serialises writers instead, see the test below")
def test_20_tellers_serve_2000_tickets_each_exactly_once_on_postgresql(app, bank):
    served, errors = _concurrent_tellers(app, bank, 20, 2000)
    assert errors == []
    ids = [i for s in served.values() for i in s]
    assert len(ids) == 2000 and len(set(ids)) == 2000
    assert sum(1 for s in served.values() if s) >= 10   # they really worked side by side
    with bank.world.as_tenant(bank.tid):
        assert db.session.scalar(select(func.count()).select_from(BankTicket).where(BankTicket.status == "done")) == 2000


def test_concurrent_tellers_on_any_database_never_share_a_ticket(app, bank):
    """On SQLite every transaction begins IMMEDIATE: the tellers queue for the write lock."""
    served, errors = _concurrent_tellers(app, bank, 4, 200)
    assert errors == []
    ids = [i for s in served.values() for i in s]
    assert len(ids) == 200 and len(set(ids)) == 200
