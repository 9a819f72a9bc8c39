"""Billing rules: sign-up and its trial, what a plan allows, Checkout and the Customer Portal,
the Stripe events that drive a tenant's billing state, and syncing the plans to Stripe.

A tenant's state runs trialing → active → past_due → canceled. After a failed payment the tenant
keeps working for ``BILLING_GRACE_DAYS``; then, as when the trial ran out unpaid or the
subscription ended, it is read-only: staff can look, not change (``access``). Nothing stored is
ever deleted by billing: a downgrade only stops new members, domains and staff beyond the plan.
Without ``STRIPE_SECRET_KEY`` billing is off: every tenant runs unlimited and is never locked.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import stripe
from flask import current_app
from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.audit import services as audit
from core.billing import plans as plans_
from core.billing.models import ENDED, STATUS_RANK, ProcessedStripeEvent, TenantBilling
from core.billing.plans import COMPLIMENTARY, Plan
from core.billing.stripe_client import client, configured
from core.errors import RuleError
from core.extensions import db
from core.jobs import job
from core.models import utcnow
from core.tenancy.context import current_tenant_id, tenant_context, unscoped
from core.tenancy.models import Tenant

log = logging.getLogger("vip.billing")

CHECKOUT_TRIAL_MIN = timedelta(hours=48)  # Stripe refuses a trial_end sooner than this


class BillingError(RuleError):
    """A billing rule refused the request; ``field`` names the input at fault."""


class CapacityError(BillingError):
    """Adding this would go beyond what the tenant's plan includes (402: a bigger plan lifts it)."""

    status = 402


# ---- the tenant's billing record and what it allows ------------------------------------------------

def get_billing() -> TenantBilling | None:
    """The current tenant's billing record (None: the tenant is not billed)."""
    if current_tenant_id() is None:
        return None
    return db.session.scalar(select(TenantBilling))


def plan_of(billing: TenantBilling | None) -> Plan:
    """The plan whose limits apply. Unbilled tenants, and every tenant while billing is off, run
    unlimited; a plan removed from the configuration keeps its subscribers unlimited rather than
    locking them out."""
    if billing is None or not configured():
        return COMPLIMENTARY
    return plans_.get_plan(billing.plan_key) or COMPLIMENTARY


def usage() -> dict[str, int]:
    """What the current tenant uses of each limited kind: members, enabled domains, active staff."""
    from core.identity.models import Membership
    from core.members.models import Member
    tenant = db.session.get(Tenant, current_tenant_id())
    return {
        "members": db.session.scalar(select(func.count(Member.id))) or 0,
        "domains": len(tenant.enabled_domains or []) if tenant is not None else 0,
        "staff": db.session.scalar(select(func.count(Membership.id)).where(Membership.active.is_(True))) or 0,
    }


def _usage_of(kind: str) -> int:
    return usage()[kind]


LIMIT_PHRASES = {
    "members": lambda n: _l("up to %(n)s members", n=n),
    "domains": lambda n: _l("up to %(n)s industry domains", n=n),
    "staff": lambda n: _l("up to %(n)s staff seats", n=n),
}


def limit_phrase(kind: str, n: int | None):
    if n is None:
        return _l("no limit")
    return LIMIT_PHRASES[kind](format_decimal(n))


def capacity_message(plan: Plan, kind: str, needed: int):
    """The limit, in words, and the plan that lifts it."""
    here = limit_phrase(kind, plan.limit(kind))
    lifter = plans_.lifting_plan(kind, needed)
    if lifter is None:
        return _l("Your %(plan)s plan includes %(limit)s, and no plan includes more.",
                  plan=plan.name(), limit=here)
    if lifter.limit(kind) is None:
        return _l("Your %(plan)s plan includes %(limit)s. The %(next)s plan has no such limit.",
                  plan=plan.name(), limit=here, next=lifter.name())
    return _l("Your %(plan)s plan includes %(limit)s. The %(next)s plan lifts this to %(next_limit)s.",
              plan=plan.name(), limit=here, next=lifter.name(),
              next_limit=limit_phrase(kind, lifter.limit(kind)))


