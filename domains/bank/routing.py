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

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, insert, literal, null, select, union_all, update

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership
from core.members.services import find_by_phone
from core.members.models import Member, MemberContact
from core.models import utcnow
from core.purchases.services import tenant_zone
from core.tenancy.context import execute_as_tenant, required_tenant_id
from core.tiers.models import TierScheme
from core.tiers.services import published_scheme, tier_or_entry
from domains.bank.models import BankBranch, BankCall, BankCallHop, BankDuty, BankSeat, BankStaffLine

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


# The decision is the phone system's hot path (a caller waits in silence while it runs), so it is
# read and written with Core statements built once: every one binds ``tenant`` itself (Core passes
# no ORM listener) and none builds ORM objects. A new call costs one read, two inserts and the commit.

_m, _mc, _ts = Member.__table__, MemberContact.__table__, TierScheme.__table__
_line_t, _seat_t, _branch_t = BankStaffLine.__table__, BankSeat.__table__, BankBranch.__table__
_call_t, _hop_t, _duty_t = BankCall.__table__, BankCallHop.__table__, BankDuty.__table__
_tenant = bindparam("tenant")


def _who_calls_statement():
    """One row for any caller: who they are (a person by their own phone first, else a company
    through a registered contact's phone, else nobody), their tier and client manager with the
    manager's mobile, home branch and seat; the branch the phone system named, the tenant's first
    branch, and the live tier scheme."""
    phone = bindparam("phone")
    who = union_all(
        select(_m.c.id.label("member_id"), null().label("contact_id"), literal(0).label("rank"))
        .where(_m.c.tenant_id == _tenant, _m.c.phone == phone),
        select(_mc.c.member_id, _mc.c.id, literal(1)).where(_mc.c.tenant_id == _tenant, _mc.c.phone == phone),
        select(null(), null(), literal(2)),  # nobody: the row is still there for the branch and scheme
    ).subquery("who")
    live = (select(_ts.c.id, _ts.c.published_at).where(_ts.c.tenant_id == _tenant, _ts.c.status == "published")
            .order_by(_ts.c.version.desc()).limit(1))
    return (select(who.c.member_id, who.c.contact_id, _m.c.kind, _m.c.tier_key, _m.c.client_manager_id,
                   _line_t.c.branch_id.label("manager_branch_id"), _line_t.c.mobile.label("manager_mobile"),
                   _seat_t.c.id.label("seat_id"), _seat_t.c.extension.label("seat_extension"),
                   _seat_t.c.status.label("seat_status"),
                   select(_branch_t.c.id).where(_branch_t.c.tenant_id == _tenant,
                                                _branch_t.c.code == bindparam("branch_code"))
                   .scalar_subquery().label("named_branch_id"),
                   select(_branch_t.c.id).where(_branch_t.c.tenant_id == _tenant).order_by(_branch_t.c.id).limit(1)
                   .scalar_subquery().label("first_branch_id"),
                   live.with_only_columns(_ts.c.id).scalar_subquery().label("scheme_id"),
                   live.with_only_columns(_ts.c.published_at).scalar_subquery().label("scheme_published_at"))
            .select_from(who
                         .outerjoin(_m, and_(_m.c.id == who.c.member_id, _m.c.tenant_id == _tenant))
                         .outerjoin(_line_t, and_(_line_t.c.tenant_id == _tenant,
                                                  _line_t.c.membership_id == _m.c.client_manager_id))
                         .outerjoin(_seat_t, and_(_seat_t.c.tenant_id == _tenant, _seat_t.c.kind == "manager",
                                                  _seat_t.c.membership_id == _m.c.client_manager_id)))
            .order_by(who.c.rank, who.c.contact_id, _seat_t.c.id).limit(1))


_WHO_CALLS = _who_calls_statement()

_CALL_COLUMNS = (_call_t.c.id, _call_t.c.external_id, _call_t.c.caller, _call_t.c.branch_id, _call_t.c.member_id,
                 _call_t.c.vip, _call_t.c.manager_id, _call_t.c.status, _call_t.c.answered_hop, _call_t.c.request_id)
_HOP_COLUMNS = (_hop_t.c.seq, _hop_t.c.hop, _hop_t.c.target, _hop_t.c.seat_id, _hop_t.c.membership_id,
                _hop_t.c.outcome)
