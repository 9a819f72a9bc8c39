"""Recording purchases through the HTTP API: gunicorn with 2 workers, 32 concurrent clients
(targets: p99 ≤ 50 ms; throughput ≥ 0.5 × the floor).

Floor: the same SQL. One purchase per client member is recorded through the service with every
statement captured, then rolled back; 32 threads replay each client's statements with raw
psycopg (fresh purchase ids, same member), committing per purchase, as fast as they can.
Each client always buys for its own member in both runs, so row locks contend alike.
"""
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time

from _common import free_port, ROOT, machine, make_app, percentile, psycopg_dsn, scratch_database

CLIENTS = 32
SECONDS = float(os.environ.get("BENCH_SECONDS", 15))
BASKET = [{"sku": "SKU-1", "unit_price_fen": 12800, "quantity": 1, "price_type": "regular"},
          {"sku": "SKU-2", "unit_price_fen": 5900, "quantity": 2, "price_type": "promotional"}]



def setup(app):
    from core.extensions import db
    from core.identity.services import create_api_key
    from core.members.services import create_member, register_online
    from core.plugins import registry
    from core.purchases.pricing import BasketLine
    from core.purchases.services import record
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant
    from core.tiers.services import create_draft, publish

    with app.app_context():
        t = create_tenant(None, slug="bench-shop", name="bench", known_domains=registry(app), enabled_domains=["retail"])
        db.session.commit()
        with tenant_context(t.id):
            _k, raw_key = create_api_key(None, "bench", "staff")
            publish(None, create_draft(None, template="retail_88"))
            members = []
            for i in range(CLIENTS):
                m = create_member(None, {"name": f"会员{i}", "phone": f"1390000{i:04d}"})
                register_online(None, m)
                members.append(m.id)
            db.session.flush()
            lines = [BasketLine(**{**l, "description": ""}) for l in BASKET]
            for mid in members:  # qualify first: the measured purchases are a VIP's steady state
                record(None, external_id=f"qualify-{mid}", member_id=mid, lines=[BasketLine("Q", "", 120000, 1)])
            db.session.commit()
        return t.id, raw_key, members


def capture(app, tenant_id, members):
    """The statements one purchase issues, per member, captured and rolled back."""
    from sqlalchemy import event

    from core.extensions import db
    from core.purchases.pricing import BasketLine
    from core.purchases.services import record
    from core.tenancy import tenant_context

    scripts = {}
    lines = [BasketLine(**{**l, "description": ""}) for l in BASKET]
    with app.app_context():
        engine = db.engine
        for mid in members:
            captured = []

            def grab(conn, cursor, statement, parameters, context, executemany):
                captured.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", grab)
            with tenant_context(tenant_id):
                purchase, _ = record(None, external_id="CAPTURE-ID", member_id=mid, lines=lines)
                db.session.flush()
                captured_id = purchase.id
            event.remove(engine, "before_cursor_execute", grab)
            db.session.rollback()
            scripts[mid] = (captured, captured_id)
    return scripts


def _swap(value, new_id):
    if isinstance(value, str):
        return value.replace("CAPTURE-ID", new_id)
    if isinstance(value, dict):
        return {k: _swap(v, new_id) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_swap(v, new_id) for v in value)
    return value


def run_floor(url, scripts):
    import psycopg
    from psycopg.types.json import Json
    latencies, lock, stop = [], threading.Lock(), time.monotonic() + SECONDS

    def adapt(params, new_id, old_pid, new_pid):
        p = _swap(params, new_id)
        if isinstance(p, dict):
            return {k: Json(v) if isinstance(v, (dict, list))
                    else (new_pid if "purchase_id" in k and v == old_pid and new_pid else v) for k, v in p.items()}
        return p

    def worker(mid):
        mine = []
        with psycopg.connect(psycopg_dsn(url)) as conn:
            n = 0
            while time.monotonic() < stop:
                new_id = f"floor-{mid}-{n}-{secrets.token_hex(3)}"
                t0 = time.perf_counter()
                statements, old_pid = scripts[mid]
                new_pid = None
                with conn.cursor() as cur:
                    for statement, params in statements:
                        cur.execute(statement, adapt(params, new_id, old_pid, new_pid))
                        if statement.startswith("INSERT INTO purchase "):
                            new_pid = cur.fetchone()[0]  # the replayed purchase's own id
                conn.commit()
                mine.append((time.perf_counter() - t0) * 1000)
                n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(mid,)) for mid in scripts]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.monotonic() - start


def run_http(port, slug, key, members):
    latencies, errors, lock, stop = [], [], threading.Lock(), time.monotonic() + SECONDS

    def worker(mid):
        mine, bad = [], 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        n = 0
        while time.monotonic() < stop:
            body = json.dumps({"external_id": f"http-{mid}-{n}-{secrets.token_hex(3)}", "member_id": mid,
                               "lines": BASKET})
            t0 = time.perf_counter()
            conn.request("POST", f"/api/v1/t/{slug}/purchases", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append((time.perf_counter() - t0) * 1000)
            bad += resp.status != 201
            n += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    threads = [threading.Thread(target=worker, args=(mid,)) for mid in members]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.monotonic() - start, sum(errors)


def _serve(module: str, env: dict, port: int):
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", module], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    return server


def run_ceiling(members):
    """The same clients against a bare Flask endpoint: what 2 gunicorn workers can answer at all."""
    port = free_port()
    server = _serve("bench._ceiling_app:app", dict(os.environ), port)
    try:
        return run_http(port, "bench-shop", "none", members)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    with scratch_database("record") as url:
        app = make_app(url)
        tenant_id, key, members = setup(app)
        scripts = capture(app, tenant_id, members)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
               "SESSION_COOKIE_SECURE": "0"}
        env.pop("REDIS_URL", None)
        server = _serve("wsgi:app", env, port)
        try:
            ours, ours_s, errors = run_http(port, "bench-shop", key, members)
        finally:
            server.terminate()
            server.wait(timeout=30)
        floor, floor_s = run_floor(url, scripts)
        ceiling, ceiling_s, _ = run_ceiling(members)
        with app.app_context():
            from core.extensions import db
            db.engine.dispose()

    ours_tps, floor_tps = len(ours) / ours_s, len(floor) / floor_s
    print(f"machine: {machine()}")
    print(f"{CLIENTS} clients, {SECONDS:.0f} s each run; statements per purchase: {len(next(iter(scripts.values()))[0])}")
    print(f"ours  (HTTP, gunicorn 2 workers): {ours_tps:7.1f} purchases/s   p50 {percentile(ours, 50):.1f} ms"
          f"   p99 {percentile(ours, 99):.1f} ms   non-201: {errors}   (target p99 ≤ 50 ms)")
    print(f"floor (raw psycopg, same SQL):    {floor_tps:7.1f} purchases/s   p50 {percentile(floor, 50):.1f} ms"
          f"   p99 {percentile(floor, 99):.1f} ms")
    print(f"ratio ours/floor throughput: {ours_tps / floor_tps:.2f}   (target ≥ 0.5)")
    ceiling_tps = len(ceiling) / ceiling_s
    print(f"stack ceiling (bare Flask endpoint, same gunicorn and clients): {ceiling_tps:7.1f} requests/s   "
          f"p50 {percentile(ceiling, 50):.1f} ms   p99 {percentile(ceiling, 99):.1f} ms   "
          f"= {ceiling_tps / floor_tps:.2f} × floor")


if __name__ == "__main__":
    main()