def check_capacity(kind: str, adding: int = 1, *, total: int | None = None, field: str = "plan") -> None:
    """Refuse to go beyond the current tenant's plan: ``adding`` more of ``kind`` (members, domains,
    staff), or a resulting ``total``. Raises CapacityError naming the limit and the plan that lifts
    it. What is already stored stays: this is only asked before adding."""
    if kind not in plans_.KINDS:
        raise ValueError(f"unknown capacity kind {kind!r}")
    if total is None and adding <= 0:
        return
    billing = get_billing()
    plan = plan_of(billing)
    limit = plan.limit(kind)
    if limit is None:
        return
    needed = total if total is not None else _usage_of(kind) + adding
    if needed > limit:
        raise CapacityError(field, capacity_message(plan, kind, needed))


# ---- access: full, in grace, or read-only -----------------------------------------------------------

@dataclass(frozen=True)
class Access:
    """What the tenant may do now. ``kind``: full, trial, grace or read_only."""

    kind: str
    plan: Plan
    billing: TenantBilling | None = None
    reason: str | None = None        # read_only: trial_over | payment_overdue | canceled
    until: datetime | None = None    # trial end, or end of the grace period

    @property
    def read_only(self) -> bool:
        return self.kind == "read_only"

    def days_left(self, now=None) -> int | None:
        if self.until is None:
            return None
        return max(0, math.ceil(((self.until - (now or utcnow())).total_seconds()) / 86400))

    def message(self):
        """One sentence saying why, for the banner and the refusals."""
        if self.kind == "trial":
            return _l("Free trial of the %(plan)s plan: %(days)s days left.", plan=self.plan.name(),
                      days=self.days_left())
        if self.kind == "grace":
            return _l("The last payment failed. Update the payment method before %(date)s, or the "
                      "workplace becomes read-only.", date=format_date(self.until, "long"))
        if self.reason == "trial_over":
            return _l("The free trial has ended. The workplace is read-only until a plan is chosen: "
                      "staff can look but not change anything.")
        if self.reason == "payment_overdue":
            return _l("The subscription is unpaid past the grace period. The workplace is read-only "
                      "until the invoice is paid: staff can look but not change anything.")
        if self.reason == "canceled":
            return _l("The subscription has ended. The workplace is read-only until a plan is chosen "
                      "again: staff can look but not change anything. Nothing has been deleted.")
        return None


def access(billing: TenantBilling | None, now: datetime | None = None) -> Access:
    now = now or utcnow()
    plan = plan_of(billing)
    if billing is None or not configured():
        return Access("full", plan, billing)
    status = billing.status
    if status == "active" or (status == "trialing" and billing.stripe_subscription_id):
        return Access("full", plan, billing)
    if status in ("trialing", "incomplete", "incomplete_expired"):  # our trial: no subscription took (yet)
        if billing.trial_ends_at is not None and now >= billing.trial_ends_at:
            return Access("read_only", plan, billing, "trial_over")
        return Access("trial", plan, billing, until=billing.trial_ends_at)
    if status in ("past_due", "unpaid", "paused"):
        since = billing.past_due_since or billing.updated_at or now
        until = since + timedelta(days=current_app.config["BILLING_GRACE_DAYS"])
        if now < until:
            return Access("grace", plan, billing, until=until)
        return Access("read_only", plan, billing, "payment_overdue", until=until)
    return Access("read_only", plan, billing, "canceled")


def current_access(now=None) -> Access:
    return access(get_billing(), now)


def state_text(acc: Access):
    """The billing state in a word or two, for the owner's page and the platform admin's list."""
    b = acc.billing
    if b is None:
        return _l("Not billed")
    if acc.kind == "read_only":
        return _l("Read-only")
    if b.status in ("trialing", "incomplete") and not b.stripe_subscription_id:
        return _l("Free trial")
    if b.status == "active":
        return _l("Active")
    if b.status == "trialing":
        return _l("Subscribed; free until the trial ends")
    if b.status in ("past_due", "unpaid", "paused"):
        return _l("Payment overdue")
    return _l("Ended")


