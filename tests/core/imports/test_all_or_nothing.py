"""The import is one transaction: a failure half-way leaves no member, card or tier change behind."""
import pytest
from sqlalchemy import func, select, text

from core.extensions import db
from core.imports import services
from core.members.models import Card, Member
from core.tenancy.context import tenant_context
from core.tiers.models import TierChange
from tests.conftest import Api, new_member, publish_template
from tests.core.imports.helpers import check, csv_bytes, start, upload

ROWS = 5_500  # six chunks of CHUNK rows


def _file(n=ROWS, first=0):
    return csv_bytes([["姓名", "手机", "卡号", "等级"]] +
                     [[f"会员{i}", f"139{i:08d}", f"C{i:07d}", "vip" if i % 2 else ""] for i in range(first, first + n)])


@pytest.fixture
def api(client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "retail_88")
    return api


def _counts(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        return tuple(db.session.scalar(select(func.count(t.id))) for t in (Member, Card, TierChange))


def test_a_database_error_half_way_rolls_everything_back(app, api, two_tenants, monkeypatch):
    before = _counts(app, two_tenants["a"])
    real, calls = services.insert_chunk, []

    def failing_at_the_fourth_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # sheet rows 3,002–4,001: three chunks (3,000 members) are already written
            db.session.execute(text("INSERT INTO member (id) VALUES (NULL)"))  # the database refuses
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "insert_chunk", failing_at_the_fourth_chunk)
    batch = upload(api, _file())
    assert check(app, api, batch["id"])["bad_rows"] == 0
    failed = start(app, api, batch["id"])
    assert failed["status"] == "failed" and failed["error_code"] == "database"
    assert failed["error_row"] == 3002 and failed["rows_done"] == 0 and failed["imported"] == 0
    assert failed["error"]  # told in words on the page and in the API
    assert _counts(app, two_tenants["a"]) == before  # nothing of the 3,000 rows written before it stayed

    # the file is kept: once the cause is gone, check and import it again
    monkeypatch.setattr(services, "insert_chunk", real)
    assert check(app, api, batch["id"])["bad_rows"] == 0
    done = start(app, api, batch["id"])
    assert done["status"] == "done" and done["imported"] == ROWS
    assert _counts(app, two_tenants["a"]) == (before[0] + ROWS, before[1] + ROWS, before[2] + ROWS // 2)


def test_any_exception_half_way_rolls_everything_back(app, api, two_tenants, monkeypatch):
    real, calls = services.insert_chunk, []

    def boom(*args, **kwargs):
        calls.append(1)
        if len(calls) == 6:
            raise RuntimeError("the worker lost its way")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "insert_chunk", boom)
    batch = upload(api, _file())
    check(app, api, batch["id"])
    failed = start(app, api, batch["id"])
    assert failed["status"] == "failed" and failed["error_code"] == "error" and failed["error_row"] == 5002
    assert failed["error"] == "系统出现异常，已记录日志。"  # the tenant's language; the trace is in the log
    assert _counts(app, two_tenants["a"]) == (0, 0, 0)


def test_a_phone_taken_after_the_check_stops_the_import_and_saves_nothing(app, api, two_tenants):
    batch = upload(api, _file())
    assert check(app, api, batch["id"])["bad_rows"] == 0
    new_member(api, name="柜台新会员", phone=f"139{5_000:08d}")  # a till, between the check and the import
    failed = start(app, api, batch["id"])
    assert failed["status"] == "failed" and failed["error_code"] == "changed", failed
    assert _counts(app, two_tenants["a"])[0] == 1  # only the till's member


def test_a_file_that_went_bad_since_the_check_is_stopped_by_the_same_rules(app, api, two_tenants, monkeypatch):
    batch = upload(api, _file(50))
    check(app, api, batch["id"])
    real = services.Checker.row

    def worse(self, row_no, cells):  # as if the row read differently now
        return real(self, row_no, ("", *cells[1:]) if row_no == 40 else cells)

    monkeypatch.setattr(services.Checker, "row", worse)
    failed = start(app, api, batch["id"])
    assert (failed["status"], failed["error_code"], failed["error_row"]) == ("failed", "changed", 40)
    assert _counts(app, two_tenants["a"]) == (0, 0, 0)


