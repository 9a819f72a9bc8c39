"""The bank domain's tables (prefixed ``bank_``): branches and counters, queue tickets, the per-tier
maximum wait, seats and the duty rota for call routing, the call log, monthly balances."""
from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped


class BankBranch(TenantScoped, Timestamped, db.Model):
    """A branch (网点/营业厅) with its own lobby queue, counters and duty desks."""

    __tablename__ = "bank_branch"
    __table_args__ = (db.UniqueConstraint("tenant_id", "code"),)
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(20), nullable=False)
    name = db.Column(db.String(80), nullable=False)
    hotline = db.Column(db.String(20))   # the number callers dial for this branch (the phone system sends it)


class BankCounter(TenantScoped, Timestamped, db.Model):
    """A teller's counter (窗口): which ticket kinds it serves; the teller signed on to it."""

    __tablename__ = "bank_counter"
    __table_args__ = (db.UniqueConstraint("tenant_id", "branch_id", "number"),)
    id = db.Column(db.Integer, primary_key=True)
    branch_id = db.Column(db.Integer, db.ForeignKey("bank_branch.id", ondelete="CASCADE"), nullable=False)
    number = db.Column(db.Integer, nullable=False)          # shown on the lobby board: "3号窗口"
    kinds = db.Column(db.JSON, nullable=False)              # ticket kinds it calls, e.g. ["bank.handling"]
    teller_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    active = db.Column(db.Boolean, nullable=False, default=True)


class BankTierWait(TenantScoped, db.Model):
    """The tenant's own maximum lobby wait for a tier (``tier_key`` "" = clients without a tier);
    without a row the default comes from the tier's priority and response time."""

    __tablename__ = "bank_tier_wait"
    __table_args__ = (db.UniqueConstraint("tenant_id", "tier_key"),)
    id = db.Column(db.Integer, primary_key=True)
    tier_key = db.Column(db.String(32), nullable=False)
    max_wait_minutes = db.Column(db.Integer, nullable=False)


class BankTicket(TenantScoped, db.Model):
    """A queue ticket (排队号): its kind (one of the five priorities), the holder's tier priority,
    and ``deadline_at`` = issue + the tier's maximum wait, after which it goes before everybody."""

    __tablename__ = "bank_ticket"
    __table_args__ = (
        db.UniqueConstraint("tenant_id", "branch_id", "business_day", "number"),
        db.Index("ix_bank_ticket_tenant_queue", "tenant_id", "branch_id", "status", "priority", "issued_at"),
        db.Index("ix_bank_ticket_tenant_deadline", "tenant_id", "branch_id", "status", "deadline_at"),
        db.Index("ix_bank_ticket_tenant_counter", "tenant_id", "counter_id", "status"),
    )
    id = db.Column(db.Integer, primary_key=True)
    branch_id = db.Column(db.Integer, db.ForeignKey("bank_branch.id", ondelete="CASCADE"), nullable=False)
    business_day = db.Column(db.Date, nullable=False)   # the branch's local date
    number = db.Column(db.String(12), nullable=False)   # V003 (VIP) / A012 (ordinary)
    kind = db.Column(db.String(32), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="SET NULL"))
    identified_by = db.Column(db.String(10))            # card | phone | id_number | null
    tier_key = db.Column(db.String(32))
    priority = db.Column(db.SmallInteger, nullable=False, default=5)  # 1 first
    max_wait_minutes = db.Column(db.Integer, nullable=False)
    issued_at = db.Column(UTCDateTime(), nullable=False)
    deadline_at = db.Column(UTCDateTime(), nullable=False)
    status = db.Column(db.String(10), nullable=False, default="waiting")  # waiting|called|serving|done|no_show
    for_counter_id = db.Column(db.Integer, db.ForeignKey("bank_counter.id", ondelete="SET NULL"))  # transferred to
    counter_id = db.Column(db.Integer, db.ForeignKey("bank_counter.id", ondelete="SET NULL"))
    teller_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    called_at = db.Column(UTCDateTime())          # first call: the wait ends here
    last_called_at = db.Column(UTCDateTime())     # a recall refreshes this (the board flashes it again)
    recalls = db.Column(db.Integer, nullable=False, default=0)
    transfers = db.Column(db.Integer, nullable=False, default=0)
    served_at = db.Column(UTCDateTime())
    completed_at = db.Column(UTCDateTime())


class BankStaffLine(TenantScoped, db.Model):
    """A staff member's mobile and home branch, for the routing hops to a mobile."""

    __tablename__ = "bank_staff_line"
    __table_args__ = (db.UniqueConstraint("tenant_id", "membership_id"),)
    id = db.Column(db.Integer, primary_key=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="CASCADE"), nullable=False)
    branch_id = db.Column(db.Integer, db.ForeignKey("bank_branch.id", ondelete="SET NULL"))
    mobile = db.Column(db.String(20))


class BankSeat(TenantScoped, Timestamped, db.Model):
    """A phone seat (坐席): a client manager's own seat or a branch duty desk (值班台席), with its
    presence as the staff console or the phone system last set it."""

    __tablename__ = "bank_seat"
    __table_args__ = (db.UniqueConstraint("tenant_id", "extension"),
                      db.Index("ix_bank_seat_tenant_branch", "tenant_id", "branch_id", "kind", "status"))
    id = db.Column(db.Integer, primary_key=True)
    branch_id = db.Column(db.Integer, db.ForeignKey("bank_branch.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(10), nullable=False)         # manager | duty
    extension = db.Column(db.String(20), nullable=False)    # what the phone system dials
    membership_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))  # manager seats
    status = db.Column(db.String(10), nullable=False, default="absent")  # available | busy | absent
    idle_since = db.Column(UTCDateTime())                   # became available at; the longest idle desk first
    status_at = db.Column(UTCDateTime())