def plan_name(billing: TenantBilling | None) -> str:
    plan = plans_.get_plan(billing.plan_key) if billing is not None else COMPLIMENTARY
    return plan.name() if plan is not None else billing.plan_key


# ---- sign-up -----------------------------------------------------------------------------------------

def sign_up(*, name: str, slug: str, enabled_domains, timezone_name: str, default_locale: str,
            plan_key: str, known_domains, known_positions, owner=None, owner_email: str | None = None,
            owner_name: str | None = None, password: str | None = None, now: datetime | None = None):
    """A business opens its own workplace: the tenant, a trial of ``plan_key``, and its owner (a new
    account, or ``owner`` when someone already signed in opens another business).
    Returns (tenant, owner user). Raises RuleError subclasses naming the field."""
    from core.identity import services as identity
    from core.tenancy import services as tenancy
    now = now or utcnow()
    plan = plans_.get_plan(plan_key)
    if plan is None or not plan.billable:
        raise BillingError("plan", _l("Choose one of the plans."))
    domains = list(dict.fromkeys(enabled_domains or []))
    if not domains:
        raise BillingError("enabled_domains", _l("Choose at least one industry domain."))
    limit = plan.limit("domains")
    if limit is not None and len(domains) > limit:
        raise CapacityError("enabled_domains", capacity_message(plan, "domains", len(domains)))
    if owner is None:
        email = identity.normalise_email(owner_email)
        if identity.find_user(email) is not None:
            raise BillingError("email", _l("An account with this e-mail already exists: sign in first, "
                                           "then sign up the business."), 409)
        identity.check_password_rules(password)
        owner_name = (owner_name or "").strip()
    else:
        email, owner_name, password = owner.email, owner.name, None
    actor = SimpleNamespace(label=f"sign-up:{email}", user_id=getattr(owner, "id", None))
    tenant = tenancy.create_tenant(actor, slug=slug, name=name, known_domains=known_domains,
                                   enabled_domains=domains, timezone=timezone_name,
                                   default_locale=default_locale)
    with tenant_context(tenant):
        billing = TenantBilling(plan_key=plan.key, status="trialing",
                                trial_ends_at=now + timedelta(days=current_app.config["TRIAL_DAYS"]))
        db.session.add(billing)
        membership, _token = identity.add_staff(None, email=email, name=owner_name, role="owner",
                                                positions=[], known_positions=known_positions,
                                                password=password)
        audit.record(actor, "billing.trial", "tenant_billing", None, None,
                     {"plan": plan.key, "trial_ends_at": billing.trial_ends_at.isoformat()})
    return tenant, membership.user


# ---- Checkout, the Customer Portal, invoices ------------------------------------------------------------

def _require_billed() -> TenantBilling:
    if not configured():
        raise BillingError("plan", _l("Billing is not configured on this installation."), 409)
    billing = get_billing()
    if billing is None:
        raise BillingError("plan", _l("This workplace is not billed: it runs on an unlimited plan."), 409)
    return billing


def _stripe_failed(exc: Exception) -> BillingError:
    log.warning("Stripe request failed: %s", exc)
    return BillingError("plan", _l("Stripe could not complete this just now. Please try again in a minute."), 503)


def _ensure_customer(sc, billing: TenantBilling, email: str | None) -> str:
    if billing.stripe_customer_id:
        return billing.stripe_customer_id
    tenant = db.session.get(Tenant, billing.tenant_id)
    params = {"name": tenant.name, "metadata": {"tenant_id": str(tenant.id), "tenant_slug": tenant.slug}}
    if email:
        params["email"] = email
    # One customer per tenant even if the owner clicks twice (Stripe keeps the key for 24 hours).
    customer = sc.v1.customers.create(params=params,
                                      options={"idempotency_key": f"vip-tenant-{tenant.id}-customer"})
    billing.stripe_customer_id = customer.id
    return customer.id


def _price_id(sc, plan: Plan, interval: str) -> str | None:
    found = sc.v1.prices.list(params={"lookup_keys": [plan.lookup_key(interval)], "active": True, "limit": 1})
    return found.data[0].id if found.data else None


