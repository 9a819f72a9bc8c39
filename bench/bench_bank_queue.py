"""The branch queue under 20 tellers at once, and the routing decision under 50 calls at once.

1. Call-next throughput: 20 threads, one counter each, each with its own session, run the teller's
   cycle — ``queue.call_next`` (the one UPDATE … FOR UPDATE SKIP LOCKED statement, after the check
   that the counter is free) then ``queue.complete`` and a commit — until the tickets run out.
   Floor, in the same run on the same data: the same cycle as bare SQL through psycopg (the pick-
   and-claim statement written out as ``call_next_statement`` builds it, then the UPDATE to done,
   commit), 20 threads.
   Target: ours / floor ≥ 0.5.
2. Routing decision: 50 threads each route a new VIP call (first hop) through ``routing.route``
   and commit; p50/p99 per decision (in process, no HTTP). Target p99 ≤ 20 ms.
"""
import os
import sys
import threading
import time

from _common import machine, make_app, percentile, psycopg_dsn, scratch_database

TELLERS = int(os.environ.get("BENCH_TELLERS", 20))
TICKETS = int(os.environ.get("BENCH_TICKETS", 10_000))
CALLS = int(os.environ.get("BENCH_CALLS", 50))
ROUNDS = int(os.environ.get("BENCH_CALL_ROUNDS", 10))


def setup(app):
    from core.extensions import db
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant
    from core.plugins import registry
    from core.tiers.services import create_draft, publish
    from domains.bank import assets, queue

    with app.app_context():
        t = create_tenant(None, slug="bank", name="bank", known_domains=registry(app), enabled_domains=["bank"])
        db.session.commit()
        with tenant_context(t.id):
            publish(None, create_draft(None, document=assets.LADDER))
            branch = queue.create_branch(None, code="B1", name="营业部")
            counters = [queue.create_counter(None, branch, number=i + 1, kinds=["bank.handling"]).id
                        for i in range(TELLERS)]
            db.session.commit()
            return t.id, branch.id, counters


def load_tickets(app, tid, branch_id, prefix):
    from datetime import UTC, datetime, timedelta

    from core.extensions import db
    from domains.bank.models import BankTicket
    t0 = datetime.now(UTC) - timedelta(hours=1)
    rows = [{"tenant_id": tid, "branch_id": branch_id, "business_day": t0.date(), "number": f"{prefix}{i:05d}",
             "kind": "bank.handling", "priority": 1 + i % 5, "max_wait_minutes": 30,
             "issued_at": t0 + timedelta(milliseconds=i), "deadline_at": t0 + timedelta(minutes=30, milliseconds=i),
             "status": "waiting", "recalls": 0, "transfers": 0} for i in range(TICKETS)]
    with app.app_context():
        db.session.execute(BankTicket.__table__.insert(), rows)
        db.session.commit()


def ours(app, tid, counters):
    from core.extensions import db
    from core.identity.principal import Principal
    from core.tenancy import tenant_context
    from domains.bank import queue
    from domains.bank.models import BankCounter
    teller = Principal(label="bench", role="staff", positions=("bank.teller",))
    served, barrier = [0] * len(counters), threading.Barrier(len(counters) + 1)

    def work(i, counter_id):
        with app.app_context(), tenant_context(tid):
            counter = db.session.get(BankCounter, counter_id)
            db.session.commit()
            barrier.wait()
            while True:
                ticket = queue.call_next(teller, counter)
                if ticket is None:
                    db.session.commit()
                    return
                queue.complete(teller, counter, ticket.id)
                db.session.commit()
                served[i] += 1

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(counters)]
    for th in threads:
        th.start()
    barrier.wait()
    start = time.perf_counter()
    for th in threads:
        th.join()
    return sum(served), time.perf_counter() - start


BARE = """
UPDATE bank_ticket SET status = 'called', counter_id = %(c)s, teller_id = NULL, called_at = %(now)s,
       last_called_at = %(now)s, for_counter_id = NULL
WHERE id = COALESCE(
    (SELECT id FROM bank_ticket WHERE tenant_id = %(t)s AND branch_id = %(b)s AND status = 'waiting'
        AND kind IN ('bank.handling') AND (for_counter_id IS NULL OR for_counter_id = %(c)s)
        AND deadline_at <= %(now)s ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED),
    (SELECT id FROM bank_ticket WHERE tenant_id = %(t)s AND branch_id = %(b)s AND status = 'waiting'
        AND kind IN ('bank.handling') AND (for_counter_id IS NULL OR for_counter_id = %(c)s)
        ORDER BY priority, issued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED))
  AND status = 'waiting' AND tenant_id = %(t)s
  AND NOT EXISTS (SELECT 1 FROM bank_ticket busy WHERE busy.tenant_id = %(t)s AND busy.counter_id = %(c)s
                  AND busy.status IN ('called', 'serving'))
RETURNING id"""


