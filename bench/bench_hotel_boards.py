"""Hotel department boards: 200 VIP stays a day, 30 staff boards refreshing every 5 s.

The hotel has a week of stays (200 a day, every level, half their steps signed). 30 clients —
one per staff board, spread over the departments and the GM's board — each fetch their board's
rows (the fragment htmx polls) every 5 s over HTTP to gunicorn (2 workers), signed in with their
own session, for BENCH_SECONDS. Ours: the p50/p99 of those requests. Floor: the bare SQL that
reads the same rows for a department (its 60 most urgent open steps and 15 latest signed, in
today's and tomorrow's window), run by psycopg in the same run.
"""
import html
import http.cookiejar
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta

from _common import free_port, ROOT, machine, make_app, percentile, psycopg_dsn, scratch_database

STAYS_PER_DAY = 200
BOARDS = 30
SECONDS = float(os.environ.get("BENCH_SECONDS", 30))
PASSWORD = "a bench password"
DEPARTMENTS = ["front_office", "housekeeping", "engineering", "qa", "fnb", "security", "marketing", "finance"]


def setup(app):
    from core.extensions import db
    from core.identity.principal import Principal
    from core.identity.services import add_staff
    from core.models import utcnow
    from core.plugins import all_positions, registry
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant
    from domains.hotel import services
    from domains.hotel.models import HotelStep

    with app.app_context():
        t = create_tenant(None, slug="bench-hotel", name="hotel", known_domains=registry(app), enabled_domains=["hotel"])
        db.session.commit()
        users = []
        with tenant_context(t.id):
            for i in range(BOARDS):
                dept = DEPARTMENTS[i % len(DEPARTMENTS)] if i < BOARDS - 2 else "gm"
                email = f"staff{i}@hotel.bench"
                add_staff(None, email=email, name=f"员工{i}", role="manager", positions=[f"hotel.{dept}"],
                          known_positions=all_positions(app), password=PASSWORD)
                users.append((email, dept))
            db.session.commit()
            gm = Principal(label="gm", role="manager", positions=("hotel.gm",))
            rng = random.Random(5)
            now = utcnow()
            start = time.perf_counter()
            for day in range(-3, 4):
                for n in range(STAYS_PER_DAY):
                    arrival = now + timedelta(days=day, minutes=rng.randint(0, 24 * 60))
                    stay, _ = services.upsert_from_pms(None, {
                        "reservation_no": f"R{day + 3}{n:04d}", "guest_name": f"客人{n}", "arrival_at": arrival,
                        "departure_at": arrival + timedelta(days=2),
                        "meal_at": arrival + timedelta(hours=2) if n % 3 == 0 else None}, now=now - timedelta(days=5))
                    services.decide_level(None, gm, stay, level=rng.choice(["IP", "VIP", "VVIP"]))
                db.session.flush()
            for step in db.session.scalars(db.select(HotelStep)):
                if rng.random() < 0.5:
                    step.signed_at, step.signed_by, step.late = step.due_at, "bench", False
            db.session.commit()
            steps = db.session.scalar(db.select(db.func.count(HotelStep.id)))
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        print(f"loaded {7 * STAYS_PER_DAY:,} stays with {steps:,} steps in {time.perf_counter() - start:.1f} s")
        return t.id, users


def _session(base, email):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = html.unescape(re.search(r'name="csrf-token" content="([^"]+)"', page).group(1))
    opener.open(urllib.request.Request(base + "/login", data=urllib.parse.urlencode(
        {"email": email, "password": PASSWORD, "csrf_token": token}).encode()), timeout=30).read()
    return opener


def run_boards(base, users):
    latencies, lock, stop = [], threading.Lock(), time.monotonic() + SECONDS

    def board(i, email, dept):
        opener = _session(base, email)
        path = "/t/bench-hotel/hotel/gm/rows" if dept == "gm" else f"/t/bench-hotel/hotel/boards/{dept}/rows"
        mine = []
        time.sleep(i * 5 / BOARDS)  # boards open at different moments, as in a hotel
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            body = opener.open(base + path, timeout=30).read()
            mine.append((time.perf_counter() - t0) * 1000)
            assert b"<tr" in body
            time.sleep(max(0.0, 5 - (time.perf_counter() - t0)))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=board, args=(i, e, d)) for i, (e, d) in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def run_floor(url, tid, rounds=300):
    import psycopg
    times = []
    with psycopg.connect(psycopg_dsn(url)) as conn:
        for n in range(rounds):
            dept = DEPARTMENTS[n % len(DEPARTMENTS)]
            t0 = time.perf_counter()
            for signed, order, limit in (("IS NULL", "s.due_at, s.id", 60), ("IS NOT NULL", "s.signed_at DESC, s.id", 15)):
                conn.execute(f"""
                    SELECT s.*, st.* FROM hotel_step s JOIN hotel_stay st ON st.id = s.stay_id
                    WHERE s.tenant_id = %s AND s.department = %s AND st.level_status = 'approved'
                      AND st.status <> 'cancelled' AND s.due_at >= now() - interval '1 day'
                      AND s.due_at < now() + interval '2 days' AND s.signed_at {signed}
                    ORDER BY {order} LIMIT {limit}""", (tid, dept)).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
    return times


def main():
    with scratch_database("boards") as url:
        app = make_app(url)
        tid, users = setup(app)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
               "SESSION_COOKIE_SECURE": "0", "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_RATE_LIMIT": "1000 per minute"}
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
            ours = run_boards(f"http://127.0.0.1:{port}", users)
        finally:
            server.terminate()
            server.wait(timeout=30)
        floor = run_floor(url, tid)
        with app.app_context():
            from core.extensions import db
            db.engine.dispose()
    print(f"machine: {machine()}")
    print(f"{7 * STAYS_PER_DAY:,} stays over a week, {BOARDS} boards every 5 s for {SECONDS:.0f} s: {len(ours)} refreshes")
    print(f"ours  (HTTP, gunicorn 2 workers, the rows fragment): p50 {percentile(ours, 50):.1f} ms   "
          f"p99 {percentile(ours, 99):.1f} ms")
    print(f"floor (the bare SQL for a department's rows): p50 {percentile(floor, 50):.2f} ms   "
          f"p99 {percentile(floor, 99):.2f} ms")
    print(f"ratio ours/floor at p99: {percentile(ours, 99) / percentile(floor, 99):.1f}")



if __name__ == "__main__":
    main()