class BankDuty(TenantScoped, db.Model):
    """The duty rota (值班表): a branch's duty officer for a local date."""

    __tablename__ = "bank_duty"
    __table_args__ = (db.UniqueConstraint("tenant_id", "branch_id", "day"),)
    id = db.Column(db.Integer, primary_key=True)
    branch_id = db.Column(db.Integer, db.ForeignKey("bank_branch.id", ondelete="CASCADE"), nullable=False)
    day = db.Column(db.Date, nullable=False)
    membership_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="CASCADE"), nullable=False)


class BankCall(TenantScoped, db.Model):
    """An incoming call, once by the phone system's own call id, and how it ended."""

    __tablename__ = "bank_call"
    __table_args__ = (db.UniqueConstraint("tenant_id", "external_id"),
                      db.Index("ix_bank_call_tenant_started", "tenant_id", "started_at"))
    id = db.Column(db.Integer, primary_key=True)
    external_id = db.Column(db.String(64), nullable=False)
    caller = db.Column(db.String(20), nullable=False)
    branch_id = db.Column(db.Integer, db.ForeignKey("bank_branch.id", ondelete="SET NULL"))
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="SET NULL"))
    contact_id = db.Column(db.Integer, db.ForeignKey("member_contact.id", ondelete="SET NULL"))
    vip = db.Column(db.Boolean, nullable=False, default=False)
    manager_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    status = db.Column(db.String(10), nullable=False, default="routing")  # routing | answered | voicemail
    answered_hop = db.Column(db.String(16))
    request_id = db.Column(db.Integer, db.ForeignKey("service_request.id", ondelete="SET NULL"))
    started_at = db.Column(UTCDateTime(), nullable=False)
    ended_at = db.Column(UTCDateTime())


class BankCallHop(TenantScoped, db.Model):
    """One hop of a call (manager seat, manager mobile, duty desk, duty mobile, voicemail), logged."""

    __tablename__ = "bank_call_hop"
    __table_args__ = (db.UniqueConstraint("tenant_id", "call_id", "seq"),)
    id = db.Column(db.Integer, primary_key=True)
    call_id = db.Column(db.Integer, db.ForeignKey("bank_call.id", ondelete="CASCADE"), nullable=False)
    seq = db.Column(db.Integer, nullable=False)
    hop = db.Column(db.String(16), nullable=False)
    target = db.Column(db.String(20))
    seat_id = db.Column(db.Integer, db.ForeignKey("bank_seat.id", ondelete="SET NULL"))
    membership_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    outcome = db.Column(db.String(12))   # null while ringing | answered | busy | no_answer | failed | skipped
    reason = db.Column(db.String(40))    # why skipped: seat_busy, seat_absent, no_mobile, no_desk …
    decided_at = db.Column(UTCDateTime(), nullable=False)
    outcome_at = db.Column(UTCDateTime())


class BankBalance(TenantScoped, db.Model):
    """A client's month-end balance of one account, from the core banking system (月末余额);
    once per period and account: the same pair again replaces the figure."""

    __tablename__ = "bank_balance"
    __table_args__ = (db.UniqueConstraint("tenant_id", "period", "account_no"),
                      db.Index("ix_bank_balance_tenant_member", "tenant_id", "member_id", "period"))
    id = db.Column(db.Integer, primary_key=True)
    period = db.Column(db.Date, nullable=False)          # the month's first day
    account_no = db.Column(db.String(32), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    balance_fen = db.Column(db.BigInteger, nullable=False)
    received_at = db.Column(UTCDateTime(), nullable=False)


class BankCaseStep(TenantScoped, db.Model):
    """One step of a case (办理环节) on a core service request of kind bank.resolution, bank.claim or
    bank.delivery: done in order, each signed by who and when, with its own due time inside the
    request's (the tier's SLA)."""

    __tablename__ = "bank_case_step"
    __table_args__ = (db.UniqueConstraint("tenant_id", "request_id", "seq"),)
    id = db.Column(db.Integer, primary_key=True)
    request_id = db.Column(db.Integer, db.ForeignKey("service_request.id", ondelete="CASCADE"), nullable=False)
    seq = db.Column(db.Integer, nullable=False)
    key = db.Column(db.String(24), nullable=False)
    due_at = db.Column(UTCDateTime(), nullable=False)
    done_at = db.Column(UTCDateTime())
    done_by = db.Column(db.String(254))                 # the signer's label
    done_by_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    note = db.Column(db.String(500))


class BankDelivery(TenantScoped, Timestamped, db.Model):
    """A card or document handed over to a VIP (优先投递): what, from which branch, to whom (the client
    or a registered contact of a company client), and the hand-over with the ID check."""

    __tablename__ = "bank_delivery"
    __table_args__ = (db.UniqueConstraint("tenant_id", "request_id"),)
    id = db.Column(db.Integer, primary_key=True)
    request_id = db.Column(db.Integer, db.ForeignKey("service_request.id", ondelete="CASCADE"), nullable=False)
    item = db.Column(db.String(10), nullable=False)          # card | document | other
    description = db.Column(db.String(200), nullable=False)
    branch_id = db.Column(db.Integer, db.ForeignKey("bank_branch.id", ondelete="SET NULL"))
    contact_id = db.Column(db.Integer, db.ForeignKey("member_contact.id", ondelete="SET NULL"))
    outcome = db.Column(db.String(12))                       # null while under way | handed_over | returned
    recipient_name = db.Column(db.String(80))
    id_checked = db.Column(db.Boolean, nullable=False, default=False)
    handed_by_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="SET NULL"))
    handed_by = db.Column(db.String(254))
    handed_at = db.Column(UTCDateTime())
