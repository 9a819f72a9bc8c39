"""Client managers (客户经理制, DOMAIN.md §4–§5): each VIP has one manager; a manager's clients are their
portfolio; when a manager leaves, every client is handed over and nothing is orphaned.

Shared by the bank and the postal bureau. Core moves what core owns (the member's manager, their open
service requests); a domain moves its own future work (planned visits, open promises, follow-ups) by
connecting to ``core.signals.clients_handed_over``, in the same transaction. The caller commits.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from core import signals
from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership, User
from core.members.models import Member
from core.models import utcnow
from core.portfolios.models import ClientManagerChange
from core.service.models import ACTIVE_STATUSES, ServiceRequest
from core.tiers.services import live_scheme, scheme_of


class PortfolioError(RuleError):
    """A client-manager rule refused the input."""


def managers(position: str) -> list[Membership]:
    """The active holders of ``position`` (e.g. ``bank.client_manager``), by name."""
    rows = db.session.scalars(select(Membership).join(User).where(Membership.active.is_(True))
                              .order_by(User.name, Membership.id)).all()
    return [m for m in rows if position in (m.positions or ())]  # positions are a JSON list: filter here


def portfolio_sizes(position: str) -> dict[int, int]:
    """How many clients each active holder of ``position`` looks after (0 for none)."""
    sizes = {m.id: 0 for m in managers(position)}
    if sizes:
        for manager_id, n in db.session.execute(
                select(Member.client_manager_id, func.count(Member.id))
                .where(Member.client_manager_id.in_(sizes)).group_by(Member.client_manager_id)):
            sizes[manager_id] = n
    return sizes


def portfolio_query(manager_id: int):
    """A manager's clients, by name."""
    return select(Member).where(Member.client_manager_id == manager_id).order_by(Member.name, Member.id)


def client_count(manager_id: int) -> int:
    return db.session.scalar(select(func.count(Member.id)).where(Member.client_manager_id == manager_id)) or 0


def tiers_with_manager() -> tuple[str, ...]:
    """The live scheme's tiers whose benefits promise a dedicated client manager."""
    row = live_scheme()
    if row is None:
        return ()
    return tuple(t.key for t in scheme_of(row).tiers if t.benefits.client_manager)


def unmanaged_query(tier_keys=None):
    """Clients whose tier promises a manager (or whose tier is in ``tier_keys``) and who have none."""
    keys = tuple(tier_keys) if tier_keys is not None else tiers_with_manager()
    return (select(Member).where(Member.client_manager_id.is_(None), Member.tier_key.in_(keys))
            .order_by(Member.name, Member.id))


def _check_manager(manager: Membership | None, position: str, field: str) -> Membership:
    if manager is None or not manager.active:
        raise PortfolioError(field, _l("Choose an active member of staff."), 422)
    if position not in (manager.positions or ()):
        raise PortfolioError(field, _l("%(name)s does not hold the position of client manager (%(position)s).",
                                        name=manager.user.name, position=position), 422)
    return manager


def _change(member: Member, to_id: int, kind: str, reason: str | None, actor, now) -> ClientManagerChange:
    row = ClientManagerChange(member_id=member.id, from_manager_id=member.client_manager_id, to_manager_id=to_id,
                              kind=kind, reason=(reason or "").strip()[:300] or None, changed_at=now,
                              actor_label=audit.actor_label(actor))
    db.session.add(row)
    return row


def _move_open_requests(member_ids, from_id: int, to_of: dict[int, int]) -> None:
    """Open requests of the moved clients that the old manager held go to each client's new manager."""
    for to_id in set(to_of.values()):
        ids = [m for m in member_ids if to_of[m] == to_id]
        db.session.execute(update(ServiceRequest).where(
            ServiceRequest.member_id.in_(ids), ServiceRequest.assignee_id == from_id,
            ServiceRequest.status.in_(ACTIVE_STATUSES)).values(assignee_id=to_id)
            .execution_options(synchronize_session="fetch"))


def assign_manager(actor, member: Member, manager: Membership | None, *, position: str, reason: str = "",
                   now=None) -> ClientManagerChange | None:
    """Give a client their manager (or a new one). Assigning the same manager again changes nothing."""
    _check_manager(manager, position, "manager_id")
    if member.client_manager_id == manager.id:
        return None
    now = now or utcnow()
    before = member.client_manager_id
    row = _change(member, manager.id, "assign", reason, actor, now)
    if before is not None:
        _move_open_requests([member.id], before, {member.id: manager.id})
    member.client_manager_id = manager.id
    db.session.flush()
    audit.record(actor, "client.manager_assign", "member", member.id,
                 {"client_manager_id": before}, {"client_manager_id": manager.id, "reason": row.reason})
    if before is not None:
        signals.clients_handed_over.send(None, moves={member.id: (before, manager.id)}, actor=actor, now=now)
    return row


def hand_over(actor, from_manager: Membership, *, position: str, to_manager: Membership | None = None,
              reason: str, now=None) -> dict[int, int]:
    """Hand every client of ``from_manager`` over (客户移交), to ``to_manager`` or, if none is named, spread
    over the other active client managers, fewest clients first (so portfolios stay even). Returns
    ``{member_id: new manager id}``. Nobody is left without a manager: with no one to take them, it refuses."""
    reason = (reason or "").strip()
    if not reason:
        raise PortfolioError("reason", _l("Say why the clients change hands (e.g. the manager leaves)."), 422)
    if to_manager is not None:
        _check_manager(to_manager, position, "to_manager_id")
        if to_manager.id == from_manager.id:
            raise PortfolioError("to_manager_id", _l("Choose another manager than the one handing over."), 422)
    clients = db.session.scalars(portfolio_query(from_manager.id).with_for_update()).all()
    if not clients:
        return {}
    if to_manager is not None:
        to_of = {c.id: to_manager.id for c in clients}
    else:
        sizes = {mid: n for mid, n in portfolio_sizes(position).items() if mid != from_manager.id}
        if not sizes:
            raise PortfolioError("to_manager_id", _l("No other active client manager can take these %(n)s clients.",
                                                     n=len(clients)), 409)
        to_of = {}
        for client in clients:  # greedy: each client to whoever has fewest now (ties: lowest id, stable)
            target = min(sizes, key=lambda mid: (sizes[mid], mid))
            to_of[client.id] = target
            sizes[target] += 1
    now = now or utcnow()
    for client in clients:
        _change(client, to_of[client.id], "hand_over", reason, actor, now)
        client.client_manager_id = to_of[client.id]
    _move_open_requests([c.id for c in clients], from_manager.id, to_of)
    db.session.flush()
    audit.record(actor, "client.hand_over", "membership", from_manager.id, {"clients": len(clients)},
                 {"to": sorted(set(to_of.values())), "reason": reason[:300]})
    signals.clients_handed_over.send(None, moves={mid: (from_manager.id, to) for mid, to in to_of.items()},
                                     actor=actor, now=now)
    return to_of


def history_query(member_id: int):
    return (select(ClientManagerChange).where(ClientManagerChange.member_id == member_id)
            .order_by(ClientManagerChange.id.desc()))


def check_may_leave(membership: Membership) -> None:
    """A manager who still looks after clients cannot be deactivated: hand them over first."""
    n = client_count(membership.id)
    if n:
        raise PortfolioError("active", _l("%(name)s still manages %(n)s clients: hand them over first.",
                                          name=membership.user.name, n=n), 409)
