"""The what-if simulator (方案模拟测算): a draft scheme replayed over the tenant's last 12 months.

"If this draft had been live for the last 12 months": every member starts at the draft's entry
tier (or none), and at each of their sales in the window the draft's upgrade rule is applied as
the till applies it (``rules.evaluate_upgrade``: paid amounts, rolling windows counted in calendar
months on the tenant's wall clock, a prerequisite tier held *before* the purchase, one step per
purchase, manual-review tiers only proposed while the highest tier needing nobody applies). A
tier nobody reaches by rule (a GM's decision) stays with the members who hold it now. Downgrade
reviews are not replayed: within one year they would only act on the year's first day.

Costs are compared like with like over the same purchases: the tier discount on regular-price
lines at the tier held at each purchase (recorded tier under the live scheme, replayed tier under
the draft), and points at ``paid × points_per_unit × multiplier``. Birthday prices, the
registration rule and redemptions are left out of both sides.

Speed (100,000 members, 2,000,000 purchases within 10 s on PostgreSQL, ``bench/bench_simulator.py``):
on PostgreSQL one statement computes, for every sale, which tiers' rules are met at that moment
(window sums with ``RANGE … INTERVAL`` frames, month arithmetic in the tenant's zone via
``TimeZone``) as a bitmask, and Python walks the rows once, member by member. SQLite has no
interval frames, so the same masks are computed in Python there (small tenants, tests).
Core SQL: ``tenant_id`` is explicit in every statement.
"""
from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, insert, literal, literal_column, or_, select

from core.extensions import db
from core.members.models import Member
from core.purchases.models import Purchase
from core.tiers.document import AllOf, AnyOf, AssetsAtLeast, Scheme, SinglePurchaseAtLeast, SpendWithinMonths
from core.tiers.models import TierSimulationMove
from core.tiers.rules import window_start

REPLAY_MONTHS = 12


def document_hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# ---- rules as masks ----------------------------------------------------------------------------

def _windows(rule, out: set[int]) -> set[int]:
    if isinstance(rule, SpendWithinMonths):
        out.add(rule.months)
    elif isinstance(rule, (AllOf, AnyOf)):
        for r in rule.rules:
            _windows(r, out)
    return out


def scheme_windows(scheme: Scheme) -> tuple[int, ...]:
    out: set[int] = set()
    for t in scheme.tiers:
        if t.qualify is not None:
            _windows(t.qualify, out)
    return tuple(sorted(out))


def _met(rule, single: int, spend: dict[int, int]) -> bool:
    """A rule over the values at one moment (the largest single purchase, spend per window)."""
    if isinstance(rule, SinglePurchaseAtLeast):
        return single >= rule.amount_fen
    if isinstance(rule, SpendWithinMonths):
        return spend[rule.months] >= rule.amount_fen
    if isinstance(rule, AssetsAtLeast):
        return False  # no purchase makes assets; bank balances come with the bank domain
    if isinstance(rule, AllOf):
        return all(_met(r, single, spend) for r in rule.rules)
    if isinstance(rule, AnyOf):
        return any(_met(r, single, spend) for r in rule.rules)
    raise TypeError(f"unknown rule {rule!r}")


def _sql_met(rule, single, spend):
    if isinstance(rule, SinglePurchaseAtLeast):
        return single >= rule.amount_fen
    if isinstance(rule, SpendWithinMonths):
        return spend[rule.months] >= rule.amount_fen
    if isinstance(rule, AssetsAtLeast):
        return literal_column("false")
    if isinstance(rule, AllOf):
        return and_(*[_sql_met(r, single, spend) for r in rule.rules])
    if isinstance(rule, AnyOf):
        return or_(*[_sql_met(r, single, spend) for r in rule.rules])
    raise TypeError(f"unknown rule {rule!r}")


# ---- the replay ---------------------------------------------------------------------------------

@dataclass
class _Price:
    """A tier's benefits as exact integer arithmetic (a rate as a fraction)."""
    rate: Fraction | None
    points: Fraction

    @classmethod
    def of(cls, tier) -> _Price:
        if tier is None:
            return cls(None, Fraction(0))
        b = tier.benefits
        return cls(None if b.discount_rate is None else Fraction(b.discount_rate),
                   Fraction(b.points_per_unit) * Fraction(b.points_multiplier))

    def terms(self) -> tuple[int, int, int, int]:
        """(rate numerator, rate denominator, points numerator, points denominator × 100); a rate
        numerator of 0 means no discount."""
        rn, rd = (self.rate.numerator, self.rate.denominator) if self.rate is not None else (0, 1)
        return rn, rd, self.points.numerator, self.points.denominator * 100


@dataclass
class Outcome:
    as_of: datetime
    since: datetime
    members: int = 0
    sales: int = 0
    now: dict[str | None, int] = field(default_factory=dict)
    predicted: dict[str | None, int] = field(default_factory=dict)
    proposed: dict[str, int] = field(default_factory=dict)
    moves: list[tuple] = field(default_factory=list)  # (member_id, from, to, direction, proposed, spend)
    discount_live_fen: int = 0
    discount_draft_fen: int = 0
    points_live: int = 0
    points_draft: int = 0


