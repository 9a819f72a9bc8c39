"""The scheme editor's side of a scheme document: the admin's form values ↔ the stored document,
validation messages mapped back to the field that caused them, and every rule in words.

The admin never sees JSON: amounts are in yuan (to the fen), rates are what the customer pays in
per cent (88 = 8.8折), a tier's qualification is one list of conditions joined by "any" or "all"
(the seeds' ladders need no more). A rule built deeper through the API is kept as it is and shown
in words until the admin replaces it. Pure functions: no database, no Flask request.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import format_decimal, lazy_gettext as _l

RATE_FIELDS = {"discount_rate": "discount_pct", "alliance_rate": "alliance_pct"}
BENEFIT_FIELDS = ("points_per_unit", "points_multiplier", "parking_hours", "priority", "response_minutes",
                  "client_manager")
CONDITION_KINDS = {"single": "single_purchase_at_least", "spend": "spend_within_months", "assets": "assets_at_least"}
KIND_OF = {v: k for k, v in CONDITION_KINDS.items()}


# ---- numbers --------------------------------------------------------------------------------------

def yuan_to_fen(value: Decimal | None) -> int | None:
    if value is None:
        return None
    return int((Decimal(value) * 100).to_integral_value())


def fen_to_yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def pct_to_rate(pct: Decimal | None) -> str | None:
    """88 (per cent paid) → "0.88"; the document keeps rates as exact decimal strings."""
    if pct is None:
        return None
    return str((Decimal(pct) / 100).normalize())


def rate_to_pct(rate: str | Decimal | None) -> Decimal | None:
    if rate is None:
        return None
    try:
        return (Decimal(str(rate)) * 100).normalize()
    except InvalidOperation:
        return None


def _plain(x: Decimal | None) -> Decimal | None:
    """Decimals without exponent notation (normalize() turns 100 into 1E+2)."""
    if x is None:
        return None
    return x.quantize(Decimal(1)) if x == x.to_integral_value() else x


# ---- document → form ----------------------------------------------------------------------------

def _conditions(rule: dict | None) -> tuple[str, list[dict], str | None]:
    """(mode, conditions, kept rule JSON) for a stored rule."""
    if rule is None:
        return "none", [], None
    if len(rule) == 1 and next(iter(rule)) in ("any", "all"):
        mode, parts = next(iter(rule.items()))
        if all(len(p) == 1 and next(iter(p)) in KIND_OF for p in parts):
            return mode, [_condition(p) for p in parts], None
        return "kept", [], json.dumps(rule, sort_keys=True)
    if len(rule) == 1 and next(iter(rule)) in KIND_OF:
        return "any", [_condition(rule)], None
    return "kept", [], json.dumps(rule, sort_keys=True)


def _condition(rule: dict) -> dict:
    (key, value), = rule.items()
    if key == "spend_within_months":
        return {"kind": "spend", "amount": fen_to_yuan(value["amount"]), "months": value["months"]}
    return {"kind": KIND_OF[key], "amount": fen_to_yuan(value), "months": None}


def form_data(document: dict) -> dict:
    """The editor's values for a stored (canonical) document."""
    tiers = []
    for t in document["tiers"]:
        mode, conditions, kept = _conditions(t.get("qualify"))
        b = t["benefits"]
        bd = b.get("birthday")
        tiers.append({
            "key": t["key"], "name": t["name"], "name_en": t.get("name_en") or "",
            "qualify_mode": mode, "conditions": conditions, "qualify_kept": kept or "",
            "requires_tier": t.get("requires_tier") or "", "manual_review": bool(t.get("manual_review")),
            "discount_pct": _plain(rate_to_pct(b.get("discount_rate"))),
            "alliance_pct": _plain(rate_to_pct(b.get("alliance_rate"))),
            "birthday_enabled": bd is not None,
            "birthday_scope": (bd or {}).get("scope", "day"),
            "birthday_pct": _plain(rate_to_pct((bd or {}).get("rate"))),
            "birthday_max_items": (bd or {}).get("max_items"),
            "birthday_id_check": bool((bd or {}).get("id_check")),
            "birthday_once_per_year": bool((bd or {}).get("once_per_year", True)),
            "points_per_unit": _plain(Decimal(str(b.get("points_per_unit", "1")))),
            "points_multiplier": _plain(Decimal(str(b.get("points_multiplier", "1")))),
            "parking_hours": b.get("parking_hours", 0), "priority": b.get("priority", 5),
            "response_minutes": b.get("response_minutes"), "client_manager": bool(b.get("client_manager")),
            "perks": "\n".join(b.get("perks") or []),
        })
    p = document.get("policies") or {}
    down, validity, expiry = p.get("downgrade") or {}, p.get("validity") or {}, p.get("points_expiry") or {}
    return {
        "name": document["name"], "tiers": tiers,
        "downgrade_kind": down.get("kind", "none"), "downgrade_years": down.get("years"),
        "downgrade_months": down.get("months"),
        "validity_kind": validity.get("kind", "none"), "validity_days": validity.get("days"),
        "expiry_kind": expiry.get("kind", "never"), "expiry_months": expiry.get("months"),
        "accumulation_card_days": p.get("accumulation_card_days", 365),
        "registration_days": p.get("registration_days"),
    }


