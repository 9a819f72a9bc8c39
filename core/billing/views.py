"""Billing pages: the public sign-up, the owner's subscription page, and Stripe's webhook."""
import json

import stripe
from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy.exc import IntegrityError

from core.billing import plans as plans_
from core.billing import services
from core.billing.forms import CheckoutForm, PortalForm, SignUpForm
from core.billing.stripe_client import configured, verified_event
from core.errors import RuleError
from core.extensions import csrf, db, limiter
from core.identity.forms import choices
from core.identity.permissions import requires
from core.identity.services import IdentityError
from core.plugins import all_positions, registry
from core.tenancy.forms import timezone_choices
from core.web import current_locale_code

bp = Blueprint("billing", __name__, template_folder="templates", url_prefix="/t/<tenant>/admin/billing")
public = Blueprint("billing_public", __name__, template_folder="templates")

SYMBOLS = {"cny": "¥", "usd": "$", "eur": "€", "hkd": "HK$", "jpy": "¥", "gbp": "£"}


def price_label(plan, interval):
    amount = plan.prices.get(interval)
    if amount is None:
        return None
    money = SYMBOLS.get(plan.currency, plan.currency.upper() + " ") + format_decimal(
        services.major_units(amount, plan.currency), format="#,##0.##")
    return _("%(money)s a month", money=money) if interval == "month" else _("%(money)s a year", money=money)


def limit_label(kind, plan):
    if plan.limit(kind) is not None:
        return str(services.limit_phrase(kind, plan.limit(kind)))
    return {"members": _("unlimited members"), "domains": _("all industry domains"),
            "staff": _("unlimited staff seats")}[kind]


def plan_summary(plan) -> str:
    return " · ".join(limit_label(k, plan) for k in plans_.KINDS)


def money(amount) -> str:
    return format_decimal(amount, format="#,##0.00")


def _plan_context():
    return {"price_label": price_label, "limit_label": limit_label, "plan_summary": plan_summary,
            "kinds": plans_.KINDS, "money": money, "state_text": services.state_text}


# ---- sign-up (public) -------------------------------------------------------------------------------

def _signup_limit_key():
    return f"signup|{request.remote_addr}"


ACCOUNT_FIELDS = ("owner_name", "owner_email", "password", "confirm")


def _default_trial_plan(plans):
    return plans[1].key if len(plans) > 1 else plans[0].key


@public.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], key_func=_signup_limit_key, methods=["POST"])
def sign_up():
    """A business opens its own workplace and starts its free trial. Someone already signed in
    opens another business with the account they have."""
    plans = [p for p in plans_.all_plans() if p.billable]
    form = SignUpForm()
    signed_in = current_user.is_authenticated
    if signed_in:
        for name in ACCOUNT_FIELDS:
            delattr(form, name)
    form.timezone.choices = timezone_choices()
    form.enabled_domains.choices = choices((k, str(p.name)) for k, p in registry(current_app).items())
    form.plan.choices = choices((p.key, p.name()) for p in plans)
    if not form.is_submitted():
        form.timezone.data, form.default_locale.data = "Asia/Shanghai", current_locale_code()
        form.plan.data = _default_trial_plan(plans)
    if form.validate_on_submit():
        account = {} if signed_in else {"owner_email": form.owner_email.data, "owner_name": form.owner_name.data,
                                        "password": form.password.data}
        try:
            tenant, user = services.sign_up(
                name=form.name.data, slug=form.slug.data, enabled_domains=form.enabled_domains.data,
                timezone_name=form.timezone.data, default_locale=form.default_locale.data,
                plan_key=form.plan.data, known_domains=registry(current_app),
                known_positions=all_positions(current_app), owner=current_user if signed_in else None,
                **account)
        except RuleError as e:
            db.session.rollback()
            target = e.field
            if isinstance(e, IdentityError) or e.field == "email":
                target = {"email": "owner_email", "name": "owner_name"}.get(e.field, e.field)
            (getattr(form, target, None) or form.name).errors.append(e.message)
        else:
            db.session.commit()
            if not signed_in:
                login_user(user)
            flash(_("Welcome! %(name)s is open and its %(days)s-day free trial has started.",
                    name=tenant.name, days=current_app.config["TRIAL_DAYS"]))
            return redirect(url_for("web.dashboard", tenant=tenant.slug))
    return render_template("billing/signup.html", form=form, plans=plans, signed_in=signed_in,
                           trial_days=current_app.config["TRIAL_DAYS"], **_plan_context())


# ---- the owner's subscription page --------------------------------------------------------------------

def _render_portal(error=None, status=200):
    billing = services.get_billing()
    access = services.access(billing)
    invoice_error = None
    try:
        invoices = services.invoices()
    except services.BillingError as e:
        invoices, invoice_error = [], e.message
    plans = [p for p in plans_.all_plans() if p.billable]
    return render_template(
        "billing/portal.html", billing=billing, access=access, plan=access.plan, usage=services.usage(),
        plans=plans, invoices=invoices, invoice_error=invoice_error, error=error, configured=configured(),
        checkout_form=CheckoutForm(formdata=None), portal_form=PortalForm(formdata=None),
        returned=request.args.get("checkout"), **_plan_context()), status


@bp.get("/")
@requires("owner")
def portal():
    return _render_portal()


@bp.post("/checkout")
@requires("owner")
def checkout():
    form = CheckoutForm()
    if not form.validate_on_submit():
        return _render_portal(_("Choose a plan, monthly or yearly."), 422)
    try:
        url = services.start_checkout(
            g.principal, plan_key=form.plan.data, interval=form.interval.data,
            success_url=url_for("billing.portal", checkout="done", _external=True),
            cancel_url=url_for("billing.portal", checkout="cancelled", _external=True),
            locale=current_locale_code(), email=current_user.email)
    except services.BillingError as e:
        db.session.rollback()
        return _render_portal(e.message, e.status)
    db.session.commit()
    return redirect(url, 303)


@bp.post("/portal")
@requires("owner")
def customer_portal():
    PortalForm()  # the CSRF token was checked for every POST already
    try:
        url = services.portal_url(g.principal, return_url=url_for("billing.portal", _external=True),
                                  locale=current_locale_code())
    except services.BillingError as e:
        db.session.rollback()
        return _render_portal(e.message, e.status)
    db.session.commit()
    return redirect(url, 303)


# ---- Stripe's webhook -----------------------------------------------------------------------------------

@public.post("/billing/webhook")
@csrf.exempt
def webhook():
    """Every Stripe event, verified against the raw body, applied once by its id."""
    if not configured() or not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        abort(404)
    payload = request.get_data(cache=True)
    try:
        verified_event(payload, request.headers.get("Stripe-Signature"))
    except stripe.SignatureVerificationError:
        return jsonify(error="signature", message="The Stripe-Signature header does not match this body."), 400
    except (ValueError, TypeError, KeyError, AttributeError):
        return jsonify(error="malformed", message="The body is not a Stripe event."), 400
    try:
        outcome = services.record_event(json.loads(payload))
        db.session.commit()
    except (services.MalformedEvent, ValueError, TypeError, AttributeError, KeyError, OverflowError):
        db.session.rollback()
        services.log.warning("Stripe event refused as malformed", exc_info=True)
        return jsonify(error="malformed", message="The body is not a Stripe event."), 400
    except IntegrityError:  # the same event, delivered twice at once: the other delivery applied it
        db.session.rollback()
        outcome = "duplicate"
    return jsonify(received=True, outcome=outcome)
