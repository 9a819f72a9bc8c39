"""Resolving the tenant from the URL, once, for pages and API (``/t/<tenant>/...``).

Runs as a ``url_value_preprocessor``: it finds the tenant by slug, checks that the signed-in user
(or the API key) belongs to it, enters the tenant's context for the request, and answers 404 for
another tenant's slug or a domain the tenant has not enabled, so nothing reveals that it exists.
"""
import hashlib
import re

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core.extensions import csrf, db
from core.identity.models import ApiKey, Membership
from core.identity.permissions import is_api_request
from core.identity.principal import Principal
from core.plugins import domain_of_blueprint
from core.tenancy.context import reset_current_tenant, set_current_tenant
from core.tenancy.models import SLUG_PATTERN, Tenant


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def _api_key_owner(raw: str):
    """(key id, tenant id) for an unrevoked key. Authentication must find the key before it knows
    the tenant, so this reads the table with plain Core SQL by the key's own hash."""
    table = ApiKey.__table__
    row = db.session.execute(
        select(table.c.id, table.c.tenant_id, table.c.prefix, table.c.role)
        .where(table.c.key_hash == hash_api_key(raw), table.c.revoked_at.is_(None))
    ).first()
    return row


def resolve_tenant(endpoint, values):
    if not values or "tenant" not in values:
        return
    slug = values.pop("tenant")
    api = is_api_request()
    raw_key = _bearer() if api else None
    key_row = None
    if raw_key:
        key_row = _api_key_owner(raw_key)
        if key_row is None:
            abort(401, description="The API key is not valid or has been revoked.")
    elif not current_user.is_authenticated:
        if api:
            abort(401)
        abort(redirect(url_for("auth.login", next=request.full_path)))
    elif api and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # a browser session calling the API must prove the page is ours

    tenant = None
    if re.fullmatch(SLUG_PATTERN, slug):
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or tenant.status != "active":
        abort(404)
    if key_row is not None and key_row.tenant_id != tenant.id:
        abort(404)
    g._tenant_token = set_current_tenant(tenant.id)

    if key_row is not None:
        g.principal = Principal.of_api_key(key_row)  # the row already says all a principal needs
    else:
        membership = db.session.scalar(
            select(Membership).where(Membership.user_id == current_user.id, Membership.active.is_(True)))
        if membership is None:
            abort(404)
        g.membership = membership
        g.principal = Principal.of_membership(membership)
    # Only now, with the caller proven to belong here, may pages show anything of the tenant.
    g.tenant = tenant

    domain = domain_of_blueprint(current_app, request.blueprint)
    if domain is not None and not tenant.has_domain(domain):
        abort(404)


def add_tenant_default(endpoint, values):
    tenant = g.get("tenant")
    if tenant is None or "tenant" in values:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "tenant"):
        values["tenant"] = tenant.slug


def leave_tenant(exc=None):
    token = g.pop("_tenant_token", None)
    if token is not None:
        reset_current_tenant(token)


def init_app(app):
    app.url_value_preprocessor(resolve_tenant)
    app.url_defaults(add_tenant_default)
    app.teardown_request(leave_tenant)
