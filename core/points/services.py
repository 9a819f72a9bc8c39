"""Points rules (积分): an append-only ledger; the member's balance is the sum of its entries.

Every movement locks the member's row first (``SELECT … FOR UPDATE`` on PostgreSQL), so concurrent
redemptions serialise and a balance never goes below zero. Movements that come from outside carry
an idempotency key: the same key twice gives back the first entry and changes nothing.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import signals
from core.audit.services import actor_label
from core.errors import RuleError
from core.extensions import db
from core.jobs import job
from core.members.models import Member
from core.models import utcnow
from core.points.models import LedgerEntry, Reward


class PointsError(RuleError):
    """A points rule refused the input."""


def lock_member(member_id: int) -> Member:
    member = db.session.scalar(select(Member).where(Member.id == member_id).with_for_update()
                               .execution_options(populate_existing=True))
    if member is None:
        raise PointsError("member_id", _l("No such member."), 404)
    return member


def _existing(idempotency_key: str | None) -> LedgerEntry | None:
    if not idempotency_key:
        return None
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == idempotency_key))


def post(actor, member_id: int, kind: str, points: int, reason: str, *, idempotency_key: str | None = None,
         purchase_id: int | None = None, reward_id: int | None = None,
         expires_at: datetime | None = None, allow_partial: bool = False,
         locked_member: Member | None = None) -> LedgerEntry:
    """Append one entry. A debit larger than the balance is refused (or, with ``allow_partial``,
    cut to the balance: a return never takes points the member has already spent below zero).
    ``locked_member``: the caller already holds the member's row lock in this transaction and has
    made the effect unique itself (a purchase by its id); the key's unique index still guards."""
    if not isinstance(points, int) or isinstance(points, bool):
        raise PointsError("points", _l("Points are whole numbers."))
    if locked_member is not None and locked_member.id == member_id:
        member = locked_member
    else:
        member = lock_member(member_id)
        done = _existing(idempotency_key)
        if done is not None:
            return done
    if points < 0 and member.points_balance + points < 0:
        if not allow_partial:
            raise PointsError("points", _l("Not enough points: the balance is %(balance)d, this needs %(needed)d.",
                                           balance=member.points_balance, needed=-points))
        points = -member.points_balance
    member.points_balance += points
    entry = LedgerEntry(member_id=member_id, kind=kind, points=points, balance_after=member.points_balance,
                        reason=reason[:300], actor_label=actor_label(actor), idempotency_key=idempotency_key,
                        purchase_id=purchase_id, reward_id=reward_id, expires_at=expires_at)
    db.session.add(entry)
    db.session.flush()
    signals.points_changed.send(member, entry=entry)
    return entry


def expiry_for(policy: dict | None, earned_at: datetime, tz: ZoneInfo) -> datetime | None:
    """When points earned at ``earned_at`` stop counting, under the scheme's expiry policy."""
    kind = (policy or {}).get("kind", "never")
    if kind == "calendar_year":  # valid to 31 December, gone at the tenant's midnight (001 第十八条)
        local = earned_at.astimezone(tz)
        return datetime(local.year + 1, 1, 1, tzinfo=tz)
    if kind == "rolling_months":
        return earned_at + relativedelta(months=int(policy["months"]))
    return None


def adjust(actor, member_id: int, points: int, reason: str, idempotency_key: str | None = None) -> LedgerEntry:
    if points == 0:
        raise PointsError("points", _l("An adjustment of zero changes nothing."))
    if not (reason or "").strip():
        raise PointsError("reason", _l("Say why the points are adjusted."))
    return post(actor, member_id, "adjust", points, reason.strip(), idempotency_key=idempotency_key)


def redeem(actor, member_id: int, reward_id: int, quantity: int = 1,
           idempotency_key: str | None = None) -> LedgerEntry:
    """Exchange the member's own points for a gift: never cash, never another card's points
    (001 第十九–二十一条), refused when the points do not reach."""
    if quantity < 1:
        raise PointsError("quantity", _l("At least one."))
    member = lock_member(member_id)  # lock order everywhere: member first, then anything else
    done = _existing(idempotency_key)
    if done is not None:
        return done  # a replay: nothing is taken twice, not even stock
    expire_due(member.tenant_id, utcnow(), member_id=member_id)  # expired points are never spent
    reward = db.session.scalar(select(Reward).where(Reward.id == reward_id).with_for_update())
    if reward is None or not reward.active:
        raise PointsError("reward_id", _l("This gift is not in the catalogue."), 404)
    if reward.stock is not None and reward.stock < quantity:
        raise PointsError("quantity", _l("Only %(n)d left of this gift.", n=reward.stock), 409)
    entry = post(actor, member_id, "redeem", -reward.points_cost * quantity,
                 f"{reward.code} × {quantity}: {reward.name}", idempotency_key=idempotency_key,
                 reward_id=reward.id)
    if reward.stock is not None:
        reward.stock -= quantity
    return entry


def ledger_sum(member_id: int) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.points), 0))
                                 .where(LedgerEntry.member_id == member_id)))


def ledger_query(member_id: int, since: datetime | None = None, until: datetime | None = None):
    q = select(LedgerEntry).where(LedgerEntry.member_id == member_id)
    if since is not None:
        q = q.where(LedgerEntry.created_at >= since)
    if until is not None:
        q = q.where(LedgerEntry.created_at < until)
    return q.order_by(LedgerEntry.id.desc())


