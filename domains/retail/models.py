"""The retail domain's own tables: stores, who works where, which store and cashier made each sale,
and the VIP registration handed over at the till (tables prefixed ``retail_``)."""
from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped


class RetailStore(TenantScoped, Timestamped, db.Model):
    """A shop of the brand (门店)."""

    __tablename__ = "retail_store"
    __table_args__ = (db.UniqueConstraint("tenant_id", "code"),)
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(20), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    address = db.Column(db.String(300))
    active = db.Column(db.Boolean, nullable=False, default=True)


class RetailStoreStaff(TenantScoped, db.Model):
    """A cashier or store manager belongs to a store (may belong to several)."""

    __tablename__ = "retail_store_staff"
    __table_args__ = (db.UniqueConstraint("tenant_id", "store_id", "membership_id"),)
    id = db.Column(db.Integer, primary_key=True)
    store_id = db.Column(db.Integer, db.ForeignKey("retail_store.id", ondelete="CASCADE"), nullable=False)
    membership_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="CASCADE"), nullable=False)


class RetailSale(TenantScoped, db.Model):
    """Where and by whom a purchase was rung up: the engine's purchase, seen from the till."""

    __tablename__ = "retail_sale"
    __table_args__ = (db.UniqueConstraint("tenant_id", "purchase_id"),
                      db.Index("ix_retail_sale_tenant_store", "tenant_id", "store_id"))
    id = db.Column(db.Integer, primary_key=True)
    purchase_id = db.Column(db.Integer, db.ForeignKey("purchase.id", ondelete="CASCADE"), nullable=False)
    store_id = db.Column(db.Integer, db.ForeignKey("retail_store.id", ondelete="RESTRICT"), nullable=False)
    cashier_membership_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    cashier = db.Column(db.String(254), nullable=False)


class RetailRegistration(TenantScoped, Timestamped, db.Model):
    """The VIP registration form filled at the till (VIP登记表), the card handed over with the welcome
    gift and handbook, and the member's personal link to register online within 30 days."""

    __tablename__ = "retail_registration"
    __table_args__ = (db.UniqueConstraint("token_hash"),)
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    card_id = db.Column(db.Integer, db.ForeignKey("card.id", ondelete="SET NULL"))
    store_id = db.Column(db.Integer, db.ForeignKey("retail_store.id", ondelete="SET NULL"))
    token_hash = db.Column(db.String(64), nullable=False)
    deadline = db.Column(UTCDateTime(), nullable=False)
    welcome_gift = db.Column(db.Boolean, nullable=False, default=False)
    handbook = db.Column(db.Boolean, nullable=False, default=False)
    registered_at = db.Column(UTCDateTime())
    issued_by = db.Column(db.String(254), nullable=False)
