from core.extensions import db
from core.models import Timestamped, UTCDateTime, utcnow
from core.tenancy.models import TenantScoped

# Stripe's subscription statuses, plus "trialing" for our own trial before any subscription.
STATUSES = ("trialing", "incomplete", "active", "past_due", "unpaid", "paused", "canceled",
            "incomplete_expired")

# When two events of one second disagree, the later step of a subscription's life wins.
STATUS_RANK = {"incomplete": 0, "trialing": 1, "active": 2, "paused": 3, "past_due": 3, "unpaid": 4,
               "canceled": 5, "incomplete_expired": 5}
ENDED = ("canceled", "incomplete_expired")


class TenantBilling(TenantScoped, Timestamped, db.Model):
    """A tenant's subscription (订阅) as Stripe last told us: plan, status, trial, grace.

    Only tenants that signed up themselves have one; the others (the demo, tenants a platform
    admin opened) are not billed and run unlimited. ``state_event_at``/``state_rank`` are the
    clock of the last Stripe event that set the status: an older event never overwrites a newer
    state, whatever order Stripe delivers them in.
    """

    __tablename__ = "tenant_billing"
    __table_args__ = (db.UniqueConstraint("tenant_id"),)
    id = db.Column(db.Integer, primary_key=True)
    plan_key = db.Column(db.String(40), nullable=False)
    interval = db.Column(db.String(8))  # month | year, once subscribed
    status = db.Column(db.String(24), nullable=False, default="trialing")
    trial_ends_at = db.Column(UTCDateTime())
    stripe_customer_id = db.Column(db.String(255), index=True)
    stripe_subscription_id = db.Column(db.String(255))
    subscription_created = db.Column(db.BigInteger)  # the subscription's own `created` (epoch)
    current_period_end = db.Column(UTCDateTime())
    cancel_at_period_end = db.Column(db.Boolean, nullable=False, default=False)
    past_due_since = db.Column(UTCDateTime())  # when the first unpaid invoice failed: the grace starts
    canceled_at = db.Column(UTCDateTime())
    state_event_at = db.Column(db.BigInteger, nullable=False, default=0)
    state_rank = db.Column(db.Integer, nullable=False, default=0)
    updated_at = db.Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


class ProcessedStripeEvent(Timestamped, db.Model):
    """Every Stripe event applied, by its id: a second delivery of the same event changes nothing.

    Not tenant-scoped: the webhook learns the tenant from the event itself (and may find none)."""

    __tablename__ = "stripe_event"
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.String(255), nullable=False, unique=True)
    type = db.Column(db.String(80), nullable=False)
    event_created = db.Column(db.BigInteger, nullable=False)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenant.id", ondelete="SET NULL"), index=True)
    outcome = db.Column(db.String(16), nullable=False)  # applied | stale | ignored
