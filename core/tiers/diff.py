"""What a draft changes against the live version, in the admin's words (草案与现行方案对比).

Tiers are matched by their key, so a renamed or re-ordered tier reads as what it is. Pure: the
two canonical documents in, a list of changes out.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core.tiers.editor import (describe_downgrade, describe_expiry, describe_rate, describe_rule, describe_validity,
                               money)


@dataclass(frozen=True)
class Change:
    where: str    # "VIP" or "Policies"
    what: str     # "Qualification"
    before: str
    after: str


def _yes(v) -> str:
    return str(_l("yes")) if v else str(_l("no"))


def _birthday(b) -> str:
    if b is None:
        return str(_l("none"))
    scope = _l("on the day") if b["scope"] == "day" else _l("within the month")
    items = _l("any number of items") if b.get("max_items") is None else _l("up to %(n)s items", n=b["max_items"])
    parts = [str(scope), describe_rate(b["rate"]), str(items)]
    if b.get("id_check"):
        parts.append(str(_l("ID checked")))
    if b.get("once_per_year", True):
        parts.append(str(_l("once a year")))
    return ", ".join(parts)


def _tier_fields(t: dict, currency: str | None) -> list[tuple[str, str]]:
    b = t["benefits"]
    return [
        (str(_l("Name")), t["name"]), (str(_l("English name")), t.get("name_en") or ""),
        (str(_l("Qualification")), describe_rule(t.get("qualify"), currency)),
        (str(_l("Requires tier")), t.get("requires_tier") or str(_l("none"))),
        (str(_l("Needs approval")), _yes(t.get("manual_review"))),
        (str(_l("Discount on regular-price items")), describe_rate(b.get("discount_rate"))),
        (str(_l("Birthday benefit")), _birthday(b.get("birthday"))),
        (str(_l("Points per yuan paid")), str(b.get("points_per_unit"))),
        (str(_l("Points multiplier")), str(b.get("points_multiplier"))),
        (str(_l("Free parking hours")), str(b.get("parking_hours"))),
        (str(_l("Alliance merchants")), describe_rate(b.get("alliance_rate"))),
        (str(_l("Priority (1 highest)")), str(b.get("priority"))),
        (str(_l("Response time (minutes)")), str(b.get("response_minutes") or "—")),
        (str(_l("Dedicated client manager")), _yes(b.get("client_manager"))),
        (str(_l("Other perks")), "; ".join(b.get("perks") or []) or "—"),
    ]


def _policy_fields(p: dict) -> list[tuple[str, str]]:
    return [(str(_l("Downgrade review")), describe_downgrade(p.get("downgrade"))),
            (str(_l("Card validity")), describe_validity(p.get("validity"))),
            (str(_l("Points expiry")), describe_expiry(p.get("points_expiry"))),
            (str(_l("Accumulation card valid (days)")), str(p.get("accumulation_card_days"))),
            (str(_l("Days to register online")), str(p.get("registration_days") or "—"))]


def diff_documents(before: dict | None, after: dict, currency: str | None = None) -> list[Change]:
    """Every difference between two canonical scheme documents (``before`` None: all of ``after``)."""
    changes: list[Change] = []
    before = before or {"name": "", "tiers": [], "policies": {}}
    if before["name"] != after["name"]:
        changes.append(Change(str(_l("Scheme")), str(_l("Name")), before["name"], after["name"]))
    old = {t["key"]: t for t in before["tiers"]}
    new = {t["key"]: t for t in after["tiers"]}
    old_order = [t["key"] for t in before["tiers"] if t["key"] in new]
    new_order = [t["key"] for t in after["tiers"] if t["key"] in old]
    if old_order != new_order:
        changes.append(Change(str(_l("Scheme")), str(_l("Order of tiers (lowest first)")),
                              " < ".join(old_order), " < ".join(new_order)))
    for key, t in new.items():
        label = f"{t['name']} ({key})"
        if key not in old:
            changes.append(Change(label, str(_l("Tier added")), "—", describe_rule(t.get("qualify"), currency)))
            continue
        for (what, a), (_w, b) in zip(_tier_fields(old[key], currency), _tier_fields(t, currency)):
            if a != b:
                changes.append(Change(label, what, a, b))
    for key, t in old.items():
        if key not in new:
            changes.append(Change(f"{t['name']} ({key})", str(_l("Tier removed")),
                                  describe_rule(t.get("qualify"), currency), "—"))
    for (what, a), (_w, b) in zip(_policy_fields(before.get("policies") or {}), _policy_fields(after["policies"])):
        if a != b:
            changes.append(Change(str(_l("Policies")), what, a, b))
    return changes


__all__ = ["Change", "diff_documents", "money"]