# ---- form → document ----------------------------------------------------------------------------

def _rule(tier: dict) -> Any:
    mode = tier.get("qualify_mode") or "none"
    if mode == "none":
        return None
    if mode == "kept":
        return json.loads(tier.get("qualify_kept") or "null")
    parts = []
    for c in tier.get("conditions") or []:
        kind = CONDITION_KINDS.get(c.get("kind"), c.get("kind"))
        amount = yuan_to_fen(c.get("amount"))
        if kind == "spend_within_months":
            parts.append({kind: {"amount": amount, "months": c.get("months")}})
        else:
            parts.append({kind: amount})
    if len(parts) == 1:
        return parts[0]
    return {mode: parts}  # an empty list is refused by the document schema, beside the conditions


def _kind(kind: str, **params) -> dict:
    return {"kind": kind, **{k: v for k, v in params.items() if v is not None}}


def document_from(data: dict) -> dict:
    """The scheme document the editor's values describe (validated afterwards by the document schema)."""
    tiers = []
    for t in data.get("tiers") or []:
        birthday = None
        if t.get("birthday_enabled"):
            birthday = {"scope": t.get("birthday_scope") or "day", "rate": pct_to_rate(t.get("birthday_pct")),
                        "max_items": t.get("birthday_max_items"), "id_check": bool(t.get("birthday_id_check")),
                        "once_per_year": bool(t.get("birthday_once_per_year"))}
        tiers.append({
            "key": (t.get("key") or "").strip(), "name": (t.get("name") or "").strip(),
            "name_en": (t.get("name_en") or "").strip() or None,
            "qualify": _rule(t), "requires_tier": t.get("requires_tier") or None,
            "manual_review": bool(t.get("manual_review")),
            "benefits": {
                "discount_rate": pct_to_rate(t.get("discount_pct")), "birthday": birthday,
                "points_per_unit": str(t.get("points_per_unit") if t.get("points_per_unit") is not None else 1),
                "points_multiplier": str(t.get("points_multiplier") if t.get("points_multiplier") is not None else 1),
                "parking_hours": t.get("parking_hours") or 0, "alliance_rate": pct_to_rate(t.get("alliance_pct")),
                "priority": t.get("priority") or 5, "response_minutes": t.get("response_minutes"),
                "client_manager": bool(t.get("client_manager")),
                "perks": [line.strip() for line in (t.get("perks") or "").splitlines() if line.strip()],
            },
        })
    down = data.get("downgrade_kind") or "none"
    validity = data.get("validity_kind") or "none"
    expiry = data.get("expiry_kind") or "never"
    return {
        "name": (data.get("name") or "").strip(), "tiers": tiers,
        "policies": {
            "upgrade": "immediate",
            "downgrade": _kind(down, years=data.get("downgrade_years") if down == "years_below" else None,
                               months=data.get("downgrade_months") if down == "inactive_months" else None),
            "validity": _kind(validity, days=data.get("validity_days") if validity == "days_from_issue" else None),
            "points_expiry": _kind(expiry, months=data.get("expiry_months") if expiry == "rolling_months" else None),
            "accumulation_card_days": data.get("accumulation_card_days"),
            "registration_days": data.get("registration_days"),
        },
    }


# ---- document errors → form fields ----------------------------------------------------------------

_BENEFIT_FIELD = {"discount_rate": "discount_pct", "alliance_rate": "alliance_pct",
                  **{f: f for f in BENEFIT_FIELDS}, "perks": "perks"}
_BIRTHDAY_FIELD = {"scope": "birthday_scope", "rate": "birthday_pct", "max_items": "birthday_max_items",
                   "id_check": "birthday_id_check", "once_per_year": "birthday_once_per_year"}
_POLICY_FIELD = {("downgrade", "kind"): "downgrade_kind", ("downgrade", "years"): "downgrade_years",
                 ("downgrade", "months"): "downgrade_months", ("validity", "kind"): "validity_kind",
                 ("validity", "days"): "validity_days", ("points_expiry", "kind"): "expiry_kind",
                 ("points_expiry", "months"): "expiry_months"}


def _flatten(messages, path=()) -> list[tuple[tuple, str]]:
    if isinstance(messages, dict):
        out = []
        for k, v in messages.items():
            out += _flatten(v, path + (k,))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [(path, m) for m in messages]
    if isinstance(messages, list):
        out = []
        for i, v in enumerate(messages):
            out += _flatten(v, path + (i,))
        return out
    return [(path, str(messages))]


