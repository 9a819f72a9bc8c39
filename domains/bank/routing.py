"""VIP call routing (呼叫中心语音导航, seed 003 篇4 §5).

The bank's phone system (Asterisk, FreeSWITCH …) asks for a decision at every hop of a call:
first with the caller's number, then with the outcome of the hop it was told to try. The hops:

  VIP (5.1)       manager's seat → manager's mobile → the branch's duty desk idle longest →
                  the duty officer's mobile → voice message + a ticket to the client manager
  corporate (5.2) the same, but only for a company's registered contacts (MemberContact)
  others (5.3)    the duty desk idle longest → voice message + a ticket to the duty officer

A hop that cannot ring (the seat is busy or absent, nobody has a mobile, no desk is free) is
logged as skipped and the next one is decided at once, so the phone system only ever dials.
Every call and hop is logged (BankCall, BankCallHop). Replays are safe: a request repeating
an outcome already recorded answers the decision already made.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership
from core.members.services import find_by_phone
from core.members.models import Member, MemberContact
from core.models import utcnow
from core.purchases.services import tenant_zone
from domains.bank.models import BankBranch, BankCall, BankCallHop, BankDuty, BankSeat, BankStaffLine
from domains.bank.queue import tier_terms

VIP_PLAN = ("manager_seat", "manager_mobile", "duty_desk", "duty_mobile", "voicemail")
ORDINARY_PLAN = ("duty_desk", "voicemail")
HOPS = VIP_PLAN
OUTCOMES = ("answered", "busy", "no_answer", "failed")
PRESENCE = ("available", "busy", "absent")
RING_SECONDS = 20


class RoutingError(RuleError):
    """A routing request or a seat change was refused."""


# ---- seats, mobiles, the duty rota -------------------------------------------------------------------

def _normal(phone: str | None, field: str) -> str:
    from core.members.services import MemberError, normalise_phone
    try:
        value = normalise_phone(phone)
    except MemberError:
        value = None
    if value is None:
        raise RoutingError(field, _l("A phone number, e.g. 13800138000 or 02160000001."))
    return value


def _membership(membership_id, field) -> Membership:
    m = db.session.get(Membership, membership_id) if membership_id is not None else None
    if m is None or not m.active:
        raise RoutingError(field, _l("No such active staff member."), 404)
    return m


def _branch(branch_id) -> BankBranch:
    b = db.session.get(BankBranch, branch_id) if branch_id is not None else None
    if b is None:
        raise RoutingError("branch_id", _l("No such branch."), 404)
    return b


def create_seat(actor, *, branch_id: int, kind: str, extension: str, membership_id: int | None = None) -> BankSeat:
    _branch(branch_id)
    if kind not in ("manager", "duty"):
        raise RoutingError("kind", _l("Choose one of: %(choices)s.", choices="manager, duty"))
    extension = (extension or "").strip()
    if not extension or len(extension) > 20:
        raise RoutingError("extension", _l("An extension of 1 to 20 characters."))
    if kind == "manager":
        _membership(membership_id, "membership_id")
    if db.session.scalar(select(BankSeat.id).where(BankSeat.extension == extension)):
        raise RoutingError("extension", _l("This extension is taken."), 409)
    seat = BankSeat(branch_id=branch_id, kind=kind, extension=extension,
                    membership_id=membership_id if kind == "manager" else None, status="absent")
    db.session.add(seat)
    db.session.flush()
    audit.record(actor, "bank.seat.create", "bank_seat", seat.id, None, {"extension": extension, "kind": kind})
    return seat


def seat_by_extension(extension: str) -> BankSeat | None:
    return db.session.scalar(select(BankSeat).where(BankSeat.extension == extension))


def set_presence(actor, seat: BankSeat, status: str, now: datetime | None = None) -> BankSeat:
    """Available, busy or absent. Becoming available starts the idle clock (the duty desk idle
    longest takes the next call)."""
    if status not in PRESENCE:
        raise RoutingError("status", _l("Choose one of: %(choices)s.", choices=", ".join(PRESENCE)))
    now = now or utcnow()
    if status == "available" and seat.status != "available":
        seat.idle_since = now
    elif status != "available":
        seat.idle_since = None
    seat.status, seat.status_at = status, now
    return seat


def set_staff_line(actor, membership_id: int, *, mobile: str | None = None,
                   branch_id: int | None = None) -> BankStaffLine:
    _membership(membership_id, "membership_id")
    if branch_id is not None:
        _branch(branch_id)
    mobile = _normal(mobile, "mobile") if mobile else None
    line = db.session.scalar(select(BankStaffLine).where(BankStaffLine.membership_id == membership_id))
    if line is None:
        line = BankStaffLine(membership_id=membership_id)
        db.session.add(line)
    line.mobile, line.branch_id = mobile, branch_id
    db.session.flush()
    return line


def set_duty(actor, *, branch_id: int, day, membership_id: int) -> BankDuty:
    """Put a duty officer on a branch's rota for a day (one a day; setting again replaces)."""
    _branch(branch_id)
    m = _membership(membership_id, "membership_id")
    if "bank.duty_officer" not in (m.positions or ()):
        raise RoutingError("membership_id", _l("Only a duty officer goes on the duty rota."))
    duty = db.session.scalar(select(BankDuty).where(BankDuty.branch_id == branch_id, BankDuty.day == day))
    if duty is None:
        duty = BankDuty(branch_id=branch_id, day=day)
        db.session.add(duty)
    duty.membership_id = membership_id
    db.session.flush()
    return duty


