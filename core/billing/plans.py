"""The plans a business can buy (套餐), read from configuration.

``BILLING_PLANS`` is a JSON list; empty means the three built-in plans below. A plan has a key, a
name per language, limits (``null`` = no limit) and a monthly and a yearly price in minor units
(fen). ``flask billing sync`` makes Stripe's Products and Prices match this list.

    [{"key": "starter", "name": {"en": "Starter", "zh_CN": "入门版"}, "currency": "cny",
      "limits": {"members": 1000, "domains": 1, "staff": 5},
      "prices": {"month": 19900, "year": 199000}}, ...]
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import current_app

KINDS = ("members", "domains", "staff")
INTERVALS = ("month", "year")

DEFAULT_PLANS = [
    {"key": "starter", "name": {"en": "Starter", "zh_CN": "入门版"}, "currency": "cny",
     "limits": {"members": 1000, "domains": 1, "staff": 5},
     "prices": {"month": 19900, "year": 199000}},
    {"key": "business", "name": {"en": "Business", "zh_CN": "商业版"}, "currency": "cny",
     "limits": {"members": 50000, "domains": None, "staff": 30},
     "prices": {"month": 99900, "year": 999000}},
    {"key": "unlimited", "name": {"en": "Unlimited", "zh_CN": "旗舰版"}, "currency": "cny",
     "limits": {"members": None, "domains": None, "staff": None},
     "prices": {"month": 299900, "year": 2999000}},
]


class PlanConfigError(ValueError):
    """BILLING_PLANS does not describe a usable list of plans."""


@dataclass(frozen=True)
class Plan:
    key: str
    names: dict
    limits: dict = field(default_factory=dict)   # kind -> int or None (no limit)
    prices: dict = field(default_factory=dict)   # interval -> amount in minor units (fen)
    currency: str = "cny"

    def name(self, locale: str | None = None) -> str:
        locale = locale or _locale()
        return self.names.get(locale) or self.names.get("en") or next(iter(self.names.values()), self.key)

    def limit(self, kind: str) -> int | None:
        return self.limits.get(kind)

    @property
    def billable(self) -> bool:
        return bool(self.prices)

    def product_id(self) -> str:
        return f"vip_plan_{self.key}"

    def lookup_key(self, interval: str) -> str:
        return f"vip_plan_{self.key}_{interval}"


# What tenants nobody bills run on: the demo, tenants a platform admin opened, any tenant while
# billing is not configured.
COMPLIMENTARY = Plan("complimentary", {"en": "Unlimited (not billed)", "zh_CN": "不限量（免费）"},
                     {k: None for k in KINDS}, {})


def _locale() -> str:
    from flask import has_request_context
    if has_request_context():
        from core.web import current_locale_code
        return current_locale_code()
    return "zh_CN"


def parse_plans(raw) -> list[Plan]:
    """Plans from the JSON text (or an already parsed list); refuses what cannot be billed."""
    data = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(data, list) or not data:
        raise PlanConfigError("BILLING_PLANS must be a non-empty JSON list")
    plans, seen = [], set()
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"]:
            raise PlanConfigError(f"every plan needs a key: {item!r}")
        key = item["key"]
        if key in seen or key == COMPLIMENTARY.key or not key.replace("_", "").isalnum():
            raise PlanConfigError(f"plan key {key!r} is repeated, reserved or not [a-z0-9_]")
        seen.add(key)
        names = item.get("name") or key
        names = {"en": names} if isinstance(names, str) else dict(names)
        limits = {}
        for kind in KINDS:
            value = (item.get("limits") or {}).get(kind)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise PlanConfigError(f"plan {key}: limit {kind} must be a whole number or null")
            limits[kind] = value
        prices = {}
        for interval, amount in (item.get("prices") or {}).items():
            if interval not in INTERVALS or not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
                raise PlanConfigError(f"plan {key}: prices are {{\"month\"|\"year\": amount in fen}}")
            prices[interval] = amount
        plans.append(Plan(key, names, limits, prices, str(item.get("currency") or "cny").lower()))
    return plans


def all_plans(app=None) -> list[Plan]:
    """The configured plans, in the order given (cheapest first by convention)."""
    app = app or current_app
    raw = app.config.get("BILLING_PLANS")
    cache = app.extensions.setdefault("vip_billing_plans", {})
    key = raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True)
    if key not in cache:
        cache[key] = parse_plans(raw or DEFAULT_PLANS)
    return cache[key]


def get_plan(key: str | None) -> Plan | None:
    if key == COMPLIMENTARY.key:
        return COMPLIMENTARY
    return next((p for p in all_plans() if p.key == key), None)


def plan_from_lookup_key(lookup_key: str | None) -> tuple[Plan | None, str | None]:
    """The plan and interval a Stripe Price stands for, from the lookup key sync gave it."""
    for plan in all_plans():
        for interval in INTERVALS:
            if lookup_key == plan.lookup_key(interval):
                return plan, interval
    return None, None


def lifting_plan(kind: str, needed: int) -> Plan | None:
    """The first plan (in the configured order) whose limit on ``kind`` allows ``needed``."""
    for plan in all_plans():
        limit = plan.limit(kind)
        if plan.billable and (limit is None or limit >= needed):
            return plan
    return None
