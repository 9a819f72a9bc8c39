"""Settings: embedded defaults, overridden by the environment (12-factor).

Every setting the app reads is declared here, with its default and its meaning; the README's
production section is generated from the same table (``flask config-doc``), so they cannot drift.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    meaning: str
    kind: type = str


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


SETTINGS: list[Setting] = [
    Setting("SECRET_KEY", None, "Signs sessions, CSRF and reset tokens. Required in production; "
            "a random key is kept in instance/secret_key otherwise."),
    Setting("DATABASE_URL", None, "SQLAlchemy URL, e.g. postgresql+psycopg://user@host/vip. "
            "Default: SQLite file instance/vip.sqlite3."),
    Setting("REDIS_URL", None, "Redis for RQ jobs and the login rate limit. Unset: jobs run "
            "in-process after commit and limits are kept in memory."),
    Setting("RQ_QUEUES", "default,mail,periodic", "Queues the worker serves, in priority order."),
    Setting("VIP_DOMAINS", "", "Comma-separated domain keys to load (hotel,retail,bank,postal); "
            "empty loads every installed plugin."),
    Setting("SESSION_COOKIE_SECURE", True, "Send the session cookie over HTTPS only. "
            "`make run` turns it off for http://127.0.0.1.", bool),
    Setting("LOGIN_RATE_LIMIT", "10 per minute", "Login attempts allowed per address and e-mail."),
    Setting("MAX_CONTENT_LENGTH", 1024 * 1024, "Largest request body in bytes (413 above it).", int),
    Setting("IMPORT_MAX_BYTES", 20 * 1024 * 1024, "Largest member file (CSV or .xlsx) an admin may upload "
            "for import, in bytes; only the upload accepts a body this large.", int),
    Setting("DEFAULT_LOCALE", "zh_CN", "Language before a tenant or user picks one (zh_CN or en)."),
    Setting("MAIL_BACKEND", "log", "`log` writes outgoing mail to the log; `smtp` sends it.", str),
    Setting("SMTP_URL", "", "smtp://user:password@host:587 when MAIL_BACKEND=smtp."),
    Setting("MAIL_FROM", "VIP Service <noreply@localhost>", "Sender of outgoing mail."),
    Setting("STRIPE_SECRET_KEY", "", "Stripe secret key; empty turns billing off."),
    Setting("STRIPE_WEBHOOK_SECRET", "", "Signing secret of the Stripe webhook endpoint."),
    Setting("STRIPE_API_BASE", "", "Base URL of the Stripe API; empty is Stripe's own. The tests point it "
            "at a local stand-in."),
    Setting("TRIAL_DAYS", 14, "Days of free trial a business gets when it signs up.", int),
    Setting("BILLING_GRACE_DAYS", 7, "Days a tenant keeps working after a failed payment before it "
            "becomes read-only.", int),
    Setting("BILLING_PLANS", "", "The plans as JSON (see README, Billing); empty: the three built-in "
            "plans."),
    Setting("SIGNUP_RATE_LIMIT", "10 per hour", "Sign-up attempts allowed per address."),
    Setting("PREFERRED_URL_SCHEME", "https", "Scheme of links in mail and API responses."),
    Setting("LOG_LEVEL", "INFO", "Python logging level."),
    Setting("PASSWORD_HASH_METHOD", "scrypt", "Werkzeug password hash method. Keep scrypt; the "
            "test suite alone uses a fast one."),
]


def _secret_key() -> str:
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def load(overrides: dict | None = None) -> dict:
    """The settings mapping: defaults, then the environment, then ``overrides`` (tests)."""
    conf: dict = {}
    for s in SETTINGS:
        raw = os.environ.get(s.name)
        if raw is None or raw == "":
            conf[s.name] = s.default
        elif s.kind is bool:
            conf[s.name] = _bool(raw)
        elif s.kind is int:
            conf[s.name] = int(raw)
        else:
            conf[s.name] = raw
    conf.update(overrides or {})

    if not conf.get("SECRET_KEY"):
        conf["SECRET_KEY"] = _secret_key()
    url = conf.get("DATABASE_URL")
    if not url:
        INSTANCE.mkdir(exist_ok=True)
        url = f"sqlite:///{INSTANCE / 'vip.sqlite3'}"
    if url.startswith("postgres://"):  # Heroku-style URLs
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    conf["SQLALCHEMY_DATABASE_URI"] = conf.get("SQLALCHEMY_DATABASE_URI") or url
    conf.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    conf.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=conf["SESSION_COOKIE_SECURE"],
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=conf["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE="UTC",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "core" / "translations"),
        RATELIMIT_STORAGE_URI=conf.get("RATELIMIT_STORAGE_URI") or conf.get("REDIS_URL") or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        # flask-smorest / OpenAPI: the document at /api/v1/openapi.json, docs with vendored assets
        API_TITLE="VIP Service API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "A tenant API key"}}},
            "security": [{"apiKey": []}],
        },
    )
    conf.setdefault("JSON_SORT_KEYS", False)
    return conf
