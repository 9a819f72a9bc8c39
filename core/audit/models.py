from core.extensions import db
from core.models import Timestamped
from core.tenancy.models import TenantScoped


class AuditEntry(TenantScoped, Timestamped, db.Model):
    """Who changed what in a tenant, when, with the values before and after (审计日志)."""

    __tablename__ = "audit_entry"
    __table_args__ = (db.Index("ix_audit_entry_tenant_created", "tenant_id", "created_at"),)
    id = db.Column(db.Integer, primary_key=True)
    actor_user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label = db.Column(db.String(254), nullable=False)  # kept if the user is deleted
    action = db.Column(db.String(64), nullable=False)
    object_type = db.Column(db.String(64), nullable=False)
    object_id = db.Column(db.String(64))
    before = db.Column(db.JSON)
    after = db.Column(db.JSON)


class PlatformEvent(Timestamped, db.Model):
    """Platform-level actions (tenant created, owner invited): not any one tenant's data."""

    __tablename__ = "platform_event"
    id = db.Column(db.Integer, primary_key=True)
    actor_label = db.Column(db.String(254), nullable=False)
    action = db.Column(db.String(64), nullable=False)
    detail = db.Column(db.JSON)
