"""Identity rules: users, staff memberships and roles, invitations, passwords, API keys."""
from __future__ import annotations

import re
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.identity.models import ROLES, ApiKey, Membership, User
from core.models import utcnow
from core.tenancy.context import unscoped

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
INVITE_MAX_AGE = 7 * 24 * 3600
RESET_MAX_AGE = 2 * 3600


class IdentityError(RuleError):
    """An identity rule refused the input."""


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise IdentityError("email", _l("Not a valid e-mail address."))
    return email


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise IdentityError("password", _l("Use at least %(n)d characters.", n=MIN_PASSWORD))


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email or "")
    if user is None or not user.password_hash or not user.active:
        # Spend the same time as a real check so timing does not reveal which e-mails exist.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def create_user(email: str, name: str, password: str | None = None,
                is_platform_admin: bool = False, locale: str | None = None) -> User:
    email = normalise_email(email)
    if find_user(email) is not None:
        raise IdentityError("email", _l("A user with this e-mail already exists."), 409)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise IdentityError("name", _l("A name of 1 to 120 characters is required."))
    if password is not None:
        check_password_rules(password)
    user = User(email=email, name=name, is_platform_admin=is_platform_admin, locale=locale,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise IdentityError("role", _l("Choose one of: %(choices)s.", choices=", ".join(ROLES)))
    return role


def _check_positions(positions, known_positions) -> list[str]:
    positions = list(dict.fromkeys(positions or []))
    unknown = [p for p in positions if p not in known_positions]
    if unknown:
        raise IdentityError("positions", _l("Unknown position: %(names)s.", names=", ".join(unknown)))
    return sorted(positions)


def _membership_snapshot(m: Membership) -> dict:
    return {"role": m.role, "positions": list(m.positions or []), "active": m.active}


def add_staff(actor, *, email: str, name: str, role: str, positions, known_positions,
              password: str | None = None) -> tuple[Membership, str | None]:
    """Add a person to the current tenant. A new person gets an invitation link (returned) to set
    a password; someone who already has an account just gains this tenant."""
    role = _check_role(role)
    if role == "owner" and not (actor is None or actor.has_role("owner")):
        raise IdentityError("role", _l("Only an owner can make another owner."), 403)
    positions = _check_positions(positions, known_positions)
    email = normalise_email(email)
    from core.billing.services import check_capacity
    check_capacity("staff", field="email")  # a seat of the plan (402 naming the plan that lifts it)
    user = find_user(email)
    if user is None:
        user = create_user(email, name, password)
    elif db.session.scalar(select(Membership.id).where(Membership.user_id == user.id)) is not None:
        raise IdentityError("email", _l("This person is already on the staff."), 409)
    membership = Membership(user_id=user.id, role=role, positions=positions, active=True)
    db.session.add(membership)
    db.session.flush()
    audit.record(actor, "staff.add", "membership", membership.id, None,
                 {"email": email, **_membership_snapshot(membership)})
    token = invitation_token(user) if user.password_hash is None else None
    return membership, token


def update_staff(actor, membership: Membership, *, role=None, positions=None, active=None,
                 known_positions=()) -> Membership:
    before = _membership_snapshot(membership)
    if role is not None:
        role = _check_role(role)
        if "owner" in (role, membership.role) and not (actor is None or actor.has_role("owner")):
            raise IdentityError("role", _l("Only an owner can grant or remove the owner role."), 403)
        membership.role = role
    if positions is not None:
        membership.positions = _check_positions(positions, known_positions)
    if active is not None:
        if active and not before["active"]:
            from core.billing.services import check_capacity
            check_capacity("staff", field="active")  # coming back takes a seat again
        if not active and before["active"]:
            from core.portfolios.services import check_may_leave
            check_may_leave(membership)  # nothing orphaned: a client manager hands over first
        membership.active = bool(active)
    if membership.role == "owner" and not membership.active or before["role"] == "owner" and membership.role != "owner":
        others = db.session.scalar(select(db.func.count(Membership.id)).where(
            Membership.role == "owner", Membership.active.is_(True), Membership.id != membership.id))
        if not others:
            raise IdentityError("role", _l("A tenant keeps at least one active owner."), 409)
    after = _membership_snapshot(membership)
    old, new = audit.diff(before, after)
    if new:
        audit.record(actor, "staff.update", "membership", membership.id, old, new)
    return membership


def get_staff(membership_id: int) -> Membership | None:
    return db.session.get(Membership, membership_id)


def staff_query():
    return select(Membership).join(User).order_by(User.name)


def tenants_of_user(user: User) -> list:
    """The tenants a user works for (for the tenant picker after login)."""
    from core.tenancy.models import Tenant
    with unscoped("list the signed-in user's own tenants", actor=user.email):
        rows = db.session.execute(
            select(Tenant).join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id, Membership.active.is_(True),
                   Tenant.status == "active")
            .order_by(Tenant.name)).scalars().all()
    return rows


# ---- tokens for invitations and password resets -------------------------------------------

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"vip.{purpose}")


def _password_fingerprint(user: User) -> str:
    # Part of every token: once the password changes, older tokens stop working (single use).
    return (user.password_hash or "unset")[-12:]


def invitation_token(user: User) -> str:
    return _serializer("invite").dumps({"u": user.id, "p": _password_fingerprint(user)})


def password_reset_token(user: User) -> str:
    return _serializer("reset").dumps({"u": user.id, "p": _password_fingerprint(user)})


def user_from_token(token: str, purpose: str) -> User | None:
    max_age = INVITE_MAX_AGE if purpose == "invite" else RESET_MAX_AGE
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or _password_fingerprint(user) != data.get("p"):
        return None
    return user


def set_password(user: User, password: str) -> User:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    return user


# ---- API keys -------------------------------------------------------------------------------

def create_api_key(actor, name: str, role: str = "staff") -> tuple[ApiKey, str]:
    """Create a key; the raw key is returned once and never stored."""
    from core.tenancy.web import hash_api_key
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise IdentityError("name", _l("A name of 1 to 80 characters is required."))
    role = _check_role(role)
    if role == "owner":
        raise IdentityError("role", _l("An API key cannot be an owner."))
    if actor is not None and not actor.has_role(role):
        raise IdentityError("role", _l("A key cannot have more rights than its creator."), 403)
    prefix = secrets.token_hex(4)
    raw = f"vip_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name, prefix=prefix, key_hash=hash_api_key(raw), role=role,
                 created_by_id=getattr(actor, "user_id", None))
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "api_key.create", "api_key", key.id, None,
                 {"name": name, "prefix": prefix, "role": role})
    return key, raw


def revoke_api_key(actor, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(actor, "api_key.revoke", "api_key", key.id, {"revoked": False}, {"revoked": True})
    return key


def api_keys_query():
    return select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())


def team_by_position(position_keys) -> dict[str, list[Membership]]:
    """Active staff holding each of ``position_keys`` (empty list = nobody holds it yet)."""
    team: dict[str, list[Membership]] = {p: [] for p in position_keys}
    members = db.session.scalars(staff_query().where(Membership.active.is_(True))).all()
    for m in members:
        for p in m.positions or []:
            if p in team:
                team[p].append(m)
    return team
