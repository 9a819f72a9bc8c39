"""Tier qualification: does a member's paid history meet a tier's rule, and which tier do they reach?

Pure functions over explicit arguments. Money is integer fen; every datetime must be timezone-aware;
the tenant's time zone (``tz``) decides what "N months ago" means (calendar months, computed on the
tenant's wall clock with :class:`dateutil.relativedelta.relativedelta`).

Prerequisite semantics (002: 钻石卡 "以精英卡贵宾为基础"): a tier's ``requires_tier`` must already
be held *before* the evaluation — by holding that tier or any tier ranked at least as high. A member
never passes through several tiers in one evaluation: a knight card holder whose spend meets both
elite's and diamond's numbers is upgraded to elite; diamond becomes reachable at the next evaluation
(for instance the next purchase), once elite is held.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from core.tiers.document import (
    AllOf,
    AnyOf,
    AssetsAtLeast,
    Rule,
    Scheme,
    SinglePurchaseAtLeast,
    SpendWithinMonths,
)

__all__ = [
    "PaidPurchase",
    "TierDecision",
    "evaluate_upgrade",
    "explain_rule",
    "rule_met",
    "spend_in_window",
    "window_start",
]


@dataclass(frozen=True)
class PaidPurchase:
    """A purchase as qualification sees it: when it was paid and what was paid (negative = refund)."""
    paid_at: datetime
    paid_fen: int


@dataclass(frozen=True)
class TierDecision:
    """The outcome of :func:`evaluate_upgrade`.

    ``reason`` names the rule branch that matched, e.g. ``"any[1]: spend_within_months 200000 in 6"``.
    ``needs_review``: the tier is ``manual_review``; the numbers only *propose* it.
    ``fallback``: when ``needs_review``, the highest tier above the current one that may be granted
    at once (no review) while the proposal waits; None if there is none.
    """
    tier_key: str
    reason: str
    needs_review: bool
    fallback: TierDecision | None = None


def _aware(dt: datetime, what: str) -> None:
    if not isinstance(dt, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


def window_start(as_of: datetime, months: int, tz: ZoneInfo) -> datetime:
    """``as_of`` minus ``months`` calendar months on the tenant's wall clock (aware, in ``tz``).

    End-of-month dates clamp (31 Aug − 6 months = 28/29 Feb), as relativedelta does.
    """
    _aware(as_of, "as_of")
    local = as_of.astimezone(tz).replace(tzinfo=None) - relativedelta(months=months)
    return local.replace(tzinfo=tz)


def spend_in_window(purchases: Sequence[PaidPurchase], as_of: datetime, months: int, tz: ZoneInfo) -> int:
    """Sum of ``paid_fen`` with ``as_of − months < paid_at <= as_of`` (refunds count negative)."""
    start = window_start(as_of, months, tz)
    total = 0
    for p in purchases:
        _aware(p.paid_at, "paid_at")
        if start < p.paid_at <= as_of:
            total += p.paid_fen
    return total


def explain_rule(rule: Rule, purchases: Sequence[PaidPurchase], as_of: datetime, tz: ZoneInfo,
                 assets_fen: int | None = None) -> str | None:
    """A description of the branch of ``rule`` that is met, or None if the rule is not met.

    ``single_purchase_at_least`` looks at every purchase passed in (the caller passes only those
    that count, e.g. within the card's validity) paid no later than ``as_of``.
    ``assets_at_least`` is never met when ``assets_fen`` is None.
    """
    _aware(as_of, "as_of")
    if isinstance(rule, SinglePurchaseAtLeast):
        for p in purchases:
            _aware(p.paid_at, "paid_at")
            if p.paid_at <= as_of and p.paid_fen >= rule.amount_fen:
                return f"single_purchase_at_least {rule.amount_fen}"
        return None
    if isinstance(rule, SpendWithinMonths):
        if spend_in_window(purchases, as_of, rule.months, tz) >= rule.amount_fen:
            return f"spend_within_months {rule.amount_fen} in {rule.months}"
        return None
    if isinstance(rule, AssetsAtLeast):
        if assets_fen is not None and assets_fen >= rule.amount_fen:
            return f"assets_at_least {rule.amount_fen}"
        return None
    if isinstance(rule, AnyOf):
        for i, sub in enumerate(rule.rules):
            why = explain_rule(sub, purchases, as_of, tz, assets_fen)
            if why is not None:
                return f"any[{i}]: {why}"
        return None
    if isinstance(rule, AllOf):
        parts = []
        for sub in rule.rules:
            why = explain_rule(sub, purchases, as_of, tz, assets_fen)
            if why is None:
                return None
            parts.append(why)
        return "all(" + "; ".join(parts) + ")"
    raise TypeError(f"not a rule: {rule!r}")


def rule_met(rule: Rule, purchases: Sequence[PaidPurchase], as_of: datetime, tz: ZoneInfo,
             assets_fen: int | None = None) -> bool:
    """Whether ``rule`` is met at ``as_of`` by these paid purchases (and assets, for bank rules)."""
    return explain_rule(rule, purchases, as_of, tz, assets_fen) is not None


def evaluate_upgrade(scheme: Scheme, current_tier_key: str | None, purchases: Sequence[PaidPurchase],
                     as_of: datetime, tz: ZoneInfo, assets_fen: int | None = None) -> TierDecision | None:
    """The highest tier above ``current_tier_key`` whose rule is met and whose prerequisite is held.

    ``current_tier_key`` None means the member holds no tier (every tier is "above"). Tiers with
    ``qualify`` null are never reached automatically. Never returns the current tier or a lower one.
    See the module docstring for the prerequisite semantics.
    """
    _aware(as_of, "as_of")
    current = -1 if current_tier_key is None else scheme.rank(current_tier_key)
    best: TierDecision | None = None
    for rank in range(len(scheme.tiers) - 1, current, -1):
        tier = scheme.tiers[rank]
        if tier.qualify is None:
            continue
        if tier.requires_tier is not None and current < scheme.rank(tier.requires_tier):
            continue
        why = explain_rule(tier.qualify, purchases, as_of, tz, assets_fen)
        if why is None:
            continue
        decision = TierDecision(tier.key, why, tier.manual_review)
        if best is None:
            if not tier.manual_review:
                return decision
            best = decision
        elif not tier.manual_review:
            return TierDecision(best.tier_key, best.reason, True, fallback=decision)
    return best
