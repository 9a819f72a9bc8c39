"""Client managers (客户经理制): who looks after which VIP, and every change of hands."""
from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped


class ClientManagerChange(TenantScoped, Timestamped, db.Model):
    """One change of a client's manager (客户经理变更): a first assignment (``from_manager_id`` null), a
    reassignment, or a hand-over when a manager leaves. The current manager is ``Member.client_manager_id``;
    these rows are the history that says who had the client when."""

    __tablename__ = "client_manager_change"
    __table_args__ = (db.Index("ix_client_manager_change_tenant_member", "tenant_id", "member_id", "id"),)
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    from_manager_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    to_manager_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    kind = db.Column(db.String(12), nullable=False)  # assign | hand_over
    reason = db.Column(db.String(300))
    changed_at = db.Column(UTCDateTime(), nullable=False)
    actor_label = db.Column(db.String(254), nullable=False)