def start_checkout(actor, *, plan_key: str, interval: str, success_url: str, cancel_url: str,
                   locale: str = "zh_CN", email: str | None = None, now: datetime | None = None) -> str:
    """A Stripe Checkout page for subscribing to (or changing to) a plan; returns its URL.

    Subscribing during the trial keeps the trial's remaining days: the first charge is when the
    trial would have ended. Changing plan buys the new subscription here; the old one is cancelled,
    prorated, once Stripe confirms the new one (``_adopt_subscription``)."""
    billing = _require_billed()
    now = now or utcnow()
    plan = plans_.get_plan(plan_key)
    if plan is None or not plan.billable:
        raise BillingError("plan", _l("Choose one of the plans."))
    if interval not in plan.prices:
        raise BillingError("interval", _l("Choose monthly or yearly."))
    live = billing.stripe_subscription_id and billing.status not in ENDED
    if live and billing.plan_key == plan.key and billing.interval == interval:
        raise BillingError("plan", _l("You are already on this plan."), 409)
    try:
        sc = client()
        customer = _ensure_customer(sc, billing, email)
        price = _price_id(sc, plan, interval)
        if price is None:
            log.error("no active Stripe price %s: run `flask billing sync`", plan.lookup_key(interval))
            raise BillingError("plan", _l("This plan cannot be bought just now. Please try again later."), 409)
        meta = {"tenant_id": str(billing.tenant_id), "plan": plan.key, "interval": interval}
        subscription_data = {"metadata": meta}
        if (not live and billing.status == "trialing" and billing.trial_ends_at is not None
                and billing.trial_ends_at - now >= CHECKOUT_TRIAL_MIN):
            subscription_data["trial_end"] = int(billing.trial_ends_at.timestamp())
        session = sc.v1.checkout.sessions.create(params={
            "mode": "subscription",
            "customer": customer,
            "client_reference_id": str(billing.tenant_id),
            "line_items": [{"price": price, "quantity": 1}],
            "subscription_data": subscription_data,
            "metadata": meta,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": "zh" if locale == "zh_CN" else "en",
            "allow_promotion_codes": True,
        })
    except stripe.StripeError as exc:
        raise _stripe_failed(exc) from exc
    audit.record(actor, "billing.checkout", "tenant_billing", billing.id, None,
                 {"plan": plan.key, "interval": interval, "session": session.id})
    return session.url


def portal_url(actor, *, return_url: str, locale: str = "zh_CN") -> str:
    """Stripe's Customer Portal for this tenant: payment method, invoices, cancellation."""
    billing = _require_billed()
    if not billing.stripe_customer_id:
        raise BillingError("plan", _l("Choose a plan first: the payment settings open once you have subscribed."), 409)
    try:
        session = client().v1.billing_portal.sessions.create(params={
            "customer": billing.stripe_customer_id, "return_url": return_url,
            "locale": "zh" if locale == "zh_CN" else "en"})
    except stripe.StripeError as exc:
        raise _stripe_failed(exc) from exc
    audit.record(actor, "billing.portal", "tenant_billing", billing.id, None, None)
    return session.url


ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
                "xaf", "xof", "xpf"}


def major_units(amount: int, currency: str):
    """Stripe amounts are in the currency's smallest unit (fen for CNY)."""
    from decimal import Decimal
    return Decimal(amount) if currency.lower() in ZERO_DECIMAL else Decimal(amount) / 100


def invoices(limit: int = 12) -> list[dict]:
    """The tenant's latest invoices, as Stripe keeps them (newest first)."""
    billing = get_billing()
    if billing is None or not billing.stripe_customer_id or not configured():
        return []
    try:
        found = client().v1.invoices.list(params={"customer": billing.stripe_customer_id, "limit": limit})
    except stripe.StripeError as exc:
        raise _stripe_failed(exc) from exc
    out = []
    for inv in (i.to_dict() for i in found.data):
        amount = inv.get("amount_paid") if inv.get("status") == "paid" else inv.get("amount_due")
        out.append({
            "number": inv.get("number") or inv["id"], "status": inv.get("status"),
            "created": _at(inv.get("created")), "amount": major_units(amount or 0, inv.get("currency") or "cny"),
            "currency": (inv.get("currency") or "cny").upper(),
            "url": inv.get("hosted_invoice_url"), "pdf": inv.get("invoice_pdf"),
        })
    return out


