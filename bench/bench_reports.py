"""The reports (core/reports) on a tenant with 100,000 members and 2,000,000 purchases.

Data, made with set-based SQL in a scratch PostgreSQL database: 100,000 members (40 % holding a
tier of the apparel scheme, birthdays spread over the year, last purchases over three years), one
card each; 2,000,000 purchases over the last two years, skewed so a few members buy most (2 % are
returns); one earn ledger entry per purchase plus 100,000 redemptions; about 60,000 tier changes;
50,000 follow-up calls due around today. A second, small tenant shares the tables.

Each report's service function runs three times (best kept), as the pages call it, in the tenant's
context. The floor, measured in the same run: a bare ``SELECT count(*), sum(paid_fen)`` over the
tenant's purchases (the least any report over the purchase table could cost), and for reports that
read another table, the same bare aggregate over that table. Run: ``python bench/bench_reports.py``
(``BENCH_DATABASE_URL``, ``BENCH_MEMBERS``, ``BENCH_PURCHASES`` to change the size).
"""
import os
import time
from datetime import datetime, timezone

from _common import machine, make_app, scratch_database

MEMBERS = int(os.environ.get("BENCH_MEMBERS", 100_000))
PURCHASES = int(os.environ.get("BENCH_PURCHASES", 2_000_000))
NOW = datetime.now(timezone.utc)


def load(db, text, tid, other, scheme_id):
    p = {"tid": tid, "n": MEMBERS, "np": PURCHASES, "now": NOW, "sid": scheme_id}
    db.session.execute(text("SELECT setseed(0.42)"))
    db.session.execute(text("""
        INSERT INTO member (tenant_id, member_no, name, gender, phone, birthday, preferences, contact_channel,
                            promotions_consent, points_balance, tier_key, tier_scheme_id, last_purchase_at, created_at)
        SELECT :tid, 'M' || lpad(i::text, 7, '0'), '会员' || i, 'unspecified', '138' || lpad(i::text, 8, '0'),
               date '1950-01-01' + (i::bigint * 7919 % 20000)::int, '{}', 'call', i % 3 = 0, 0,
               CASE WHEN i % 10 < 6 THEN NULL WHEN i % 10 < 8 THEN 'knight' WHEN i % 10 = 8 THEN 'elite'
                    ELSE 'diamond' END,
               CASE WHEN i % 10 < 6 THEN NULL ELSE :sid END,
               :now - (i::bigint * 104729 % 1095) * interval '1 day', :now - interval '3 years'
        FROM generate_series(1, :n) AS i"""), p)
    db.session.execute(text("""
        INSERT INTO card (tenant_id, member_id, number, kind, status, issued_at, created_at)
        SELECT :tid, id, 'C' || id, 'physical', 'active', :now - interval '3 years', :now
        FROM member WHERE tenant_id = :tid"""), p)
    first = db.session.scalar(text("SELECT min(id) FROM member WHERE tenant_id = :tid"), p)
    p["first"] = first
    # a few members buy most: member index = n * u^3 for uniform u
    db.session.execute(text("""
        INSERT INTO purchase (tenant_id, external_id, kind, member_id, purchased_at, tier_key, list_total_fen,
                              discount_fen, paid_fen, points, birthday_units, lines, recorded_by, fingerprint,
                              created_at)
        SELECT :tid, 'p' || k, CASE WHEN k % 50 = 0 THEN 'return' ELSE 'sale' END, m.id,
               :now - random() * interval '730 days', m.tier_key, x.amount, 0,
               CASE WHEN k % 50 = 0 THEN -x.amount ELSE x.amount END, 0, 0, '[]', 'bench', 'x', :now
        FROM generate_series(1, :np) AS k
        CROSS JOIN LATERAL (SELECT (:first + floor(:n * power(random(), 3)))::int AS mid,
                                   (1000 + floor(random() * 200000))::bigint AS amount
                            WHERE k > 0) AS x
        JOIN member m ON m.id = x.mid"""), p)
    db.session.execute(text("""
        INSERT INTO ledger_entry (tenant_id, member_id, kind, points, balance_after, reason, actor_label,
                                  expires_at, created_at, purchase_id)
        SELECT :tid, member_id, 'earn', paid_fen / 100, 0, 'purchase', 'bench',
               date_trunc('year', purchased_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'
                   + interval '1 year', purchased_at, id
        FROM purchase WHERE tenant_id = :tid AND kind = 'sale'"""), p)
    db.session.execute(text("""
        INSERT INTO ledger_entry (tenant_id, member_id, kind, points, balance_after, reason, actor_label, created_at)
        SELECT :tid, id, 'redeem', -50, 0, 'gift', 'bench', :now - (id % 300) * interval '1 day'
        FROM member WHERE tenant_id = :tid"""), p)
    db.session.execute(text("""
        UPDATE member SET points_balance = greatest(s.total, 0)
        FROM (SELECT member_id, sum(points) AS total FROM ledger_entry WHERE tenant_id = :tid GROUP BY member_id) s
        WHERE member.id = s.member_id AND member.tenant_id = :tid"""), p)
    db.session.execute(text("""
        INSERT INTO tier_change (tenant_id, member_id, scheme_id, from_tier, to_tier, reason, status, actor_label,
                                 created_at)
        SELECT :tid, id, :sid, NULL, 'knight', 'bench', 'applied', 'bench', :now - interval '700 days'
                                                                              + (id % 300) * interval '1 day'
        FROM member WHERE tenant_id = :tid AND tier_key IS NOT NULL AND id % 2 = 0
        UNION ALL
        SELECT :tid, id, :sid, CASE WHEN id % 2 = 0 THEN 'knight' END, tier_key, 'bench', 'applied', 'bench',
               :now - (id % 360) * interval '1 day'
        FROM member WHERE tenant_id = :tid AND tier_key IS NOT NULL"""), p)
    db.session.execute(text("""
        INSERT INTO service_request (tenant_id, request_no, member_id, kind, channel, subject, priority,
                                     received_at, due_at, status, created_by, created_at, dedupe_key)
        SELECT :tid, 'SR' || lpad(k::text, 7, '0'), :first + (k * 31 % :n), 'follow_up', 'phone', '回访', 5,
               :now - interval '5 days', :now + ((k % 20) - 10) * interval '1 day',
               CASE k % 4 WHEN 0 THEN 'in_progress' WHEN 1 THEN 'resolved' ELSE 'open' END, 'bench', :now,
               'followup:' || k
        FROM generate_series(1, 50000) AS k"""), p)
    # the neighbour: same tables, a little data, never in tenant 1's figures
    db.session.execute(text("""
        INSERT INTO member (tenant_id, member_no, name, gender, preferences, contact_channel, promotions_consent,
                            points_balance, created_at)
        SELECT :other, 'M' || lpad(i::text, 7, '0'), 'other', 'unspecified', '{}', 'call', false, 0, :now
        FROM generate_series(1, 1000) AS i"""), {"other": other, "now": NOW})
    db.session.execute(text("""
        INSERT INTO purchase (tenant_id, external_id, kind, member_id, purchased_at, list_total_fen, discount_fen,
                              paid_fen, points, birthday_units, lines, recorded_by, fingerprint, created_at)
        SELECT :other, 'q' || k, 'sale', NULL, :now - k * interval '1 hour', 100, 0, 100, 0, 0, '[]', 'b', 'x', :now
        FROM generate_series(1, 10000) AS k"""), {"other": other, "now": NOW})
    db.session.commit()