# A call with its manager's mobile and its hops, last first; the call's row locked, so two requests
# about one call queue.
_CALL_WITH_HOPS = (select(*_CALL_COLUMNS, func.coalesce(_line_t.c.mobile, "").label("manager_mobile"),
                          *[c.label(f"hop_{c.name}") for c in _HOP_COLUMNS])
                   .select_from(_call_t
                                .outerjoin(_line_t, and_(_line_t.c.tenant_id == _tenant,
                                                         _line_t.c.membership_id == _call_t.c.manager_id))
                                .outerjoin(_hop_t, and_(_hop_t.c.tenant_id == _tenant,
                                                        _hop_t.c.call_id == _call_t.c.id)))
                   .where(_call_t.c.tenant_id == _tenant, _call_t.c.external_id == bindparam("external_id"))
                   .order_by(_hop_t.c.seq.desc()).with_for_update(of=_call_t))
_LONGEST_IDLE_DESK = (select(_seat_t.c.id, _seat_t.c.extension)
                      .where(_seat_t.c.tenant_id == _tenant, _seat_t.c.branch_id == bindparam("branch"),
                             _seat_t.c.kind == "duty", _seat_t.c.status == "available",
                             _seat_t.c.idle_since.is_not(None),
                             _seat_t.c.id.not_in(bindparam("tried", expanding=True)))
                      .order_by(_seat_t.c.idle_since, _seat_t.c.id).limit(1))
_DUTY_OFFICER = (select(_duty_t.c.membership_id, _line_t.c.mobile)
                 .select_from(_duty_t.outerjoin(_line_t, and_(_line_t.c.tenant_id == _tenant,
                                                              _line_t.c.membership_id == _duty_t.c.membership_id)))
                 .where(_duty_t.c.tenant_id == _tenant, _duty_t.c.branch_id == bindparam("branch"),
                        _duty_t.c.day == bindparam("day")))
_RECORD_OUTCOME = (update(_hop_t).where(_hop_t.c.tenant_id == _tenant, _hop_t.c.call_id == bindparam("call"),
                                        _hop_t.c.seq == bindparam("the_seq"))
                   .values(outcome=bindparam("the_outcome"), outcome_at=bindparam("at", type_=_hop_t.c.outcome_at.type)))
_END_CALL = (update(_call_t).where(_call_t.c.tenant_id == _tenant, _call_t.c.id == bindparam("call"))
             .values(status=bindparam("the_status"), answered_hop=bindparam("the_hop"),
                     request_id=bindparam("the_request"), ended_at=bindparam("at", type_=_call_t.c.ended_at.type)))
_SEAT_ON_THE_PHONE = (update(_seat_t).where(_seat_t.c.tenant_id == _tenant, _seat_t.c.id == bindparam("seat"))
                      .values(status="busy", idle_since=None,
                              status_at=bindparam("at", type_=_seat_t.c.status_at.type)))
_HOP_INSERT = insert(_hop_t)


