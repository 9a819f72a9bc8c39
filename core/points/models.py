from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped

ENTRY_KINDS = ("earn", "redeem", "expire", "adjust", "reverse")


class LedgerEntry(TenantScoped, Timestamped, db.Model):
    """One movement of a member's points (积分流水). Append-only: never updated, never deleted."""

    __tablename__ = "ledger_entry"
    __table_args__ = (db.UniqueConstraint("tenant_id", "idempotency_key"),
                      db.Index("ix_ledger_entry_tenant_member", "tenant_id", "member_id", "id"))
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(8), nullable=False)
    points = db.Column(db.BigInteger, nullable=False)  # signed: earn > 0, redeem/expire < 0
    balance_after = db.Column(db.BigInteger, nullable=False)
    reason = db.Column(db.String(300), nullable=False)
    actor_label = db.Column(db.String(254), nullable=False)
    idempotency_key = db.Column(db.String(200))
    purchase_id = db.Column(db.Integer, db.ForeignKey("purchase.id", ondelete="SET NULL"))
    reward_id = db.Column(db.Integer, db.ForeignKey("reward.id", ondelete="SET NULL"))
    expires_at = db.Column(UTCDateTime())  # for earn entries under an expiry policy


class Reward(TenantScoped, Timestamped, db.Model):
    """A gift in the tenant's catalogue, bought with points only (积分兑换礼品, 不兑现金)."""

    __tablename__ = "reward"
    __table_args__ = (db.UniqueConstraint("tenant_id", "code"),)
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(40), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    points_cost = db.Column(db.BigInteger, nullable=False)
    stock = db.Column(db.Integer)  # null = unlimited
    active = db.Column(db.Boolean, nullable=False, default=True)
