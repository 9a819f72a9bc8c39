"""A tenant's tier scheme as a validated document (会员等级制度).

The scheme is stored as JSON (``TierScheme.document``). :class:`SchemeDocumentSchema` validates it
and :func:`load_scheme` turns it into frozen dataclasses the rest of the core works with;
:func:`dump_scheme` writes the canonical JSON back (``load_scheme(dump_scheme(s)) == s``).

Pure Python: no database, no Flask. Money is integer fen, rates are :class:`~decimal.Decimal`
pay-rates (``Decimal("0.88")`` = the customer pays 88 %, 8.8折).

Document shape (every object rejects unknown keys; omitted optional keys take the defaults shown)::

    {"name": str,
     "tiers": [                                   # lowest rank first, at least one
       {"key": "[a-z0-9_]{1,32}", "name": str, "name_en": str | null,
        "qualify": RULE | null,                   # null: never reached automatically (entry tier)
        "requires_tier": key of a LOWER tier | null,
        "manual_review": false,
        "benefits": {"discount_rate": "0.88" | null, "birthday": BIRTHDAY | null,
                     "points_per_unit": "1", "points_multiplier": "1", "parking_hours": 0,
                     "alliance_rate": "0.95" | null, "priority": 5, "response_minutes": null,
                     "client_manager": false, "perks": []}}],
     "policies": {"upgrade": "immediate",
                  "downgrade": {"kind": "none"|"yearly"|"years_below"|"inactive_months"|"monthly_review",
                                "years": int (years_below only), "months": int (inactive_months only)},
                  "validity": {"kind": "days_from_issue", "days": 365} | {"kind": "december_renewal"}
                              | {"kind": "none"},
                  "points_expiry": {"kind": "calendar_year"} | {"kind": "rolling_months", "months": 12}
                                   | {"kind": "never"},
                  "accumulation_card_days": 365, "registration_days": null}}

    BIRTHDAY = {"scope": "day"|"month", "rate": "0.60", "max_items": null | int >= 1,
                "id_check": false, "once_per_year": true}
    RULE = {"single_purchase_at_least": FEN} | {"spend_within_months": {"amount": FEN, "months": 1..120}}
         | {"assets_at_least": FEN} | {"all": [RULE, ...]} | {"any": [RULE, ...]}
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

__all__ = [
    "AllOf",
    "AnyOf",
    "AssetsAtLeast",
    "Benefits",
    "BirthdayBenefit",
    "DowngradePolicy",
    "PointsExpiryPolicy",
    "Policies",
    "Rule",
    "Scheme",
    "SchemeDocumentSchema",
    "SinglePurchaseAtLeast",
    "SpendWithinMonths",
    "Tier",
    "ValidityPolicy",
    "dump_rule",
    "dump_scheme",
    "load_scheme",
]

TIER_KEY_RE = re.compile(r"^[a-z0-9_]{1,32}$")

RULE_KINDS = ("single_purchase_at_least", "spend_within_months", "assets_at_least", "all", "any")
DOWNGRADE_KINDS = ("none", "yearly", "years_below", "inactive_months", "monthly_review")
VALIDITY_KINDS = ("days_from_issue", "december_renewal", "none")
POINTS_EXPIRY_KINDS = ("calendar_year", "rolling_months", "never")
BIRTHDAY_SCOPES = ("day", "month")
MAX_WINDOW_MONTHS = 120
MAX_RULE_DEPTH = 8


# ---- the dataclasses ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SinglePurchaseAtLeast:
    """One purchase paid at least ``amount_fen`` (一次性购物满 X 元, 以实付金额为准)."""
    amount_fen: int


@dataclass(frozen=True)
class SpendWithinMonths:
    """Paid spend of at least ``amount_fen`` in the rolling ``months`` ending at evaluation time."""
    amount_fen: int
    months: int


@dataclass(frozen=True)
class AssetsAtLeast:
    """Assets under management of at least ``amount_fen`` (bank tiers)."""
    amount_fen: int


@dataclass(frozen=True)
class AllOf:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[Rule, ...]


Rule = SinglePurchaseAtLeast | SpendWithinMonths | AssetsAtLeast | AllOf | AnyOf


@dataclass(frozen=True)
class BirthdayBenefit:
    """Birthday price: on the day (001 第十四条) or within the month, up to ``max_items`` units (002)."""
    scope: str                      # "day" | "month"
    rate: Decimal                   # pay-rate, e.g. Decimal("0.60")
    max_items: int | None = None    # None: every regular unit of ONE purchase
    id_check: bool = False          # original ID card must be shown (凭身份证原件)
    once_per_year: bool = True


@dataclass(frozen=True)
class Benefits:
    discount_rate: Decimal | None = None       # pay-rate on regular-price lines only
    birthday: BirthdayBenefit | None = None
    points_per_unit: Decimal = Decimal(1)    # points per 1 yuan actually paid
    points_multiplier: Decimal = Decimal(1)
    parking_hours: int = 0
    alliance_rate: Decimal | None = None       # pay-rate at alliance merchants
    priority: int = 5                          # 1 = highest
    response_minutes: int | None = None
    client_manager: bool = False
    perks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tier:
    key: str
    name: str
    name_en: str | None = None
    qualify: Rule | None = None
    requires_tier: str | None = None
    manual_review: bool = False
    benefits: Benefits = field(default_factory=Benefits)


@dataclass(frozen=True)
class DowngradePolicy:
    kind: str = "none"
    years: int | None = None      # years_below only
    months: int | None = None     # inactive_months only


@dataclass(frozen=True)
class ValidityPolicy:
    kind: str = "none"
    days: int | None = None       # days_from_issue only


@dataclass(frozen=True)
class PointsExpiryPolicy:
    kind: str = "never"
    months: int | None = None     # rolling_months only


@dataclass(frozen=True)
class Policies:
    upgrade: str = "immediate"
    downgrade: DowngradePolicy = field(default_factory=DowngradePolicy)
    validity: ValidityPolicy = field(default_factory=ValidityPolicy)
    points_expiry: PointsExpiryPolicy = field(default_factory=PointsExpiryPolicy)
    accumulation_card_days: int = 365
    registration_days: int | None = None


@dataclass(frozen=True)
class Scheme:
    name: str
    tiers: tuple[Tier, ...]
    policies: Policies = field(default_factory=Policies)

    @property
    def tier_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.tiers)

    def rank(self, key: str) -> int:
        """0 for the lowest tier; raises KeyError for a key not in the scheme."""
        for i, t in enumerate(self.tiers):
            if t.key == key:
                return i
        raise KeyError(key)

    def tier(self, key: str) -> Tier:
        return self.tiers[self.rank(key)]

    @property
    def entry_tier(self) -> Tier | None:
        """The lowest tier if anyone holds it (``qualify`` null), else None."""
        first = self.tiers[0]
        return first if first.qualify is None else None


# ---- the marshmallow schemas -------------------------------------------------------------------

_RATE = validate.Range(min=0, max=1, min_inclusive=False, error="Must be greater than 0 and at most 1.")
_POSITIVE = validate.Range(min=1, error="Must be greater than 0.")
_NON_NEGATIVE = validate.Range(min=0, error="Must be at least 0.")


def _int(**kw) -> fields.Integer:
    return fields.Integer(strict=True, **kw)


class _StrictBool(fields.Boolean):
    """Only JSON true/false (no "yes", 1 or "1")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