def _step(scheme: Scheme, held: int, mask: int, requires: list[int]) -> tuple[int, int]:
    """One evaluation at a sale, as ``rules.evaluate_upgrade``: (tier now held, tier proposed or -1)."""
    proposal = -1
    for rank in range(len(scheme.tiers) - 1, held, -1):
        if not mask >> rank & 1 or held < requires[rank]:
            continue
        if not scheme.tiers[rank].manual_review:
            return rank, proposal
        if proposal < 0:
            proposal = rank
    return held, proposal


def replay(tenant_id: int, draft: Scheme, live: Scheme | None, as_of: datetime, tz: ZoneInfo) -> Outcome:
    since = window_start(as_of, REPLAY_MONTHS, tz)
    out = Outcome(as_of=as_of, since=since)
    tiers = draft.tiers
    rank_of = {t.key: i for i, t in enumerate(tiers)}
    requires = [rank_of[t.requires_tier] if t.requires_tier else -1 for t in tiers]
    entry = 0 if draft.entry_tier is not None else -1
    draft_price = [_Price.of(t) for t in tiers]
    live_price = {t.key: _Price.of(t) for t in (live.tiers if live else ())}
    no_price = _Price.of(None)
    # Tiers no rule reaches (above the entry tier): kept by those who hold them now.
    by_decision = {t.key for i, t in enumerate(tiers) if t.qualify is None and i > entry}

    m = Member.__table__
    members = db.session.execute(select(m.c.id, m.c.tier_key).where(m.c.tenant_id == tenant_id)
                                 .order_by(m.c.id)).all()
    current = {mid: key for mid, key in members}
    out.members = len(members)
    for key in current.values():
        out.now[key] = out.now.get(key, 0) + 1

    landed: dict[int, tuple[int, int, int]] = {}  # member -> (held, proposal, spend)
    # The loop runs once per purchase (2,000,000 in the benchmark): plain integers and locals only.
    d_terms = [p.terms() for p in draft_price]
    l_terms = {k: p.terms() for k, p in live_price.items()}
    none_terms = no_price.terms()
    entry_terms = d_terms[entry] if entry >= 0 else none_terms
    disc_d = disc_l = pts_d = pts_l = sales = 0
    mid_prev, held, proposal, spend, terms = None, entry, -1, 0, entry_terms
    for mid, is_sale, paid, regular, tier_key, mask in _rows(tenant_id, draft, since, as_of, tz):
        if mid != mid_prev:
            if mid_prev is not None:
                landed[mid_prev] = (held, proposal, spend)
            mid_prev, held, proposal, spend, terms = mid, entry, -1, 0, entry_terms
        spend += paid
        if not is_sale:
            continue
        sales += 1
        # the purchase is priced at the tier held when it is made; an upgrade counts from the next
        rn, rd, pn, pd = terms
        if rn and regular > 0:
            disc_d += regular - (2 * regular * rn + rd) // (2 * rd)  # half-up, as pricing.apply_rate
        if pn and paid > 0:
            pts_d += paid * pn // pd
        rn, rd, pn, pd = l_terms.get(tier_key, none_terms)
        if rn and regular > 0:
            disc_l += regular - (2 * regular * rn + rd) // (2 * rd)
        if pn and paid > 0:
            pts_l += paid * pn // pd
        if mask >> (held + 1):
            new, proposed = _step(draft, held, mask, requires)
            if proposed > max(new, proposal):
                proposal = proposed
            if new != held:
                held, terms = new, d_terms[new]
    out.sales, out.discount_draft_fen, out.discount_live_fen = sales, disc_d, disc_l
    out.points_draft, out.points_live = pts_d, pts_l
    if mid_prev is not None:
        landed[mid_prev] = (held, proposal, spend)

    for mid, now_key in current.items():
        h, p, s = landed.get(mid, (entry, -1, 0))
        if now_key in by_decision and rank_of[now_key] > h:
            h = rank_of[now_key]
        to_key = tiers[h].key if h >= 0 else None
        out.predicted[to_key] = out.predicted.get(to_key, 0) + 1
        pending = p > h
        if pending:
            out.proposed[tiers[p].key] = out.proposed.get(tiers[p].key, 0) + 1
        target = tiers[p].key if pending else to_key
        if target != now_key:
            out.moves.append((mid, now_key, target, _direction(draft, live, now_key, target), pending, s))
    return out


def _direction(draft: Scheme, live: Scheme | None, before: str | None, after: str | None) -> str:
    def rank(key):
        if key is None:
            return -1
        if key in draft.tier_keys:
            return draft.rank(key)
        if live is not None and key in live.tier_keys:  # a tier the draft drops: place it by the live ladder
            return live.rank(key) - len(live.tiers) + len(draft.tiers)
        return -1
    return "up" if rank(after) > rank(before) else "down"


# ---- the rows: (member, is sale, paid, regular value, recorded tier, tiers met) ---------------

