"""What global tenant scoping costs per ORM query.

The same query runs two ways in one process, interleaved, best of several rounds:
  scoped  – as the app runs it: in a tenant context, the do_orm_execute listener adds the criteria;
  floor   – the listener bypassed (escape hatch) and the tenant filter written by hand.
The ratio scoped/floor is what to watch (machines here are shared and noisy; absolute times drift).
Uses DATABASE_URL if set, else a temporary SQLite file.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sqlalchemy import select  # noqa: E402

ROWS_PER_TENANT = 5000
QUERIES = 400
ROUNDS = 5


def main():
    from core.app import create_app
    from core.audit.models import AuditEntry
    from core.extensions import db
    from core.plugins import registry
    from core.tenancy import tenant_context, unscoped
    from core.tenancy.services import create_tenant

    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": None,
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        tenants = []
        for slug in ("bench-a", "bench-b"):
            t = create_tenant(None, slug=f"{slug}-{os.getpid()}", name=slug, known_domains=registry(app))
            db.session.flush()
            tenants.append(t.id)
            with tenant_context(t.id):
                db.session.execute(AuditEntry.__table__.insert(), [
                    {"tenant_id": t.id, "actor_label": "bench", "action": f"a{i % 50}",
                     "object_type": "x", "object_id": str(i), "created_at": _now()}
                    for i in range(ROWS_PER_TENANT)])
        db.session.commit()
        tid = tenants[0]

        def scoped():
            with tenant_context(tid):
                for i in range(QUERIES):
                    db.session.scalars(select(AuditEntry).where(AuditEntry.action == f"a{i % 50}")
                                       .limit(20)).all()
            db.session.expunge_all()

        def floor():
            with unscoped("benchmark floor"):
                for i in range(QUERIES):
                    db.session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tid,
                                                                AuditEntry.action == f"a{i % 50}")
                                       .limit(20)).all()
            db.session.expunge_all()

        best = {"scoped": float("inf"), "floor": float("inf")}
        for _ in range(ROUNDS):
            for name, fn in (("floor", floor), ("scoped", scoped)):
                start = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - start)
        for t in tenants:
            with tenant_context(t):
                db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.tenant_id == t))
        db.session.commit()
    per = {k: v / QUERIES * 1e6 for k, v in best.items()}
    print(f"backend: {url.split(':')[0]}; {QUERIES} queries x best of {ROUNDS}")
    print(f"floor  (hand-filtered, listener bypassed): {per['floor']:.1f} µs/query")
    print(f"scoped (global listener):                  {per['scoped']:.1f} µs/query")
    print(f"ratio scoped/floor: {best['scoped'] / best['floor']:.2f}")


def _now():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc)


if __name__ == "__main__":
    main()