def best_of(fn, rounds=3):
    best, out = float("inf"), None
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    from zoneinfo import ZoneInfo

    from sqlalchemy import text

    from core.extensions import db
    from core.plugins import registry
    from core.reports import services as reports
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant
    from core.tiers.services import create_draft, publish

    tz = ZoneInfo("Asia/Shanghai")
    with scratch_database("reports") as url:
        app = make_app(url)
        with app.app_context():
            t = create_tenant(None, slug="big-mall", name="big mall", known_domains=registry(app))
            o = create_tenant(None, slug="neighbour", name="neighbour", known_domains=registry(app))
            db.session.commit()
            tid, other = t.id, o.id
            with tenant_context(tid):
                scheme_id = publish(None, create_draft(None, template="apparel")).id
                db.session.commit()
            start = time.perf_counter()
            load(db, text, tid, other, scheme_id)
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            counts = {name: db.session.scalar(text(f"SELECT count(*) FROM {name} WHERE tenant_id = :t"), {"t": tid})
                      for name in ("member", "purchase", "ledger_entry", "tier_change", "service_request")}
            print(f"loaded in {time.perf_counter() - start:.1f} s: " +
                  ", ".join(f"{n:,} {name}" for name, n in counts.items()))

        floors = {}
        with app.app_context():
            for name, sql in (("purchase", "SELECT count(*), sum(paid_fen) FROM purchase WHERE tenant_id = :t"),
                              ("member", "SELECT count(*), sum(points_balance) FROM member WHERE tenant_id = :t"),
                              ("ledger_entry", "SELECT count(*), sum(points) FROM ledger_entry WHERE tenant_id = :t"),
                              ("tier_change", "SELECT count(*), max(created_at) FROM tier_change WHERE tenant_id = :t"),
                              ("service_request", "SELECT count(*), max(due_at) FROM service_request "
                                                  "WHERE tenant_id = :t")):
                floors[name], _ = best_of(lambda sql=sql: db.session.execute(text(sql), {"t": tid}).all())

        month = reports.current_month(NOW, tz)
        expiry = "calendar_year"
        cases = [
            ("tier distribution, 12 month ends", "tier_change",
             lambda: reports.tier_distribution(tz, month, 12, as_of=NOW)),
            ("VIP share per month, 12 months", "purchase", lambda: reports.vip_sales_share(tz, month, 12)),
            ("80/20 curve, 12 months", "purchase", lambda: reports.pareto(tz, month, 12)),
            ("monthly top 10", "purchase", lambda: reports.top_members(tz, month, 10)),
            ("top-500 tracking, 6 months vs 6", "purchase", lambda: reports.top_tracking(tz, month, 6, 500)),
            ("dormant summary, 6 months", "member", lambda: reports.dormant_summary(tz, NOW, 6)),
            ("dormant list, first page", "member", lambda: list(reports.dormant_members(tz, NOW, 6, limit=50))),
            ("points liability", "ledger_entry", lambda: reports.points_liability(tz, NOW, expiry, 12)),
            ("birthdays, 7 days", "member", lambda: reports.birthdays(tz, NOW, 7)),
            ("follow-ups due, summary", "service_request", lambda: reports.follow_ups_summary(tz, NOW, 7)),
            ("follow-ups due, first page", "service_request",
             lambda: list(reports.follow_ups_due(tz, NOW, 7, limit=50))),
        ]
        print(f"machine: {machine()}")
        print(f"floor: bare count+sum over the tenant's purchases {floors['purchase'] * 1000:.0f} ms")
        print(f"{'report':36} {'ours':>9} {'÷ purchase floor':>17} {'own table floor':>26}")
        with app.app_context(), tenant_context(tid):
            for name, table, fn in cases:
                took, _ = best_of(fn)
                own = floors[table]
                print(f"{name:36} {took * 1000:7.0f} ms {took / floors['purchase']:16.2f}x "
                      f"  {table} {own * 1000:5.0f} ms, {took / own:6.2f}x")
                db.session.rollback()


if __name__ == "__main__":
    main()
