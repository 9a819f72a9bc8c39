from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped

CONTACT_CHANNELS = ("call", "sms", "email", "wechat")
GENDERS = ("female", "male", "unspecified")


class Member(TenantScoped, Timestamped, db.Model):
    """A VIP customer of one tenant (会员), with the hard and soft profile of DOMAIN.md §1."""

    __tablename__ = "member"
    __table_args__ = (
        db.UniqueConstraint("tenant_id", "member_no"),
        db.UniqueConstraint("tenant_id", "phone"),
        db.Index("ix_member_tenant_name_birthday", "tenant_id", "name", "birthday"),
        db.Index("ix_member_tenant_client_manager", "tenant_id", "client_manager_id"),
    )
    id = db.Column(db.Integer, primary_key=True)
    member_no = db.Column(db.String(20), nullable=False)
    # hard profile (硬档案)
    name = db.Column(db.String(80), nullable=False)
    gender = db.Column(db.String(12), nullable=False, default="unspecified")
    phone = db.Column(db.String(20))
    birthday = db.Column(db.Date)
    email = db.Column(db.String(254))
    address = db.Column(db.String(300))
    id_number_masked = db.Column(db.String(40))  # all but the last 4 replaced by *
    id_number_hash = db.Column(db.String(64))    # keyed hash, to check an ID shown at the till
    preferences = db.Column(db.JSON, nullable=False, default=dict)  # size, colour, style, price band
    # soft profile (软档案)
    job = db.Column(db.String(120))
    family = db.Column(db.String(300))
    personality = db.Column(db.String(300))
    hobbies = db.Column(db.String(300))
    contact_channel = db.Column(db.String(12), nullable=False, default="call")
    promotions_consent = db.Column(db.Boolean, nullable=False, default=False)
    notes = db.Column(db.Text)
    # loyalty state
    first_purchase_at = db.Column(UTCDateTime())
    last_purchase_at = db.Column(UTCDateTime())
    registered_at = db.Column(UTCDateTime())  # online registration completed (retail: within 30 days)
    tier_key = db.Column(db.String(32))
    tier_scheme_id = db.Column(db.Integer, db.ForeignKey("tier_scheme.id", ondelete="SET NULL"))
    tier_since = db.Column(UTCDateTime())
    points_balance = db.Column(db.BigInteger, nullable=False, default=0)  # = sum of the ledger
    # person | company (对公客户: a bank's or a bureau's corporate client, reached through its contacts)
    kind = db.Column(db.String(12), nullable=False, default="person", server_default="person")
    # the one client manager (客户经理) of a VIP; RESTRICT: a manager who leaves hands over first
    client_manager_id = db.Column(db.Integer, db.ForeignKey("membership.id", ondelete="RESTRICT"))


class MemberAccessLog(TenantScoped, Timestamped, db.Model):
    """Every read of a full member profile (会员资料仅供内部使用, 查阅留痕: 003 篇2 §四.2)."""

    __tablename__ = "member_access_log"
    __table_args__ = (db.Index("ix_member_access_log_tenant_member", "tenant_id", "member_id", "created_at"),)
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    actor_label = db.Column(db.String(254), nullable=False)
    actor_user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    purpose = db.Column(db.String(120), nullable=False)


class Card(TenantScoped, Timestamped, db.Model):
    """A card a member holds: a physical VIP card, or a virtual accumulation card (累积卡)."""

    __tablename__ = "card"
    __table_args__ = (db.UniqueConstraint("tenant_id", "number"),
                      db.Index("ix_card_tenant_member", "tenant_id", "member_id"))
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    number = db.Column(db.String(32), nullable=False)
    kind = db.Column(db.String(16), nullable=False)  # physical | accumulation
    status = db.Column(db.String(16), nullable=False, default="active")  # active | void | expired
    issued_at = db.Column(UTCDateTime(), nullable=False)
    valid_until = db.Column(UTCDateTime())
    void_reason = db.Column(db.String(120))
    replaced_by_id = db.Column(db.Integer, db.ForeignKey("card.id", ondelete="SET NULL"))


MEMBER_KINDS = ("person", "company")


class MemberContact(TenantScoped, Timestamped, db.Model):
    """A registered contact of a company client (对公客户联系人): the people who may speak for it.
    A bank routes only these callers as the company's VIP calls; a bureau's manager visits them."""

    __tablename__ = "member_contact"
    __table_args__ = (db.UniqueConstraint("tenant_id", "member_id", "phone"),
                      db.Index("ix_member_contact_tenant_phone", "tenant_id", "phone"))
    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(80), nullable=False)
    phone = db.Column(db.String(20), nullable=False)  # normalised like Member.phone
    title = db.Column(db.String(80))
