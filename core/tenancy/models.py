from sqlalchemy.orm import declared_attr

from core.extensions import db
from core.models import Timestamped

TENANT_STATUSES = ("active", "suspended")
LOCALES = ("zh_CN", "en")
SLUG_PATTERN = r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?"


class Tenant(Timestamped, db.Model):
    """One business subscribed to the platform (租户): a hotel group, a retail brand, a bank, a bureau."""

    __tablename__ = "tenant"
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(40), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)
    timezone = db.Column(db.String(64), nullable=False, default="Asia/Shanghai")
    currency = db.Column(db.String(3), nullable=False, default="CNY")
    default_locale = db.Column(db.String(8), nullable=False, default="zh_CN")
    enabled_domains = db.Column(db.JSON, nullable=False, default=list)
    status = db.Column(db.String(16), nullable=False, default="active")

    def has_domain(self, key: str) -> bool:
        return key in (self.enabled_domains or [])

    def __repr__(self):
        return f"<Tenant {self.slug}>"


class TenantScoped:
    """Mixin for every tenant-owned table: ``tenant_id`` is stamped and filtered globally.

    Never filter by tenant by hand; the listeners in ``core.tenancy.context`` do it for every ORM
    SELECT, UPDATE and DELETE, and refuse to flush a row of another tenant.
    """

    @declared_attr
    def tenant_id(cls):
        return db.Column(db.Integer, db.ForeignKey("tenant.id", ondelete="CASCADE"),
                         nullable=False, index=True)
