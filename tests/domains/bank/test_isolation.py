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