# ---- Stripe events -----------------------------------------------------------------------------------------

class MalformedEvent(ValueError):
    """A correctly signed event that does not have the shape of a Stripe event."""


def _at(epoch) -> datetime | None:
    epoch = _epoch(epoch)
    return datetime.fromtimestamp(epoch, timezone.utc) if epoch else None


def _id(value) -> str | None:
    """An expandable field: an id, or the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and 0 < len(value) <= 255 else None


def _epoch(value) -> int | None:
    """A Stripe timestamp (seconds), or None for anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**37 else None


def _interval(value) -> str | None:
    return value if value in plans_.INTERVALS else None


def _billing_for_customer(customer_id: str | None) -> TenantBilling | None:
    if not customer_id:
        return None
    # The webhook knows the customer before it knows the tenant: the one named cross-tenant read.
    with unscoped("stripe webhook: find the tenant of a Stripe customer"):
        q = select(TenantBilling).where(TenantBilling.stripe_customer_id == customer_id)
        return db.session.scalar(q.with_for_update())


def _set_status(billing: TenantBilling, status: str, at: int) -> bool:
    """Apply a status unless an event after it (or later in the same second) already set one."""
    rank = STATUS_RANK.get(status)
    if rank is None:
        return False
    if (at, rank) < (billing.state_event_at, billing.state_rank):
        return False
    billing.status, billing.state_event_at, billing.state_rank = status, at, rank
    if status in ("past_due", "unpaid", "paused"):
        billing.past_due_since = billing.past_due_since or _at(at)
    elif status in ("active", "trialing"):
        billing.past_due_since = None
    if status in ENDED:
        billing.canceled_at = billing.canceled_at or _at(at)
    else:
        billing.canceled_at = None
    return True


def _adopt_subscription(billing: TenantBilling, sub_id: str, created: int | None, exact: bool = True) -> bool:
    """Make ``sub_id`` the tenant's subscription unless it is older than the one it has. A newer
    one replaces a live older one (a plan change bought through Checkout): the old one is then
    cancelled with proration. Its own later events are ignored as stale. ``exact``: ``created`` is
    the subscription's own; a Checkout Session's (``exact=False``) is earlier, a lower bound."""
    created = _epoch(created)
    if billing.stripe_subscription_id == sub_id:
        if created and (exact or not billing.subscription_created):
            billing.subscription_created = created
        return True
    if billing.stripe_subscription_id and (created or 0) < (billing.subscription_created or 0):
        return False
    old, old_live = billing.stripe_subscription_id, billing.status not in ENDED
    billing.stripe_subscription_id, billing.subscription_created = sub_id, created
    billing.state_event_at, billing.state_rank = 0, 0  # a new subscription starts its own clock
    billing.cancel_at_period_end, billing.past_due_since = False, None
    if old and old_live:
        from core.jobs import enqueue
        enqueue(cancel_replaced_subscription, tenant_id=billing.tenant_id, subscription_id=old)
    return True


def _plan_of_subscription(sub: dict) -> tuple[Plan | None, str | None]:
    items = ((sub.get("items") or {}).get("data") or [])
    price = (items[0].get("price") or {}) if items and isinstance(items[0], dict) else {}
    plan, interval = plans_.plan_from_lookup_key(price.get("lookup_key"))
    if plan is None:
        meta = {**(sub.get("metadata") or {}), **(price.get("metadata") or {})}
        plan = plans_.get_plan(meta.get("plan"))
        interval = meta.get("interval") or (price.get("recurring") or {}).get("interval")
    return plan, _interval(interval)


def _period_end(sub: dict):
    items = ((sub.get("items") or {}).get("data") or [])
    ends = [_epoch(i.get("current_period_end")) for i in items if isinstance(i, dict)]
    ends = [e for e in ends if e]
    return _at(max(ends)) if ends else _at(sub.get("current_period_end"))


