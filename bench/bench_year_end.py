"""Year-end points expiry over 1,000,000 members and 10,000,000 ledger rows (target ≤ 60 s,
≤ 1 GiB peak memory, within 1.5× of one hand-written SQL statement doing the same work).

Each member holds 8 earn entries of 100 points (4 from last year, due to expire) and 2
redemptions of 50: 300 points of each member expire. Ours (``expire_due``) and the floor run on
identical data, each in a transaction that is rolled back, alternately, best of two.
The nightly tier review is not built yet (issue 3, periodic jobs); it is not in these figures.
"""
import os
import time
from datetime import datetime, timezone

from _common import make_app, machine, peak_rss_mib, psycopg_dsn, scratch_database

MEMBERS = int(os.environ.get("BENCH_MEMBERS", 1_000_000))
AS_OF = datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc)  # 1 January 2027, 00:00 in Shanghai

FLOOR_SQL = """
WITH per_member AS (
    SELECT member_id,
           SUM(CASE WHEN kind = 'earn' AND expires_at <= %(as_of)s THEN points ELSE 0 END)
         - SUM(CASE WHEN points < 0 THEN -points ELSE 0 END) AS due
    FROM ledger_entry WHERE tenant_id = %(tid)s GROUP BY member_id),
due AS (
    SELECT m.id AS member_id, LEAST(p.due, m.points_balance) AS n, m.points_balance
    FROM member m JOIN per_member p ON p.member_id = m.id
    WHERE m.tenant_id = %(tid)s AND p.due > 0 AND m.points_balance > 0 FOR UPDATE OF m),
written AS (
    INSERT INTO ledger_entry (tenant_id, member_id, kind, points, balance_after, reason, actor_label,
                              idempotency_key, created_at)
    SELECT %(tid)s, member_id, 'expire', -n, points_balance - n, 'points expired', 'system',
           'expire:floor:' || member_id, %(as_of)s FROM due
    RETURNING member_id, points)
UPDATE member SET points_balance = member.points_balance + written.points
FROM written WHERE member.id = written.member_id AND member.tenant_id = %(tid)s
"""


def main():
    import psycopg
    from sqlalchemy import text

    from core.extensions import db
    from core.plugins import registry
    from core.points.services import expire_due
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant

    with scratch_database("yearend") as url:
        app = make_app(url)
        with app.app_context():
            t = create_tenant(None, slug="year-end", name="year-end", known_domains=registry(app))
            db.session.commit()
            tid = t.id
            start = time.perf_counter()
            db.session.execute(text("""
                INSERT INTO member (tenant_id, member_no, name, gender, phone, preferences, contact_channel,
                                    promotions_consent, points_balance, created_at)
                SELECT :tid, 'M' || lpad(i::text, 7, '0'), '会员' || i, 'unspecified', NULL, '{}', 'call',
                       false, 700, now() FROM generate_series(1, :n) AS i"""), {"tid": tid, "n": MEMBERS})
            db.session.execute(text("""
                INSERT INTO ledger_entry (tenant_id, member_id, kind, points, balance_after, reason, actor_label,
                                          expires_at, created_at)
                SELECT :tid, m.id,
                       CASE WHEN k <= 8 THEN 'earn' ELSE 'redeem' END,
                       CASE WHEN k <= 8 THEN 100 ELSE -50 END, 0, 'bench', 'bench',
                       CASE WHEN k <= 4 THEN timestamptz '2026-12-31 16:00+00'
                            WHEN k <= 8 THEN timestamptz '2027-12-31 16:00+00' END,
                       now()
                FROM member m CROSS JOIN generate_series(1, 10) AS k WHERE m.tenant_id = :tid"""), {"tid": tid})
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            rows = db.session.execute(text("SELECT count(*) FROM ledger_entry")).scalar()
            print(f"loaded {MEMBERS:,} members and {rows:,} ledger rows in {time.perf_counter() - start:.1f} s")

        best = {"ours": float("inf"), "floor": float("inf")}
        backend = {"ours": 0.0, "floor": 0.0}
        for _round in range(2):
            with psycopg.connect(psycopg_dsn(url)) as conn, conn.cursor() as cur:
                t0 = time.perf_counter()
                cur.execute(FLOOR_SQL, {"tid": tid, "as_of": AS_OF})
                n_floor = cur.rowcount
                best["floor"] = min(best["floor"], time.perf_counter() - t0)
                cur.execute("SELECT pg_backend_pid()")
                backend["floor"] = max(backend["floor"], _peak_of(cur.fetchone()[0]))
                conn.rollback()
            with app.app_context(), tenant_context(tid):
                t0 = time.perf_counter()
                n_ours = expire_due(tid, AS_OF)
                best["ours"] = min(best["ours"], time.perf_counter() - t0)
                pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
                backend["ours"] = max(backend["ours"], _peak_of(pid))
                db.session.rollback()
            assert n_ours == n_floor == MEMBERS, (n_ours, n_floor)

    print(f"machine: {machine()}")
    print(f"members: {MEMBERS:,}; ledger rows: {MEMBERS * 10:,}; members with points expiring: {MEMBERS:,}")
    print(f"ours  (expire_due):           {best['ours']:.1f} s   (target ≤ 60 s)")
    print(f"floor (one hand-written SQL): {best['floor']:.1f} s")
    print(f"peak memory: this process {peak_rss_mib():.0f} MiB; database backend ours {backend['ours']:.0f} MiB, "
          f"floor {backend['floor']:.0f} MiB   (target ≤ 1 GiB)")
    print(f"ratio ours/floor: {best['ours'] / best['floor']:.2f}   (target ≤ 1.5)")
    print("tier review: not built yet, not included")


def _peak_of(pid) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


if __name__ == "__main__":
    main()
