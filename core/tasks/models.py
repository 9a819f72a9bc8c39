from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped


class Task(TenantScoped, Timestamped, db.Model):
    """A piece of internal work for a position, with a deadline (岗位任务): "a new SVIP: prepare her
    linen", "note the revocation in your register". Any domain may open them; staff see the open
    tasks of the positions they hold. ``source`` names what opened it, so the same event never opens
    the same position's task twice."""

    __tablename__ = "task"
    __table_args__ = (db.UniqueConstraint("tenant_id", "source", "position"),
                      db.Index("ix_task_tenant_status_due", "tenant_id", "status", "due_at"))
    id = db.Column(db.Integer, primary_key=True)
    position = db.Column(db.String(64))  # "domain.key"; null: any staff member
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="SET NULL"))
    subject = db.Column(db.String(200), nullable=False)
    detail = db.Column(db.Text)
    due_at = db.Column(UTCDateTime(), nullable=False)
    status = db.Column(db.String(8), nullable=False, default="open")  # open | done
    source = db.Column(db.String(64), nullable=False)
    created_by = db.Column(db.String(254), nullable=False)
    done_at = db.Column(UTCDateTime())
    done_by = db.Column(db.String(254))
    done_note = db.Column(db.String(500))
