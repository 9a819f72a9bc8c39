"""The bank's reports: waiting and service times by tier and kind with SLA, calls by hop, 80/20,
per manager; the page and its CSV; a bad date answers 400 naming it."""
from core.extensions import db
from domains.bank import queue
from domains.bank.models import BankBranch, BankCounter
from tests.conftest import login
from tests.domains.bank.conftest import at, teller


def _serve(bank, issued, called, done, member_id=None):
    with bank.world.as_tenant(bank.tid):
        t = queue.take_ticket("k", db.session.get(BankBranch, bank.branch), kind="bank.handling",
                              member_id=member_id, now=at(issued))
        c = db.session.get(BankCounter, bank.counter1)
        got = queue.call_next(teller(), c, now=at(called))
        assert got.id == t.id
        queue.serve(teller(), c, t.id, now=at(called + 1))
        queue.complete(teller(), c, t.id, now=at(done))
        db.session.commit()


def test_queue_times_sla_pareto_and_csv(bank, client):
    gold = bank.member("钱金卡", tier="gold")
    _serve(bank, 0, 10, 21)              # ordinary: waited 10, served 10
    _serve(bank, 0, 50, 56)              # ordinary: waited 50 > 40: outside the SLA, served 5
    _serve(bank, 60, 65, 75, gold)       # gold: waited 5, served 9
    rows = []
    for i in range(10):                  # 10 clients; the richest two hold 80 of 100
        m = bank.member(f"客户{i}")
        no = bank.api.ok("GET", f"/members/{m}")["member_no"]
        rows.append({"period": "2030-04", "account_no": f"A{i}", "member_no": no,
                     "balance": "400000.00" if i < 2 else "25000.00"})
    bank.bapi.ok("POST", "/balances", {"rows": rows})
    bank.world.staff(bank.tid, "lm@bank.test", role="manager", positions=["bank.lobby_manager"])
    login(client, "lm@bank.test")
    csv = client.get("/t/huitong/bank/reports.csv?from=2030-05-20&to=2030-05-20").get_data(as_text=True)
    lines = [l for l in csv.splitlines() if l]
    assert lines[2].endswith(",优先办理,2,2,30.0,50.0,7.5,50.0,0")   # no tier: one of two within 40 min
    assert lines[3].startswith("金卡,") and lines[3].endswith(",1,1,5.0,5.0,9.0,100.0,0")  # gold: 5 min wait, 9 service
    assert lines[13].endswith(",2,20.0,80.0")                              # the top 20% hold 80% of the assets
    page = client.get("/t/huitong/bank/reports?from=2030-05-20&to=2030-05-20")
    assert page.status_code == 200
    bad = client.get("/t/huitong/bank/reports?from=2030-13-01")
    assert bad.status_code == 400 and "from" in bad.get_data(as_text=True)
