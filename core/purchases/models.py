from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped


class Purchase(TenantScoped, Timestamped, db.Model):
    """A purchase (or a return) recorded once by the tenant's own id for it (POS, PMS ...)."""

    __tablename__ = "purchase"
    __table_args__ = (db.UniqueConstraint("tenant_id", "external_id"),
                      db.Index("ix_purchase_tenant_member_time", "tenant_id", "member_id", "purchased_at"),
                      # the tier review and the follow-up job read a tenant's purchases by time
                      db.Index("ix_purchase_tenant_time", "tenant_id", "purchased_at"))
    id = db.Column(db.Integer, primary_key=True)
    external_id = db.Column(db.String(100), nullable=False)
    kind = db.Column(db.String(8), nullable=False, default="sale")  # sale | return
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="SET NULL"))
    card_id = db.Column(db.Integer, db.ForeignKey("card.id", ondelete="SET NULL"))
    original_id = db.Column(db.Integer, db.ForeignKey("purchase.id", ondelete="SET NULL"))
    purchased_at = db.Column(UTCDateTime(), nullable=False)
    tier_key = db.Column(db.String(32))
    scheme_id = db.Column(db.Integer, db.ForeignKey("tier_scheme.id", ondelete="SET NULL"))
    list_total_fen = db.Column(db.BigInteger, nullable=False)
    discount_fen = db.Column(db.BigInteger, nullable=False)
    # list value of the regular-price units: what a tier discount applies to (the scheme
    # simulator prices a draft's discount from it without opening every basket)
    regular_fen = db.Column(db.BigInteger, nullable=False, default=0, server_default="0")
    paid_fen = db.Column(db.BigInteger, nullable=False)  # negative for a return
    points = db.Column(db.BigInteger, nullable=False, default=0)
    birthday_units = db.Column(db.Integer, nullable=False, default=0)
    lines = db.Column(db.JSON, nullable=False)
    recorded_by = db.Column(db.String(254), nullable=False)
    fingerprint = db.Column(db.String(64), nullable=False)  # of the request: a reused id with other data is refused
