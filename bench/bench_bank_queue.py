"""The branch queue under 20 tellers at once.

Call-next throughput: 20 tellers, one counter each, run the teller's cycle until the tickets run out:
``queue.call_next`` (one UPDATE … FOR UPDATE SKIP LOCKED … RETURNING, after the check that the counter
is open), ``queue.complete`` (one UPDATE … RETURNING), commit. Each teller reads its counter once, as
a console does at sign-on.
Floor, in the same run on the same data: the same cycle as bare SQL through psycopg — the very
statements ours runs, compiled by SQLAlchemy for PostgreSQL and sent with the same parameters.
Both are run two ways:
- as 20 processes, the way the app is served (gunicorn's sync workers are processes): this is the
  figure the goal is about;
- as 20 threads of one process, for comparison: every teller then shares one interpreter lock.
The table is vacuumed before every run, so no run inherits another's dead rows.
Target: ours / floor ≥ 0.5 (processes).
"""
import multiprocessing
import os
import sys
import threading
import time

from _bank import bank_with_branch
from _common import machine, make_app, psycopg_dsn, scratch_database

TELLERS = int(os.environ.get("BENCH_TELLERS", 20))
TICKETS = int(os.environ.get("BENCH_TICKETS", 10_000))
KINDS = ["bank.handling"]


def setup(app):
    from core.extensions import db
    from core.tenancy import tenant_context
    from domains.bank import queue
    from domains.bank.models import BankBranch

    tid, branch_id = bank_with_branch(app)
    with app.app_context(), tenant_context(tid):
        branch = db.session.get(BankBranch, branch_id)
        counters = [queue.create_counter(None, branch, number=i + 1, kinds=KINDS).id for i in range(TELLERS)]
        db.session.commit()
        return tid, branch_id, counters


def load_tickets(app, tid, branch_id, prefix, dsn):
    """TICKETS waiting tickets of all five priorities, issued an hour ago (some past their wait)."""
    from datetime import UTC, datetime, timedelta

    import psycopg

    from core.extensions import db
    from domains.bank.models import BankTicket
    t0 = datetime.now(UTC) - timedelta(hours=1)
    rows = [{"tenant_id": tid, "branch_id": branch_id, "business_day": t0.date(), "number": f"{prefix}{i:05d}",
             "kind": KINDS[0], "priority": 1 + i % 5, "max_wait_minutes": 30 + 30 * (i % 2),
             "issued_at": t0 + timedelta(milliseconds=i),
             "deadline_at": t0 + timedelta(minutes=30 + 30 * (i % 2), milliseconds=i),
             "status": "waiting", "recalls": 0, "transfers": 0} for i in range(TICKETS)]
    with app.app_context():
        db.session.execute(BankTicket.__table__.insert(), rows)
        db.session.commit()
        db.engine.dispose()  # nothing open across the fork below
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE bank_ticket")


# ---- the two cycles: each takes (its counter, a barrier, where to report) and serves until empty ------

def bench_app(url, pool_size=1):
    from core.app import create_app
    return create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING",
                       "RATELIMIT_STORAGE_URI": "memory://",
                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": pool_size, "max_overflow": 5}})


def ours_teller(app, tid, counter_id, barrier, report):
    """``app``: the shared app (threads), or its database URL (a process makes its own after the fork)."""
    from core.extensions import db
    from core.tenancy import tenant_context
    from domains.bank import queue
    from domains.bank.models import BankCounter
    app = bench_app(app) if isinstance(app, str) else app
    served = 0
    with app.app_context(), tenant_context(tid):
        counter = db.session.get(BankCounter, counter_id)
        db.session.expunge(counter)  # read once: a commit does not expire it
        db.session.commit()
        barrier.wait()
        while True:
            ticket = queue.call_next(None, counter)
            if ticket is None:
                db.session.commit()
                break
            queue.complete(None, counter, ticket.id)
            db.session.commit()
            served += 1
    report(served)


def bare_statements():
    """Our two statements as SQL text and their constant parameters, as SQLAlchemy compiles them."""
    from sqlalchemy.dialects.postgresql import psycopg as pg

    from domains.bank import queue
    dialect = pg.dialect()
    out = []
    for stmt in (queue.call_next_statement(KINDS), queue.complete_statement()):
        compiled = stmt.compile(dialect=dialect)
        out.append((compiled.string, dict(compiled.params)))
    return out


def floor_teller(dsn, tid, branch_id, counter_id, barrier, report):
    from datetime import UTC, datetime

    import psycopg
    (call_sql, call_params), (done_sql, done_params) = bare_statements()
    served = 0
    with psycopg.connect(dsn) as conn:
        barrier.wait()
        while True:
            now = datetime.now(UTC)
            row = conn.execute(call_sql, {**call_params, "tenant": tid, "branch": branch_id, "counter": counter_id,
                                          "teller": None, "now": now}).fetchone()
            if row is None:
                conn.commit()
                break
            conn.execute(done_sql, {**done_params, "ticket": row[0], "tenant": tid, "counter": counter_id,
                                    "now": datetime.now(UTC)}).fetchone()
            conn.commit()
            served += 1
    report(served)


def crowd(target, args_of, counters, processes: bool):
    """Run ``target`` once per counter, side by side; (tickets served, seconds from the common start)."""
    if processes:
        ctx = multiprocessing.get_context("fork")
        barrier, results = ctx.Barrier(len(counters) + 1), ctx.Queue()
        workers = [ctx.Process(target=target, args=(*args_of(c), barrier, results.put)) for c in counters]
    else:
        import queue as q
        barrier, results = threading.Barrier(len(counters) + 1), q.Queue()
        workers = [threading.Thread(target=target, args=(*args_of(c), barrier, results.put)) for c in counters]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    served = sum(results.get(timeout=600) for _ in workers)
    elapsed = time.perf_counter() - start
    for w in workers:
        w.join()
    return served, elapsed


def main():
    from sqlalchemy.engine import make_url

    results = {}
    with scratch_database("bank") as url:
        app = make_app(url)  # migrates
        tid, branch_id, counters = setup(app)
        dsn = psycopg_dsn(make_url(url).render_as_string(hide_password=False))
        for mode, processes in (("processes", True), ("threads", False)):
            load_tickets(app, tid, branch_id, f"F{mode[0]}", dsn)
            results[mode, "floor"] = crowd(floor_teller, lambda c: (dsn, tid, branch_id, c), counters, processes)
            load_tickets(app, tid, branch_id, f"A{mode[0]}", dsn)
            shared = url if processes else bench_app(url, pool_size=TELLERS)
            results[mode, "ours"] = crowd(ours_teller, lambda c: (shared, tid, c), counters, processes)
    print(f"bank queue: {machine()}")
    print(f"  call-next + complete + commit, {TELLERS} tellers, {TICKETS:,} tickets each run")
    for mode in ("processes", "threads"):
        (n_ours, s_ours), (n_floor, s_floor) = results[mode, "ours"], results[mode, "floor"]
        print(f"  {mode}: ours (queue.call_next + queue.complete) {n_ours / s_ours:,.0f} tickets/s, "
              f"floor (the same SQL via psycopg) {n_floor / s_floor:,.0f} tickets/s, "
              f"ratio {(n_ours / s_ours) / (n_floor / s_floor):.2f}"
              + ("  (target ≥ 0.5)" if mode == "processes" else "  (one interpreter lock; no target)"))
    lost = {k: n for k, (n, _) in results.items() if n != TICKETS}
    if lost:
        sys.exit(f"served {lost} of {TICKETS}: a ticket was lost or served twice")


if __name__ == "__main__":
    main()
