"""The hotel domain's tables: VIP stays and each stay's reception steps (tables prefixed ``hotel_``)."""
from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped


class HotelStay(TenantScoped, Timestamped, db.Model):
    """A VIP guest's stay (贵宾接待): from the PMS by its reservation number, or entered by hand. The
    level (IP/VIP/VVIP) is about treatment, not payment: the GM decides it, or approves a request."""

    __tablename__ = "hotel_stay"
    __table_args__ = (db.UniqueConstraint("tenant_id", "reservation_no"),
                      db.Index("ix_hotel_stay_tenant_arrival", "tenant_id", "arrival_at"))
    id = db.Column(db.Integer, primary_key=True)
    reservation_no = db.Column(db.String(40))  # the PMS's own number; null when entered by hand
    guest_name = db.Column(db.String(80), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="SET NULL"))
    room_no = db.Column(db.String(20))
    arrival_at = db.Column(UTCDateTime(), nullable=False)
    departure_at = db.Column(UTCDateTime())
    meal_at = db.Column(UTCDateTime())          # a private-room meal, when there is one
    departed_at = db.Column(UTCDateTime())      # the actual departure
    level = db.Column(db.String(4))             # IP | VIP | VVIP, once decided
    level_status = db.Column(db.String(10), nullable=False, default="none")  # none|requested|approved|rejected
    requested_level = db.Column(db.String(4))
    requested_by = db.Column(db.String(254))
    request_source = db.Column(db.String(10))   # office (superior bodies) | sales (key accounts)
    decided_by = db.Column(db.String(254))
    decided_at = db.Column(UTCDateTime())
    special_needs = db.Column(db.Text)
    status = db.Column(db.String(10), nullable=False, default="upcoming")  # upcoming|in_house|departed|cancelled


class HotelStep(TenantScoped, db.Model):
    """One reception step of one stay: due at its offset from the anchor, signed by one of the
    positions the protocol names for the level, after the steps it depends on."""

    __tablename__ = "hotel_step"
    __table_args__ = (db.UniqueConstraint("tenant_id", "stay_id", "key"),
                      db.Index("ix_hotel_step_tenant_due", "tenant_id", "department", "due_at"))
    id = db.Column(db.Integer, primary_key=True)
    stay_id = db.Column(db.Integer, db.ForeignKey("hotel_stay.id", ondelete="CASCADE"), nullable=False)
    key = db.Column(db.String(40), nullable=False)
    department = db.Column(db.String(20), nullable=False)
    signers = db.Column(db.JSON, nullable=False)     # positions that may sign, for this stay's level
    depends_on = db.Column(db.JSON, nullable=False)  # step keys
    anchor = db.Column(db.String(10), nullable=False)
    offset_minutes = db.Column(db.Integer, nullable=False)
    due_at = db.Column(UTCDateTime())                # null until its anchor is known (the departure)
    signed_at = db.Column(UTCDateTime())
    signed_by = db.Column(db.String(254))
    signed_position = db.Column(db.String(64))
    late = db.Column(db.Boolean)