def floor(app, tid, branch_id, counters, dsn):
    """The same cycle as bare SQL: the statement ``queue.call_next_statement`` builds, written out."""
    import psycopg
    served, barrier = [0] * len(counters), threading.Barrier(len(counters) + 1)

    def work(i, counter_id):
        from datetime import UTC, datetime
        with psycopg.connect(dsn) as conn:
            barrier.wait()
            while True:
                row = conn.execute(BARE, {"c": counter_id, "t": tid, "b": branch_id,
                                          "now": datetime.now(UTC)}).fetchone()
                if row is None:
                    conn.commit()
                    return
                conn.execute("UPDATE bank_ticket SET status = 'done', completed_at = now(), "
                             "served_at = coalesce(served_at, now()) WHERE id = %s", (row[0],))
                conn.commit()
                served[i] += 1

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(counters)]
    for th in threads:
        th.start()
    barrier.wait()
    start = time.perf_counter()
    for th in threads:
        th.join()
    return sum(served), time.perf_counter() - start


def routing_latency(app, tid, branch_id):
    from core.extensions import db
    from core.identity.models import Membership
    from core.identity.services import add_staff
    from core.plugins import all_positions
    from core.portfolios.services import assign_manager
    from core.tenancy import tenant_context
    from core.tiers.services import grant, live_scheme
    from domains.bank import routing
    with app.app_context(), tenant_context(tid):
        m, _ = add_staff(None, email="cm@bench.test", name="经理", role="staff", positions=["bank.client_manager"],
                         known_positions=all_positions(app), password="x" * 12)
        routing.set_staff_line(None, m.id, mobile="13911110001", branch_id=branch_id)
        seat = routing.create_seat(None, branch_id=branch_id, kind="manager", extension="8101", membership_id=m.id)
        routing.set_presence(None, seat, "available")
        for k in range(4):
            routing.set_presence(None, routing.create_seat(None, branch_id=branch_id, kind="duty",
                                                           extension=f"880{k}"), "available")
        from core.members.services import create_member
        for i in range(CALLS):
            member = create_member(None, {"name": f"客户{i}", "phone": f"1380000{i:04d}"})
            grant(None, member, live_scheme(), "gold", "bench")
            assign_manager(None, member, db.session.get(Membership, m.id), position="bank.client_manager")
        db.session.commit()
    samples, lock = [], threading.Lock()
    for r in range(ROUNDS):
        barrier = threading.Barrier(CALLS)

        def call(i, r=r, barrier=barrier):
            with app.app_context(), tenant_context(tid):
                barrier.wait()
                t = time.perf_counter()
                routing.route(None, call_id=f"r{r}-{i}", caller=f"1380000{i:04d}")
                db.session.commit()
                with lock:
                    samples.append((time.perf_counter() - t) * 1000)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(CALLS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    return samples


def main():
    from sqlalchemy.engine import make_url

    with scratch_database("bank") as url:
        make_app(url)  # migrates
        # a pool as large as the crowd (the default is 5 + 10), so every teller and call has a connection
        from core.app import create_app
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING",
                          "RATELIMIT_STORAGE_URI": "memory://",
                          "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": max(TELLERS, CALLS) + 5, "pool_pre_ping": True}})
        tid, branch_id, counters = setup(app)
        dsn = psycopg_dsn(make_url(url).render_as_string(hide_password=False))
        load_tickets(app, tid, branch_id, "F")
        n_floor, s_floor = floor(app, tid, branch_id, counters, dsn)
        load_tickets(app, tid, branch_id, "A")
        n_ours, s_ours = ours(app, tid, counters)
        samples = routing_latency(app, tid, branch_id)
    print(f"bank queue: {machine()}")
    print(f"  call-next + complete, {TELLERS} tellers, {TICKETS:,} tickets each run")
    print(f"  ours (queue.call_next + queue.complete, ORM session per teller): {n_ours:,} in {s_ours:.2f} s "
          f"= {n_ours / s_ours:,.0f} tickets/s")
    print(f"  floor (the same statements as bare SQL via psycopg):            {n_floor:,} in {s_floor:.2f} s "
          f"= {n_floor / s_floor:,.0f} tickets/s")
    print(f"  ratio ours/floor: {(n_ours / s_ours) / (n_floor / s_floor):.2f} (target ≥ 0.5)")
    print(f"  routing decision, {CALLS} concurrent calls × {ROUNDS} rounds: p50 {percentile(samples, 50):.1f} ms, "
          f"p99 {percentile(samples, 99):.1f} ms (target p99 ≤ 20 ms)")
    if n_ours != TICKETS or n_floor != TICKETS:
        sys.exit(f"served {n_ours} / {n_floor} of {TICKETS}: a ticket was lost or served twice")


if __name__ == "__main__":
    main()
