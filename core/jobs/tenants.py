"""Running a periodic job once per tenant, each in its own context and transaction."""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.extensions import db
from core.models import utcnow

log = logging.getLogger("vip.jobs")


def aware(as_of: datetime | str | None) -> datetime:
    """``as_of`` as an aware datetime: now when None; a job argument arrives through RQ as text."""
    if as_of is None:
        return utcnow()
    if isinstance(as_of, str):
        as_of = datetime.fromisoformat(as_of)
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    return as_of


def run_for_every_tenant(per_tenant, as_of: datetime | str | None = None, *, domain: str | None = None) -> int:
    """Run ``per_tenant(tenant_id, tz, as_of)`` for each active tenant (with ``domain`` enabled, when
    one is named), each in its own context and transaction. A tenant that fails is rolled back and
    logged, the others still run; the first failure is raised at the end so the job is marked failed
    (the next run retries: nothing is lost, nothing doubled)."""
    from core.tenancy.context import tenant_context
    from core.tenancy.models import Tenant
    as_of = aware(as_of)
    total, failure = 0, None
    tenants = [(t.id, t.timezone) for t in db.session.scalars(select(Tenant).where(Tenant.status == "active"))
               if domain is None or t.has_domain(domain)]
    db.session.commit()
    for tenant_id, zone in tenants:
        try:
            with tenant_context(tenant_id):
                total += per_tenant(tenant_id, ZoneInfo(zone), as_of)
                db.session.commit()
        except Exception as exc:  # one tenant's trouble must not cost the others their day
            db.session.rollback()
            log.exception("%s failed for tenant %s", getattr(per_tenant, "__name__", per_tenant), tenant_id)
            failure = failure or exc
    if failure is not None:
        raise failure
    return total


def tenant_texts(tenant_id: int):
    """Texts a job stores (task subjects, request details) are written in the tenant's language."""
    from flask_babel import force_locale

    from core.tenancy.models import Tenant
    return force_locale(db.session.get(Tenant, tenant_id).default_locale or "zh_CN")
