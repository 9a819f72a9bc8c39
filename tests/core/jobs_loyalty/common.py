"""Helpers for the periodic-job tests: drive a job for one tenant at a chosen instant, read what it made."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.extensions import db
from core.members.models import Card
from core.service.models import ServiceRequest
from core.tenancy.context import tenant_context
from core.tenancy.sequences import TenantSequence

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime(*args, tzinfo=SH)


def run(app, fn, tenant_id, as_of, tz=SH, **kw) -> int:
    """One per-tenant job function, as the job runs it: in the tenant's context, then commit."""
    with app.app_context(), tenant_context(tenant_id):
        n = fn(tenant_id, tz, as_of, **kw)
        db.session.commit()
        return n


def made(app, tenant_id, kind=None) -> list[dict]:
    """The tenant's service requests (oldest first) as plain dicts."""
    with app.app_context(), tenant_context(tenant_id):
        q = select(ServiceRequest).order_by(ServiceRequest.id)
        if kind:
            q = q.where(ServiceRequest.kind == kind)
        return [{c: getattr(r, c) for c in ("id", "request_no", "member_id", "kind", "channel", "subject", "detail",
                                             "priority", "tier_key", "received_at", "due_at", "status",
                                             "created_by", "dedupe_key")}
                for r in db.session.scalars(q)]


def sequence_value(app, tenant_id, name="service_request") -> int | None:
    with app.app_context(), tenant_context(tenant_id):
        return db.session.scalar(select(TenantSequence.value).where(TenantSequence.name == name))


def set_card(app, tenant_id, card_id, **values) -> None:
    """Move a card's dates or status where the API cannot (a card issued in a December yet to come)."""
    with app.app_context(), tenant_context(tenant_id):
        card = db.session.get(Card, card_id)
        for k, v in values.items():
            setattr(card, k, v)
        db.session.commit()


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)
