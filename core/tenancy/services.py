"""Tenant rules: creating a tenant, its settings, which industry domains it runs."""
from __future__ import annotations

import re
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import signals
from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.tenancy.models import LOCALES, SLUG_PATTERN, TENANT_STATUSES, Tenant

SETTINGS_FIELDS = ("name", "timezone", "currency", "default_locale")
RESERVED_SLUGS = {"admin", "api", "static", "platform", "login", "logout", "signup", "t", "www"}


class TenantError(RuleError):
    """A rule about tenants was broken; ``field`` names the input at fault."""


def validate_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise TenantError("slug", _l("Use 1–40 lowercase letters, digits or hyphens, not at either end."))
    if slug in RESERVED_SLUGS:
        raise TenantError("slug", _l("This address is reserved."))
    return slug


def validate_settings(values: dict, known_domains) -> dict:
    out = {}
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name or len(name) > 120:
            raise TenantError("name", _l("A name of 1 to 120 characters is required."))
        out["name"] = name
    if "timezone" in values:
        if values["timezone"] not in available_timezones():
            raise TenantError("timezone", _l("Not a known time zone (for example Asia/Shanghai)."))
        out["timezone"] = values["timezone"]
    if "currency" in values:
        cur = (values["currency"] or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", cur):
            raise TenantError("currency", _l("Use a three-letter ISO 4217 code such as CNY."))
        out["currency"] = cur
    if "default_locale" in values:
        if values["default_locale"] not in LOCALES:
            raise TenantError("default_locale", _l("Choose one of: %(choices)s.", choices=", ".join(LOCALES)))
        out["default_locale"] = values["default_locale"]
    if "enabled_domains" in values:
        domains = list(dict.fromkeys(values["enabled_domains"] or []))
        unknown = [d for d in domains if d not in known_domains]
        if unknown:
            raise TenantError("enabled_domains", _l("Unknown domain: %(names)s.", names=", ".join(unknown)))
        out["enabled_domains"] = sorted(domains)
    if "status" in values:
        if values["status"] not in TENANT_STATUSES:
            raise TenantError("status", _l("Choose one of: %(choices)s.", choices=", ".join(TENANT_STATUSES)))
        out["status"] = values["status"]
    return out


def create_tenant(actor, *, slug: str, name: str, known_domains, enabled_domains=(),
                  timezone: str = "Asia/Shanghai", currency: str = "CNY",
                  default_locale: str = "zh_CN") -> Tenant:
    slug = validate_slug(slug)
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise TenantError("slug", _l("This address is already taken."))
    values = validate_settings(dict(name=name, timezone=timezone, currency=currency,
                                    default_locale=default_locale,
                                    enabled_domains=list(enabled_domains)), known_domains)
    tenant = Tenant(slug=slug, status="active", **values)
    db.session.add(tenant)
    db.session.flush()
    audit.record_platform(actor, "tenant.create", tenant_id=tenant.id, slug=slug, name=tenant.name,
                          enabled_domains=tenant.enabled_domains)
    return tenant


def _snapshot(tenant: Tenant) -> dict:
    return {f: getattr(tenant, f) for f in SETTINGS_FIELDS + ("enabled_domains",)}


def update_settings(actor, tenant: Tenant, values: dict, known_domains) -> Tenant:
    """Change the tenant's own settings (name, time zone, currency, language, domains)."""
    clean = validate_settings({k: v for k, v in values.items()
                               if k in SETTINGS_FIELDS + ("enabled_domains",)}, known_domains)
    if set(clean.get("enabled_domains") or ()) - set(tenant.enabled_domains or ()):
        from core.billing.services import check_capacity
        # Only adding asks: a tenant above its plan after a downgrade keeps what it has enabled.
        check_capacity("domains", total=len(clean["enabled_domains"]), field="enabled_domains")
    before = _snapshot(tenant)
    for k, v in clean.items():
        setattr(tenant, k, v)
    after = _snapshot(tenant)
    old, new = audit.diff(before, after)
    if new:
        audit.record(actor, "tenant.update", "tenant", tenant.id, old, new)
    if "enabled_domains" in new:
        signals.tenant_domains_changed.send(tenant, before=old["enabled_domains"],
                                            after=new["enabled_domains"])
    return tenant


def set_domain_enabled(actor, tenant: Tenant, key: str, enabled: bool, known_domains) -> Tenant:
    domains = set(tenant.enabled_domains or [])
    domains.add(key) if enabled else domains.discard(key)
    return update_settings(actor, tenant, {"enabled_domains": sorted(domains)}, known_domains)
