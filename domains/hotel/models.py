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
    amenities = db.Column(db.JSON)              # the level's amenities when the timeline was built
    guest_notes = db.Column(db.Text)            # requests, dishes and preferences noted, for the next visit
    stand_in_notified_at = db.Column(UTCDateTime())  # the GM was away: the most senior manager on duty was told
    stand_in_name = db.Column(db.String(120))


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
    title = db.Column(db.String(120))                # a tenant's own step; the protocol's steps have their own
    assignee_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    assignee_name = db.Column(db.String(120))        # the named person (定人) from the planning meeting
    reminded_at = db.Column(UTCDateTime())           # the reminder before the deadline, once
    escalated_at = db.Column(UTCDateTime())          # overdue: the department manager was told, once


class HotelProtocol(TenantScoped, Timestamped, db.Model):
    """A tenant's reception protocol (接待规程) for one level: the amenities and the steps (department,
    signing positions, offset from the arrival/meal/departure, dependencies), and how long before a
    deadline the reminder goes out. Seeded from :data:`domains.hotel.protocol.DEFAULT_STEPS` on first
    use; a stay copies its steps when its timeline is built, so an edit never changes existing stays."""

    __tablename__ = "hotel_protocol"
    __table_args__ = (db.UniqueConstraint("tenant_id", "level"),)
    id = db.Column(db.Integer, primary_key=True)
    level = db.Column(db.String(4), nullable=False)
    amenities = db.Column(db.JSON, nullable=False)
    steps = db.Column(db.JSON, nullable=False)   # [{key, title?, department, signers, anchor, offset, depends_on}]
    remind_minutes = db.Column(db.Integer, nullable=False, default=30)
    updated_by = db.Column(db.String(254))


class HotelStaffProfile(TenantScoped, Timestamped, db.Model):
    """What the reception rules need to know of a staff member, beside their membership: when their
    service began (under 6 months: no VIP step), their grade (a VVIP is served by supervisors or
    above; the most senior on duty stands in for the GM), and whether they are away from the hotel."""

    __tablename__ = "hotel_staff_profile"
    __table_args__ = (db.UniqueConstraint("tenant_id", "membership_id"),)
    id = db.Column(db.Integer, primary_key=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="CASCADE"), nullable=False)
    service_start = db.Column(db.Date)
    grade = db.Column(db.String(12), nullable=False, default="staff")
    away = db.Column(db.Boolean, nullable=False, default=False)
    updated_by = db.Column(db.String(254))


class HotelPlan(TenantScoped, Timestamped, db.Model):
    """The planning meeting the day before (一会一案) for one stay: what was agreed, the guest's
    history as it was read out, and when the Reception Notice was published to every department."""

    __tablename__ = "hotel_plan"
    __table_args__ = (db.UniqueConstraint("tenant_id", "stay_id"),)
    id = db.Column(db.Integer, primary_key=True)
    stay_id = db.Column(db.Integer, db.ForeignKey("hotel_stay.id", ondelete="CASCADE"), nullable=False)
    notes = db.Column(db.Text)
    history = db.Column(db.JSON)
    published_at = db.Column(UTCDateTime())
    published_by = db.Column(db.String(254))
