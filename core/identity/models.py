from flask_login import UserMixin

from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped

ROLES = ("staff", "manager", "admin", "owner")  # ascending: each includes the ones before it


class User(UserMixin, Timestamped, db.Model):
    """A person who signs in. Global: one person may work for several tenants."""

    __tablename__ = "user_account"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)
    password_hash = db.Column(db.String(255))  # null until an invitation is accepted
    locale = db.Column(db.String(8))
    is_platform_admin = db.Column(db.Boolean, nullable=False, default=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    last_login_at = db.Column(UTCDateTime())

    @property
    def is_active(self):
        return self.active and self.password_hash is not None


class Membership(TenantScoped, Timestamped, db.Model):
    """A user's place in one tenant: a role and the domain positions (岗位) they hold."""

    __tablename__ = "membership"
    __table_args__ = (db.UniqueConstraint("tenant_id", "user_id"),)
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    role = db.Column(db.String(16), nullable=False, default="staff")
    positions = db.Column(db.JSON, nullable=False, default=list)  # e.g. ["hotel.gm", "hotel.qa"]
    active = db.Column(db.Boolean, nullable=False, default=True)
    user = db.relationship(User, lazy="joined")

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


class ApiKey(TenantScoped, Timestamped, db.Model):
    """A tenant's key for the JSON API: stored as a SHA-256 hash, shown once, revocable."""

    __tablename__ = "api_key"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
    prefix = db.Column(db.String(16), nullable=False)
    key_hash = db.Column(db.String(64), nullable=False, unique=True)
    role = db.Column(db.String(16), nullable=False, default="staff")
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_at = db.Column(UTCDateTime())

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)