def _new_call_insert(dialect: str):
    """INSERT the call unless the phone system's call id is known already (then nothing: a replay)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return (dialect_insert(_call_t).on_conflict_do_nothing(index_elements=["tenant_id", "external_id"])
            .returning(_call_t.c.id))


_NEW_CALL = {name: _new_call_insert(name) for name in ("postgresql", "sqlite")}


def decision_statements(dialect: str = "postgresql") -> dict:
    """The statements a decision runs, by name (the benchmark's floor sends the same SQL)."""
    return {"who": _WHO_CALLS, "new_call": _NEW_CALL[dialect], "hop": _HOP_INSERT, "call_with_hops": _CALL_WITH_HOPS,
            "outcome": _RECORD_OUTCOME, "end_call": _END_CALL, "seat_on_the_phone": _SEAT_ON_THE_PHONE,
            "longest_idle_desk": _LONGEST_IDLE_DESK,
            "duty_officer": _DUTY_OFFICER}


@dataclass
class _Call:
    """The facts a hop is decided from: a BankCall's columns and the manager's seat and mobile, as
    the first read or the call's read found them (the seat is only ever tried first, on a new call)."""
    id: int
    external_id: str
    caller: str
    branch_id: int | None
    member_id: int | None
    vip: bool
    manager_id: int | None
    status: str = "routing"
    answered_hop: str | None = None
    request_id: int | None = None
    manager_seat: tuple = ()               # (id, extension, status); () = none
    manager_mobile: str = ""               # "" = none


def _run(statement, **params):
    return execute_as_tenant(statement, params)


def _priority(tier_key: str | None, scheme_id: int | None, published_at) -> int:
    """The tier's priority (1 first, 5 none) in the live scheme; an untiered member holds the entry tier."""
    if scheme_id is None:
        return 5
    tier = tier_or_entry(published_scheme(scheme_id, published_at), tier_key)
    return int(tier.benefits.priority or 5) if tier is not None else 5


# ---- the decision ------------------------------------------------------------------------------------

def _target(call: _Call, kind: str, tried_seats: set[int], now: datetime) -> tuple[dict | None, str | None]:
    """(what to dial, None) or (None, why it is skipped)."""
    if kind == "manager_seat":
        if call.manager_id is None:
            return None, "no_manager"
        seat = call.manager_seat
        if not seat:
            return None, "no_seat"
        if seat[2] != "available":
            return None, f"seat_{seat[2]}"
        return {"target": seat[1], "seat_id": seat[0], "membership_id": call.manager_id}, None
    if kind == "manager_mobile":
        if call.manager_id is None or not call.manager_mobile:
            return None, "no_mobile"
        return {"target": call.manager_mobile, "membership_id": call.manager_id}, None
    if kind == "duty_desk":
        desk = None
        if call.branch_id is not None:
            desk = _run(_LONGEST_IDLE_DESK, branch=call.branch_id, tried=sorted(tried_seats) or [0]).first()
        if desk is None:
            return None, "no_desk"
        return {"target": desk.extension, "seat_id": desk.id}, None
    if kind == "duty_mobile":
        officer, mobile = _duty_officer(call.branch_id, now)
        if officer is None:
            return None, "no_duty_officer"
        if not mobile:
            return None, "no_mobile"
        return {"target": mobile, "membership_id": officer}, None
    return {}, None  # voicemail


def _duty_officer(branch_id: int | None, now: datetime) -> tuple[int | None, str | None]:
    """The branch's duty officer today (the tenant's date) and their mobile."""
    if branch_id is None:
        return None, None
    row = _run(_DUTY_OFFICER, branch=branch_id, day=now.astimezone(tenant_zone()).date()).first()
    return (row.membership_id, row.mobile) if row else (None, None)


def _voicemail_ticket(actor, call: _Call, now: datetime):
    """The automatic work ticket (系统派单): to the client manager for a VIP, else the duty officer."""
    from core.service.services import assign, create_request
    member_id = call.member_id if call.vip else None
    req = create_request(actor, kind="bank.inquiry", member_id=member_id, channel="phone",
                         subject=str(_l("Voice message from %(caller)s: call back", caller=call.caller)),
                         detail=str(_l("Call %(id)s reached nobody; the caller left a voice message.",
                                       id=call.external_id)), received_at=now, now=now)
    to = call.manager_id if call.vip and call.manager_id else _duty_officer(call.branch_id, now)[0]
    if to is not None and db.session.get(Membership, to) is not None:
        assign(actor, req.id, to, now=now)
    return req


def _decision(call: _Call, hop: dict | None) -> dict:
    out = {"call_id": call.external_id, "vip": call.vip, "status": call.status}
    if call.status == "answered":
        return {**out, "action": "done", "hop": hop["seq"] if hop else None, "answered_by": call.answered_hop}
    if hop is None:
        return {**out, "action": "hangup"}
    if hop["hop"] == "voicemail":
        from core.service.models import ServiceRequest
        number = (db.session.scalar(select(ServiceRequest.request_no).where(ServiceRequest.id == call.request_id))
                  if call.request_id else None)
        return {**out, "action": "voicemail", "hop": hop["seq"], "kind": "voicemail", "request_no": number}
    return {**out, "action": "dial", "hop": hop["seq"], "kind": hop["hop"], "target": hop["target"],
            "timeout_seconds": RING_SECONDS}


def _advance(actor, call: _Call, last: dict | None, tried_seats: set[int], now: datetime) -> dict:
    """Decide the next hop after the last one tried, log it and the hops skipped on the way (one
    INSERT); returns the hop decided."""
    plan = VIP_PLAN if call.vip else ORDINARY_PLAN
    start = plan.index(last["hop"]) + 1 if last and last["hop"] in plan else 0
    seq = last["seq"] if last else 0
    logged = []
    for kind in plan[start:]:
        seq += 1
        target, why = _target(call, kind, tried_seats, now)
        hop = {"tenant_id": required_tenant_id(), "call_id": call.id, "seq": seq, "hop": kind, "target": None,
               "seat_id": None, "membership_id": None, "outcome": None, "reason": None, "decided_at": now,
               "outcome_at": None}
        logged.append(hop)
        if target is None:
            hop.update(outcome="skipped", reason=why, outcome_at=now)
            continue
        hop.update(target=target.get("target"), seat_id=target.get("seat_id"),
                   membership_id=target.get("membership_id"))
        if kind == "voicemail":
            req = _voicemail_ticket(actor, call, now)
            call.request_id, call.status = req.id, "voicemail"
            hop.update(outcome="recorded", outcome_at=now, membership_id=req.assignee_id)
            _run(_END_CALL, call=call.id, the_status="voicemail", the_hop=None, the_request=req.id, at=now)
        db.session.connection().execute(_HOP_INSERT, logged)
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
    if outcome is None:
        decided = _start(actor, call_id, caller, branch_code, now)
        if decided is not None:
            return decided
    rows = _run(_CALL_WITH_HOPS, external_id=call_id).all()
    if not rows:
        raise RoutingError("call_id", _l("No such call: send the first request without an outcome."), 404)
    call = _Call(**{c.name: getattr(rows[0], c.name) for c in _CALL_COLUMNS}, manager_mobile=rows[0].manager_mobile)
    hops = [{"seq": r.hop_seq, "hop": r.hop_hop, "target": r.hop_target, "seat_id": r.hop_seat_id,
             "membership_id": r.hop_membership_id, "outcome": r.hop_outcome} for r in rows if r.hop_seq is not None]
    last = hops[0] if hops else None
    if outcome is None or call.status != "routing" or last is None or (hop is not None and hop != last["seq"]) \
            or last["outcome"] is not None:
        return _decision(call, last)  # a replay, or a call that has ended: the same answer
    _run(_RECORD_OUTCOME, call=call.id, the_seq=last["seq"], the_outcome=outcome, at=now)
    last["outcome"] = outcome
    if outcome == "answered":
        call.status, call.answered_hop = "answered", last["hop"]
        _run(_END_CALL, call=call.id, the_status="answered", the_hop=last["hop"], the_request=None, at=now)
        if last["seat_id"]:
            _run(_SEAT_ON_THE_PHONE, seat=last["seat_id"], at=now)
        return _decision(call, last)
    return _decision(call, _advance(actor, call, last, {h["seat_id"] for h in hops if h["seat_id"]}, now))


def _start(actor, call_id: str, caller: str, branch_code: str | None, now: datetime) -> dict | None:
    """A new call: who calls, the call logged once by its id, its first hop decided. None when the
    phone system's call id is known already (a replay: answered from the log)."""
    phone = _normal(caller, "caller")
    who = _run(_WHO_CALLS, phone=phone, branch_code=branch_code).one()
    if branch_code and who.named_branch_id is None:
        raise RoutingError("branch_code", _l("No such branch."), 404)
    vip = who.member_id is not None and not (who.kind == "company" and who.contact_id is None) \
        and _priority(who.tier_key, who.scheme_id, who.scheme_published_at) < 5
    manager_id = who.client_manager_id if vip else None
    branch_id = who.named_branch_id or who.first_branch_id
    if manager_id is not None and who.manager_branch_id is not None:
        branch_id = who.manager_branch_id  # the manager's branch answers for them
    row = _run(_NEW_CALL[db.session.get_bind().dialect.name],
               tenant_id=required_tenant_id(), external_id=call_id, caller=phone, branch_id=branch_id,
               member_id=who.member_id, contact_id=who.contact_id, vip=vip, manager_id=manager_id,
               status="routing", started_at=now).first()
    if row is None:
        return None
    call = _Call(id=row.id, external_id=call_id, caller=phone, branch_id=branch_id, member_id=who.member_id,
                 vip=vip, manager_id=manager_id,
                 manager_seat=(who.seat_id, who.seat_extension, who.seat_status) if who.seat_id else (),
                 manager_mobile=who.manager_mobile or "")
    return _decision(call, _advance(actor, call, None, set(), now))


def _hops(call: BankCall) -> list[BankCallHop]:
    return list(db.session.scalars(select(BankCallHop).where(BankCallHop.call_id == call.id).order_by(BankCallHop.seq)))


def call_log_query(limit: int = 100):
    return select(BankCall).order_by(BankCall.started_at.desc(), BankCall.id.desc()).limit(limit)
