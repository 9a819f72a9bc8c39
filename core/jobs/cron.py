"""Periodic jobs for ``rq cron core.jobs.cron`` (RQ's cron scheduler). Declared as data."""
from rq import cron

cron.register("core.jobs.runner.run_periodic", queue_name="periodic", args=("core.jobs.runner.relay_pending",),
              interval=60)
