"""Member rules: the profile, phone and ID number handling, the front-desk lookup, access logging."""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import signals
from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.members.models import (CONTACT_CHANNELS, GENDERS, MEMBER_KINDS, Card, Member, MemberAccessLog,
                                 MemberContact)
from core.tenancy.sequences import next_value

PROFILE_FIELDS = ("name", "gender", "phone", "birthday", "email", "address", "preferences", "job",
                  "family", "personality", "hobbies", "contact_channel", "promotions_consent", "notes", "kind")


class MemberError(RuleError):
    """A member rule refused the input."""


_CN_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_phone(raw: str | None) -> str | None:
    """Mainland mobiles as their 11 digits (``+86``/``0086`` and separators dropped); other numbers
    as ``+`` and digits. The same customer typed three ways is one phone."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    plus = text.startswith("+")
    digits = re.sub(r"[\s\-().]", "", text.lstrip("+"))
    if not digits.isdigit():
        raise MemberError("phone", _l("A phone number has digits only (spaces, dashes and a leading + are fine)."))
    if digits.startswith("0086"):
        digits, plus = digits[4:], True
    if digits.startswith("86") and plus:
        digits = digits[2:]
        plus = False
    if _CN_MOBILE.fullmatch(digits):
        return digits
    if plus and 6 <= len(digits) <= 15:
        return "+" + digits
    if not plus and 7 <= len(digits) <= 12 and digits.startswith("0"):  # mainland landline with area code
        return digits
    raise MemberError("phone", _l("Not a phone number we can reach: use an 11-digit mobile or +country code."))


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else phone


def mask_id_number(raw: str) -> str:
    return "*" * (len(raw) - 4) + raw[-4:]


def _id_hash(raw: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, raw.upper().encode(), hashlib.sha256).hexdigest()


def clean_id_number(raw: str | None) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    value = re.sub(r"\s", "", str(raw)).upper()
    if not re.fullmatch(r"[0-9A-Z]{6,32}", value):
        raise MemberError("id_number", _l("An ID number has 6 to 32 letters and digits."))
    if len(value) == 18 and not _resident_id_checksum_ok(value):
        raise MemberError("id_number", _l("This resident ID number's check digit is wrong."))
    return value


def _resident_id_checksum_ok(value: str) -> bool:
    """GB 11643: the 18th character of a resident ID is a checksum of the first 17."""
    if not value[:17].isdigit():
        return False
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True))
    return "10X98765432"[total % 11] == value[17]


def id_matches(member: Member, shown: str) -> bool:
    """The till's ID check: does the ID card shown belong to this member?"""
    if not member.id_number_hash:
        return False
    try:
        value = clean_id_number(shown)
    except MemberError:
        return False
    return value is not None and hmac.compare_digest(member.id_number_hash, _id_hash(value))


def _clean(values: dict) -> dict:
    out = dict(values)
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"] or len(out["name"]) > 80:
            raise MemberError("name", _l("A full name of 1 to 80 characters is required."))
    if "phone" in out:
        out["phone"] = normalise_phone(out["phone"])
    if "kind" in out and out["kind"] not in MEMBER_KINDS:
        raise MemberError("kind", _l("Choose one of: %(choices)s.", choices=", ".join(MEMBER_KINDS)))
    if "gender" in out and out["gender"] not in GENDERS:
        raise MemberError("gender", _l("Choose one of: %(choices)s.", choices=", ".join(GENDERS)))
    if "contact_channel" in out and out["contact_channel"] not in CONTACT_CHANNELS:
        raise MemberError("contact_channel", _l("Choose one of: %(choices)s.", choices=", ".join(CONTACT_CHANNELS)))
    if "birthday" in out and out["birthday"] is not None:
        if not isinstance(out["birthday"], date) or out["birthday"] > date.today() or out["birthday"].year < 1900:
            raise MemberError("birthday", _l("A birthday between 1900 and today."))
    return out


def _phone_taken(phone: str | None, member_id: int | None = None) -> bool:
    if not phone:
        return False
    q = select(Member.id).where(Member.phone == phone)
    if member_id is not None:
        q = q.where(Member.id != member_id)
    return db.session.scalar(q) is not None


def create_member(actor, values: dict) -> Member:
    values = _clean({k: v for k, v in values.items() if k in PROFILE_FIELDS + ("id_number",)})
    if "name" not in values:
        raise MemberError("name", _l("A full name of 1 to 80 characters is required."))
    if _phone_taken(values.get("phone")):
        raise MemberError("phone", _l("Another member already has this phone number."), 409)
    id_number = clean_id_number(values.pop("id_number", None))
    from core.billing.services import check_capacity
    check_capacity("members")  # the plan's member limit (402 naming the plan that lifts it)
    member = Member(member_no=f"M{next_value('member'):07d}", **values)
    if id_number:
        member.id_number_masked, member.id_number_hash = mask_id_number(id_number), _id_hash(id_number)
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "member.create", "member", member.id, None, {"member_no": member.member_no})
    signals.member_created.send(member)
    return member


