"""The postal domain's tables (prefixed ``postal_``): service plans and agreed prices, the visit
cadence per tier, visits and the promises made on them, calendar links, stationing, the VIP club."""
from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped

SERVICES = ("mail", "parcels", "finance", "philately")      # 函件, 包裹快递, 邮政金融, 集邮
RULE_LEVELS = ("national", "provincial", "city")            # 国家邮政局 / 省局 / 市局 rules (001 篇3 §一.(三))
VISIT_STATUSES = ("planned", "done", "cancelled")


class PostalCadence(TenantScoped, db.Model):
    """How often a client of a tier is visited (走访周期), per tenant: e.g. SVIP every 30 days."""

    __tablename__ = "postal_cadence"
    __table_args__ = (db.UniqueConstraint("tenant_id", "tier_key"),)
    id = db.Column(db.Integer, primary_key=True)
    tier_key = db.Column(db.String(32), nullable=False)
    every_days = db.Column(db.Integer, nullable=False)


class PostalPlan(TenantScoped, Timestamped, db.Model):
    """A client's marketing service plan for one year (营销服务方案): needs, services used, goals."""

    __tablename__ = "postal_plan"
    __table_args__ = (db.UniqueConstraint("tenant_id", "member_id", "year"),)
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    needs = db.Column(db.Text)
    services = db.Column(db.JSON, nullable=False, default=list)   # of SERVICES
    goals = db.Column(db.Text)
    # the business agreed for the year (协议用邮量), the yearly evaluation's standard (003 篇1 §四)
    yearly_goal_fen = db.Column(db.BigInteger)
    updated_at = db.Column(UTCDateTime())
    updated_by = db.Column(db.String(254))


class PostalPrice(TenantScoped, Timestamped, db.Model):
    """An agreed preferential price (优惠服务) under a national, provincial or city rule, while valid."""

    __tablename__ = "postal_price"
    __table_args__ = (db.Index("ix_postal_price_tenant_plan", "tenant_id", "plan_id"),)
    id = db.Column(db.Integer, primary_key=True)
    plan_id = db.Column(db.Integer, db.ForeignKey("postal_plan.id", ondelete="CASCADE"), nullable=False)
    service = db.Column(db.String(12), nullable=False)
    item = db.Column(db.String(120), nullable=False)
    rule_level = db.Column(db.String(12), nullable=False)
    rule_ref = db.Column(db.String(120))              # the rule's document number
    list_price_fen = db.Column(db.BigInteger, nullable=False)
    agreed_price_fen = db.Column(db.BigInteger, nullable=False)
    valid_from = db.Column(db.Date, nullable=False)
    valid_until = db.Column(db.Date, nullable=False)


class PostalVisit(TenantScoped, Timestamped, db.Model):
    """A visit to a client (走访): planned on a day for the client's manager, then logged."""

    __tablename__ = "postal_visit"
    __table_args__ = (db.UniqueConstraint("tenant_id", "member_id", "planned_on"),
                      db.Index("ix_postal_visit_tenant_manager_day", "tenant_id", "manager_id", "planned_on"),
                      db.Index("ix_postal_visit_tenant_status_day", "tenant_id", "status", "planned_on"))
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    manager_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="RESTRICT"), nullable=False)
    planned_on = db.Column(db.Date, nullable=False)
    status = db.Column(db.String(10), nullable=False, default="planned")
    source = db.Column(db.String(10), nullable=False, default="manual")   # cadence | manual
    visited_at = db.Column(UTCDateTime())
    visited_on = db.Column(db.Date)                  # the tenant-local day of the visit (cadence counts days)
    place = db.Column(db.String(200))
    contact_name = db.Column(db.String(80))          # whom the manager met
    needs_found = db.Column(db.Text)
    next_step = db.Column(db.Text)
    logged_by = db.Column(db.String(254))
    escalated_at = db.Column(UTCDateTime())          # told the lead it is overdue: once