def seats(kind: str | None = None) -> list[BankSeat]:
    q = select(BankSeat).order_by(BankSeat.branch_id, BankSeat.kind, BankSeat.extension)
    return list(db.session.scalars(q.where(BankSeat.kind == kind) if kind else q))


# ---- who calls ---------------------------------------------------------------------------------------

def find_caller(phone: str) -> tuple[Member | None, MemberContact | None]:
    """A person by their own phone, else a company through a registered contact's phone. A
    company's own switchboard number finds the company without a contact: routed as ordinary."""
    return find_by_phone(phone)


def _is_vip(member: Member | None, contact: MemberContact | None) -> bool:
    if member is None:
        return False
    if member.kind == "company" and contact is None:
        return False
    return tier_terms(member)[1] < 5


# ---- the decision ------------------------------------------------------------------------------------

def _line(membership_id: int | None) -> BankStaffLine | None:
    if membership_id is None:
        return None
    return db.session.scalar(select(BankStaffLine).where(BankStaffLine.membership_id == membership_id))


def _longest_idle_desk(branch_id: int | None, tried: set[int]) -> BankSeat | None:
    if branch_id is None:
        return None
    q = (select(BankSeat).where(BankSeat.branch_id == branch_id, BankSeat.kind == "duty",
                                BankSeat.status == "available", BankSeat.idle_since.is_not(None))
         .order_by(BankSeat.idle_since, BankSeat.id))
    if tried:
        q = q.where(BankSeat.id.not_in(tried))
    return db.session.scalar(q.limit(1))


def _duty_officer(branch_id: int | None, now: datetime) -> int | None:
    if branch_id is None:
        return None
    day = now.astimezone(tenant_zone()).date()
    return db.session.scalar(select(BankDuty.membership_id).where(BankDuty.branch_id == branch_id, BankDuty.day == day))


def _target(call: BankCall, kind: str, tried_seats: set[int], now: datetime) -> tuple[dict | None, str | None]:
    """(what to dial, None) or (None, why it is skipped)."""
    if kind == "manager_seat":
        if call.manager_id is None:
            return None, "no_manager"
        seat = db.session.scalar(select(BankSeat).where(BankSeat.kind == "manager",
                                                        BankSeat.membership_id == call.manager_id).limit(1))
        if seat is None:
            return None, "no_seat"
        if seat.status != "available":
            return None, f"seat_{seat.status}"
        return {"target": seat.extension, "seat_id": seat.id, "membership_id": call.manager_id}, None
    if kind == "manager_mobile":
        line = _line(call.manager_id)
        if call.manager_id is None or line is None or not line.mobile:
            return None, "no_mobile"
        return {"target": line.mobile, "membership_id": call.manager_id}, None
    if kind == "duty_desk":
        seat = _longest_idle_desk(call.branch_id, tried_seats)
        if seat is None:
            return None, "no_desk"
        return {"target": seat.extension, "seat_id": seat.id}, None
    if kind == "duty_mobile":
        officer = _duty_officer(call.branch_id, now)
        line = _line(officer)
        if officer is None:
            return None, "no_duty_officer"
        if line is None or not line.mobile:
            return None, "no_mobile"
        return {"target": line.mobile, "membership_id": officer}, None
    return {}, None  # voicemail


def _voicemail_ticket(actor, call: BankCall, now: datetime):
    """The automatic work ticket (系统派单): to the client manager for a VIP, else the duty officer."""
    from core.service.services import assign, create_request
    member_id = call.member_id if call.vip else None
    req = create_request(actor, kind="bank.inquiry", member_id=member_id, channel="phone",
                         subject=str(_l("Voice message from %(caller)s: call back", caller=call.caller)),
                         detail=str(_l("Call %(id)s reached nobody; the caller left a voice message.",
                                       id=call.external_id)), received_at=now, now=now)
    to = call.manager_id if call.vip and call.manager_id else _duty_officer(call.branch_id, now)
    if to is not None and db.session.get(Membership, to) is not None:
        assign(actor, req.id, to, now=now)
    return req


