"""Member lookup by phone among 1,000,000 members (target p99 ≤ 5 ms).

Ours: the front-desk lookup service (ORM, tenant scoping listener, phone normalisation).
Floor: a raw psycopg query by tenant and phone on the same data, in the same run.
"""
import random
import time

from _common import make_app, machine, percentile, psycopg_dsn, scratch_database

MEMBERS = int(__import__("os").environ.get("BENCH_MEMBERS", 1_000_000))
LOOKUPS = 3000


def main():
    import psycopg
    from sqlalchemy import text

    from core.extensions import db
    from core.members import services
    from core.plugins import registry
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant

    with scratch_database("lookup") as url:
        app = make_app(url)
        with app.app_context():
            ids = []
            for slug, n in (("lookup-a", MEMBERS), ("lookup-b", MEMBERS // 10)):
                t = create_tenant(None, slug=slug, name=slug, known_domains=registry(app))
                db.session.flush()
                ids.append(t.id)
                start = time.perf_counter()
                db.session.execute(text("""
                    INSERT INTO member (tenant_id, member_no, name, gender, phone, preferences, contact_channel,
                                        promotions_consent, points_balance, created_at)
                    SELECT :tid, 'M' || lpad(i::text, 7, '0'), '会员' || i, 'unspecified',
                           '139' || lpad(i::text, 8, '0'), '{}', 'call', false, 0, now()
                    FROM generate_series(1, :n) AS i"""), {"tid": t.id, "n": n})
                db.session.commit()
                print(f"loaded {n:,} members for {slug} in {time.perf_counter() - start:.1f} s")
            db.session.execute(text("ANALYZE member"))
            db.session.commit()
        tid = ids[0]
        rng = random.Random(7)
        phones = [f"139{rng.randint(1, MEMBERS):08d}" for _ in range(LOOKUPS)]
        display = [f"+86 {p[:3]} {p[3:7]} {p[7:]}" for p in phones]  # as a cashier types it

        ours = []
        with app.app_context(), tenant_context(tid):
            for p in display[:200]:  # warm-up
                services.lookup(phone=p)
            for p in display:
                t0 = time.perf_counter()
                matched, found = services.lookup(phone=p)
                ours.append((time.perf_counter() - t0) * 1000)
                assert matched == "phone" and len(found) == 1
                db.session.expunge_all()

        floor = []
        with psycopg.connect(psycopg_dsn(url)) as conn, conn.cursor() as cur:
            for p in phones[:200]:
                cur.execute("SELECT * FROM member WHERE tenant_id = %s AND phone = %s", (tid, p))
                cur.fetchall()
            for p in phones:
                t0 = time.perf_counter()
                cur.execute("SELECT * FROM member WHERE tenant_id = %s AND phone = %s", (tid, p))
                cur.fetchall()
                floor.append((time.perf_counter() - t0) * 1000)

    print(f"machine: {machine()}")
    print(f"members: {MEMBERS:,} (+{MEMBERS // 10:,} in another tenant); lookups: {LOOKUPS}")
    print(f"ours  p50 {percentile(ours, 50):.3f} ms  p99 {percentile(ours, 99):.3f} ms   (target p99 ≤ 5 ms)")
    print(f"floor p50 {percentile(floor, 50):.3f} ms  p99 {percentile(floor, 99):.3f} ms   (raw psycopg)")
    print(f"ratio floor/ours at p50: {percentile(floor, 50) / percentile(ours, 50):.2f}")


if __name__ == "__main__":
    main()
