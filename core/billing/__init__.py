"""Billing: self-service sign-up, plans, the owner's subscription page, Stripe's webhook, and the
read-only lock for tenants whose trial ran out or whose subscription is unpaid or ended."""
from flask import g, jsonify, render_template, request

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def refuse_writes_when_read_only():
    """Once, for every page and API call of a tenant: a read-only tenant may look, not change.
    The billing pages stay open so the owner can pay; signing out needs no tenant."""
    if g.get("tenant") is None or request.method in SAFE_METHODS or request.blueprint == "billing":
        return None
    from core.billing import services
    from core.identity.permissions import is_api_request
    access = g.billing_access = services.current_access()
    if not access.read_only:
        return None
    message = str(access.message())
    if is_api_request():
        return jsonify(code="read_only", message=message, errors={"billing": [message]}), 402
    return render_template("billing/read_only.html", access=access), 402


def billing_notice():
    """For the banner in base.html: the tenant's trial, grace period or read-only state, if any."""
    if g.get("tenant") is None:
        return None
    from sqlalchemy.exc import SQLAlchemyError

    from core.billing import services
    try:
        access = g.get("billing_access") or services.current_access()
    except (SQLAlchemyError, RuntimeError):  # an error page after a failed transaction must still render
        services.log.warning("billing state unavailable for the banner", exc_info=True)
        return None
    g.billing_access = access
    principal = g.get("principal")
    if access.kind == "full" or (access.kind == "trial" and not (principal and principal.has_role("admin"))):
        return None
    return access


def init_app(app):
    from core.billing import cli, plans, views
    plans.all_plans(app)  # a BILLING_PLANS that cannot be billed stops start-up, saying why
    app.register_blueprint(views.bp)
    app.register_blueprint(views.public)
    app.before_request(refuse_writes_when_read_only)
    app.context_processor(lambda: {"billing_notice": billing_notice})
    app.cli.add_command(cli.billing_cli)