def _meant_for(billing: TenantBilling, obj: dict) -> bool:
    """Our metadata, when present, must name this tenant: a customer's events never reach another."""
    tenant = (obj.get("metadata") or {}).get("tenant_id")
    return tenant is None or str(tenant) == str(billing.tenant_id)


def _on_checkout_completed(billing, obj, at) -> str:
    if obj.get("mode") != "subscription" or not _id(obj.get("subscription")) or not _meant_for(billing, obj):
        return "ignored"
    sub_id = _id(obj.get("subscription"))
    known = billing.stripe_subscription_id == sub_id
    if not _adopt_subscription(billing, sub_id, obj.get("created"), exact=False):
        return "stale"
    meta = obj.get("metadata") or {}
    plan = plans_.get_plan(meta.get("plan"))
    if not known:  # the subscription's own events may come later: show what was bought meanwhile
        if plan is not None:
            billing.plan_key, billing.interval = plan.key, _interval(meta.get("interval")) or billing.interval
        paid = obj.get("payment_status") == "paid"
        # A provisional status on the new subscription's clock at zero: any of its events overrides it.
        billing.status, billing.past_due_since, billing.canceled_at = ("active" if paid else "trialing"), None, None
    return "applied"


def _on_subscription(billing, sub, at, deleted=False) -> str:
    if not _id(sub.get("id")) or not _meant_for(billing, sub):
        return "ignored"
    status = "canceled" if deleted else sub.get("status")
    if status not in STATUS_RANK:
        return "ignored"  # a status we do not know changes nothing
    same = billing.stripe_subscription_id == sub["id"]
    if same and billing.status in ENDED and status not in ENDED:
        return "stale"  # an ended subscription never comes back; this is an older snapshot
    if not _adopt_subscription(billing, sub["id"], sub.get("created")):
        return "stale"
    if not _set_status(billing, status, at):
        return "stale"
    plan, interval = _plan_of_subscription(sub)
    if plan is not None:
        billing.plan_key, billing.interval = plan.key, interval or billing.interval
    billing.current_period_end = _period_end(sub) or billing.current_period_end
    billing.cancel_at_period_end = bool(sub.get("cancel_at_period_end"))
    if status == "trialing" and sub.get("trial_end"):
        billing.trial_ends_at = _at(sub["trial_end"])
    return "applied"


def _invoice_subscription(inv: dict) -> str | None:
    parent = inv.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return _id(details.get("subscription")) or _id(inv.get("subscription"))


def _on_invoice(billing, inv, at, paid: bool) -> str:
    sub_id = _invoice_subscription(inv)
    if not sub_id or sub_id != billing.stripe_subscription_id:
        return "ignored"  # a one-off invoice, or one of a subscription that was replaced
    if billing.status in ENDED:
        return "stale"
    if paid:
        if billing.status == "trialing" and not inv.get("amount_paid"):
            return "applied"  # the zero invoice that opens a trial changes nothing
        return "applied" if _set_status(billing, "active", at) else "stale"
    return "applied" if _set_status(billing, "past_due", at) else "stale"


HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": lambda b, o, at: _on_subscription(b, o, at, deleted=True),
    "invoice.paid": lambda b, o, at: _on_invoice(b, o, at, paid=True),
    "invoice.payment_failed": lambda b, o, at: _on_invoice(b, o, at, paid=False),
}


