"""Periodic jobs, declared as data, for RQ's cron scheduler: ``rq cron core.jobs.cron``.

Each entry runs a registered job through ``run_periodic``, which gives it an app context.
Domains add theirs in the same way as they grow (year-end expiry, nightly tier review ...).
"""
from rq import cron

from core.jobs.runner import run_periodic

PERIODIC = [
    # (job name, seconds between runs)
    ("core.jobs.runner.relay_pending", 60),
    ("core.points.services.expire_points", 300),
    ("core.tiers.services.review_tiers", 3600),
    # service tasks on the tenant's calendar: hourly, so each tenant's local day is met; idempotent
    ("core.service.periodic.birthday_greetings", 3600),
    ("core.service.periodic.purchase_follow_ups", 3600),
    ("core.service.periodic.renewal_notices", 3600),
    ("core.service.periodic.dormant_follow_ups", 3600),
]

for name, every in PERIODIC:
    cron.register(run_periodic, queue_name="periodic", args=(name,), interval=every, name=name)
