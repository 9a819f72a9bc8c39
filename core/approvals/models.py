from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped

STATUSES = ("submitted", "first_approved", "approved", "rejected")


class TierApplication(TenantScoped, Timestamped, db.Model):
    """会员资格申请表 (001 svip §一): a staff member applies for a customer's tier with the three
    descriptions the seed asks for; a first approval (顾问), then the final one (店总). Every field
    is filled ("逐项填写不得遗漏"); the customer is not told before the final approval."""

    __tablename__ = "tier_application"
    __table_args__ = (db.UniqueConstraint("tenant_id", "application_no"),
                      db.Index("ix_tier_application_tenant_status", "tenant_id", "status", "created_at"))
    id = db.Column(db.Integer, primary_key=True)
    application_no = db.Column(db.String(20), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    tier_key = db.Column(db.String(32), nullable=False)
    scheme_id = db.Column(db.Integer, db.ForeignKey("tier_scheme.id", ondelete="RESTRICT"), nullable=False)
    spending_power = db.Column(db.Text, nullable=False)  # 消费实力描述
    potential = db.Column(db.Text, nullable=False)       # 消费潜力描述
    need = db.Column(db.Text, nullable=False)            # 资格需求描述
    applicant = db.Column(db.String(254), nullable=False)
    applicant_membership_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    status = db.Column(db.String(16), nullable=False, default="submitted")
    first_by = db.Column(db.String(254))
    first_membership_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    first_opinion = db.Column(db.Text)
    first_at = db.Column(UTCDateTime())
    final_by = db.Column(db.String(254))
    final_opinion = db.Column(db.Text)
    final_at = db.Column(UTCDateTime())
    announcer = db.Column(db.String(120))  # who tells the customer: the final approver decides (店总决定由谁告知)
    rejected_reason = db.Column(db.String(500))
    tier_change_id = db.Column(db.Integer, db.ForeignKey("tier_change.id", ondelete="SET NULL"))
