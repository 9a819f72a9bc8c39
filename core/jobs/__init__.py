"""Jobs: a transactional outbox relayed to RQ after commit, or run in-process without Redis.

Declare a job with ``@job("queue")`` (a plain function taking ids and plain values) and call
``enqueue(fn, **kwargs)`` inside the transaction that causes it. Nothing is sent unless that
transaction commits, and nothing is lost if Redis is down: ``relay_pending`` sends it later.
"""
from core.jobs.registry import enqueue, job, registered_jobs  # noqa: F401