def _bool(**kw) -> fields.Boolean:
    return _StrictBool(**kw)


def _dec(**kw) -> fields.Decimal:
    return fields.Decimal(as_string=True, **kw)


class _Strict(Schema):
    class Meta:
        unknown = "raise"


class SpendWindowSchema(_Strict):
    amount = _int(required=True, validate=_POSITIVE)
    months = _int(required=True, validate=validate.Range(min=1, max=MAX_WINDOW_MONTHS))


class RuleSchema(_Strict):
    """Exactly one key per rule object; ``all``/``any`` nest recursively."""

    single_purchase_at_least = _int(validate=_POSITIVE)
    spend_within_months = fields.Nested(SpendWindowSchema)
    assets_at_least = _int(validate=_POSITIVE)
    all = fields.List(fields.Nested(lambda: RuleSchema()), validate=validate.Length(min=1))
    any = fields.List(fields.Nested(lambda: RuleSchema()), validate=validate.Length(min=1))

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _exactly_one(self, data, original_data, **kwargs):
        present = [k for k in RULE_KINDS if isinstance(original_data, dict) and k in original_data]
        if len(present) != 1:
            raise ValidationError(
                f"A rule must have exactly one of: {', '.join(RULE_KINDS)} (got {len(present)}).")

    @post_load
    def _make(self, data, **kwargs) -> Rule:
        (kind, value), = data.items()
        if kind == "single_purchase_at_least":
            return SinglePurchaseAtLeast(value)
        if kind == "spend_within_months":
            return SpendWithinMonths(value["amount"], value["months"])
        if kind == "assets_at_least":
            return AssetsAtLeast(value)
        if kind == "all":
            return AllOf(tuple(value))
        return AnyOf(tuple(value))


