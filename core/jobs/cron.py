"""Periodic jobs, declared as data, for RQ's cron scheduler: ``rq cron core.jobs.cron``.

Each entry runs a registered job through ``run_periodic``, which gives it an app context.
Domains declare theirs on their plugin (``DomainPlugin.periodic``); core never imports a domain, so
they are found through the same entry points as the app's (narrowed by ``VIP_DOMAINS``).
"""
import os

from rq import cron

from core.jobs.runner import run_periodic
from core.plugins import discover

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
_only = [k.strip() for k in os.environ.get("VIP_DOMAINS", "").split(",") if k.strip()] or None
for _plugin in discover(_only).values():
    PERIODIC += list(_plugin.periodic)

for name, every in PERIODIC:
    cron.register(run_periodic, queue_name="periodic", args=(name,), interval=every, name=name)
