from __future__ import annotations

from typing import Callable

from core.extensions import db
from core.jobs.models import OutboxMessage
from core.tenancy.context import current_tenant_id

_JOBS: dict[str, tuple[Callable, str]] = {}
SESSION_KEY = "vip_outbox_pending"


def job(queue: str = "default"):
    """Register a function as a job on ``queue``. Its name is ``module.function``."""

    def deco(fn):
        name = f"{fn.__module__}.{fn.__name__}"
        _JOBS[name] = (fn, queue)
        fn.job_name = name
        return fn

    return deco


def registered_jobs() -> dict[str, tuple[Callable, str]]:
    return dict(_JOBS)


def resolve(name: str) -> tuple[Callable, str]:
    try:
        return _JOBS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}") from None


def enqueue(fn_or_name, *, tenant_id: int | None = None, **kwargs) -> OutboxMessage:
    """Write the job to the outbox in the current transaction; it runs after the commit."""
    name = fn_or_name if isinstance(fn_or_name, str) else fn_or_name.job_name
    _, queue = resolve(name)
    msg = OutboxMessage(job=name, queue=queue, args=kwargs,
                        tenant_id=tenant_id if tenant_id is not None else current_tenant_id())
    db.session.add(msg)
    db.session.info.setdefault(SESSION_KEY, []).append(msg)
    return msg