def _decision(call: BankCall, hop: BankCallHop | None) -> dict:
    out = {"call_id": call.external_id, "vip": call.vip, "status": call.status}
    if call.status == "answered":
        return {**out, "action": "done", "hop": hop.seq if hop else None, "answered_by": call.answered_hop}
    if hop is None:
        return {**out, "action": "hangup"}
    if hop.hop == "voicemail":
        from core.service.models import ServiceRequest
        req = db.session.get(ServiceRequest, call.request_id) if call.request_id else None
        return {**out, "action": "voicemail", "hop": hop.seq, "kind": "voicemail",
                "request_no": req.request_no if req else None}
    return {**out, "action": "dial", "hop": hop.seq, "kind": hop.hop, "target": hop.target,
            "timeout_seconds": RING_SECONDS}


def _hops(call: BankCall) -> list[BankCallHop]:
    return list(db.session.scalars(select(BankCallHop).where(BankCallHop.call_id == call.id).order_by(BankCallHop.seq)))


def _advance(actor, call: BankCall, hops: list[BankCallHop], now: datetime) -> BankCallHop:
    """Decide the next hop after the last one tried; log skipped hops on the way."""
    plan = VIP_PLAN if call.vip else ORDINARY_PLAN
    last_kind = hops[-1].hop if hops else None
    start = plan.index(last_kind) + 1 if last_kind in plan else 0
    tried_seats = {h.seat_id for h in hops if h.seat_id}
    seq = hops[-1].seq if hops else 0
    for kind in plan[start:]:
        seq += 1
        target, why = _target(call, kind, tried_seats, now)
        hop = BankCallHop(call_id=call.id, seq=seq, hop=kind, decided_at=now)
        if target is None:
            hop.outcome, hop.reason, hop.outcome_at = "skipped", why, now
            db.session.add(hop)
            continue
        hop.target, hop.seat_id, hop.membership_id = target.get("target"), target.get("seat_id"), target.get("membership_id")
        db.session.add(hop)
        if kind == "voicemail":
            req = _voicemail_ticket(actor, call, now)
            call.request_id, call.status, call.ended_at = req.id, "voicemail", now
            hop.outcome, hop.outcome_at, hop.membership_id = "recorded", now, req.assignee_id
        db.session.flush()
        return hop
    raise AssertionError("the plan ends with the voicemail")  # pragma: no cover


def route(actor, *, call_id: str, caller: str, branch_code: str | None = None, hop: int | None = None,
          outcome: str | None = None, now: datetime | None = None) -> dict:
    """The decision for the next hop of a call (see the module docstring and the README)."""
    now = now or utcnow()
    call_id = (call_id or "").strip()
    if not call_id or len(call_id) > 64:
        raise RoutingError("call_id", _l("The phone system's call id (1 to 64 characters) is required."))
    if outcome is not None and outcome not in OUTCOMES:
        raise RoutingError("outcome", _l("Choose one of: %(choices)s.", choices=", ".join(OUTCOMES)))
    call = db.session.scalar(select(BankCall).where(BankCall.external_id == call_id).with_for_update())
    if call is None:
        if outcome is not None:
            raise RoutingError("call_id", _l("No such call: send the first request without an outcome."), 404)
        call = _new_call(caller, call_id, branch_code, now)
        return _decision(call, _advance(actor, call, [], now))
    hops = _hops(call)
    last = hops[-1] if hops else None
    if outcome is None or call.status != "routing" or last is None or (hop is not None and hop != last.seq) \
            or last.outcome is not None:
        return _decision(call, last)  # a replay, or a call that has ended: the same answer
    last.outcome, last.outcome_at = outcome, now
    if outcome == "answered":
        call.status, call.answered_hop, call.ended_at = "answered", last.hop, now
        seat = db.session.get(BankSeat, last.seat_id) if last.seat_id else None
        if seat is not None:
            set_presence(actor, seat, "busy", now)
        db.session.flush()
        return _decision(call, last)
    return _decision(call, _advance(actor, call, hops, now))


def _new_call(caller: str, call_id: str, branch_code: str | None, now: datetime) -> BankCall:
    phone = _normal(caller, "caller")
    branch = None
    if branch_code:
        branch = db.session.scalar(select(BankBranch).where(BankBranch.code == branch_code))
        if branch is None:
            raise RoutingError("branch_code", _l("No such branch."), 404)
    member, contact = find_caller(phone)
    vip = _is_vip(member, contact)
    manager_id = member.client_manager_id if vip else None
    if vip and manager_id is not None:
        line = _line(manager_id)
        if line is not None and line.branch_id is not None:
            branch = db.session.get(BankBranch, line.branch_id)  # the manager's branch answers for them
    if branch is None:
        branch = db.session.scalar(select(BankBranch).order_by(BankBranch.id).limit(1))
    call = BankCall(external_id=call_id, caller=phone, branch_id=branch.id if branch else None,
                    member_id=member.id if member else None, contact_id=contact.id if contact else None,
                    vip=vip, manager_id=manager_id, status="routing", started_at=now)
    db.session.add(call)
    db.session.flush()
    return call


def call_log_query(limit: int = 100):
    return select(BankCall).order_by(BankCall.started_at.desc(), BankCall.id.desc()).limit(limit)
