"""The outbox: written in the caller's transaction, run after commit, once, as the tenant; nothing
lost when Redis is down."""
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.extensions import db
from core.jobs import enqueue, job
from core.jobs.models import OutboxMessage
from core.jobs.runner import relay_pending, run_outbox
from core.tenancy import tenant_context
from tests.conftest import drain_jobs

RUNS = []


@job("default")
def note_effect(label: str):
    """A test job with a tenant-scoped effect, so it proves which tenant it ran as."""
    RUNS.append(label)
    db.session.add(AuditEntry(actor_label="job", action="job.ran", object_type="test", object_id=label))
    db.session.commit()


@job("default")
def always_fails(label: str):
    raise RuntimeError(f"boom {label}")


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()


def _entries(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        return db.session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "job.ran")).all()


def test_nothing_runs_when_the_transaction_rolls_back(app, two_tenants):
    with app.app_context(), tenant_context(two_tenants["a"]):
        enqueue(note_effect, label="rolled-back")
        db.session.rollback()
    drain_jobs(app)
    assert RUNS == []
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_committed_job_runs_once_as_its_tenant(app, two_tenants):
    with app.app_context(), tenant_context(two_tenants["a"]):
        msg = enqueue(note_effect, label="one")
        assert RUNS == []  # not before the commit
        db.session.commit()
        msg_id = msg.id
    drain_jobs(app)
    assert RUNS == ["one"]
    assert _entries(app, two_tenants["a"]) == ["one"]
    assert _entries(app, two_tenants["b"]) == []
    with app.app_context():
        assert run_outbox(msg_id) == "already done"  # a second delivery changes nothing
        row = db.session.get(OutboxMessage, msg_id)
        assert row.done_at is not None and row.tenant_id == two_tenants["a"]
    assert RUNS == ["one"]


def test_a_job_queued_in_a_tenant_context_and_committed_after_it_still_runs(app, two_tenants):
    """The CLI's pattern (``flask demo seed``): work inside tenant_context, one commit after it."""
    with app.app_context():
        with tenant_context(two_tenants["a"]):
            enqueue(note_effect, label="after")
        db.session.commit()
    drain_jobs(app)
    assert RUNS == ["after"]
    assert _entries(app, two_tenants["a"]) == ["after"]


def test_a_failing_job_is_recorded_and_does_not_break_the_caller(app, two_tenants):
    app.config["JOBS_RAISE"] = False
    try:
        with app.app_context(), tenant_context(two_tenants["a"]):
            msg = enqueue(always_fails, label="x")
            db.session.commit()
            msg_id = msg.id
        try:
            drain_jobs(app)
        finally:
            pass
    finally:
        app.config["JOBS_RAISE"] = True
    with app.app_context():
        row = db.session.get(OutboxMessage, msg_id)
        assert row.done_at is None and row.attempts >= 1 and "boom x" in row.last_error


def test_redis_down_loses_nothing(app, two_tenants):
    """Commit while Redis is unreachable: the row stays unsent; the relay sends it later."""
    from core.app import create_app
    broken = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "REDIS_URL": "redis://127.0.0.1:1/0", "RATELIMIT_STORAGE_URI": "memory://",
                         "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with broken.app_context(), tenant_context(two_tenants["a"]):
        msg = enqueue(note_effect, label="survivor")
        db.session.commit()  # the push fails after commit; the request itself succeeds
        msg_id = msg.id
    with broken.app_context():
        row = db.session.get(OutboxMessage, msg_id)
        assert row.sent_at is None and row.done_at is None and "relay" in row.last_error
        db.engine.dispose()
    assert RUNS == []
    with app.app_context():
        assert relay_pending(older_than_seconds=0) == 1
    drain_jobs(app)
    assert RUNS == ["survivor"]
    with app.app_context():
        assert relay_pending(older_than_seconds=0) == 0  # done rows are never sent again


def test_jobs_cli_relay(app, runner, two_tenants):
    result = runner.invoke(args=["jobs", "relay"])
    assert result.exit_code == 0 and "relayed 0" in result.output


def test_cron_config_registers_the_relay(app):
    """What `rq cron core.jobs.cron` loads: every periodic job names a registered job."""
    from rq.cron import CronScheduler

    from core.jobs.registry import resolve
    scheduler = CronScheduler(connection=None)
    scheduler.load_config_from_file("core.jobs.cron")
    jobs = {j.name if hasattr(j, "name") else j.args[0]: j for j in scheduler._cron_jobs}
    assert jobs, "no periodic job registered"
    for job_ in scheduler._cron_jobs:
        resolve(job_.args[0])  # raises if the name is not a registered job
    assert any(j.args[0] == "core.jobs.runner.relay_pending" and j.interval == 60 for j in scheduler._cron_jobs)
