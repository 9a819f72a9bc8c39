"""VIP call routing: the decision's latency with 50 calls at once.

The phone system asks for a decision at each hop of each call. Here 50 calls, each a VIP's with a
client manager whose seat is free, ask ROUNDS times: odd rounds start new calls (the first decision:
ring the manager's seat), even rounds report that the seat did not answer (the next decision: the
manager's mobile). The decisions are served by WORKERS processes, as in production
(``gunicorn --workers 4``; in process here, no HTTP), taking requests first come first served.
Each sample runs from the moment the request arrives to its commit, so time spent waiting for a
free worker counts. Arrivals, on a clock every process shares:
- all at once: the 50 requests of a round arrive at the same instant (the worst case);
- at random: they arrive as a Poisson process of 500 decisions a second (independent calls; about
  100 ms a round; a branch's 50 lines with a decision every 20 s of ringing ask 2.5 a second).
Floor, in the same run and the same way: the very statements ours runs for those two decisions,
compiled by SQLAlchemy for PostgreSQL and sent through psycopg with the same parameters.
Target: ours p99 ≤ 20 ms. The ratio printed is the floor's p99 over ours.
"""
import multiprocessing
import os
import time

from _bank import bank_with_branch
from _common import machine, make_app, percentile, psycopg_dsn, scratch_database

CALLS = int(os.environ.get("BENCH_CALLS", 50))
ROUNDS = int(os.environ.get("BENCH_CALL_ROUNDS", 10))
WORKERS = int(os.environ.get("BENCH_ROUTING_WORKERS", 4))
WARMUP = 2            # rounds not timed: a serving worker has compiled and prepared its statements
SPREAD_MS = 100      # at random: a round's 50 requests arrive over about this long
ROUND_MS = 400       # a round starts every 400 ms


def setup(app):
    from core.extensions import db
    from core.identity.models import Membership
    from core.identity.services import add_staff
    from core.members.services import create_member
    from core.models import utcnow
    from core.plugins import all_positions
    from core.portfolios.services import assign_manager
    from core.purchases.services import tenant_zone
    from core.tenancy import tenant_context
    from core.tiers.services import grant, live_scheme
    from domains.bank import routing
    from domains.bank.models import BankBranch

    tid, branch_id = bank_with_branch(app)
    with app.app_context():
        with tenant_context(tid):
            branch = db.session.get(BankBranch, branch_id)
            staff = dict(known_positions=all_positions(app), password="x" * 12)
            m, _ = add_staff(None, email="cm@bench.test", name="经理", role="staff",
                             positions=["bank.client_manager"], **staff)
            officer, _ = add_staff(None, email="duty@bench.test", name="值班", role="manager",
                                   positions=["bank.duty_officer"], **staff)
            routing.set_staff_line(None, m.id, mobile="13911110001", branch_id=branch.id)
            routing.set_staff_line(None, officer.id, mobile="13911110002", branch_id=branch.id)
            routing.set_duty(None, branch_id=branch.id, day=utcnow().astimezone(tenant_zone()).date(),
                             membership_id=officer.id)
            routing.set_presence(None, routing.create_seat(None, branch_id=branch.id, kind="manager",
                                                           extension="8101", membership_id=m.id), "available")
            for k in range(4):
                routing.set_presence(None, routing.create_seat(None, branch_id=branch.id, kind="duty",
                                                               extension=f"880{k}"), "available")
            for i in range(CALLS):
                member = create_member(None, {"name": f"客户{i}", "phone": f"1380000{i:04d}"})
                grant(None, member, live_scheme(), "gold", "bench")
                assign_manager(None, member, db.session.get(Membership, m.id), position="bank.client_manager")
            db.session.commit()
            db.engine.dispose()  # nothing open across the forks below
            return tid


def caller(i):
    return f"1380000{i:04d}"


def call_id(run, r, i):
    return f"{run}-{r // 2}-{i}"


def ours_worker(url, tid, run):
    """Set up one worker; returns its way to serve request (r, i): route, commit."""
    from core.app import create_app
    from core.extensions import db
    from core.tenancy import tenant_context
    from domains.bank import routing
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING",
                      "RATELIMIT_STORAGE_URI": "memory://"})

    def serve(r, i):
        with app.app_context(), tenant_context(tid):  # a session per request, as under gunicorn
            if r % 2 == 0:
                d = routing.route(None, call_id=call_id(run, r, i), caller=caller(i))
                assert d["kind"] == "manager_seat", d
            else:
                d = routing.route(None, call_id=call_id(run, r, i), caller=caller(i), hop=1, outcome="no_answer")
                assert d["kind"] == "manager_mobile", d
            db.session.commit()
    with app.app_context():
        db.session.connection()  # connected, as a serving worker is
    return serve


def bare_statements():
    """Ours' statements for the two decisions as SQL text with their constant parameters."""
    from sqlalchemy.dialects.postgresql import psycopg as pg

    from domains.bank import routing
    dialect = pg.dialect()
    out = {}
    statements = routing.decision_statements("postgresql")
    for name in ("who", "new_call", "hop", "call_with_hops", "outcome"):
        stmt = statements[name]
        if name == "hop":  # the insert's columns come from its parameters
            stmt = stmt.values({c: None for c in ("tenant_id", "call_id", "seq", "hop", "target", "seat_id",
                                                  "membership_id", "outcome", "reason", "decided_at",
                                                  "outcome_at")})
        if name == "new_call":
            stmt = stmt.values({c: None for c in ("tenant_id", "external_id", "caller", "branch_id", "member_id",
                                                  "contact_id", "vip", "manager_id", "status", "started_at")})
        compiled = stmt.compile(dialect=dialect)
        out[name] = (compiled.string, dict(compiled.params))
    return out


