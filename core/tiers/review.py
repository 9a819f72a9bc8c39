"""Tier review (等级复核): the downgrades a scheme's policy calls for, set-based over a tenant.

Each tier's qualification rule is compiled into one SQL condition over per-member aggregates
(largest single purchase, paid spend in each rolling window), so a whole tenant is reviewed in a
few statements, whatever its size. Policies (DOMAIN.md §1):
  yearly            – on 1 January (tenant time), a member below their tier's standard over the
                      past year falls to the highest tier they still meet;
  years_below       – the same, only after N consecutive years below the standard (001 §五: 2 years);
  inactive_months   – nightly: no purchase for N months, and the member falls likewise;
  monthly_review    – nothing automatic: the month-end revocation review list for a manager (001 svip §一.5);
  none              – no downgrade (e.g. the retail card lapses through its validity instead).
Tiers nobody can reach by rule (qualify null above the entry tier: a GM's decision) are never
reviewed automatically. Core SQL: ``tenant_id`` is explicit in every statement.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, insert, literal, null, or_, select, update

from core.extensions import db
from core.members.models import Member
from core.purchases.models import Purchase
from core.tiers.document import AllOf, AnyOf, AssetsAtLeast, SinglePurchaseAtLeast, SpendWithinMonths
from core.tiers.models import TierChange
from core.tiers.rules import window_start


def _windows(rule, out: set[int]) -> set[int]:
    if isinstance(rule, SpendWithinMonths):
        out.add(rule.months)
    elif isinstance(rule, (AllOf, AnyOf)):
        for r in rule.rules:
            _windows(r, out)
    return out


def _compile(rule, cols: dict):
    if isinstance(rule, SinglePurchaseAtLeast):
        return cols["single"] >= rule.amount_fen
    if isinstance(rule, SpendWithinMonths):
        return cols[rule.months] >= rule.amount_fen
    if isinstance(rule, AssetsAtLeast):
        return false()  # assets come with the bank domain's balances; no purchase makes them
    if isinstance(rule, AllOf):
        return and_(*[_compile(r, cols) for r in rule.rules])
    if isinstance(rule, AnyOf):
        return or_(*[_compile(r, cols) for r in rule.rules])
    raise TypeError(f"unknown rule {rule!r}")


def candidates(tenant_id: int, scheme, scheme_id: int, as_of: datetime, tz: ZoneInfo, kind: str,
               years: int = 1, months: int | None = None):
    """A select of (member_id, from_tier, to_tier) for every member the policy would move down."""
    p, m = Purchase.__table__, Member.__table__
    windows = set()
    for t in scheme.tiers:
        if t.qualify is not None:
            _windows(t.qualify, windows)
    longest = max(windows, default=12)
    points = [window_start(as_of, 12 * k, tz) if k else as_of for k in range(max(years, 1))]
    columns, per_point = [], []
    for k, at in enumerate(points):
        in_longest = and_(p.c.purchased_at > window_start(at, longest, tz), p.c.purchased_at <= at)
        cols = {"single": f"single_{k}"}
        columns.append(func.max(case((in_longest, p.c.paid_fen), else_=None)).label(f"single_{k}"))
        for w in sorted(windows):
            inside = and_(p.c.purchased_at > window_start(at, w, tz), p.c.purchased_at <= at)
            columns.append(func.coalesce(func.sum(case((inside, p.c.paid_fen), else_=0)), 0).label(f"spend_{k}_{w}"))
            cols[w] = f"spend_{k}_{w}"
        per_point.append(cols)
    earliest = window_start(points[-1], longest, tz)
    agg = (select(p.c.member_id, *columns)
           .where(p.c.tenant_id == tenant_id, p.c.member_id.is_not(None),
                  p.c.purchased_at > earliest, p.c.purchased_at <= as_of)
           .group_by(p.c.member_id).subquery("agg"))

    entry_rank = 0 if scheme.entry_tier is not None else -1
    met_ranks = []
    for cols in per_point:
        bound = {key: func.coalesce(agg.c[name], 0) for key, name in cols.items()}
        whens = [(_compile(t.qualify, bound), rank) for rank, t in reversed(list(enumerate(scheme.tiers)))
                 if t.qualify is not None]
        met_ranks.append(case(*whens, else_=entry_rank) if whens else literal(entry_rank))
    met = met_ranks[0]
    for other in met_ranks[1:]:  # met in any of the years looked at: the best of them counts
        met = case((other > met, other), else_=met)
    current = case(*[(m.c.tier_key == t.key, i) for i, t in enumerate(scheme.tiers)], else_=-1)
    reviewable = [t.key for i, t in enumerate(scheme.tiers) if t.qualify is not None]
    to_tier = case(*[(met == i, t.key) for i, t in enumerate(scheme.tiers)], else_=null())
    q = (select(m.c.id.label("member_id"), m.c.tier_key.label("from_tier"), to_tier.label("to_tier"))
         .select_from(m.outerjoin(agg, agg.c.member_id == m.c.id))
         .where(m.c.tenant_id == tenant_id, m.c.tier_key.in_(reviewable), met < current))
    if kind == "inactive_months":
        cutoff = window_start(as_of, months or 12, tz)
        q = q.where(or_(m.c.last_purchase_at.is_(None), m.c.last_purchase_at <= cutoff))
    return q


def policy_due(scheme, as_of: datetime, tz: ZoneInfo) -> str | None:
    """Which automatic review the policy asks for at ``as_of`` (None: nothing tonight)."""
    kind = scheme.policies.downgrade.kind
    local = as_of.astimezone(tz)
    if kind in ("yearly", "years_below"):
        return kind if (local.month, local.day) == (1, 1) else None
    if kind == "inactive_months":
        return kind
    return None


def apply(tenant_id: int, scheme, scheme_id: int, as_of: datetime, tz: ZoneInfo, kind: str) -> int:
    """Move every candidate down, recording a tier change for each. Re-running changes nothing."""
    policy = scheme.policies.downgrade
    q = candidates(tenant_id, scheme, scheme_id, as_of, tz, kind,
                   years=(policy.years or 1) if kind == "years_below" else 1, months=policy.months)
    tc, m = TierChange.__table__, Member.__table__
    reason = {"yearly": "yearly review: below the tier's standard",
              "years_below": f"below the tier's standard for {policy.years} years",
              "inactive_months": f"no purchase for {policy.months} months"}[kind]
    cols = ["tenant_id", "member_id", "scheme_id", "from_tier", "to_tier", "reason", "status", "actor_label",
            "created_at"]

    def rows(src):
        return select(literal(tenant_id), src.c.member_id, literal(scheme_id), src.c.from_tier, src.c.to_tier,
                      literal(reason), literal("applied"), literal("system"),
                      literal(as_of, type_=tc.c.created_at.type))

    if db.session.get_bind().dialect.name == "postgresql":
        due = q.with_for_update(of=m).cte("due")
        written = insert(tc).from_select(cols, rows(due)).returning(tc.c.member_id, tc.c.to_tier).cte("written")
        result = db.session.execute(
            update(m).where(m.c.tenant_id == tenant_id, m.c.id == written.c.member_id)
            .values(tier_key=written.c.to_tier, tier_since=as_of, tier_scheme_id=scheme_id))
    else:
        last_id = db.session.scalar(select(func.coalesce(func.max(tc.c.id), 0))) or 0
        db.session.execute(insert(tc).from_select(cols, rows(q.cte("due"))))
        just = select(tc.c.member_id, tc.c.to_tier).where(tc.c.tenant_id == tenant_id, tc.c.id > last_id).subquery()
        result = db.session.execute(
            update(m).where(m.c.tenant_id == tenant_id, m.c.id == just.c.member_id)
            .values(tier_key=just.c.to_tier, tier_since=as_of, tier_scheme_id=scheme_id))
    db.session.expire_all()
    return result.rowcount