def record_event(event: dict) -> str:
    """Apply one verified Stripe event, once: by its id, whatever the order and however often it
    arrives. Returns the outcome: applied, stale (an older event than the state), ignored (not
    ours or not a kind we follow) or duplicate. The caller commits."""
    if not isinstance(event, dict):
        raise MalformedEvent("not an object")
    event_id, kind, created = event.get("id"), event.get("type"), event.get("created")
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 255 or not isinstance(kind, str) \
            or _epoch(created) is None or not isinstance(obj, dict):
        raise MalformedEvent("not a Stripe event")
    seen = db.session.scalar(select(ProcessedStripeEvent.id).where(ProcessedStripeEvent.event_id == event_id))
    if seen is not None:
        return "duplicate"
    outcome, tenant_id = "ignored", None
    handler = HANDLERS.get(kind)
    if handler is not None:
        billing = _billing_for_customer(_id(obj.get("customer")))
        if billing is not None:
            tenant_id = billing.tenant_id
            with tenant_context(tenant_id):
                before = (billing.status, billing.plan_key, billing.stripe_subscription_id)
                outcome = handler(billing, obj, created)
                after = (billing.status, billing.plan_key, billing.stripe_subscription_id)
                if before != after:
                    audit.record(SimpleNamespace(label="stripe", user_id=None), "billing.state",
                                 "tenant_billing", billing.id,
                                 dict(zip(("status", "plan", "subscription"), before)),
                                 dict(zip(("status", "plan", "subscription"), after)) | {"event": event_id})
    db.session.add(ProcessedStripeEvent(event_id=event_id, type=kind[:80], event_created=created,
                                        tenant_id=tenant_id, outcome=outcome))
    db.session.flush()
    return outcome


@job("default")
def cancel_replaced_subscription(subscription_id: str) -> None:
    """Cancel a subscription a newer one replaced, crediting its unused time (idempotent: one
    already cancelled is left as it is)."""
    try:
        client().v1.subscriptions.cancel(subscription_id, params={"prorate": True, "invoice_now": True})
    except stripe.InvalidRequestError as exc:
        log.info("replaced subscription %s not cancelled: %s", subscription_id, exc)


# ---- syncing the plans to Stripe --------------------------------------------------------------------

def _product_name(plan: Plan) -> str:
    return " · ".join(dict.fromkeys([f"VIP Service {plan.name('en')}", plan.name("zh_CN")]))


def sync_plans() -> list[str]:
    """Create or update one Stripe Product per plan and one Price per interval, found again by
    their ids and lookup keys, so a second run changes nothing. A changed amount gets a new Price
    that takes over the lookup key; the old one is archived (subscribers on it keep it)."""
    sc = client()
    done = []
    for plan in plans_.all_plans():
        if not plan.billable:
            continue
        pid, name = plan.product_id(), _product_name(plan)
        try:
            product = sc.v1.products.retrieve(pid).to_dict()
        except stripe.InvalidRequestError as exc:
            if getattr(exc, "code", None) != "resource_missing" and exc.http_status != 404:
                raise
            product = None
        meta = {"plan": plan.key}
        if product is None:
            sc.v1.products.create(params={"id": pid, "name": name, "metadata": meta})
            done.append(f"created product {pid}")
        elif product["name"] != name or not product["active"] or (product.get("metadata") or {}).get("plan") != plan.key:
            sc.v1.products.update(pid, params={"name": name, "active": True, "metadata": meta})
            done.append(f"updated product {pid}")
        for interval, amount in plan.prices.items():
            key = plan.lookup_key(interval)
            found = sc.v1.prices.list(params={"lookup_keys": [key], "limit": 1}).data
            price = found[0].to_dict() if found else None
            if (price is not None and price["active"] and price["unit_amount"] == amount
                    and price["currency"] == plan.currency and _id(price["product"]) == pid
                    and (price.get("recurring") or {}).get("interval") == interval):
                continue
            sc.v1.prices.create(params={
                "product": pid, "currency": plan.currency, "unit_amount": amount,
                "recurring": {"interval": interval}, "lookup_key": key, "transfer_lookup_key": True,
                "metadata": {"plan": plan.key, "interval": interval}})
            done.append(f"created price {key} ({amount} {plan.currency})")
            if price is not None and price["active"]:
                sc.v1.prices.update(price["id"], params={"active": False})
                done.append(f"archived price {price['id']}")
    return done


# ---- the platform admin's view ---------------------------------------------------------------------

def billing_by_tenant() -> dict[int, TenantBilling]:
    with unscoped("platform admin: billing state of every tenant"):
        return {b.tenant_id: b for b in db.session.scalars(select(TenantBilling))}
