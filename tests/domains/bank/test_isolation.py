"""The bank's Core SQL (call-next's one statement, the balance inserts) touches only the tenant it is
given, with another tenant's tickets and balances present."""
from sqlalchemy import select

from core.extensions import db
from domains.bank import assets, queue
from domains.bank.models import BankBalance, BankBranch, BankCounter, BankTicket
from tests.domains.bank.conftest import at, teller


def test_call_next_and_balances_stay_in_their_tenant(bank, world, client):
    other = world.tenant("other-bank", domains=["bank"], timezone="Asia/Shanghai")
    with world.as_tenant(other):
        branch = queue.create_branch(None, code="SH01", name="别家")   # the same code, another tenant
        counter = queue.create_counter(None, branch, number=1, kinds=["bank.handling"])
        theirs = queue.take_ticket(None, branch, kind="bank.handling", now=at(0)).id
        db.session.commit()
        other_counter = counter.id
    a = bank.member("甲")
    no = bank.api.ok("GET", f"/members/{a}")["member_no"]
    with world.as_tenant(bank.tid):
        ours = queue.take_ticket(None, db.session.get(BankBranch, bank.branch), kind="bank.handling", now=at(1)).id
        got = queue.call_next(teller(), db.session.get(BankCounter, bank.counter1), now=at(2))
        assert got.id == ours
        assert queue.call_next(teller(), db.session.get(BankCounter, bank.counter2), now=at(2)) is None
        assets.record_balances(None, [{"period": "2026-10", "account_no": "A1", "member_no": no, "balance": "1"}])
        db.session.commit()
        assert db.session.get(BankCounter, other_counter) is None       # scoped: tenant B's counter is not found
    with world.as_tenant(other):
        t = db.session.get(BankTicket, theirs)
        assert t.status == "waiting" and t.counter_id is None
        assert db.session.scalars(select(BankBalance)).all() == []


def test_complete_names_another_tenants_ticket_unknown_and_leaves_it(bank, world):
    other = world.tenant("other-bank", domains=["bank"], timezone="Asia/Shanghai")
    with world.as_tenant(other):
        branch = queue.create_branch(None, code="SH01", name="别家")
        counter = queue.create_counter(None, branch, number=1, kinds=["bank.handling"])
        queue.take_ticket(None, branch, kind="bank.handling", now=at(0))
        theirs = queue.call_next(teller(), counter, now=at(1)).id   # called at their counter 1
        db.session.commit()
    r = bank.bapi("POST", f"/counters/{bank.counter1}/tickets/{theirs}/complete")
    assert r.status_code == 404 and "ticket_id" in r.get_json()["errors"]
    with world.as_tenant(other):
        assert db.session.get(BankTicket, theirs).status == "called"


def test_routing_knows_only_the_tenants_own_clients_seats_and_calls(bank, world):
    """The same phone is a gold client with a manager at this bank and nobody at the other; the
    same call id at both banks is two calls; each bank's desks answer its own calls."""
    from core.identity.models import Membership
    from core.members.models import Member
    from core.portfolios.services import assign_manager
    from domains.bank import routing
    from domains.bank.models import BankCall
    manager = world.staff(bank.tid, "cm@bank.test", positions=["bank.client_manager"])
    bank.bapi.ok("POST", "/seats", {"branch_id": bank.branch, "kind": "manager", "extension": "8101",
                                    "membership_id": manager})
    bank.bapi.ok("POST", "/seats", {"branch_id": bank.branch, "kind": "duty", "extension": "8801"})
    bank.bapi.ok("PUT", "/seats/presence", {"extension": "8101", "status": "available"})
    bank.bapi.ok("PUT", "/seats/presence", {"extension": "8801", "status": "available"})
    vip = bank.member("钱金卡", tier="gold", phone="13800000001")
    with world.as_tenant(bank.tid):
        assign_manager("t", db.session.get(Member, vip), db.session.get(Membership, manager), position="bank.client_manager")
        db.session.commit()
    other = world.tenant("other-bank", domains=["bank"], timezone="Asia/Shanghai")
    with world.as_tenant(other):
        branch = queue.create_branch(None, code="SH01", name="别家")
        routing.set_presence(None, routing.create_seat(None, branch_id=branch.id, kind="duty", extension="8801"),
                             "available", now=at(0))
        theirs = routing.route("pbx", call_id="same-id", caller="13800000001", now=at(1))
        db.session.commit()
        their_desk = routing.seat_by_extension("8801").id
    assert (theirs["vip"], theirs["kind"], theirs["target"]) == (False, "duty_desk", "8801")
    with world.as_tenant(bank.tid):
        ours = routing.route("pbx", call_id="same-id", caller="13800000001", now=at(1))
        db.session.commit()
        assert (ours["vip"], ours["kind"], ours["target"]) == (True, "manager_seat", "8101")
        done = routing.route("pbx", call_id="same-id", caller="13800000001", hop=1, outcome="answered", now=at(2))
        db.session.commit()
        assert done["action"] == "done"
        assert db.session.scalar(select(BankCall.status).where(BankCall.external_id == "same-id")) == "answered"
    with world.as_tenant(other):
        call = db.session.scalar(select(BankCall).where(BankCall.external_id == "same-id"))
        assert (call.status, call.vip, call.member_id) == ("routing", False, None)   # untouched by the other bank
        from domains.bank.models import BankCallHop, BankSeat
        assert [h.seat_id for h in db.session.scalars(select(BankCallHop).where(BankCallHop.call_id == call.id))] \
            == [their_desk]
        assert db.session.get(BankSeat, their_desk).status == "available"
        d = routing.route("pbx", call_id="only-at-the-first-bank", caller="13800000001", now=at(3))
        assert d["vip"] is False