def _rows(tenant_id: int, scheme: Scheme, since: datetime, as_of: datetime, tz: ZoneInfo):
    if db.session.get_bind().dialect.name == "postgresql":
        return _rows_postgres(tenant_id, scheme, since, as_of, tz)
    return _rows_python(tenant_id, scheme, since, as_of, tz)


def _rows_postgres(tenant_id, scheme, since, as_of, tz):
    p = Purchase.__table__
    windows = scheme_windows(scheme)
    longest = max(windows, default=REPLAY_MONTHS)

    def before(agg, months):
        # (at − N months, at): N months less one microsecond back, up to just before this
        # instant; the months counted on the wall clock of the session's TimeZone (set to the
        # tenant's zone below). Purchases at this very instant are added below in the order they
        # were recorded, as the till saw them: the first did not know of the second.
        return literal_column(f"{agg}(paid_fen) OVER (PARTITION BY member_id ORDER BY purchased_at "
                              f"RANGE BETWEEN INTERVAL '{int(months)} months -1 microsecond' "
                              f"PRECEDING AND INTERVAL '1 microsecond' PRECEDING)")

    def peers_so_far(agg):
        return literal_column(f"{agg}(paid_fen) OVER (PARTITION BY member_id, purchased_at ORDER BY id "
                              f"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)")

    inner = (select(p.c.member_id, p.c.kind, p.c.paid_fen, p.c.regular_fen, p.c.tier_key, p.c.purchased_at,
                    p.c.id, before("max", longest).label("single_before"),
                    peers_so_far("max").label("single_peers"), peers_so_far("sum").label("spend_peers"),
                    *[before("sum", w).label(f"spend_{w}") for w in windows])
             .where(p.c.tenant_id == tenant_id, p.c.member_id.is_not(None),
                    p.c.purchased_at > since, p.c.purchased_at <= as_of).subquery("w"))
    single = func.greatest(inner.c.single_before, inner.c.single_peers)  # GREATEST skips NULL
    spend = {w: func.coalesce(inner.c[f"spend_{w}"], 0) + inner.c.spend_peers for w in windows}
    bits = [case((_sql_met(t.qualify, single, spend), 1 << i), else_=0)
            for i, t in enumerate(scheme.tiers) if t.qualify is not None]
    mask = case((inner.c.kind == "sale", sum(bits[1:], bits[0]) if bits else literal(0)), else_=0)
    q = (select(inner.c.member_id, inner.c.kind == "sale", inner.c.paid_fen, inner.c.regular_fen,
                inner.c.tier_key, mask)
         .order_by(inner.c.member_id, inner.c.purchased_at, inner.c.id))
    conn = db.session.connection()
    previous = conn.exec_driver_sql("SELECT current_setting('TimeZone')").scalar()
    conn.exec_driver_sql("SELECT set_config('TimeZone', %(tz)s, true)", {"tz": str(tz.key)})
    try:
        result = conn.execute(q.execution_options(stream_results=True, yield_per=20_000))
        for row in result:
            yield row
    finally:
        conn.exec_driver_sql("SELECT set_config('TimeZone', %(tz)s, true)", {"tz": previous})


def _rows_python(tenant_id, scheme, since, as_of, tz):
    p = Purchase.__table__
    windows = scheme_windows(scheme)
    longest = max(windows, default=REPLAY_MONTHS)
    rules = [(i, t.qualify) for i, t in enumerate(scheme.tiers) if t.qualify is not None]
    q = (select(p.c.member_id, p.c.kind, p.c.paid_fen, p.c.regular_fen, p.c.tier_key, p.c.purchased_at)
         .where(p.c.tenant_id == tenant_id, p.c.member_id.is_not(None),
                p.c.purchased_at > since, p.c.purchased_at <= as_of)
         .order_by(p.c.member_id, p.c.purchased_at, p.c.id))
    history: list = []
    times: list = []
    mid_prev = None
    for mid, kind, paid, regular, tier_key, at in db.session.execute(q):
        if mid != mid_prev:
            history, times, mid_prev = [], [], mid
        history.append((at, int(paid)))
        times.append(at)
        mask = 0
        if kind == "sale":
            upto = bisect_right(times, at)  # purchases at the same instant count alike

            def inside(months):
                start = window_start(at, months, tz)
                return [v for t, v in history[:upto] if t > start]
            single = max(inside(longest), default=0)
            spend = {w: sum(inside(w)) for w in windows}
            for i, rule in rules:
                if _met(rule, single, spend):
                    mask |= 1 << i
        yield mid, kind == "sale", int(paid), int(regular), tier_key, mask


# ---- storing a run ------------------------------------------------------------------------------

def store_moves(tenant_id: int, simulation_id: int, moves: list[tuple]) -> None:
    t = TierSimulationMove.__table__
    for start in range(0, len(moves), 10_000):
        chunk = moves[start:start + 10_000]
        db.session.execute(insert(t), [
            {"tenant_id": tenant_id, "simulation_id": simulation_id, "member_id": mid, "from_tier": a,
             "to_tier": b, "direction": d, "proposed": pending, "spend_fen": s}
            for mid, a, b, d, pending, s in chunk])