class BirthdaySchema(_Strict):
    scope = fields.String(required=True, validate=validate.OneOf(BIRTHDAY_SCOPES))
    rate = _dec(required=True, validate=_RATE)
    max_items = _int(load_default=None, allow_none=True, validate=_POSITIVE)
    id_check = _bool(load_default=False)
    once_per_year = _bool(load_default=True)

    @post_load
    def _make(self, data, **kwargs) -> BirthdayBenefit:
        return BirthdayBenefit(**data)


class BenefitsSchema(_Strict):
    discount_rate = _dec(load_default=None, allow_none=True, validate=_RATE)
    birthday = fields.Nested(BirthdaySchema, load_default=None, allow_none=True)
    points_per_unit = _dec(load_default=Decimal(1), validate=validate.Range(min=0))
    points_multiplier = _dec(load_default=Decimal(1), validate=validate.Range(min=0))
    parking_hours = _int(load_default=0, validate=_NON_NEGATIVE)
    alliance_rate = _dec(load_default=None, allow_none=True, validate=_RATE)
    priority = _int(load_default=5, validate=validate.Range(min=1, max=5))
    response_minutes = _int(load_default=None, allow_none=True, validate=_POSITIVE)
    client_manager = _bool(load_default=False)
    perks = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)

    @post_load
    def _make(self, data, **kwargs) -> Benefits:
        return Benefits(**{**data, "perks": tuple(data["perks"])})


class TierSchema(_Strict):
    key = fields.String(required=True, validate=validate.Regexp(
        TIER_KEY_RE, error="Must be 1-32 characters of a-z, 0-9 and _."))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name_en = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    qualify = fields.Nested(RuleSchema, load_default=None, allow_none=True)
    requires_tier = fields.String(load_default=None, allow_none=True)
    manual_review = _bool(load_default=False)
    benefits = fields.Nested(BenefitsSchema, load_default=None, allow_none=False)

    @pre_load
    def _shallow_rules(self, data, **kwargs):
        # Refuse absurd nesting before recursing into it (a RecursionError is not a field error).
        if isinstance(data, dict) and _rule_depth(data.get("qualify")) > MAX_RULE_DEPTH:
            raise ValidationError({"qualify": [f"Rules may nest at most {MAX_RULE_DEPTH} levels deep."]})
        return data

    @post_load
    def _make(self, data, **kwargs) -> Tier:
        if data["benefits"] is None:
            data = {**data, "benefits": Benefits()}
        return Tier(**data)