def _tier_field(rest: tuple, tier: dict | None) -> str | None:
    if not rest:
        return None
    head = rest[0]
    if head in ("key", "name", "name_en", "requires_tier", "manual_review"):
        return head
    if head == "qualify":
        rule = rest[1:]
        if tier is not None and tier.get("qualify_mode") == "kept":
            return "qualify_mode"
        if rule and rule[0] in ("any", "all"):
            if len(rule) >= 2 and isinstance(rule[1], int):
                leaf = rule[3:] if len(rule) > 2 else ()
                return f"conditions-{rule[1]}-" + ("months" if "months" in leaf else "amount")
            return "qualify_mode"
        if rule and rule[0] in KIND_OF:
            return "conditions-0-" + ("months" if "months" in rule else "amount")
        return "qualify_mode"
    if head == "benefits" and len(rest) > 1:
        if rest[1] == "birthday":
            return _BIRTHDAY_FIELD.get(rest[2], "birthday_enabled") if len(rest) > 2 else "birthday_enabled"
        return _BENEFIT_FIELD.get(rest[1])
    return None


def field_errors(messages: dict, data: dict) -> tuple[dict[str, list[str]], list[str]]:
    """The document schema's messages as ``{form field name: [message]}`` (names as WTForms spells
    them, e.g. ``tiers-0-conditions-1-months``) plus messages that belong to no single field."""
    out: dict[str, list[str]] = {}
    general: list[str] = []
    tiers = data.get("tiers") or []
    for path, message in _flatten(messages):
        name = None
        if path[:1] == ("name",):
            name = "name"
        elif path[:1] == ("tiers",) and len(path) > 1 and isinstance(path[1], int):
            i = path[1]
            sub = _tier_field(path[2:], tiers[i] if i < len(tiers) else None)
            name = f"tiers-{i}-{sub}" if sub else None
        elif path[:1] == ("policies",) and len(path) > 1:
            name = _POLICY_FIELD.get(tuple(path[1:3])) or (path[1] if path[1] in (
                "accumulation_card_days", "registration_days") else None)
            if name is None and path[1] in ("downgrade", "validity", "points_expiry"):
                name = {"downgrade": "downgrade_kind", "validity": "validity_kind",
                        "points_expiry": "expiry_kind"}[path[1]]
        if name is None:
            general.append(message)
        else:
            out.setdefault(name, []).append(message)
    return out, general


# ---- in words ---------------------------------------------------------------------------------------

def money(fen: int, currency: str | None = None) -> str:
    from flask_babel import format_currency
    return format_currency(Decimal(fen) / 100, currency or "CNY")


def describe_rule(rule: dict | None, currency: str | None = None) -> str:
    """A stored rule as a sentence in the active language."""
    if rule is None:
        return str(_l("Not reached by purchases (entry tier or a manager's decision)"))
    (key, value), = rule.items()
    if key == "single_purchase_at_least":
        return str(_l("a single purchase of at least %(amount)s", amount=money(value, currency)))
    if key == "spend_within_months":
        return str(_l("at least %(amount)s paid within %(months)s months",
                      amount=money(value["amount"], currency), months=value["months"]))
    if key == "assets_at_least":
        return str(_l("assets of at least %(amount)s", amount=money(value, currency)))
    joiner = str(_l(" or ")) if key == "any" else str(_l(" and "))
    parts = [describe_rule(r, currency) for r in value]
    text = joiner.join(parts)
    return f"({text})" if len(parts) > 1 else text


def describe_rate(rate: str | None) -> str:
    """A pay-rate in the customer's words: "pays 88% (8.8折)"."""
    if rate is None:
        return str(_l("none"))
    pct = Decimal(rate) * 100
    from flask_babel import get_locale
    locale = get_locale()
    if locale is not None and locale.language == "zh":
        # Chinese shops count discounts in 折 (tenths of the price): 88% is 8.8折, a number format
        return format_decimal(pct / 10, format="0.##") + "折"
    return str(_l("pays %(pct)s%% (%(off)s%% off)", pct=format_decimal(pct, format="0.##"),
                  off=format_decimal(100 - pct, format="0.##")))


def describe_downgrade(d: dict | None) -> str:
    d = d or {"kind": "none"}
    return str({
        "none": _l("no automatic downgrade"),
        "yearly": _l("reviewed every 1 January: below the standard, down to the tier still met"),
        "years_below": _l("down after %(n)s consecutive years below the standard", n=d.get("years")),
        "inactive_months": _l("down after %(n)s months without a purchase", n=d.get("months")),
        "monthly_review": _l("a month-end review list for a manager to decide"),
    }.get(d["kind"], d["kind"]))


def describe_validity(d: dict | None) -> str:
    d = d or {"kind": "none"}
    return str({
        "none": _l("cards do not expire"),
        "days_from_issue": _l("%(n)s days from issue", n=d.get("days")),
        "december_renewal": _l("renewed each December; old cards void after December"),
    }.get(d["kind"], d["kind"]))


def describe_expiry(d: dict | None) -> str:
    d = d or {"kind": "never"}
    return str({
        "never": _l("points never expire"),
        "calendar_year": _l("points earned in a year expire on the next 1 January"),
        "rolling_months": _l("points expire %(n)s months after they are earned", n=d.get("months")),
    }.get(d["kind"], d["kind"]))
