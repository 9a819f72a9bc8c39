from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped


class Segment(TenantScoped, Timestamped, db.Model):
    """A named group of members by profile and purchase history (客户细分), e.g. "bought jeans in
    large sizes in the last year" (000): evaluated afresh each time it is used."""

    __tablename__ = "segment"
    __table_args__ = (db.UniqueConstraint("tenant_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    definition = db.Column(db.JSON, nullable=False)
    created_by = db.Column(db.String(254), nullable=False)
    updated_at = db.Column(UTCDateTime())


class Notice(TenantScoped, Timestamped, db.Model):
    """A targeted notice to a segment (定向通知): each member is reached on their own channel;
    promotions only reach those who agreed to them."""

    __tablename__ = "notice"
    id = db.Column(db.Integer, primary_key=True)
    segment_id = db.Column(db.Integer, db.ForeignKey("segment.id", ondelete="SET NULL"))
    kind = db.Column(db.String(12), nullable=False)  # promotion | service
    subject = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
    created_by = db.Column(db.String(254), nullable=False)
    queued = db.Column(db.Integer, nullable=False, default=0)
    skipped = db.Column(db.Integer, nullable=False, default=0)


class NoticeDelivery(TenantScoped, db.Model):
    """One member's copy of a notice: on which channel, to what address, and what became of it."""

    __tablename__ = "notice_delivery"
    __table_args__ = (db.UniqueConstraint("tenant_id", "notice_id", "member_id"),)
    id = db.Column(db.Integer, primary_key=True)
    notice_id = db.Column(db.Integer, db.ForeignKey("notice.id", ondelete="CASCADE"), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    channel = db.Column(db.String(12), nullable=False)  # call | sms | email | wechat
    address = db.Column(db.String(254))
    status = db.Column(db.String(12), nullable=False)  # queued | sent | skipped
    skip_reason = db.Column(db.String(20))  # no_consent | no_address
    sent_at = db.Column(UTCDateTime())
