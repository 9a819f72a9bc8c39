"""The bank's reports (table + CSV, like core/reports): lobby waiting and service times by tier and
kind with SLA compliance (called within the tier's maximum wait), calls answered at each hop, the
80/20 share of assets (20% of clients bring 80% of the business, 003 篇3), and per client manager.

Ticket times are read per ticket in Python (a branch's month is thousands of rows) so the minutes
are computed the same way on SQLite and PostgreSQL."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.extensions import db
from core.identity.models import Membership, User
from core.members.models import Member
from core.reports.tables import INT, SHARE, TEXT, Column, Table
from core.service.models import ACTIVE_STATUSES, ServiceRequest
from domains.bank.clients import POSITION, latest_period
from domains.bank.models import BankBalance, BankCall, BankTicket
from domains.bank.queue import KINDS
from domains.bank.routing import VIP_PLAN

MINUTES = "minutes"
HOP_LABELS = {"manager_seat": _l("Manager's seat"), "manager_mobile": _l("Manager's mobile"),
              "duty_desk": _l("Duty desk"), "duty_mobile": _l("Duty officer's mobile"),
              "voicemail": _l("Voice message and ticket"), "routing": _l("Not finished")}


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else (b - a).total_seconds() / 60


def _avg(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 1) if values else None


def queue_times(day_from: date, day_to: date, tier_names: dict) -> Table:
    rows = db.session.execute(select(BankTicket.tier_key, BankTicket.kind, BankTicket.status, BankTicket.issued_at,
                                     BankTicket.called_at, BankTicket.served_at, BankTicket.completed_at,
                                     BankTicket.max_wait_minutes)
                              .where(BankTicket.business_day >= day_from, BankTicket.business_day <= day_to)).all()
    groups = defaultdict(list)
    for r in rows:
        groups[(r.tier_key or "", r.kind)].append(r)
    out = []
    for (tier, kind), items in sorted(groups.items()):
        called = [r for r in items if r.called_at is not None]
        waits = [_minutes(r.issued_at, r.called_at) for r in called]
        within = sum(1 for r, w in zip(called, waits, strict=True) if w <= r.max_wait_minutes)
        out.append({"tier": tier_names.get(tier, tier) or str(_l("Without a tier")), "kind": str(KINDS.get(kind, kind)),
                    "tickets": len(items), "called": len(called),
                    "wait": _avg(waits), "max_wait": round(max(waits), 1) if waits else None,
                    "service": _avg(_minutes(r.served_at, r.completed_at) for r in items if r.status == "done"),
                    "sla": within / len(called) if called else None,
                    "no_show": sum(1 for r in items if r.status == "no_show")})
    cols = [Column("tier", _l("Tier")), Column("kind", _l("Service")), Column("tickets", _l("Tickets"), INT),
            Column("called", _l("Called"), INT), Column("wait", _l("Average wait (min)"), TEXT),
            Column("max_wait", _l("Longest wait (min)"), TEXT), Column("service", _l("Average service (min)"), TEXT),
            Column("sla", _l("Called within the maximum wait"), SHARE), Column("no_show", _l("No-shows"), INT)]
    return Table("queue-times", _l("Waiting and service times by tier and service"), cols, out,
                 note=_l("SLA: the share of called tickets called within their tier's maximum wait."))


def calls_by_hop(start: datetime, end: datetime) -> Table:
    rows = db.session.execute(select(BankCall.vip, BankCall.status, BankCall.answered_hop, func.count())
                              .where(BankCall.started_at >= start, BankCall.started_at < end)
                              .group_by(BankCall.vip, BankCall.status, BankCall.answered_hop)).all()
    counts = defaultdict(lambda: {"vip": 0, "other": 0})
    totals = {"vip": 0, "other": 0}
    for vip, status, answered_hop, n in rows:
        key = answered_hop if status == "answered" else ("voicemail" if status == "voicemail" else "routing")
        counts[key]["vip" if vip else "other"] += n
        totals["vip" if vip else "other"] += n
    out = [{"hop": str(HOP_LABELS[h]), "vip": counts[h]["vip"], "other": counts[h]["other"],
            "vip_share": counts[h]["vip"] / totals["vip"] if totals["vip"] else None}
           for h in (*VIP_PLAN, "routing") if h in counts or h in VIP_PLAN]
    cols = [Column("hop", _l("Answered at")), Column("vip", _l("VIP calls"), INT), Column("other", _l("Other calls"), INT),
            Column("vip_share", _l("Share of VIP calls"), SHARE)]
    return Table("calls-by-hop", _l("Calls answered at each hop"), cols, out)


def pareto(period: date | None, tier_names: dict, vip_tiers: set[str]) -> Table:
    """The share of assets held by the top 20% of clients, and by the VIPs."""
    out = []
    if period is not None:
        per = db.session.execute(select(BankBalance.member_id, func.sum(BankBalance.balance_fen).label("fen"))
                                 .where(BankBalance.period == period).group_by(BankBalance.member_id)
                                 .order_by(func.sum(BankBalance.balance_fen).desc())).all()
        total = sum(r.fen for r in per) or 0
        n = len(per)
        top = max(1, round(n * 0.2)) if n else 0
        tiers = dict(db.session.execute(select(Member.id, Member.tier_key).where(Member.tier_key.in_(vip_tiers))).all())
        vip = [r for r in per if r.member_id in tiers]
        out = [{"group": str(_l("Top %(share)s of clients", share="20%")), "clients": top,
                "client_share": top / n if n else None,
                "asset_share": sum(r.fen for r in per[:top]) / total if total else None},
               {"group": str(_l("VIP clients")), "clients": len(vip), "client_share": len(vip) / n if n else None,
                "asset_share": sum(r.fen for r in vip) / total if total else None},
               {"group": str(_l("All clients with balances")), "clients": n, "client_share": 1.0 if n else None,
                "asset_share": 1.0 if total else None}]
    cols = [Column("group", _l("Clients")), Column("clients", _l("Number"), INT),
            Column("client_share", _l("Share of clients"), SHARE), Column("asset_share", _l("Share of assets"), SHARE)]
    return Table("pareto", _l("The 80/20 share of assets"), cols, out,
                 note=_l("Month-end balances of %(period)s.", period=period.strftime("%Y-%m") if period else "—"))


def per_manager(start: datetime, end: datetime, now: datetime, period: date | None) -> Table:
    managers = [(m, name) for m, name in db.session.execute(
        select(Membership, User.name).join(User, User.id == Membership.user_id).order_by(User.name)).all()
        if POSITION in (m.positions or ())]
    ids = [m.id for m, _n in managers]
    clients = dict(db.session.execute(select(Member.client_manager_id, func.count()).where(
        Member.client_manager_id.in_(ids)).group_by(Member.client_manager_id)).all()) if ids else {}
    assets = {}
    if period is not None and ids:
        assets = dict(db.session.execute(
            select(Member.client_manager_id, func.sum(BankBalance.balance_fen))
            .join(Member, Member.id == BankBalance.member_id)
            .where(BankBalance.period == period, Member.client_manager_id.in_(ids))
            .group_by(Member.client_manager_id)).all())
    answered = dict(db.session.execute(select(BankCall.manager_id, func.count()).where(
        BankCall.started_at >= start, BankCall.started_at < end, BankCall.status == "answered",
        BankCall.answered_hop.in_(("manager_seat", "manager_mobile"))).group_by(BankCall.manager_id)).all())
    vip_calls = dict(db.session.execute(select(BankCall.manager_id, func.count()).where(
        BankCall.started_at >= start, BankCall.started_at < end, BankCall.vip.is_(True))
        .group_by(BankCall.manager_id)).all())
    open_ = dict(db.session.execute(select(ServiceRequest.assignee_id, func.count()).where(
        ServiceRequest.status.in_(ACTIVE_STATUSES)).group_by(ServiceRequest.assignee_id)).all())
    overdue = dict(db.session.execute(select(ServiceRequest.assignee_id, func.count()).where(
        ServiceRequest.status == "open", ServiceRequest.due_at < now).group_by(ServiceRequest.assignee_id)).all())
    out = [{"manager": name, "clients": clients.get(m.id, 0), "assets": (assets.get(m.id) or 0) / 100,
            "vip_calls": vip_calls.get(m.id, 0), "answered": answered.get(m.id, 0),
            "answered_share": answered.get(m.id, 0) / vip_calls[m.id] if vip_calls.get(m.id) else None,
            "open": open_.get(m.id, 0), "overdue": overdue.get(m.id, 0)} for m, name in managers]
    cols = [Column("manager", _l("Client manager")), Column("clients", _l("Clients"), INT),
            Column("assets", _l("Assets under management (yuan)"), TEXT), Column("vip_calls", _l("VIP calls"), INT),
            Column("answered", _l("Answered by the manager"), INT),
            Column("answered_share", _l("Share answered by the manager"), SHARE),
            Column("open", _l("Open requests"), INT), Column("overdue", _l("Overdue"), INT)]
    return Table("per-manager", _l("Per client manager"), cols, out)


def build(day_from: date, day_to: date, start: datetime, end: datetime, now: datetime) -> list[Table]:
    from core.tiers.services import live_scheme, scheme_of
    row = live_scheme()
    tiers = scheme_of(row).tiers if row is not None else ()
    names = {t.key: t.name for t in tiers}
    vip = {t.key for t in tiers if t.benefits.priority < 5}
    period = latest_period()
    return [queue_times(day_from, day_to, names), calls_by_hop(start, end), pareto(period, names, vip),
            per_manager(start, end, now, period)]