def test_member_numbers_follow_the_counter_and_a_failure_leaves_a_gap(app, api, two_tenants, monkeypatch):
    first = new_member(api, name="先来的", phone="13800000001")
    assert first["member_no"] == "M0000001"
    monkeypatch.setattr(services, "insert_chunk", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    batch = upload(api, _file(3))
    check(app, api, batch["id"])
    assert start(app, api, batch["id"])["status"] == "failed"
    monkeypatch.undo()
    check(app, api, batch["id"])
    assert start(app, api, batch["id"])["status"] == "done"
    after = new_member(api, name="后来的", phone="13800000002")
    with app.app_context(), tenant_context(two_tenants["a"]):
        numbers = db.session.scalars(select(Member.member_no).order_by(Member.id)).all()
    # the failed run's block (2–4) is not reused, as a database sequence skips after a rollback
    assert numbers == ["M0000001", "M0000005", "M0000006", "M0000007", "M0000008"]
    assert after["member_no"] == "M0000008"


def test_starting_twice_or_before_the_check_is_refused(app, api):
    batch = upload(api, _file(3))
    resp = api("POST", f"/imports/{batch['id']}/start")
    assert resp.status_code == 409 and "status" in resp.get_json()["errors"]
    check(app, api, batch["id"])
    assert start(app, api, batch["id"])["status"] == "done"
    assert api("POST", f"/imports/{batch['id']}/start").status_code == 409
    assert api("POST", f"/imports/{batch['id']}/dry-run", json={}).status_code == 409
    assert api("PUT", f"/imports/{batch['id']}/mapping", json={"mapping": {"name": 0}}).status_code == 409
    with app.app_context():
        from core.imports.models import ImportBatch
        with tenant_context(1):
            assert db.session.get(ImportBatch, batch["id"]).content is None  # the file is dropped once imported


def test_progress_is_visible_outside_the_open_import_transaction(app, api, two_tenants, monkeypatch):
    """PostgreSQL: after 3,000 rows the members are still invisible to everyone else (one open
    transaction) while the progress (written every 2,000 rows) already is. SQLite has one writer at
    a time, so its import writes no progress until it ends (see core.imports.services)."""
    made, seen, real = [], [], services.insert_chunk

    class Recorded(services.Progress):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    def spy(*args, **kwargs):
        real(*args, **kwargs)
        if len(seen) < 3:
            seen.append(None)
            if len(seen) == 3 and db.engine.dialect.name == "postgresql":
                batch, member = services.ImportBatch.__table__, Member.__table__
                with db.engine.connect() as other:
                    seen[-1] = (other.scalar(select(batch.c.rows_done).where(batch.c.id == batch_id)),
                                other.scalar(select(func.count()).select_from(member)
                                             .where(member.c.tenant_id == two_tenants["a"])))

    monkeypatch.setattr(services, "Progress", Recorded)
    monkeypatch.setattr(services, "insert_chunk", spy)
    batch = upload(api, _file())
    batch_id = batch["id"]
    check(app, api, batch_id)
    assert made[-1].live  # the check holds no transaction: its progress is live everywhere
    done = start(app, api, batch_id)
    assert done["status"] == "done" and done["rows_done"] == ROWS
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert made[-1].live and seen[-1] == (2000, 0)
    else:
        assert not made[-1].live and seen[-1] is None


def test_an_import_beyond_the_plans_member_limit_is_refused_before_it_starts(app, api, two_tenants, monkeypatch):
    """The plan's member limit applies to an import as to a member added at the till (402 naming the
    limit); nothing is queued or written."""
    from core.billing import plans
    from core.billing import services as billing
    limited = plans.Plan(key="small", names={"en": "Small", "zh_CN": "小型版"}, limits={"members": 4},
                         prices={"month": 100})
    monkeypatch.setattr(billing, "plan_of", lambda _row: limited)
    new_member(api, name="老会员", phone="13800000001")
    too_many = upload(api, _file(4))
    check(app, api, too_many["id"])
    resp = api("POST", f"/imports/{too_many['id']}/start")
    assert resp.status_code == 402 and "status" in resp.get_json()["errors"], resp.get_json()
    assert api.ok("GET", f"/imports/{too_many['id']}")["status"] == "validated"
    enough = upload(api, _file(3, first=10))
    check(app, api, enough["id"])
    assert start(app, api, enough["id"])["imported"] == 3
    assert _counts(app, two_tenants["a"])[0] == 4
