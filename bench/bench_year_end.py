"""Year-end points expiry plus tier review over 1,000,000 members and 10,000,000 ledger rows
(targets: ≤ 60 s, ≤ 1 GiB peak memory, within 1.5× of hand-written SQL doing the same work).

Each member holds 8 earn entries of 100 points (4 from last year, due to expire) and 2
redemptions of 50: 300 points of each member expire. Every member is an elite member of the
apparel scheme (yearly review) with one purchase last year: half paid 6,000 (still elite), half
3,500 (fall to knight). Ours (``expire_due`` + the tier review) and the floor (two hand-written
statements) run on identical data, each in a transaction that is rolled back, alternately, best of two.
"""
import os
import time
from datetime import datetime, timezone

from _common import make_app, machine, peak_rss_mib, psycopg_dsn, scratch_database

MEMBERS = int(os.environ.get("BENCH_MEMBERS", 1_000_000))
AS_OF = datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc)  # 1 January 2027, 00:00 in Shanghai

REVIEW_FLOOR_SQL = """
WITH agg AS (
    SELECT member_id,
           MAX(paid_fen) AS single,
           SUM(paid_fen) AS spend
    FROM purchase WHERE tenant_id = %(tid)s AND purchased_at > %(lo)s AND purchased_at <= %(as_of)s
    GROUP BY member_id),
met AS (
    SELECT m.id AS member_id, m.tier_key AS from_tier,
           CASE WHEN COALESCE(a.single, 0) >= 1500000 OR COALESCE(a.spend, 0) >= 2000000 THEN 2
                WHEN COALESCE(a.single, 0) >= 500000 OR COALESCE(a.spend, 0) >= 800000 THEN 1
                WHEN COALESCE(a.single, 0) >= 300000 OR COALESCE(a.spend, 0) >= 800000 THEN 0
                ELSE -1 END AS met_rank,
           CASE m.tier_key WHEN 'knight' THEN 0 WHEN 'elite' THEN 1 WHEN 'diamond' THEN 2 END AS cur_rank
    FROM member m LEFT JOIN agg a ON a.member_id = m.id
    WHERE m.tenant_id = %(tid)s AND m.tier_key IN ('knight', 'elite', 'diamond')),
due AS (
    SELECT met.member_id, met.from_tier,
           CASE met.met_rank WHEN 0 THEN 'knight' WHEN 1 THEN 'elite' WHEN 2 THEN 'diamond' END AS to_tier
    FROM met JOIN member m ON m.id = met.member_id WHERE met.met_rank < met.cur_rank FOR UPDATE OF m),
written AS (
    INSERT INTO tier_change (tenant_id, member_id, scheme_id, from_tier, to_tier, reason, status, actor_label,
                             created_at)
    SELECT %(tid)s, member_id, %(sid)s, from_tier, to_tier, 'yearly review', 'applied', 'system', %(as_of)s
    FROM due RETURNING member_id, to_tier)
UPDATE member SET tier_key = written.to_tier, tier_since = %(as_of)s, tier_scheme_id = %(sid)s
FROM written WHERE member.id = written.member_id AND member.tenant_id = %(tid)s
"""

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
    INSERT INTO ledger_entry (tenant_id, member_id, kind, points, balance_after, reason, actor_label, created_at)
    SELECT %(tid)s, member_id, 'expire', -n, points_balance - n, 'points expired', 'system', %(as_of)s FROM due
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
    from core.tiers import services as tiers
    from core.tiers.services import create_draft, publish

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
            with tenant_context(tid):
                scheme = publish(None, create_draft(None, template="apparel"))
            db.session.execute(text("UPDATE member SET tier_key = 'elite', tier_scheme_id = :sid WHERE tenant_id = :tid"),
                               {"sid": scheme.id, "tid": tid})
            db.session.execute(text("""
                INSERT INTO purchase (tenant_id, external_id, kind, member_id, purchased_at, list_total_fen,
                                      discount_fen, paid_fen, points, birthday_units, lines, recorded_by, fingerprint,
                                      created_at)
                SELECT :tid, 'p' || m.id, 'sale', m.id, timestamptz '2026-06-01 04:00+00',
                       CASE WHEN m.id % 2 = 0 THEN 600000 ELSE 350000 END, 0,
                       CASE WHEN m.id % 2 = 0 THEN 600000 ELSE 350000 END, 0, 0, '[]', 'bench', 'x', now()
                FROM member m WHERE m.tenant_id = :tid"""), {"tid": tid})
            db.session.commit()
            scheme_id = scheme.id
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            rows = db.session.execute(text("SELECT count(*) FROM ledger_entry")).scalar()
            print(f"loaded {MEMBERS:,} members and {rows:,} ledger rows in {time.perf_counter() - start:.1f} s")

        from zoneinfo import ZoneInfo

        from core.tiers import review
        from core.tiers.rules import window_start
        tz = ZoneInfo("Asia/Shanghai")
        best = {"ours": float("inf"), "floor": float("inf")}
        backend = {"ours": 0.0, "floor": 0.0}
        for _round in range(2):
            with psycopg.connect(psycopg_dsn(url)) as conn, conn.cursor() as cur:
                t0 = time.perf_counter()
                cur.execute(FLOOR_SQL, {"tid": tid, "as_of": AS_OF})
                n_floor = cur.rowcount
                cur.execute(REVIEW_FLOOR_SQL, {"tid": tid, "sid": scheme_id, "as_of": AS_OF,
                                               "lo": window_start(AS_OF, 12, tz)})
                moved_floor = cur.rowcount
                best["floor"] = min(best["floor"], time.perf_counter() - t0)
                cur.execute("SELECT pg_backend_pid()")
                backend["floor"] = max(backend["floor"], _peak_of(cur.fetchone()[0]))
                conn.rollback()
            with app.app_context(), tenant_context(tid):
                t0 = time.perf_counter()
                n_ours = expire_due(tid, AS_OF)
                row = tiers.live_scheme()
                moved_ours = review.apply(tid, tiers.scheme_of(row), row.id, AS_OF, tz,
                                          review.policy_due(tiers.scheme_of(row), AS_OF, tz))
                best["ours"] = min(best["ours"], time.perf_counter() - t0)
                pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
                backend["ours"] = max(backend["ours"], _peak_of(pid))
                db.session.rollback()
            assert n_ours == n_floor == MEMBERS, (n_ours, n_floor)
            assert moved_ours == moved_floor == MEMBERS // 2, (moved_ours, moved_floor)

    print(f"machine: {machine()}")
    print(f"members: {MEMBERS:,}; ledger rows: {MEMBERS * 10:,}; members with points expiring: {MEMBERS:,}")
    print(f"members moved down by the yearly review: {MEMBERS // 2:,}")
    print(f"ours  (expire_due + tier review):     {best['ours']:.1f} s   (target ≤ 60 s)")
    print(f"floor (two hand-written statements):  {best['floor']:.1f} s")
    print(f"peak memory: this process {peak_rss_mib():.0f} MiB; database backend ours {backend['ours']:.0f} MiB, "
          f"floor {backend['floor']:.0f} MiB   (target ≤ 1 GiB)")
    print(f"ratio ours/floor: {best['ours'] / best['floor']:.2f}   (target ≤ 1.5)")


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
