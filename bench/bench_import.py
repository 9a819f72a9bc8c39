"""Member import: 100,000 rows (members, their physical cards, a fifth with a tier) from .xlsx and CSV.

Ours: the dry run (``check_batch``) and the all-or-nothing import (``import_members``), as the jobs
run them: read the file, check every row with the member rules, write members, cards and tier
changes in one transaction (COPY on PostgreSQL).
Floor: the same rows, already clean, COPied by raw psycopg into another tenant in one transaction,
in the same run — the database's own fastest path, with no file to read and nothing to check.
"""
import io
import os
import time
from datetime import UTC, date, datetime, timedelta

from _common import machine, make_app, peak_rss_mib, psycopg_dsn, scratch_database

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))


def _rows():
    yield ["姓名", "手机号码", "出生日期", "性别", "会员卡号", "会员等级"]
    for i in range(ROWS):
        yield [f"会员{i:06d}", f"139{i:08d}", date(1960, 1, 1) + timedelta(days=i % 15_000), "女" if i % 2 else "男",
               f"C{i:08d}", "VIP" if i % 5 == 0 else ""]


def _xlsx() -> bytes:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("会员")
    for row in _rows():
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv() -> bytes:
    import csv
    out = io.StringIO()
    w = csv.writer(out)
    for row in _rows():
        w.writerow([v.isoformat() if isinstance(v, date) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _ours(app, tenant_id, filename, data):
    """(check seconds, import seconds): each job as the outbox runs it in-process after commit."""
    from core.extensions import db
    from core.imports import services
    from core.imports.models import ImportBatch
    from core.tenancy import tenant_context
    with app.app_context(), tenant_context(tenant_id):
        batch = services.create_batch(None, filename, data, 64 * 2**20)
        db.session.commit()
        batch_id = batch.id
        t0 = time.perf_counter()
        services.request_check(None, batch)
        db.session.commit()  # the check runs here (no Redis: in-process, after the commit)
        check_s = time.perf_counter() - t0
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "validated" and batch.bad_rows == 0, (batch.status, batch.bad_rows)
        t0 = time.perf_counter()
        services.start_import(None, batch)
        db.session.commit()  # the import runs here
        import_s = time.perf_counter() - t0
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "done" and batch.imported == ROWS, (batch.status, batch.error_detail)
    return check_s, import_s


def _floor(url, tenant_id, scheme_id):
    """The same members, cards and tier changes, clean, COPied in one transaction."""
    import psycopg
    now = datetime.now(UTC)
    rows = list(_rows())[1:]
    t0 = time.perf_counter()
    with psycopg.connect(psycopg_dsn(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('member', 'id')) FROM generate_series(1, %s)", (ROWS,))
        ids = [r[0] for r in cur.fetchall()]
        with cur.copy("COPY member (id, tenant_id, member_no, name, gender, phone, birthday, preferences, "
                      "contact_channel, promotions_consent, tier_key, tier_scheme_id, tier_since, points_balance, "
                      "created_at) FROM STDIN") as copy:
            for i, (member_id, r) in enumerate(zip(ids, rows)):
                tier = "vip" if r[5] else None
                copy.write_row((member_id, tenant_id, f"M{i + 1:07d}", r[0], "female" if r[3] == "女" else "male",
                                r[1], r[2], "{}", "call", False, tier, scheme_id if tier else None,
                                now if tier else None, 0, now))
        with cur.copy("COPY card (tenant_id, member_id, number, kind, status, issued_at, created_at) "
                      "FROM STDIN") as copy:
            for member_id, r in zip(ids, rows):
                copy.write_row((tenant_id, member_id, r[4], "physical", "active", now, now))
        with cur.copy("COPY tier_change (tenant_id, member_id, scheme_id, to_tier, reason, status, actor_label, "
                      "created_at) FROM STDIN") as copy:
            for member_id, r in zip(ids, rows):
                if r[5]:
                    copy.write_row((tenant_id, member_id, scheme_id, "vip", "import", "applied", "bench", now))
        conn.commit()
    return time.perf_counter() - t0


def main():
    from core.extensions import db
    from core.plugins import registry
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant
    from core.tiers import services as tiers

    t0 = time.perf_counter()
    files = {"xlsx": _xlsx(), "csv": _csv()}
    print(f"files: {ROWS:,} rows; .xlsx {len(files['xlsx']) / 2**20:.1f} MiB, CSV {len(files['csv']) / 2**20:.1f} MiB "
          f"(made in {time.perf_counter() - t0:.1f} s)")
    with scratch_database("import") as url:
        app = make_app(url)
        tenants = {}
        with app.app_context():
            for slug in ("import-xlsx", "import-csv", "import-floor"):
                t = create_tenant(None, slug=slug, name=slug, known_domains=registry(app))
                db.session.flush()
                with tenant_context(t.id):
                    scheme = tiers.create_draft(None, template="retail_88")
                    tiers.publish(None, scheme)
                    db.session.flush()
                    tenants[slug] = (t.id, scheme.id)
            db.session.commit()
        results = {kind: _ours(app, tenants[f"import-{kind}"][0], f"members.{kind}", data)
                   for kind, data in files.items()}
        floor = _floor(url, *tenants["import-floor"])

    print(f"machine: {machine()}; peak RSS {peak_rss_mib():.0f} MiB")
    for kind, (check_s, import_s) in results.items():
        print(f"ours {kind:4}: dry run {check_s:6.1f} s ({ROWS / check_s:8,.0f} rows/s); "
              f"import {import_s:6.1f} s ({ROWS / import_s:8,.0f} rows/s)")
    print(f"floor     : COPY of the clean rows {floor:6.1f} s ({ROWS / floor:8,.0f} rows/s)")
    for kind, (_check_s, import_s) in results.items():
        print(f"ratio floor/ours, import from {kind}: {floor / import_s:.2f}")


if __name__ == "__main__":
    main()