def _rule_depth(rule: Any) -> int:
    depth, level = 0, [rule]
    while level:
        nxt = []
        for r in level:
            if isinstance(r, dict):
                for k in ("all", "any"):
                    if isinstance(r.get(k), list):
                        nxt.extend(r[k])
        depth += 1
        if depth > MAX_RULE_DEPTH:
            break
        level = nxt
    return depth if rule is not None else 0


class DowngradeSchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(DOWNGRADE_KINDS))
    years = _int(validate=_POSITIVE)
    months = _int(validate=_POSITIVE)

    @validates_schema
    def _params(self, data, **kwargs):
        _kind_params(data, {"years_below": "years", "inactive_months": "months"}, ("years", "months"))

    @post_load
    def _make(self, data, **kwargs) -> DowngradePolicy:
        return DowngradePolicy(**data)


class ValiditySchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(VALIDITY_KINDS))
    days = _int(validate=_POSITIVE)

    @validates_schema
    def _params(self, data, **kwargs):
        _kind_params(data, {"days_from_issue": "days"}, ("days",))

    @post_load
    def _make(self, data, **kwargs) -> ValidityPolicy:
        return ValidityPolicy(**data)


class PointsExpirySchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(POINTS_EXPIRY_KINDS))
    months = _int(validate=_POSITIVE)

    @validates_schema
    def _params(self, data, **kwargs):
        _kind_params(data, {"rolling_months": "months"}, ("months",))

    @post_load
    def _make(self, data, **kwargs) -> PointsExpiryPolicy:
        return PointsExpiryPolicy(**data)


def _kind_params(data: dict, needs: dict[str, str], params: tuple[str, ...]) -> None:
    """``needs[kind]`` names the one parameter that kind requires; the others are forbidden."""
    kind = data.get("kind")
    errors: dict[str, list[str]] = {}
    wanted = needs.get(kind)
    for p in params:
        if p == wanted and p not in data:
            errors[p] = [f"Required when kind is {kind!r}."]
        elif p != wanted and p in data:
            errors[p] = [f"Not allowed when kind is {kind!r}."]
    if errors:
        raise ValidationError(errors)


class PoliciesSchema(_Strict):
    upgrade = fields.String(load_default="immediate", validate=validate.OneOf(("immediate",)))
    downgrade = fields.Nested(DowngradeSchema, load_default=None, allow_none=False)
    validity = fields.Nested(ValiditySchema, load_default=None, allow_none=False)
    points_expiry = fields.Nested(PointsExpirySchema, load_default=None, allow_none=False)
    accumulation_card_days = _int(load_default=365, validate=_POSITIVE)
    registration_days = _int(load_default=None, allow_none=True, validate=_POSITIVE)

    @post_load
    def _make(self, data, **kwargs) -> Policies:
        return Policies(
            upgrade=data["upgrade"],
            downgrade=data["downgrade"] or DowngradePolicy(),
            validity=data["validity"] or ValidityPolicy(),
            points_expiry=data["points_expiry"] or PointsExpiryPolicy(),
            accumulation_card_days=data["accumulation_card_days"],
            registration_days=data["registration_days"],
        )