def update_member(actor, member: Member, values: dict) -> Member:
    values = _clean({k: v for k, v in values.items() if k in PROFILE_FIELDS + ("id_number",)})
    if "phone" in values and _phone_taken(values["phone"], member.id):
        raise MemberError("phone", _l("Another member already has this phone number."), 409)
    changed = []
    if "id_number" in values:
        id_number = clean_id_number(values.pop("id_number"))
        member.id_number_masked = mask_id_number(id_number) if id_number else None
        member.id_number_hash = _id_hash(id_number) if id_number else None
        changed.append("id_number")
    for k, v in values.items():
        if getattr(member, k) != v:
            setattr(member, k, v)
            changed.append(k)
    if changed:
        # Field names only: the audit trail must not become a second copy of personal data.
        audit.record(actor, "member.update", "member", member.id, None, {"fields": sorted(changed)})
    return member


def get_member(member_id: int) -> Member | None:
    return db.session.get(Member, member_id)


def read_profile(actor, member: Member, purpose: str) -> Member:
    """A full profile is read: leave the trace the seed asks for."""
    db.session.add(MemberAccessLog(member_id=member.id, actor_label=audit.actor_label(actor),
                                   actor_user_id=getattr(actor, "user_id", None), purpose=purpose[:120]))
    return member


def lookup(phone: str | None = None, name: str | None = None, birthday: date | None = None,
           limit: int = 20) -> tuple[str, list[Member]]:
    """The front desk's order (001 svip §三.5): by phone; if the phone changed, by full name; if names
    collide, by birthday. Returns (what matched, members)."""
    if phone:
        try:
            normal = normalise_phone(phone)
        except MemberError:
            normal = None
        found = db.session.scalars(select(Member).where(Member.phone == normal)).all() if normal else []
        if found:
            return "phone", list(found)
    if name and name.strip():
        q = select(Member).where(Member.name == name.strip()).order_by(Member.id).limit(limit)
        found = db.session.scalars(q).all()
        if len(found) > 1 and birthday:
            narrowed = [m for m in found if m.birthday == birthday]
            return "name+birthday", narrowed
        if found:
            return "name", list(found)
    if birthday and not name and not phone:
        return "birthday", list(db.session.scalars(
            select(Member).where(Member.birthday == birthday).order_by(Member.id).limit(limit)))
    return "none", []


def access_log_query(member_id: int):
    return select(MemberAccessLog).where(MemberAccessLog.member_id == member_id).order_by(
        MemberAccessLog.id.desc())


# ---- cards (会员卡) -------------------------------------------------------------------------------

def _tz():
    from zoneinfo import ZoneInfo

    from core.tenancy.context import current_tenant_id
    from core.tenancy.models import Tenant
    return ZoneInfo(db.session.get(Tenant, current_tenant_id()).timezone)


def valid_until(validity: dict | None, issued_at, tz):
    """When a card issued at ``issued_at`` stops working under the scheme's validity policy:
    365 days from issue (001 星级酒店), or the end of December (001 第十六–十七条: December is
    renewal month, cards not renewed are void after it; a card issued in December runs to the
    next December)."""
    from datetime import datetime, timedelta
    kind = (validity or {}).get("kind", "none")
    if kind == "days_from_issue":
        return issued_at + timedelta(days=int(validity["days"]))
    if kind == "december_renewal":
        local = issued_at.astimezone(tz)
        year = local.year + 1 if local.month == 12 else local.year
        return datetime(year + 1, 1, 1, tzinfo=tz)
    return None


def _scheme_policies(scheme_row) -> dict:
    return (scheme_row.document or {}).get("policies", {}) if scheme_row is not None else {}


def active_card(member_id: int) -> Card | None:
    return db.session.scalar(select(Card).where(Card.member_id == member_id, Card.status == "active")
                             .order_by(Card.id.desc()).limit(1))


def ensure_card(member: Member, at, scheme_row) -> Card:
    """The member's active card; at the first purchase without one, a virtual accumulation card
    (累积卡) numbered by the system, valid for the scheme's accumulation period (002)."""
    from datetime import timedelta
    card = active_card(member.id)
    if card is not None and (card.valid_until is None or card.valid_until > at):
        return card
    if card is not None:
        card.status, card.void_reason = "expired", "validity ended"
    days = int(_scheme_policies(scheme_row).get("accumulation_card_days") or 365)
    card = Card(member_id=member.id, number=f"A{next_value('accumulation_card'):09d}", kind="accumulation",
                status="active", issued_at=at, valid_until=at + timedelta(days=days))
    db.session.add(card)
    db.session.flush()
    return card


