"""The what-if simulator over 100,000 members and 2,000,000 purchases (target: an answer within
10 s on PostgreSQL).

The tenant runs the retail 8.8 card; the draft raises the single-purchase threshold from 1,000
to 1,200 yuan. Each member has 20 purchases spread over the last 12 months, most small, some
large, so that members cross every threshold at different moments. Ours: the whole run as the
page does it (replay, tier counts, movers stored). Floor: the replay's window statement alone,
aggregated inside PostgreSQL (no rows leave the server), measured in the same run.
"""
import os
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from _common import machine, make_app, scratch_database

MEMBERS = int(os.environ.get("BENCH_MEMBERS", 100_000))
PER_MEMBER = int(os.environ.get("BENCH_PURCHASES_PER_MEMBER", 20))
AS_OF = datetime(2026, 11, 24, 4, 0, tzinfo=timezone.utc)
TZ = ZoneInfo("Asia/Shanghai")

FLOOR_SQL = """
SELECT count(*), sum(CASE WHEN greatest(single, pmax) >= 120000 OR coalesce(s6, 0) + psum >= 200000
                           OR coalesce(s12, 0) + psum >= 300000 THEN 1 ELSE 0 END)
FROM (SELECT max(paid_fen) OVER w12 AS single, sum(paid_fen) OVER w6 AS s6, sum(paid_fen) OVER w12 AS s12,
             max(paid_fen) OVER peers AS pmax, sum(paid_fen) OVER peers AS psum
      FROM purchase WHERE tenant_id = %(tid)s AND member_id IS NOT NULL
                      AND purchased_at > %(since)s AND purchased_at <= %(as_of)s
      WINDOW w6 AS (PARTITION BY member_id ORDER BY purchased_at RANGE BETWEEN
                    INTERVAL '6 months -1 microsecond' PRECEDING AND INTERVAL '1 microsecond' PRECEDING),
             w12 AS (PARTITION BY member_id ORDER BY purchased_at RANGE BETWEEN
                     INTERVAL '12 months -1 microsecond' PRECEDING AND INTERVAL '1 microsecond' PRECEDING),
             peers AS (PARTITION BY member_id, purchased_at ORDER BY id)) x
"""


def main():
    import psycopg
    from sqlalchemy import text

    from core.extensions import db
    from core.plugins import registry
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant
    from core.tiers import services as tiers
    from core.tiers.rules import window_start

    with scratch_database("simulator") as url:
        app = make_app(url)
        with app.app_context():
            t = create_tenant(None, slug="sim", name="sim", known_domains=registry(app))
            db.session.commit()
            tid = t.id
            start = time.perf_counter()
            with tenant_context(tid):
                live = tiers.publish(None, tiers.create_draft(None, template="retail_88"))
                doc = dict(live.document)
                doc["tiers"] = [dict(x) for x in doc["tiers"]]
                doc["tiers"][0]["qualify"] = {"any": [{"single_purchase_at_least": 120000},
                                                      {"spend_within_months": {"amount": 200000, "months": 6}},
                                                      {"spend_within_months": {"amount": 300000, "months": 12}}]}
                draft = tiers.create_draft(None, document=doc)
                live_id, draft_id = live.id, draft.id
            db.session.commit()
            db.session.execute(text("""
                INSERT INTO member (tenant_id, member_no, name, gender, phone, preferences, contact_channel,
                                    promotions_consent, points_balance, tier_key, tier_scheme_id, created_at)
                SELECT :tid, 'M' || lpad(i::text, 7, '0'), '会员' || i, 'unspecified', NULL, '{}', 'call',
                       false, 0, CASE WHEN i % 5 = 0 THEN 'vip' END, :sid, now()
                FROM generate_series(1, :n) AS i"""), {"tid": tid, "n": MEMBERS, "sid": live_id})
            # amounts: mostly 2–200 yuan by the member's spending level, one in 25 between 800 and 1,490 yuan
            db.session.execute(text("""
                INSERT INTO purchase (tenant_id, external_id, kind, member_id, purchased_at, list_total_fen,
                                      discount_fen, paid_fen, regular_fen, points, birthday_units, lines,
                                      recorded_by, fingerprint, tier_key, created_at)
                SELECT :tid, 'p' || m.id || '-' || k, 'sale', m.id,
                       CAST(:as_of AS timestamptz) - (((m.id * 7919 + k * 104729) % 525600) || ' minutes')::interval,
                       a, 0, a, a / 2, 0, 0, '[]', 'bench', 'x', m.tier_key, now()
                FROM member m CROSS JOIN generate_series(1, :per) AS k
                CROSS JOIN LATERAL (SELECT CASE WHEN (m.id + k * 13) % 25 = 0
                                                THEN 80000 + ((m.id * 31 + k) % 70) * 1000
                                                ELSE (2000 + ((m.id * 17 + k * 11) % 180) * 100) * (m.id % 10 + 1) / 10 END AS a) amt
                WHERE m.tenant_id = :tid"""), {"tid": tid, "per": PER_MEMBER, "as_of": AS_OF})
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            rows = db.session.execute(text("SELECT count(*) FROM purchase")).scalar()
            print(f"loaded {MEMBERS:,} members and {rows:,} purchases in {time.perf_counter() - start:.1f} s")

        since = window_start(AS_OF, 12, TZ)
        ours, floor = [], []
        for _ in range(2):  # alternately, best of two
            with app.app_context(), tenant_context(tid):
                from core.tiers.models import TierScheme
                row = db.session.get(TierScheme, draft_id)
                t0 = time.perf_counter()
                run = tiers.simulate(None, row, tid, TZ, AS_OF)
                db.session.flush()
                ours.append(time.perf_counter() - t0)
                summary = run.summary
                db.session.rollback()
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
                conn.execute("SET TimeZone = 'Asia/Shanghai'")
                t0 = time.perf_counter()
                conn.execute(FLOOR_SQL, {"tid": tid, "since": since, "as_of": AS_OF}).fetchone()
                floor.append(time.perf_counter() - t0)
        with app.app_context():
            db.engine.dispose()

    tiers_line = ", ".join(f"{x['key']} {x['now']}→{x['predicted']}" for x in summary["tiers"])
    print(f"machine: {machine()}")
    print(f"predicted: {tiers_line}; without tier {summary['without_tier']['now']}→"
          f"{summary['without_tier']['predicted']}; up {summary['up']}, down {summary['down']}")
    print(f"ours  (simulate, whole run):         {min(ours):6.2f} s   (target ≤ 10 s)")
    print(f"floor (window statement, in-server): {min(floor):6.2f} s")
    print(f"ratio ours/floor: {min(ours) / min(floor):.2f}")


if __name__ == "__main__":
    main()