def statement(member_id: int, since: datetime, until: datetime) -> dict:
    """A statement for a period (the hotel card's bi-monthly statement): opening and closing
    balances and every movement between."""
    entries = db.session.scalars(ledger_query(member_id, since, until).order_by(None)
                                 .order_by(LedgerEntry.id)).all()
    opening = int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
        LedgerEntry.member_id == member_id, LedgerEntry.created_at < since)))
    return {"member_id": member_id, "since": since, "until": until, "opening": opening,
            "closing": opening + sum(e.points for e in entries), "entries": entries}


def create_reward(actor, code: str, name: str, points_cost: int, stock: int | None = None) -> Reward:
    code = (code or "").strip()
    if db.session.scalar(select(Reward.id).where(Reward.code == code)) is not None:
        raise PointsError("code", _l("A gift with this code exists already."), 409)
    if points_cost <= 0:
        raise PointsError("points_cost", _l("A gift costs at least one point."))
    reward = Reward(code=code, name=name.strip(), points_cost=points_cost, stock=stock, active=True)
    db.session.add(reward)
    db.session.flush()
    return reward


def expire_due(tenant_id: int, as_of: datetime, member_id: int | None = None) -> int:
    """Expire every point whose validity has ended by ``as_of`` (calendar year: 1 January, 00:00 in
    the tenant's time zone; rolling: N months after earning). Set-based over the whole tenant (or one
    member), safe to re-run: points are used oldest first, so what expires is what was earned
    with an end before ``as_of`` minus everything already spent or expired, never more than the
    balance. Returns the number of members whose points expired.

    Core SQL (no ORM listener): ``tenant_id`` is explicit in every statement. On PostgreSQL it is
    one statement (a data-modifying CTE); elsewhere three, in the caller's transaction.
    """
    from sqlalchemy import and_, case, insert, literal, update

    le, m = LedgerEntry.__table__, Member.__table__
    expirable = func.coalesce(func.sum(case((and_(le.c.kind == "earn", le.c.expires_at <= as_of), le.c.points),
                                            else_=0)), 0)
    consumed = func.coalesce(func.sum(case((le.c.points < 0, -le.c.points), else_=0)), 0)
    per_member = select(le.c.member_id, (expirable - consumed).label("due")).where(le.c.tenant_id == tenant_id)
    if member_id is not None:
        per_member = per_member.where(le.c.member_id == member_id)
    per_member = per_member.group_by(le.c.member_id).having(expirable > consumed).subquery("per_member")
    n = case((per_member.c.due < m.c.points_balance, per_member.c.due), else_=m.c.points_balance)
    due = (select(m.c.id.label("member_id"), (-n).label("points"), (m.c.points_balance - n).label("balance_after"))
           .join(per_member, per_member.c.member_id == m.c.id)
           .where(m.c.tenant_id == tenant_id, m.c.points_balance > 0))
    # No idempotency key: the amount is computed from the ledger itself (a re-run finds nothing
    # due) and concurrent runs serialise on the member rows.
    columns = ["tenant_id", "member_id", "kind", "points", "balance_after", "reason", "actor_label", "created_at"]

    def rows_from(src):
        return select(literal(tenant_id), src.c.member_id, literal("expire"), src.c.points, src.c.balance_after,
                      literal("points expired"), literal("system"), literal(as_of, type_=le.c.created_at.type))

    if db.session.get_bind().dialect.name == "postgresql":
        # lock, compute, append and rebalance in one statement
        locked = due.with_for_update(of=m).cte("due")
        written = insert(le).from_select(columns, rows_from(locked)).returning(le.c.member_id, le.c.points)
        written = written.cte("written")
        result = db.session.execute(
            update(m).where(m.c.tenant_id == tenant_id, m.c.id == written.c.member_id)
            .values(points_balance=m.c.points_balance + written.c.points))
        count = result.rowcount
    else:  # SQLite: writers are serialised by the database itself
        snapshot = due.cte("due")
        last_id = db.session.scalar(select(func.coalesce(func.max(le.c.id), 0))) or 0
        db.session.execute(insert(le).from_select(columns, rows_from(snapshot)))
        just = (select(le.c.member_id, le.c.points)  # only the rows this call wrote
                .where(le.c.tenant_id == tenant_id, le.c.kind == "expire", le.c.id > last_id).subquery())
        result = db.session.execute(
            update(m).where(m.c.tenant_id == tenant_id, m.c.id == just.c.member_id)
            .values(points_balance=m.c.points_balance + just.c.points))
        count = result.rowcount
    db.session.expire_all()  # the ORM's copies of these members are stale now
    return count


@job("periodic")
def expire_points(as_of: str | None = None) -> int:
    """Every few minutes (RQ cron): expire what is due in every tenant. Cheap when nothing is due;
    exact to the run, and reads and redemptions expire a member's due points first anyway."""
    from core.jobs.tenants import run_for_every_tenant
    return run_for_every_tenant(lambda tenant_id, _tz, at: expire_due(tenant_id, at), as_of or utcnow())


def current_balance(member: Member) -> int:
    """The balance as of now: points whose time is up are expired first (exact to the second,
    whenever the periodic sweep last ran)."""
    if expire_due(member.tenant_id, utcnow(), member_id=member.id):
        db.session.refresh(member)
    return member.points_balance