class PostalPromise(TenantScoped, Timestamped, db.Model):
    """A promise made on a visit (承诺): a follow-up task for the department that must act, due on a day.
    Kept when that task is done by its deadline; broken ones go to the manager's lead, once."""

    __tablename__ = "postal_promise"
    __table_args__ = (db.Index("ix_postal_promise_tenant_manager", "tenant_id", "manager_id"),
                      db.Index("ix_postal_promise_tenant_visit", "tenant_id", "visit_id"))
    id = db.Column(db.Integer, primary_key=True)
    visit_id = db.Column(db.Integer, db.ForeignKey("postal_visit.id", ondelete="CASCADE"), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    manager_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="RESTRICT"), nullable=False)
    text = db.Column(db.String(500), nullable=False)
    department = db.Column(db.String(20), nullable=False)
    due_at = db.Column(UTCDateTime(), nullable=False)
    task_id = db.Column(db.Integer, db.ForeignKey("task.id", ondelete="SET NULL"))
    escalated_at = db.Column(UTCDateTime())


class PostalHoliday(TenantScoped, db.Model):
    """A holiday the bureau greets its VIP clients on (节日慰问): the tenant's own calendar."""

    __tablename__ = "postal_holiday"
    __table_args__ = (db.UniqueConstraint("tenant_id", "day"),)
    id = db.Column(db.Integer, primary_key=True)
    day = db.Column(db.Date, nullable=False)
    name = db.Column(db.String(60), nullable=False)


class PostalCalendarLink(TenantScoped, Timestamped, db.Model):
    """A manager's secret calendar address (iCalendar) a phone subscribes to; only its hash is kept."""

    __tablename__ = "postal_calendar_link"
    __table_args__ = (db.UniqueConstraint("tenant_id", "manager_id"),
                      db.Index("ix_postal_calendar_link_hash", "token_hash"))
    id = db.Column(db.Integer, primary_key=True)
    manager_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="CASCADE"), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False)


class PostalStation(TenantScoped, Timestamped, db.Model):
    """Staff stationed at a large client's mailing location (派驻制), on a weekly schedule."""

    __tablename__ = "postal_station"
    __table_args__ = (db.Index("ix_postal_station_tenant_member", "tenant_id", "member_id"),)
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    staff_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="RESTRICT"), nullable=False)
    location = db.Column(db.String(200), nullable=False)
    weekdays = db.Column(db.JSON, nullable=False)     # ISO weekdays on site
    opens = db.Column(db.String(5), nullable=False)   # HH:MM local
    closes = db.Column(db.String(5), nullable=False)
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date)


class PostalStationLog(TenantScoped, Timestamped, db.Model):
    """The stationed person's daily log (驻点日志): one per station and day."""

    __tablename__ = "postal_station_log"
    __table_args__ = (db.UniqueConstraint("tenant_id", "station_id", "day"),)
    id = db.Column(db.Integer, primary_key=True)
    station_id = db.Column(db.Integer, db.ForeignKey("postal_station.id", ondelete="CASCADE"), nullable=False)
    day = db.Column(db.Date, nullable=False)
    items_handled = db.Column(db.Integer, nullable=False, default=0)
    needs = db.Column(db.Text)
    notes = db.Column(db.Text)
    author = db.Column(db.String(254), nullable=False)


class PostalClubEvent(TenantScoped, Timestamped, db.Model):
    """A VIP club event (VIP俱乐部活动: 文体联谊), invitations from a segment."""

    __tablename__ = "postal_club_event"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(120), nullable=False)
    starts_at = db.Column(UTCDateTime(), nullable=False)
    place = db.Column(db.String(200), nullable=False)
    capacity = db.Column(db.Integer)
    created_by = db.Column(db.String(254), nullable=False)


class PostalInvitation(TenantScoped, Timestamped, db.Model):
    """One client's invitation to a club event, and whether they came."""

    __tablename__ = "postal_invitation"
    __table_args__ = (db.UniqueConstraint("tenant_id", "event_id", "member_id"),)
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.Integer, db.ForeignKey("postal_club_event.id", ondelete="CASCADE"), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    attended_at = db.Column(UTCDateTime())
