"""The one place that talks to Stripe: the official SDK, keyed from the settings.

``STRIPE_API_BASE`` points the SDK elsewhere (the tests' local stand-in); empty is Stripe's own.
Without ``STRIPE_SECRET_KEY`` billing is off and nothing here is called.
"""
from __future__ import annotations

import stripe
from flask import current_app


class BillingNotConfigured(RuntimeError):
    pass


def configured(app=None) -> bool:
    return bool((app or current_app).config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    conf = current_app.config
    if not conf.get("STRIPE_SECRET_KEY"):
        raise BillingNotConfigured("STRIPE_SECRET_KEY is not set")
    base = conf.get("STRIPE_API_BASE")
    return stripe.StripeClient(conf["STRIPE_SECRET_KEY"],
                               base_addresses={"api": base.rstrip("/")} if base else None,
                               max_network_retries=2)


def verified_event(payload: bytes, signature: str | None):
    """The event, after checking Stripe's signature over the raw body (and its timestamp: 5
    minutes' tolerance against replays). Raises ``stripe.SignatureVerificationError`` or
    ``ValueError``."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise BillingNotConfigured("STRIPE_WEBHOOK_SECRET is not set")
    return stripe.Webhook.construct_event(payload, signature, secret)
