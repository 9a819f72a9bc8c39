"""Relaying outbox rows to RQ (or running them in-process) and executing them in a worker."""
from __future__ import annotations

import contextvars
import logging
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session

from core.extensions import db
from core.jobs.models import OutboxMessage
from core.jobs.registry import SESSION_KEY, job, resolve
from core.models import utcnow
from core.tenancy.context import tenant_context

log = logging.getLogger("vip.jobs")


def redis_connection(app):
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    conn = app.extensions.get("vip_redis")
    if conn is None:
        from redis import Redis
        conn = app.extensions["vip_redis"] = Redis.from_url(url)
    return conn


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    pending = session.info.pop(SESSION_KEY, None)
    if pending and has_app_context():
        # the identity key, not ``m.id``: the rows are expired by the commit and must not be reloaded
        # here (outside the tenant_context that wrote them the scoped reload would refuse)
        ids = [state.identity[0] for state in map(inspect, pending) if state.identity]
        if ids:
            relay(current_app._get_current_object(), ids)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(SESSION_KEY, None)


def relay(app, ids: list[int]) -> None:
    """Hand committed outbox rows to RQ; in-process (no REDIS_URL) run them straight away."""
    conn = redis_connection(app)
    if conn is None:
        for msg_id in ids:
            # A fresh contextvars context and app context: the job gets its own Session and
            # tenant, never the request's.
            contextvars.Context().run(_run_in_new_app_context, app, msg_id)
        return
    from rq import Queue, Retry
    sent = []
    for msg_id, queue in _queues_of(ids):
        try:
            Queue(queue, connection=conn).enqueue(
                "core.jobs.runner.run_outbox", msg_id, job_id=f"outbox-{msg_id}",
                retry=Retry(max=3, interval=[10, 60, 300]))
            sent.append(msg_id)
        except Exception as exc:  # Redis down: the row stays unsent and relay_pending retries it
            log.warning("could not push outbox %s to RQ: %s", msg_id, exc)
            _note_failure(msg_id, f"relay: {exc}")
    if sent:
        with db.engine.begin() as conn_:
            conn_.execute(update(OutboxMessage).where(OutboxMessage.id.in_(sent))
                          .values(sent_at=utcnow()))


def _queues_of(ids):
    with db.engine.connect() as conn:
        rows = conn.execute(select(OutboxMessage.id, OutboxMessage.queue)
                            .where(OutboxMessage.id.in_(ids))).all()
    return [(r.id, r.queue) for r in rows]


def _note_failure(msg_id: int, error: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(OutboxMessage).where(OutboxMessage.id == msg_id)
                     .values(attempts=OutboxMessage.attempts + 1, last_error=error[:2000]))


def _run_in_new_app_context(app, msg_id):
    with app.app_context():
        try:
            run_outbox(msg_id)
        except Exception:
            log.exception("in-process job %s failed", msg_id)
            if app.config.get("JOBS_RAISE"):
                raise


def run_outbox(msg_id: int) -> str:
    """Execute one outbox job, once. Called by the RQ worker (or in-process)."""
    if not has_app_context():
        from core.app import create_app
        with create_app().app_context():
            return run_outbox(msg_id)
    msg = db.session.get(OutboxMessage, msg_id)
    if msg is None:
        return "missing"
    if msg.done_at is not None:
        return "already done"
    fn, _ = resolve(msg.job)
    args = dict(msg.args or {})
    tenant_id = msg.tenant_id
    try:
        if tenant_id is not None:
            with tenant_context(tenant_id):
                fn(**args)
                _mark_done(msg_id)
        else:
            fn(**args)
            _mark_done(msg_id)
    except Exception as exc:
        db.session.rollback()
        _note_failure(msg_id, repr(exc))
        raise
    return "done"


def _mark_done(msg_id):
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == msg_id)
                       .values(done_at=utcnow(), sent_at=func.coalesce(OutboxMessage.sent_at, utcnow())))
    db.session.commit()


@job("periodic")
def relay_pending(older_than_seconds: int = 30, limit: int = 500) -> int:
    """Push rows that never reached RQ (Redis was down at commit). Safe to run any time."""
    app = current_app._get_current_object()
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.done_at.is_(None),
               OutboxMessage.created_at <= cutoff)
        .order_by(OutboxMessage.id).limit(limit)).all()
    db.session.commit()
    if ids:
        relay(app, list(ids))
    return len(ids)


def run_periodic(job_name: str, **kwargs):
    """Entry point for RQ's cron scheduler: run a registered job inside an app context."""
    if not has_app_context():
        from core.app import create_app
        with create_app().app_context():
            return run_periodic(job_name, **kwargs)
    fn, _ = resolve(job_name)
    return fn(**kwargs)