def floor_worker(dsn, tid, run):
    """The same statements with the same parameters, and the same commits, through psycopg."""
    from datetime import UTC, datetime

    import psycopg
    sql = bare_statements()
    conn = psycopg.connect(dsn)

    def ex(name, **params):
        text, constants = sql[name]
        return conn.execute(text, {**constants, "tenant": tid, **params})

    def serve(r, i):
        now = datetime.now(UTC)
        hop = {"tenant_id": tid, "target": None, "seat_id": None, "membership_id": None, "outcome": None,
               "reason": None, "decided_at": now, "outcome_at": None}
        if r % 2 == 0:
            who = ex("who", phone=caller(i), branch_code=None).fetchone()
            row = ex("new_call", tenant_id=tid, external_id=call_id(run, r, i), caller=caller(i),
                     branch_id=who[5], member_id=who[0], contact_id=who[1], vip=True, manager_id=who[4],
                     status="routing", started_at=now).fetchone()
            ex("hop", **{**hop, "call_id": row[0], "seq": 1, "hop": "manager_seat", "target": who[8],
                         "seat_id": who[7], "membership_id": who[4]}).fetchone()
        else:
            rows = ex("call_with_hops", external_id=call_id(run, r, i)).fetchall()
            ex("outcome", call=rows[0][0], the_seq=rows[0][11], the_outcome="no_answer", at=now)
            ex("hop", **{**hop, "call_id": rows[0][0], "seq": 2, "hop": "manager_mobile", "target": rows[0][10],
                         "membership_id": rows[0][6]}).fetchone()
        conn.commit()
    return serve


def schedule(spread: bool):
    """Every request as (seconds after the start, round, caller), in order of arrival: a round's
    requests all at its start, or at random (exponential gaps averaging SPREAD_MS / CALLS; seeded,
    so every run and both sides get the same arrivals)."""
    import random
    rng, out = random.Random(2026), []
    for r in range(WARMUP + ROUNDS):
        at = 0.0
        for i in rng.sample(range(CALLS), CALLS) if spread else range(CALLS):
            out.append(((r * ROUND_MS + at) / 1000, r, i))
            if spread:
                at += rng.expovariate(CALLS / SPREAD_MS)
    return sorted(out)


def serve_requests(make, args, requests, ready, go, start, results):
    """One worker: set up, wait for the common start, then take requests in order of arrival; a
    request not due yet is waited for. Reports (ms from arrival to commit) for the timed rounds."""
    serve = make(*args)
    ready.wait()
    go.wait()
    samples = []
    while (request := requests.get()) is not None:
        offset, r, i = request
        arrival = start.value + offset
        time.sleep(max(0.0, arrival - time.monotonic()))
        serve(r, i)
        if r >= WARMUP:
            samples.append((time.monotonic() - arrival) * 1000)
    ready.wait()  # nobody's exit lands in another's timed request
    results.put(samples)


def crowd(make, args, spread: bool):
    """WORKERS processes serve the schedule; every sample, in ms."""
    ctx = multiprocessing.get_context("fork")
    ready, go, start, requests, results = (ctx.Barrier(WORKERS + 1), ctx.Barrier(WORKERS + 1), ctx.Value("d", 0.0),
                                           ctx.Queue(), ctx.Queue())
    for request in schedule(spread):
        requests.put(request)
    for _ in range(WORKERS):
        requests.put(None)
    workers = [ctx.Process(target=serve_requests, args=(make, args, requests, ready, go, start, results))
               for _ in range(WORKERS)]
    for w in workers:
        w.start()
    ready.wait()
    start.value = time.monotonic() + 0.5  # CLOCK_MONOTONIC: one clock for every process on Linux
    go.wait()
    ready.wait()
    samples = [s for _ in workers for s in results.get(timeout=600)]
    for w in workers:
        w.join()
    return samples


MODES = (("all at once", False), ("at random, 500 a second", True))


def main():
    from sqlalchemy.engine import make_url

    results = {}
    with scratch_database("bank_routing") as url:
        app = make_app(url)  # migrates
        tid = setup(app)
        dsn = psycopg_dsn(make_url(url).render_as_string(hide_password=False))
        for n, (mode, spread) in enumerate(MODES):
            results[mode, "floor"] = crowd(floor_worker, (dsn, tid, f"f{n}"), spread)
            results[mode, "ours"] = crowd(ours_worker, (url, tid, f"o{n}"), spread)
    print(f"bank routing: {machine()}")
    print(f"  routing decision, {CALLS} calls × {ROUNDS} rounds (first hop, then the next hop after no answer), "
          f"{WORKERS} worker processes, from arrival to commit")
    for mode, _ in MODES:
        ours, floor = results[mode, "ours"], results[mode, "floor"]
        print(f"  {mode}: ours (routing.route + commit) p50 {percentile(ours, 50):.1f} ms, "
              f"p99 {percentile(ours, 99):.1f} ms; floor (the same SQL via psycopg) p50 {percentile(floor, 50):.1f} ms, "
              f"p99 {percentile(floor, 99):.1f} ms; ratio floor/ours at p99 {percentile(floor, 99) / percentile(ours, 99):.2f}")
    print("  target: ours p99 ≤ 20 ms")


if __name__ == "__main__":
    main()
