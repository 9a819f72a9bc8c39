"""The bureau's VIP-service reports: visit coverage, promises kept on time, priority requests by kind
and SLA, and the yearly evaluation list (003 篇1 §四: a client that fails the year's evaluation loses
VIP status next year). Each a ``core.reports.tables.Table``: the page's table and its CSV agree."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from core.identity.models import Membership, User
from core.members.models import Member
from core.purchases.models import Purchase
from core.reports.services import local_midnight
from core.reports.tables import INT, MONEY, SHARE, TEXT, Column, Table
from core.service.models import ServiceRequest
from core.service.services import kind_label
from core.tasks.models import Task
from core.extensions import db
from domains.postal.hotline import HOTLINE_KINDS, PRIORITY_KINDS
from domains.postal.models import PostalPlan, PostalPromise
from domains.postal.visits import client_visit_status


def _share(part: int, whole: int):
    return round(part / whole, 4) if whole else None


def _manager_names() -> dict[int, str]:
    return dict(db.session.execute(select(Membership.id, User.name).join(User, User.id == Membership.user_id)).all())


def coverage(as_of: datetime | None = None) -> list[dict]:
    """Per manager: clients with a cadence, how many were visited within it, the share; a total last."""
    names, per = _manager_names(), {}
    for r in client_visit_status(as_of):
        row = per.setdefault(r["manager_id"], {"manager": names.get(r["manager_id"], "?"), "clients": 0,
                                               "covered": 0, "overdue": 0})
        row["clients"] += 1
        row["covered" if not r["overdue"] else "overdue"] += 1
    rows = sorted(per.values(), key=lambda r: r["manager"])
    total = {"manager": str(_l("All managers")), "clients": sum(r["clients"] for r in rows),
             "covered": sum(r["covered"] for r in rows), "overdue": sum(r["overdue"] for r in rows)}
    for r in [*rows, total]:
        r["share"] = _share(r["covered"], r["clients"])
    return [*rows, total]


def coverage_table(rows) -> Table:
    return Table("coverage", _l("Visit coverage: clients visited within their cadence"),
                 [Column("manager", _l("Client manager")), Column("clients", _l("Clients"), INT),
                  Column("covered", _l("Visited within cadence"), INT), Column("overdue", _l("Overdue"), INT),
                  Column("share", _l("Coverage"), SHARE)], rows)


def promises(start: date, end: date, tz, as_of: datetime) -> list[dict]:
    """Promises due in ``start``–``end`` per department: kept on time, kept late, broken (open past due),
    still open; a total last."""
    lo, hi = local_midnight(start, tz), local_midnight(date.fromordinal(end.toordinal() + 1), tz)
    done = Task.status == "done"
    rows = db.session.execute(
        select(PostalPromise.department, func.count(PostalPromise.id),
               func.sum(case((and_(done, Task.done_at <= PostalPromise.due_at), 1), else_=0)),
               func.sum(case((and_(done, Task.done_at > PostalPromise.due_at), 1), else_=0)),
               func.sum(case((and_(~done, PostalPromise.due_at < as_of), 1), else_=0)))
        .join(Task, Task.id == PostalPromise.task_id)
        .where(PostalPromise.due_at >= lo, PostalPromise.due_at < hi)
        .group_by(PostalPromise.department).order_by(PostalPromise.department)).all()
    out = [{"department": d, "promises": n, "kept": int(k or 0), "late": int(late or 0), "broken": int(b or 0)}
           for d, n, k, late, b in rows]
    total = {"department": str(_l("All departments"))}
    for key in ("promises", "kept", "late", "broken"):
        total[key] = sum(r[key] for r in out)
    for r in [*out, total]:
        r["open"] = r["promises"] - r["kept"] - r["late"] - r["broken"]
        r["kept_share"] = _share(r["kept"], r["promises"])
    return [*out, total]


def promises_table(rows) -> Table:
    return Table("promises", _l("Promises kept on time"),
                 [Column("department", _l("Department")), Column("promises", _l("Promises due"), INT),
                  Column("kept", _l("Kept on time"), INT), Column("late", _l("Kept late"), INT),
                  Column("broken", _l("Broken (open past due)"), INT), Column("open", _l("Not yet due"), INT),
                  Column("kept_share", _l("Kept on time"), SHARE)], rows)


def requests_by_kind(start: date, end: date, tz, as_of: datetime) -> list[dict]:
    """Priority requests received in ``start``–``end`` per kind: answered within the SLA (taken up by the
    due time), late, open past due."""
    lo, hi = local_midnight(start, tz), local_midnight(date.fromordinal(end.toordinal() + 1), tz)
    sr = ServiceRequest
    answered = func.coalesce(sr.responded_at, sr.resolved_at)
    rows = db.session.execute(
        select(sr.kind, func.count(sr.id),
               func.sum(case((and_(answered.is_not(None), answered <= sr.due_at), 1), else_=0)),
               func.sum(case((and_(answered.is_not(None), answered > sr.due_at), 1), else_=0)),
               func.sum(case((and_(answered.is_(None), sr.due_at < as_of), 1), else_=0)))
        .where(sr.kind.in_(set(PRIORITY_KINDS) | set(HOTLINE_KINDS)), sr.received_at >= lo, sr.received_at < hi)
        .group_by(sr.kind).order_by(sr.kind)).all()
    out = [{"kind": str(kind_label(k)), "requests": n, "on_time": int(a or 0), "late": int(b or 0),
            "overdue": int(c or 0)} for k, n, a, b, c in rows]
    for r in out:
        r["sla_share"] = _share(r["on_time"], r["requests"])
    return out


def requests_table(rows) -> Table:
    return Table("requests", _l("Priority requests by kind and SLA"),
                 [Column("kind", _l("Kind")), Column("requests", _l("Requests"), INT),
                  Column("on_time", _l("Answered within SLA"), INT), Column("late", _l("Answered late"), INT),
                  Column("overdue", _l("Open past due"), INT), Column("sla_share", _l("Within SLA"), SHARE)], rows)


def evaluation(year: int, tz) -> list[dict]:
    """The yearly evaluation (年度评价): every client with a plan for ``year`` and an agreed yearly volume,
    the business done that year (paid purchases, returns netted), and whether they met it. Those who did
    not lose VIP status next year (取消下年的VIP客户资格)."""
    lo, hi = local_midnight(date(year, 1, 1), tz), local_midnight(date(year + 1, 1, 1), tz)
    done = (select(Purchase.member_id, func.sum(Purchase.paid_fen).label("fen"))
            .where(Purchase.purchased_at >= lo, Purchase.purchased_at < hi, Purchase.member_id.is_not(None))
            .group_by(Purchase.member_id).subquery())
    rows = db.session.execute(
        select(Member.member_no, Member.name, Member.kind, Member.tier_key, PostalPlan.yearly_goal_fen,
               func.coalesce(done.c.fen, 0))
        .join(PostalPlan, and_(PostalPlan.member_id == Member.id, PostalPlan.year == year))
        .outerjoin(done, done.c.member_id == Member.id)
        .where(PostalPlan.yearly_goal_fen.is_not(None)).order_by(Member.name, Member.member_no)).all()
    out = []
    for no, name, kind, tier, goal, fen in rows:
        met = int(fen) >= int(goal)
        out.append({"member_no": no, "name": name, "tier_key": tier, "goal_fen": int(goal), "done_fen": int(fen),
                    "share": _share(int(fen), int(goal)),
                    "outcome": str(_l("Keeps VIP status")) if met else str(_l("Loses VIP status next year")),
                    "met": met})
    return sorted(out, key=lambda r: (r["met"], r["name"]))


def evaluation_table(rows, year: int) -> Table:
    return Table("evaluation", _l("Yearly evaluation %(year)s: agreed volume against business done", year=year),
                 [Column("member_no", _l("Client no.")), Column("name", _l("Client")), Column("tier_key", _l("Tier")),
                  Column("goal_fen", _l("Agreed yearly volume"), MONEY), Column("done_fen", _l("Business done"), MONEY),
                  Column("share", _l("Achieved"), SHARE), Column("outcome", _l("Outcome"), TEXT)], rows)
