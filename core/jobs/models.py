from core.extensions import db
from core.models import Timestamped, UTCDateTime


class OutboxMessage(Timestamped, db.Model):
    """A job written in the caller's transaction, pushed to RQ only after that commit (发件箱).

    Not tenant-scoped: the relay reads pending rows of every tenant. ``tenant_id`` says which
    tenant the job runs as; the job itself enters ``tenant_context`` for it.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (db.Index("ix_outbox_pending", "sent_at", "created_at"),)
    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    job = db.Column(db.String(120), nullable=False)
    queue = db.Column(db.String(32), nullable=False, default="default")
    args = db.Column(db.JSON, nullable=False, default=dict)
    sent_at = db.Column(UTCDateTime())
    done_at = db.Column(UTCDateTime())
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.Text)
