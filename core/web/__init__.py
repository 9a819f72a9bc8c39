"""The staff web shell: login manager, navigation, language switch, home and tenant dashboard."""
from flask import current_app, g
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from core.extensions import db, login_manager
from core.identity.models import User
from core.plugins import registry


@login_manager.user_loader
def load_user(user_id):
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def navigation():
    """Entries for the current tenant: core pages, then each enabled domain the user may see."""
    tenant, principal = g.get("tenant"), g.get("principal")
    if tenant is None or principal is None:
        return []
    from flask_babel import lazy_gettext as _l
    from core.portfolios.views import manager_positions
    items = [("web.dashboard", _l("Overview"), "staff"), ("tasks.index", _l("My tasks"), "staff")]
    for key, plugin in registry(current_app).items():
        if tenant.has_domain(key):
            items += [(n.endpoint, n.label, n.role) for n in plugin.nav]
    items += [("approvals.index", _l("Tier applications"), "staff"), ("segments.index", _l("Segments"), "manager")]
    items += [("reports.index", _l("Reports"), "manager"),
              ("schemes.index", _l("Tier schemes"), "admin"),
              ("staff.list_staff", _l("Staff"), "admin"),
              *([("portfolios.managers", _l("Client managers"), "admin")] if manager_positions() else []),
              ("tenancy.settings", _l("Settings"), "admin"),
              ("imports.list_batches", _l("Import members"), "admin"),
              ("staff.api_keys", _l("API keys"), "admin"),
              ("billing.portal", _l("Billing"), "owner"),
              ("audit.audit_log", _l("Audit log"), "admin")]
    return [(endpoint, label) for endpoint, label, role in items if principal.has_role(role)]


def money(fen, currency: str | None = None) -> str:
    """Integer fen as the tenant's currency in the reader's language: ¥1,234.56."""
    from decimal import Decimal

    from flask_babel import format_currency
    tenant = g.get("tenant") or g.get("public_tenant")
    return format_currency(Decimal(int(fen or 0)) / 100, currency or (tenant.currency if tenant else None) or "CNY")


def current_locale_code() -> str:
    """Our own code for the active language ("zh_CN" or "en"); Babel spells zh_CN zh_Hans_CN."""
    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @app.context_processor
    def shell():
        return {
            "current_tenant": g.get("tenant"),
            "principal": g.get("principal"),
            "nav_items": navigation(),
            "current_locale": current_locale_code(),
            "csrf_token_value": generate_csrf,
            "money": money,
            "user": current_user,
        }

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    from core.web import views
    app.register_blueprint(views.bp)
