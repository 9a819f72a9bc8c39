"""A client manager's own page (客户经理): their clients (core/portfolios) with assets, tier and
the follow-ups due, and the VIPs still waiting for a manager. One manager per client is core's
rule; the bank adds what a manager looks at every morning."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.members.models import Member
from core.portfolios.services import portfolio_query, unmanaged_query
from core.service.models import ACTIVE_STATUSES, ServiceRequest
from domains.bank.models import BankBalance

POSITION = "bank.client_manager"


def latest_period():
    return db.session.scalar(select(func.max(BankBalance.period)))


def portfolio(manager_id: int, now: datetime, limit: int = 500) -> dict:
    """The manager's clients (by name) with their assets in the latest period and their next open
    request; and the manager's open requests, the overdue and those due within a week first."""
    period = latest_period()
    clients = list(db.session.scalars(portfolio_query(manager_id).limit(limit)))
    ids = [c.id for c in clients]
    assets = {}
    if period is not None and ids:
        assets = dict(db.session.execute(select(BankBalance.member_id, func.sum(BankBalance.balance_fen))
                                         .where(BankBalance.period == period, BankBalance.member_id.in_(ids))
                                         .group_by(BankBalance.member_id)).all())
    due = list(db.session.scalars(
        select(ServiceRequest).where(ServiceRequest.assignee_id == manager_id,
                                     ServiceRequest.status.in_(ACTIVE_STATUSES),
                                     ServiceRequest.due_at <= now + timedelta(days=7))
        .order_by(ServiceRequest.due_at).limit(200)))
    next_due = {}
    for r in due:
        next_due.setdefault(r.member_id, r)
    names = dict(db.session.execute(select(Member.id, Member.name).where(
        Member.id.in_({r.member_id for r in due if r.member_id}))).all()) if due else {}
    return {"period": period, "clients": [(c, assets.get(c.id), next_due.get(c.id)) for c in clients],
            "due": [(r, names.get(r.member_id)) for r in due], "now": now,
            "total_assets": sum(v or 0 for v in assets.values())}


def unmanaged(limit: int = 100) -> list[Member]:
    return list(db.session.scalars(unmanaged_query().limit(limit)))