def upgrade_card_in_place(member: Member, card: Card | None, at, scheme_row) -> None:
    """An accumulation card that reaches a tier becomes a VIP card under the same number, valid
    from now under the scheme's validity policy (002 累积卡: 升级)."""
    if card is None or card.kind != "accumulation":
        return
    card.kind = "virtual"
    card.valid_until = valid_until(_scheme_policies(scheme_row).get("validity"), at, _tz())


def clean_card_number(raw) -> str:
    """A physical card's number as printed: 4 to 32 letters, digits or dashes."""
    number = ("" if raw is None else str(raw)).strip()
    if not re.fullmatch(r"[0-9A-Za-z\-]{4,32}", number):
        raise MemberError("number", _l("A card number has 4 to 32 letters, digits or dashes."))
    return number


def issue_card(actor, member: Member, number: str, at=None, scheme_row=None) -> Card:
    """Hand a physical card to a member; any other active card of theirs is void from this moment."""
    from core.models import utcnow
    number = clean_card_number(number)
    if db.session.scalar(select(Card.id).where(Card.number == number)) is not None:
        raise MemberError("number", _l("This card number is already in use."), 409)
    at = at or utcnow()
    new = Card(member_id=member.id, number=number, kind="physical", status="active", issued_at=at,
               valid_until=valid_until(_scheme_policies(scheme_row).get("validity"), at, _tz()))
    db.session.add(new)
    db.session.flush()
    for old in db.session.scalars(select(Card).where(Card.member_id == member.id, Card.status == "active",
                                                     Card.id != new.id)):
        old.status, old.void_reason, old.replaced_by_id = "void", "replaced", new.id
    audit.record(actor, "card.issue", "card", new.id, None, {"member_id": member.id, "number": number})
    return new


def replace_lost_card(actor, card: Card, new_number: str, id_number_shown: str | None, scheme_row=None) -> Card:
    """Lost card (遗失补领, 002): identity checked, a new card issued; the old number is void the
    moment the new one is active. Points and history stay with the member."""
    member = db.session.get(Member, card.member_id)
    if card.status != "active":
        raise MemberError("card", _l("Only an active card can be reported lost."), 409)
    if member.id_number_hash and not id_matches(member, id_number_shown or ""):
        raise MemberError("id_number", _l("The ID shown does not match the member's ID."), 403)
    new = issue_card(actor, member, new_number, scheme_row=scheme_row)
    card.void_reason = "lost"
    audit.record(actor, "card.lost", "card", card.id, {"status": "active"}, {"status": "void", "replaced_by": new.id})
    return new


def find_card(number: str) -> Card | None:
    return db.session.scalar(select(Card).where(Card.number == (number or "").strip()))


def registration_deadline(member: Member, scheme_row) -> datetime | None:
    """When online registration closes for this member: the scheme's ``registration_days`` after
    the local day their physical card was issued, to the end of the last day (retail: 30 days,
    001 第七条). None when the scheme has no such rule or no card has been handed over yet."""
    from datetime import datetime, time, timedelta
    days = _scheme_policies(scheme_row).get("registration_days")
    if not days:
        return None
    card = db.session.scalar(select(Card).where(Card.member_id == member.id, Card.kind == "physical")
                             .order_by(Card.issued_at.desc(), Card.id.desc()).limit(1))
    if card is None:
        return None
    tz = _tz()
    last_day = card.issued_at.astimezone(tz).date() + timedelta(days=int(days))
    return datetime.combine(last_day + timedelta(days=1), time(0), tz)


def register_online(actor, member: Member, at=None) -> Member:
    """The member completed online registration (retail: within 30 days of receiving the card, else
    the card stays a discount card only — no points, no member events: 001 VIP会员制度)."""
    from core.models import utcnow
    from core.tiers.services import live_scheme
    at = at or utcnow()
    if member.registered_at is None:
        deadline = registration_deadline(member, live_scheme())
        if deadline is not None and at >= deadline:
            raise MemberError("registration", _l("The days to register online are over: the card stays a "
                                                 "discount card (the discount applies, no points)."), 409)
        member.registered_at = at
        audit.record(actor, "member.register", "member", member.id, None, {"registered": True})
    return member


# ---- dormant cards (休眠卡) -----------------------------------------------------------------------

