from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped


class TierScheme(TenantScoped, Timestamped, db.Model):
    """One version of a tenant's tier scheme (会员等级制度): a validated document, never edited
    once published. The live version is the newest published one."""

    __tablename__ = "tier_scheme"
    __table_args__ = (db.UniqueConstraint("tenant_id", "version"),)
    id = db.Column(db.Integer, primary_key=True)
    version = db.Column(db.Integer, nullable=False)
    document = db.Column(db.JSON, nullable=False)
    status = db.Column(db.String(12), nullable=False, default="draft")  # draft | published
    template = db.Column(db.String(40))
    published_at = db.Column(UTCDateTime())
    published_by = db.Column(db.String(254))
    note = db.Column(db.String(500))


class TierChange(TenantScoped, Timestamped, db.Model):
    """A member's tier history: which scheme version and which rule granted it, and when.
    A rule marked for manual review only proposes (status proposed) until a person decides."""

    __tablename__ = "tier_change"
    __table_args__ = (db.Index("ix_tier_change_tenant_member", "tenant_id", "member_id", "created_at"),)
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    scheme_id = db.Column(db.Integer, db.ForeignKey("tier_scheme.id", ondelete="RESTRICT"), nullable=False)
    from_tier = db.Column(db.String(32))
    to_tier = db.Column(db.String(32))  # null: the member holds no tier any more
    reason = db.Column(db.String(300), nullable=False)
    status = db.Column(db.String(12), nullable=False, default="applied")  # applied | proposed | rejected
    purchase_id = db.Column(db.Integer, db.ForeignKey("purchase.id", ondelete="SET NULL"))
    actor_label = db.Column(db.String(254), nullable=False)
    decided_at = db.Column(UTCDateTime())
    decided_by = db.Column(db.String(254))


class TierSimulation(TenantScoped, Timestamped, db.Model):
    """A what-if run of a draft scheme over the tenant's last 12 months of purchases (模拟测算):
    the tier counts it predicts and the cost change, kept so the admin can compare and export.
    ``document_hash`` ties it to the draft as it was: an edited draft needs a new run."""

    __tablename__ = "tier_simulation"
    __table_args__ = (db.Index("ix_tier_simulation_tenant_scheme", "tenant_id", "scheme_id", "created_at"),)
    id = db.Column(db.Integer, primary_key=True)
    scheme_id = db.Column(db.Integer, db.ForeignKey("tier_scheme.id", ondelete="CASCADE"), nullable=False)
    document_hash = db.Column(db.String(64), nullable=False)
    as_of = db.Column(UTCDateTime(), nullable=False)
    since = db.Column(UTCDateTime(), nullable=False)
    summary = db.Column(db.JSON, nullable=False)
    actor_label = db.Column(db.String(254), nullable=False)
    duration_ms = db.Column(db.Integer, nullable=False, default=0)


class TierSimulationMove(TenantScoped, db.Model):
    """One member the simulated draft would move up or down from the tier they hold now."""

    __tablename__ = "tier_simulation_move"
    __table_args__ = (db.Index("ix_tier_simulation_move_tenant_sim", "tenant_id", "simulation_id", "direction"),)
    id = db.Column(db.Integer, primary_key=True)
    simulation_id = db.Column(db.Integer, db.ForeignKey("tier_simulation.id", ondelete="CASCADE"), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    from_tier = db.Column(db.String(32))
    to_tier = db.Column(db.String(32))
    direction = db.Column(db.String(4), nullable=False)  # up | down
    proposed = db.Column(db.Boolean, nullable=False, default=False)  # to_tier waits for a person's approval
    spend_fen = db.Column(db.BigInteger, nullable=False, default=0)  # paid in the replayed 12 months
