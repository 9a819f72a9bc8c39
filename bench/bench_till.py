"""The till's find-and-quote round trip among 1,000,000 members (target: p99 under 100 ms).

A signed-in cashier's browser, over HTTP to gunicorn (2 workers): the scanner types a card number
(GET the till, which finds the member and shows the card's state, balance, birthday and gifts),
then the basket of a regular and a promotional line is quoted (POST). One round trip = both
requests, one after the other, as the cashier waits for them. Floor: the same two answers' core
reads done by raw psycopg on the same data (card by number, member, live scheme, balance), in the
same run.
"""
import html
import http.cookiejar
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from _common import free_port, ROOT, machine, make_app, percentile, psycopg_dsn, scratch_database

MEMBERS = int(os.environ.get("BENCH_MEMBERS", 1_000_000))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 400))
PASSWORD = "a bench password"



def setup(app):
    from sqlalchemy import text

    from core.extensions import db
    from core.identity.services import add_staff
    from core.plugins import all_positions, registry
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant
    from core.tiers.services import create_draft, publish
    from domains.retail import services

    with app.app_context():
        t = create_tenant(None, slug="till", name="till", known_domains=registry(app), enabled_domains=["retail"])
        db.session.commit()
        with tenant_context(t.id):
            scheme = publish(None, create_draft(None, template="retail_88"))
            m, _ = add_staff(None, email="cashier@till.bench", name="收银员", role="staff",
                             positions=["retail.cashier"], known_positions=all_positions(app), password=PASSWORD)
            services.assign_staff(None, services.create_store(None, code="S1", name="一号店"), m.id)
            db.session.commit()
            scheme_id = scheme.id
        start = time.perf_counter()
        db.session.execute(text("""
            INSERT INTO member (tenant_id, member_no, name, gender, phone, preferences, contact_channel,
                                promotions_consent, points_balance, tier_key, tier_scheme_id, registered_at,
                                birthday, created_at)
            SELECT :tid, 'M' || lpad(i::text, 7, '0'), '会员' || i, 'unspecified', '139' || lpad(i::text, 8, '0'),
                   '{}', 'call', false, i % 5000, CASE WHEN i % 3 = 0 THEN 'vip' END, :sid, now(),
                   date '1970-01-01' + (i % 18000), now()
            FROM generate_series(1, :n) AS i"""), {"tid": t.id, "n": MEMBERS, "sid": scheme_id})
        db.session.execute(text("""
            INSERT INTO card (tenant_id, member_id, number, kind, status, issued_at, created_at)
            SELECT :tid, m.id, 'VIP-' || substr(m.member_no, 2), 'physical', 'active', now(), now()
            FROM member m WHERE m.tenant_id = :tid"""), {"tid": t.id})
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"loaded {MEMBERS:,} members with cards in {time.perf_counter() - start:.1f} s")
        return t.id


class Browser:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as r:
            return r.read().decode()

    def post(self, path, data):
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=30) as r:
            return r.read().decode()


def _field(page, name):
    m = re.search(r'name="%s"[^>]*value="([^"]*)"' % re.escape(name), page) or re.search(
        r'value="([^"]*)"[^>]*name="%s"' % re.escape(name), page)
    return html.unescape(m.group(1)) if m else ""


def run_ours(base, rng):
    browser = Browser(base)
    page = browser.get("/login")
    browser.post("/login", {"email": "cashier@till.bench", "password": PASSWORD,
                            "csrf_token": re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)})
    times = []
    for n in range(ROUNDS + 20):
        card = f"VIP-{rng.randint(1, MEMBERS):07d}"
        t0 = time.perf_counter()
        page = browser.get(f"/t/till/retail/till?q={card}")
        data = {"csrf_token": _field(page, "csrf_token"), "member_id": _field(page, "member_id"),
                "receipt_no": _field(page, "receipt_no"), "store_id": "1", "quote": "1",
                "lines-0-sku": "羊毛大衣", "lines-0-price": "100", "lines-0-quantity": "1",
                "lines-0-price_type": "regular", "lines-1-sku": "T恤", "lines-1-price": "59",
                "lines-1-quantity": "2", "lines-1-price_type": "promotional"}
        quoted = browser.post("/t/till/retail/till", data)
        elapsed = (time.perf_counter() - t0) * 1000
        assert 'id="quote"' in quoted and data["member_id"], "the round trip did not quote a member"
        if n >= 20:  # warm-up
            times.append(elapsed)
    return times


def run_floor(url, tid, rng):
    import psycopg
    times = []
    with psycopg.connect(psycopg_dsn(url)) as conn:
        for n in range(ROUNDS + 20):
            card = f"VIP-{rng.randint(1, MEMBERS):07d}"
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                cur.execute("SELECT member_id FROM card WHERE tenant_id = %s AND number = %s", (tid, card))
                (mid,) = cur.fetchone()
                cur.execute("SELECT * FROM member WHERE tenant_id = %s AND id = %s", (tid, mid))
                cur.fetchone()
                cur.execute("SELECT document FROM tier_scheme WHERE tenant_id = %s AND status = 'published' "
                            "ORDER BY version DESC LIMIT 1", (tid,))
                cur.fetchone()
                cur.execute("SELECT coalesce(sum(points), 0) FROM ledger_entry WHERE tenant_id = %s AND member_id = %s",
                            (tid, mid))
                cur.fetchone()
            conn.commit()
            if n >= 20:
                times.append((time.perf_counter() - t0) * 1000)
    return times


def main():
    with scratch_database("till") as url:
        app = make_app(url)
        tid = setup(app)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
               "SESSION_COOKIE_SECURE": "0", "RATELIMIT_STORAGE_URI": "memory://"}
        env.pop("REDIS_URL", None)
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                   "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            ours = run_ours(f"http://127.0.0.1:{port}", random.Random(7))
        finally:
            server.terminate()
            server.wait(timeout=30)
        floor = run_floor(url, tid, random.Random(7))
        with app.app_context():
            from core.extensions import db
            db.engine.dispose()
    print(f"machine: {machine()}")
    print(f"{MEMBERS:,} members, {ROUNDS} round trips (find by card + quote two lines)")
    print(f"ours  (HTTP, gunicorn 2 workers): p50 {percentile(ours, 50):.1f} ms   p99 {percentile(ours, 99):.1f} ms"
          "   (target p99 < 100 ms)")
    print(f"floor (raw psycopg, the core reads): p50 {percentile(floor, 50):.2f} ms   p99 {percentile(floor, 99):.2f} ms")
    print(f"ratio ours/floor at p50: {percentile(ours, 50) / percentile(floor, 50):.1f}")


if __name__ == "__main__":
    main()