class SchemeDocumentSchema(_Strict):
    """Validates a whole scheme document; ``load`` returns a :class:`Scheme`."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    tiers = fields.List(fields.Nested(TierSchema), required=True, validate=validate.Length(min=1, max=50))
    policies = fields.Nested(PoliciesSchema, load_default=None, allow_none=False)

    @validates_schema
    def _tiers_consistent(self, data, **kwargs):
        tiers: list[Tier] = data.get("tiers") or []
        errors: dict[int, dict[str, list[str]]] = {}
        rank: dict[str, int] = {}
        for i, t in enumerate(tiers):
            if t.key in rank:
                errors.setdefault(i, {})["key"] = [f"Duplicate tier key {t.key!r} (also tiers[{rank[t.key]}])."]
            else:
                rank[t.key] = i
        for i, t in enumerate(tiers):
            if t.requires_tier is None:
                continue
            j = rank.get(t.requires_tier)
            if j is None:
                msg = f"Unknown tier {t.requires_tier!r}."
            elif j >= i:
                msg = f"Must name a tier ranked lower than {t.key!r}."
            else:
                continue
            errors.setdefault(i, {})["requires_tier"] = [msg]
        if errors:
            raise ValidationError({"tiers": errors})

    @post_load
    def _make(self, data, **kwargs) -> Scheme:
        return Scheme(name=data["name"], tiers=tuple(data["tiers"]),
                      policies=data["policies"] or Policies())


def load_scheme(data: dict[str, Any]) -> Scheme:
    """Validate a scheme document and return it as a :class:`Scheme`.

    Raises :class:`marshmallow.ValidationError` whose ``messages`` are keyed by field path, e.g.
    ``{"tiers": {1: {"qualify": {"any": {0: {"spend_within_months": {"months": [...]}}}}}}}``.
    """
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["A scheme document must be a JSON object."]})
    return SchemeDocumentSchema().load(data)


# ---- dumping ------------------------------------------------------------------------------------

def _d(x: Decimal | None) -> str | None:
    return None if x is None else str(x)


def dump_rule(rule: Rule) -> dict[str, Any]:
    if isinstance(rule, SinglePurchaseAtLeast):
        return {"single_purchase_at_least": rule.amount_fen}
    if isinstance(rule, SpendWithinMonths):
        return {"spend_within_months": {"amount": rule.amount_fen, "months": rule.months}}
    if isinstance(rule, AssetsAtLeast):
        return {"assets_at_least": rule.amount_fen}
    if isinstance(rule, AllOf):
        return {"all": [dump_rule(r) for r in rule.rules]}
    if isinstance(rule, AnyOf):
        return {"any": [dump_rule(r) for r in rule.rules]}
    raise TypeError(f"not a rule: {rule!r}")


def _dump_benefits(b: Benefits) -> dict[str, Any]:
    bd = None
    if b.birthday is not None:
        bd = {"scope": b.birthday.scope, "rate": _d(b.birthday.rate), "max_items": b.birthday.max_items,
              "id_check": b.birthday.id_check, "once_per_year": b.birthday.once_per_year}
    return {
        "discount_rate": _d(b.discount_rate),
        "birthday": bd,
        "points_per_unit": _d(b.points_per_unit),
        "points_multiplier": _d(b.points_multiplier),
        "parking_hours": b.parking_hours,
        "alliance_rate": _d(b.alliance_rate),
        "priority": b.priority,
        "response_minutes": b.response_minutes,
        "client_manager": b.client_manager,
        "perks": list(b.perks),
    }


def _kind_dict(kind: str, **params: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind}
    out.update({k: v for k, v in params.items() if v is not None})
    return out


def dump_scheme(scheme: Scheme) -> dict[str, Any]:
    """The canonical JSON document (every optional key written out; rates as strings)."""
    p = scheme.policies
    return {
        "name": scheme.name,
        "tiers": [
            {"key": t.key, "name": t.name, "name_en": t.name_en,
             "qualify": None if t.qualify is None else dump_rule(t.qualify),
             "requires_tier": t.requires_tier, "manual_review": t.manual_review,
             "benefits": _dump_benefits(t.benefits)}
            for t in scheme.tiers
        ],
        "policies": {
            "upgrade": p.upgrade,
            "downgrade": _kind_dict(p.downgrade.kind, years=p.downgrade.years, months=p.downgrade.months),
            "validity": _kind_dict(p.validity.kind, days=p.validity.days),
            "points_expiry": _kind_dict(p.points_expiry.kind, months=p.points_expiry.months),
            "accumulation_card_days": p.accumulation_card_days,
            "registration_days": p.registration_days,
        },
    }