def dormant_cutoff(as_of, months: int, tz):
    """The start of the dormant window: midnight (tenant time) of the day ``months`` calendar months
    before ``as_of``'s local date (31 August − 6 months = 28/29 February). A member with no purchase
    at or after it has bought nothing for ``months`` months."""
    from datetime import datetime

    from dateutil.relativedelta import relativedelta
    day = as_of.astimezone(tz).date() - relativedelta(months=months)
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def dormant_query(as_of, months: int, tz):
    """Dormant members (003 篇2 §五.5, 篇6): an active card still valid at ``as_of`` and no purchase
    since :func:`dormant_cutoff` (or none ever); those gone longest first. One set-based query (the
    tenant scope is the ORM's); the monthly job (``core.service.periodic``) applies the same rule."""
    from sqlalchemy import exists, or_
    cutoff = dormant_cutoff(as_of, months, tz)
    holds_card = exists().where(Card.member_id == Member.id, Card.status == "active",
                                or_(Card.valid_until.is_(None), Card.valid_until > as_of))
    return (select(Member)
            .where(holds_card, or_(Member.last_purchase_at.is_(None), Member.last_purchase_at < cutoff))
            .order_by(Member.last_purchase_at.asc().nulls_first(), Member.id))


def renew_card(actor, card: Card, scheme_row, at=None) -> Card:
    """Renew a card under the scheme's validity policy. December renewal (001 第十六–十七条):
    renewal is open in December only, and runs to the end of next year; a card not renewed is void
    after December. 365 days from issue (001 星级酒店): another 365 days from the later of today
    and the current end."""
    from datetime import timedelta

    from core.models import utcnow
    at = at or utcnow()
    if card.status == "void":
        raise MemberError("card", _l("A void card cannot be renewed; issue a new one."), 409)
    validity = _scheme_policies(scheme_row).get("validity") or {}
    kind = validity.get("kind", "none")
    before = card.valid_until
    if kind == "december_renewal":
        if at.astimezone(_tz()).month != 12:
            raise MemberError("card", _l("Cards are renewed in December."), 409)
        card.valid_until = valid_until(validity, at, _tz())
    elif kind == "days_from_issue":
        start = max(at, card.valid_until) if card.valid_until else at
        card.valid_until = start + timedelta(days=int(validity["days"]))
    else:
        raise MemberError("card", _l("This scheme's cards do not expire."), 409)
    card.status, card.void_reason = "active", None
    audit.record(actor, "card.renew", "card", card.id,
                 {"valid_until": before.isoformat() if before else None},
                 {"valid_until": card.valid_until.isoformat()})
    return card


# ---- company contacts (对公客户联系人) ---------------------------------------------------------------

def contacts_query(member_id: int):
    return select(MemberContact).where(MemberContact.member_id == member_id).order_by(MemberContact.id)


def add_contact(actor, member: Member, *, name: str, phone: str, title: str | None = None) -> MemberContact:
    """Register a person who may speak for a company client; the same phone once per company."""
    if member.kind != "company":
        raise MemberError("member_id", _l("Only a company client has registered contacts."), 409)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise MemberError("name", _l("A full name of 1 to 80 characters is required."))
    phone = normalise_phone(phone)
    if not phone:
        raise MemberError("phone", _l("A contact needs a phone number."))
    if db.session.scalar(select(MemberContact.id).where(MemberContact.member_id == member.id,
                                                        MemberContact.phone == phone)) is not None:
        raise MemberError("phone", _l("This company already has a contact with this phone number."), 409)
    contact = MemberContact(member_id=member.id, name=name, phone=phone, title=(title or "").strip()[:80] or None)
    db.session.add(contact)
    db.session.flush()
    audit.record(actor, "member.contact_add", "member", member.id, None, {"contact": name, "phone": mask_phone(phone)})
    return contact


def remove_contact(actor, contact: MemberContact) -> None:
    audit.record(actor, "member.contact_remove", "member", contact.member_id,
                 {"contact": contact.name, "phone": mask_phone(contact.phone)}, None)
    db.session.delete(contact)
    db.session.flush()


def find_by_phone(phone: str | None) -> tuple[Member | None, MemberContact | None]:
    """Who is calling or standing at the counter: a person member by their own phone, else a company
    through one of its registered contacts (the contact is returned too)."""
    try:
        phone = normalise_phone(phone) if phone else None
    except MemberError:  # a withheld or malformed caller id is simply nobody we know
        return None, None
    if not phone:
        return None, None
    member = db.session.scalar(select(Member).where(Member.phone == phone))
    if member is not None:
        return member, None
    contact = db.session.scalar(select(MemberContact).where(MemberContact.phone == phone)
                                .order_by(MemberContact.id).limit(1))
    if contact is None:
        return None, None
    return db.session.get(Member, contact.member_id), contact
