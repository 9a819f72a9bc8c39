"""Planning a quarter of client visits for 100,000 clients and 1,000 client managers on PostgreSQL
(goal: within 1.5× of one hand-written SQL statement doing the same work).

Every client has a manager (100 each); one in five is SVIP (a visit every 30 days), the rest VIP
(every 91 days). Three in five were visited before, between 1 and 120 days ago; the others never.
Ours is ``domains.postal.visits.plan_visits`` (one INSERT … SELECT); the floor is one hand-written
INSERT … SELECT with generate_series doing the same. Both run on identical data, each in a
transaction that is rolled back, alternately, best of three; both must write the same visits.
"""
import os
import time
from datetime import date, datetime, timezone

from _common import make_app, machine, peak_rss_mib, psycopg_dsn, scratch_database

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 100_000))
MANAGERS = int(os.environ.get("BENCH_MANAGERS", 1_000))
START, END = date(2027, 1, 1), date(2027, 3, 31)
AT = datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc)

FLOOR_SQL = """
INSERT INTO postal_visit (tenant_id, member_id, manager_id, planned_on, status, source, created_at)
SELECT %(tid)s, b.member_id, b.manager_id, b.first_on + k * b.every_days, 'planned', 'cadence', %(at)s
FROM (
    SELECT m.id AS member_id, m.client_manager_id AS manager_id, c.every_days,
           CASE WHEN l.last_on IS NULL THEN %(start)s::date + (m.id %% c.every_days)
                WHEN l.last_on + c.every_days < %(start)s::date THEN %(start)s::date
                ELSE l.last_on + c.every_days END AS first_on
    FROM member m
    JOIN postal_cadence c ON c.tenant_id = %(tid)s AND c.tier_key = m.tier_key
    LEFT JOIN (SELECT member_id, max(visited_on) AS last_on FROM postal_visit
               WHERE tenant_id = %(tid)s AND status = 'done' GROUP BY member_id) l ON l.member_id = m.id
    WHERE m.tenant_id = %(tid)s AND m.client_manager_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM postal_visit v WHERE v.tenant_id = %(tid)s AND v.member_id = m.id
                      AND v.status = 'planned' AND v.planned_on BETWEEN %(start)s AND %(end)s)
) b CROSS JOIN generate_series(0, (%(end)s::date - %(start)s::date) / 30) AS k
WHERE b.first_on + k * b.every_days <= %(end)s::date
ON CONFLICT (tenant_id, member_id, planned_on) DO NOTHING
"""
CHECKSUM = ("SELECT count(*), sum(member_id::bigint * 100000 + (planned_on - date '2027-01-01')), "
            "sum(manager_id::bigint) FROM postal_visit WHERE status = 'planned' AND tenant_id = %s")


def main():
    import psycopg
    from sqlalchemy import text

    from core.extensions import db
    from core.plugins import registry
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant
    from domains.postal import visits
    from domains.postal.services import ensure_cadences

    with scratch_database("postal") as url:
        app = make_app(url)
        with app.app_context():
            t = create_tenant(None, slug="post-bench", name="post-bench", known_domains=registry(app),
                              enabled_domains=["postal"])
            db.session.commit()
            tid = t.id
            t0 = time.perf_counter()
            db.session.execute(text("""
                INSERT INTO user_account (email, name, is_platform_admin, active, created_at)
                SELECT 'cm' || i || '@bench.test', '经理' || i, false, true, now() FROM generate_series(1, :n) i"""),
                               {"n": MANAGERS})
            db.session.execute(text("""
                INSERT INTO membership (tenant_id, user_id, role, positions, active, created_at)
                SELECT :tid, id, 'staff', '["postal.client_manager"]', true, now() FROM user_account
                WHERE email LIKE '%@bench.test'"""), {"tid": tid})
            db.session.execute(text("""
                WITH mgr AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM membership
                             WHERE tenant_id = :tid)
                INSERT INTO member (tenant_id, member_no, name, gender, preferences, contact_channel,
                                    promotions_consent, points_balance, kind, tier_key, client_manager_id, created_at)
                SELECT :tid, 'M' || lpad(i::text, 7, '0'), '客户' || i, 'unspecified', '{}', 'call', false, 0,
                       CASE WHEN i % 3 = 0 THEN 'person' ELSE 'company' END,
                       CASE WHEN i % 5 = 0 THEN 'svip' ELSE 'vip' END, mgr.id, now()
                FROM generate_series(1, :n) i JOIN mgr ON mgr.k = i % :managers"""),
                               {"tid": tid, "n": CLIENTS, "managers": MANAGERS})
            with tenant_context(tid):
                ensure_cadences()
            db.session.execute(text("""
                INSERT INTO postal_visit (tenant_id, member_id, manager_id, planned_on, status, source, visited_on,
                                          visited_at, created_at)
                SELECT :tid, m.id, m.client_manager_id, d, 'done', 'cadence', d, d::timestamptz, now()
                FROM member m, LATERAL (SELECT date '2027-01-01' - (1 + m.id % 120) AS d) x
                WHERE m.tenant_id = :tid AND m.id % 5 < 3"""), {"tid": tid})
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            print(f"loaded {CLIENTS:,} clients, {MANAGERS:,} managers in {time.perf_counter() - t0:.1f} s")

        best = {"ours": float("inf"), "floor": float("inf")}
        made = {}
        for _round in range(3):
            with psycopg.connect(psycopg_dsn(url)) as conn, conn.cursor() as cur:
                t0 = time.perf_counter()
                cur.execute(FLOOR_SQL, {"tid": tid, "start": START, "end": END, "at": AT})
                best["floor"] = min(best["floor"], time.perf_counter() - t0)
                cur.execute(CHECKSUM, (tid,))
                made["floor"] = cur.fetchone()
                conn.rollback()
            with app.app_context(), tenant_context(tid):
                t0 = time.perf_counter()
                n = visits.plan_visits(None, START, END, now=AT)
                best["ours"] = min(best["ours"], time.perf_counter() - t0)
                made["ours"] = tuple(db.session.execute(text(CHECKSUM.replace("%s", ":tid")), {"tid": tid}).one())
                db.session.rollback()
            assert made["ours"] == made["floor"], made
            assert n == made["ours"][0], (n, made)

    print(f"machine: {machine()}")
    print(f"clients: {CLIENTS:,}; managers: {MANAGERS:,}; quarter {START} – {END}; visits planned: {n:,}")
    print(f"ours  (plan_visits, one INSERT … SELECT): {best['ours'] * 1000:.0f} ms")
    print(f"floor (hand-written INSERT … SELECT):     {best['floor'] * 1000:.0f} ms")
    print(f"peak memory of this process: {peak_rss_mib():.0f} MiB")
    print(f"ratio ours/floor: {best['ours'] / best['floor']:.2f}   (goal ≤ 1.5)")


if __name__ == "__main__":
    main()
