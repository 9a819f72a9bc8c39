"""The branch queue (网点排队叫号) and the five priorities (五优先, seed 001 "优先服务": 优先办理、
优先查询、优先投递、优先解决问题、优先理赔) as core service-request kinds.

A ticket carries its holder's tier priority (1 first; 5 for clients without a tier) and a deadline:
issue time + the tier's maximum wait. Call-next takes, among the waiting tickets of the counter's
branch and kinds, first those past their deadline (earliest deadline first: ageing, so nobody
waits for ever behind a stream of VIPs), then by priority, then by issue time.

Concurrency: the pick and the claim are ONE statement, ``UPDATE … WHERE id = (SELECT … LIMIT 1
FOR UPDATE SKIP LOCKED) AND status = 'waiting' RETURNING id``. On PostgreSQL two tellers skip each
other's locked row, so they never wait on or get the same ticket. SQLite has no row locks: every
transaction begins IMMEDIATE (core/app.py), so writers are serialised by the database, and the
outer ``status = 'waiting'`` re-check makes a stale pick update nothing rather than serve twice.
Core SQL bypasses tenant scoping, so the current tenant is a bound parameter of every statement
(none: NoTenantContext). The statements are built once and run on the session's connection: a
teller's call-next costs what the SQL costs plus a fraction of a millisecond (bench/bench_bank_queue.py).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, case, exists, func, or_, select, update

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership
from core.members.models import Card, Member
from core.models import utcnow
from core.purchases.services import current_tier, tenant_zone
from core.service.services import register_kind
from core.tenancy.context import execute_as_tenant
from core.tenancy.sequences import next_value
from core.tiers.services import live_scheme, scheme_of
from domains.bank.models import BankBranch, BankCounter, BankTicket, BankTierWait

# The five priorities, each a core service-request kind (so inquiries, deliveries, problems and
# claims that are not served at the counter are requests with the tier's SLA).
KINDS = {
    "bank.handling": _l("Priority handling"),      # 优先办理
    "bank.inquiry": _l("Priority inquiry"),        # 优先查询
    "bank.delivery": _l("Priority delivery"),      # 优先投递 (cards, documents)
    "bank.resolution": _l("Priority problem resolution"),  # 优先解决问题
    "bank.claim": _l("Priority claims"),           # 优先理赔
}
for _key, _label in KINDS.items():
    register_kind(_key, _label)

STATUSES = ("waiting", "called", "serving", "done", "no_show")
OPEN_AT_COUNTER = ("called", "serving")
# The default maximum wait by tier priority, in minutes; a tier's own response time, when
# shorter, wins. Tenants override per tier (BankTierWait).
PRIORITY_WAIT = {1: 10, 2: 15, 3: 20, 4: 30, 5: 40}
ORDINARY = ""  # BankTierWait key of clients without a tier


class QueueError(RuleError):
    """A queue rule refused the input."""


# ---- branches, counters, waits --------------------------------------------------------------------

def create_branch(actor, *, code: str, name: str, hotline: str | None = None) -> BankBranch:
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 20:
        raise QueueError("code", _l("A branch code of 1 to 20 characters is required."))
    if not name or len(name) > 80:
        raise QueueError("name", _l("A branch name of 1 to 80 characters is required."))
    if db.session.scalar(select(BankBranch.id).where(BankBranch.code == code)):
        raise QueueError("code", _l("This branch code is taken."), 409)
    branch = BankBranch(code=code, name=name, hotline=(hotline or "").strip() or None)
    db.session.add(branch)
    db.session.flush()
    audit.record(actor, "bank.branch.create", "bank_branch", branch.id, None, {"code": code})
    return branch


def branch_by_code(code: str | None) -> BankBranch | None:
    return db.session.scalar(select(BankBranch).where(BankBranch.code == code)) if code else None


def branches() -> list[BankBranch]:
    return list(db.session.scalars(select(BankBranch).order_by(BankBranch.code)))


def _kinds(values, field="kinds") -> list[str]:
    values = list(values or ())
    if not values or any(v not in KINDS for v in values):
        raise QueueError(field, _l("Choose one or more of: %(choices)s.", choices=", ".join(KINDS)))
    return sorted(set(values))


def create_counter(actor, branch: BankBranch, *, number: int, kinds, teller_id: int | None = None) -> BankCounter:
    if not isinstance(number, int) or not 1 <= number <= 999:
        raise QueueError("number", _l("A counter number from 1 to 999."))
    kinds = _kinds(kinds)
    if db.session.scalar(select(BankCounter.id).where(BankCounter.branch_id == branch.id,
                                                      BankCounter.number == number)):
        raise QueueError("number", _l("This branch has that counter already."), 409)
    if teller_id is not None:
        _active_staff(teller_id, "teller_id")
    counter = BankCounter(branch_id=branch.id, number=number, kinds=kinds, teller_id=teller_id, active=True)
    db.session.add(counter)
    db.session.flush()
    audit.record(actor, "bank.counter.create", "bank_counter", counter.id, None,
                 {"branch": branch.code, "number": number, "kinds": kinds})
    return counter


def _active_staff(membership_id: int, field: str) -> Membership:
    m = db.session.get(Membership, membership_id)
    if m is None or not m.active:
        raise QueueError(field, _l("No such active staff member."), 404)
    return m


def sign_on(actor, counter: BankCounter, teller_id: int) -> BankCounter:
    """A teller takes a counter (a teller sits at one counter at a time)."""
    _active_staff(teller_id, "teller_id")
    db.session.execute(update(BankCounter).where(BankCounter.teller_id == teller_id, BankCounter.id != counter.id)
                       .values(teller_id=None))
    counter.teller_id = teller_id
    return counter


def set_tier_wait(actor, tier_key: str, minutes: int) -> BankTierWait:
    """The tenant's own maximum wait for a tier ("" = clients without a tier)."""
    if not isinstance(minutes, int) or not 1 <= minutes <= 480:
        raise QueueError("max_wait_minutes", _l("A maximum wait from 1 to 480 minutes."))
    row = live_scheme()
    known = {t.key for t in scheme_of(row).tiers} if row is not None else set()
    if tier_key != ORDINARY and tier_key not in known:
        raise QueueError("tier_key", _l("No such tier in the live scheme."))
    wait = db.session.scalar(select(BankTierWait).where(BankTierWait.tier_key == tier_key))
    before = wait.max_wait_minutes if wait else None
    if wait is None:
        wait = BankTierWait(tier_key=tier_key, max_wait_minutes=minutes)
        db.session.add(wait)
    wait.max_wait_minutes = minutes
    db.session.flush()
    audit.record(actor, "bank.tier_wait", "bank_tier_wait", wait.id, {"minutes": before}, {"minutes": minutes})
    return wait


def tier_terms(member: Member | None) -> tuple[str | None, int, int]:
    """(tier key, priority, maximum wait in minutes) for a client (None: without a tier)."""
    tier = None
    if member is not None:
        row = live_scheme()
        tier = current_tier(member, scheme_of(row)) if row is not None else None
    priority = int(tier.benefits.priority or 5) if tier is not None else 5
    overrides = dict(db.session.execute(select(BankTierWait.tier_key, BankTierWait.max_wait_minutes)).all())
    key = tier.key if tier is not None else None
    if (key or ORDINARY) in overrides:
        return key, priority, overrides[key or ORDINARY]
    minutes = PRIORITY_WAIT.get(priority, PRIORITY_WAIT[5])
    response = tier.benefits.response_minutes if tier is not None else None
    if response:
        minutes = min(minutes, response)
    return key, priority, minutes


def wait_table() -> list[dict]:
    """Each tier's maximum wait as it applies now (for the settings page)."""
    row = live_scheme()
    tiers = scheme_of(row).tiers if row is not None else ()
    overrides = dict(db.session.execute(select(BankTierWait.tier_key, BankTierWait.max_wait_minutes)).all())
    out = []
    for t in tiers:
        default = PRIORITY_WAIT.get(t.benefits.priority, 40)
        if t.benefits.response_minutes:
            default = min(default, t.benefits.response_minutes)
        out.append({"tier_key": t.key, "name": t.name, "priority": t.benefits.priority, "default": default,
                    "minutes": overrides.get(t.key, default)})
    out.append({"tier_key": ORDINARY, "name": None, "priority": 5, "default": PRIORITY_WAIT[5],
                "minutes": overrides.get(ORDINARY, PRIORITY_WAIT[5])})
    return out


# ---- the kiosk -------------------------------------------------------------------------------------

def identify(identifier: str | None) -> tuple[Member | None, str | None]:
    """A client by card number, phone or ID number (in that order); (None, None) otherwise."""
    from core.members.services import MemberError, _id_hash, clean_card_number, clean_id_number, normalise_phone
    raw = (identifier or "").strip()
    if not raw:
        return None, None
    try:
        number = clean_card_number(raw)
    except Exception:  # noqa: BLE001 - not a card number: try the next way
        number = None
    if number:
        card = db.session.scalar(select(Card).where(Card.number == number, Card.status == "active"))
        if card is not None:
            return db.session.get(Member, card.member_id), "card"
    try:
        phone = normalise_phone(raw)
    except MemberError:
        phone = None
    if phone:
        member = db.session.scalar(select(Member).where(Member.phone == phone, Member.kind == "person").limit(1))
        if member is not None:
            return member, "phone"
    try:
        id_number = clean_id_number(raw)
    except MemberError:
        id_number = None
    if id_number:
        member = db.session.scalar(select(Member).where(Member.id_number_hash == _id_hash(id_number)).limit(1))
        if member is not None:
            return member, "id_number"
    return None, None


def business_day(at: datetime) -> date:
    return at.astimezone(tenant_zone()).date()


def take_ticket(actor, branch: BankBranch, *, kind: str, identifier: str | None = None,
                member_id: int | None = None, now: datetime | None = None) -> BankTicket:
    """A ticket from the kiosk: a recognised client gets their tier's priority and maximum wait
    (number V…); anybody else an ordinary ticket (A…)."""
    now = now or utcnow()
    if kind not in KINDS:
        raise QueueError("kind", _l("Choose one of: %(choices)s.", choices=", ".join(KINDS)))
    how = None
    if member_id is not None:
        member = db.session.get(Member, member_id)
        if member is None:
            raise QueueError("member_id", _l("No such member."), 404)
        how = "staff"
    else:
        member, how = identify(identifier)
    tier_key, priority, minutes = tier_terms(member)
    day = business_day(now)
    prefix = "V" if priority < 5 else "A"
    seq = next_value(f"bt:{branch.id}:{day:%Y%m%d}:{prefix}")
    ticket = BankTicket(branch_id=branch.id, business_day=day, number=f"{prefix}{seq:03d}", kind=kind,
                        member_id=member.id if member else None, identified_by=how, tier_key=tier_key,
                        priority=priority, max_wait_minutes=minutes, issued_at=now,
                        deadline_at=now + timedelta(minutes=minutes), status="waiting", recalls=0, transfers=0)
    db.session.add(ticket)
    db.session.flush()
    return ticket


# ---- the teller console ---------------------------------------------------------------------------

# The teller's hot path (call next, complete) runs as Core statements built once and executed on
# the session's connection: no ORM listener, so ``tenant_id`` is a bound parameter of every one of
# them, and no ORM entity is built (a BankTicket already in the session is not refreshed by them).
_T = BankTicket.__table__
TICKET_COLUMNS = tuple(_T.c[name] for name in (
    "id", "branch_id", "number", "kind", "member_id", "identified_by", "tier_key", "priority", "max_wait_minutes",
    "issued_at", "deadline_at", "status", "counter_id", "for_counter_id", "teller_id", "called_at",
    "last_called_at", "served_at", "completed_at", "recalls", "transfers"))


def _one_of(column, values):
    """``column = a OR column = b …`` rather than ``IN``: SQLAlchemy expands an IN list at every
    execution, these compile once."""
    return or_(*[column == v for v in values])


def _pick(kinds: tuple[str, ...]):
    """The next ticket for a counter (see the module docstring): the earliest deadline among the
    overdue, else the best priority, earliest issued. Two index-ordered arms (deadline; priority and
    issue time), each ``LIMIT 1 FOR UPDATE SKIP LOCKED``, joined by COALESCE, which evaluates the
    second only when the first finds nothing: each call reads a few index entries, not the queue."""
    t = _T
    q = (select(t.c.id)
         .where(t.c.tenant_id == bindparam("tenant"), t.c.branch_id == bindparam("branch"),
                t.c.status == "waiting", _one_of(t.c.kind, kinds),
                or_(t.c.for_counter_id.is_(None), t.c.for_counter_id == bindparam("counter"))))
    now = bindparam("now", type_=t.c.called_at.type)
    overdue = (q.where(t.c.deadline_at <= now).order_by(t.c.deadline_at, t.c.id).limit(1)
               .with_for_update(skip_locked=True).scalar_subquery())
    by_tier = (q.order_by(t.c.priority, t.c.issued_at, t.c.id).limit(1)
               .with_for_update(skip_locked=True).scalar_subquery())
    return func.coalesce(overdue, by_tier)


_CALL_NEXT: dict[tuple[str, ...], object] = {}


def call_next_statement(kinds) -> object:
    """The one statement that picks and claims the next ticket for a counter serving ``kinds``, with
    the bind parameters ``tenant``, ``branch``, ``counter``, ``teller`` and ``now`` (the
    benchmark's floor runs the same SQL). It claims nothing while the counter still has a ticket
    called or being served. Built once per set of kinds (at most 31) and kept: SQLAlchemy then
    compiles it once and reuses its cache key."""
    kinds = tuple(sorted(kinds))
    stmt = _CALL_NEXT.get(kinds)
    if stmt is not None:
        return stmt
    t, busy = _T, _T.alias("busy")
    now = bindparam("now", type_=t.c.called_at.type)
    free = ~exists(select(busy.c.id).where(busy.c.tenant_id == bindparam("tenant"),
                                           busy.c.counter_id == bindparam("counter"),
                                           _one_of(busy.c.status, OPEN_AT_COUNTER)))
    stmt = (update(t)
            .where(t.c.id == _pick(kinds), t.c.status == "waiting", t.c.tenant_id == bindparam("tenant"), free)
            .values(status="called", counter_id=bindparam("counter"),
                    teller_id=bindparam("teller", type_=Integer()), called_at=now, last_called_at=now,
                    for_counter_id=None)
            .returning(*TICKET_COLUMNS))
    _CALL_NEXT[kinds] = stmt
    return stmt


_COMPLETE = (update(_T)
             .where(_T.c.id == bindparam("ticket"), _T.c.tenant_id == bindparam("tenant"),
                    _T.c.counter_id == bindparam("counter"), _one_of(_T.c.status, OPEN_AT_COUNTER))
             .values(status="done", completed_at=bindparam("now", type_=_T.c.completed_at.type),
                     served_at=func.coalesce(_T.c.served_at, bindparam("now", type_=_T.c.served_at.type)))
             .returning(*TICKET_COLUMNS))


def complete_statement():
    """The statement that completes a ticket at a counter (bind parameters ``ticket``, ``tenant``,
    ``counter`` and ``now``); the benchmark's floor runs the same SQL."""
    return _COMPLETE


def _claim(statement, params):
    """Run one of the statements above as the current tenant; a copy of the ticket already in the
    session is expired (Core does not synchronise it), so the ORM never writes or shows a stale status."""
    row = execute_as_tenant(statement, params).first()
    if row is not None:
        session = db.session()
        held = session.identity_map.get(session.identity_key(BankTicket, row.id))
        if held is not None:
            session.expire(held)
    return row


def open_ticket(counter: BankCounter) -> BankTicket | None:
    return db.session.scalar(select(BankTicket).where(BankTicket.counter_id == counter.id,
                                                      BankTicket.status.in_(OPEN_AT_COUNTER)).limit(1))


def call_next(actor, counter: BankCounter, *, teller_id: int | None = None, now: datetime | None = None):
    """Call the next ticket to this counter: the ticket's row as called (its columns as attributes),
    or None when nobody waits. A counter finishes its current ticket (complete, no-show or
    transfer) before it calls another."""
    now = now or utcnow()
    if not counter.active:
        raise QueueError("counter_id", _l("This counter is closed."), 409)
    ticket = _claim(call_next_statement(counter.kinds),
                    {"branch": counter.branch_id, "counter": counter.id, "teller": teller_id, "now": now})
    if ticket is None:
        current = open_ticket(counter)  # only now: why nothing was claimed
        if current is not None:
            raise QueueError("counter_id", _l("Ticket %(number)s is still at this counter: complete it, mark it "
                                              "a no-show or transfer it first.", number=current.number), 409)
    return ticket


def _ticket_at(counter: BankCounter, ticket: BankTicket | None, allowed: tuple[str, ...]) -> BankTicket:
    if ticket is None:
        raise QueueError("ticket_id", _l("No such ticket."), 404)
    if ticket.branch_id != counter.branch_id:
        raise QueueError("ticket_id", _l("This ticket belongs to another branch."), 409)
    if ticket.status in ("done", "no_show"):
        raise QueueError("ticket_id", _l("Ticket %(number)s is finished already (%(status)s).",
                                         number=ticket.number, status=ticket.status), 409)
    if ticket.counter_id != counter.id or ticket.status not in allowed:
        raise QueueError("ticket_id", _l("Ticket %(number)s is not %(state)s at this counter.", number=ticket.number,
                                         state=" / ".join(allowed)), 409)
    return ticket


def _locked(ticket_id: int) -> BankTicket | None:
    return db.session.scalar(select(BankTicket).where(BankTicket.id == ticket_id).with_for_update()
                             .execution_options(populate_existing=True))


def recall(actor, counter: BankCounter, ticket_id: int, now: datetime | None = None) -> BankTicket:
    """Call the same number again (the client did not come yet): the board shows it anew."""
    ticket = _ticket_at(counter, _locked(ticket_id), ("called",))
    ticket.recalls += 1
    ticket.last_called_at = now or utcnow()
    return ticket


def serve(actor, counter: BankCounter, ticket_id: int, now: datetime | None = None) -> BankTicket:
    """The client is at the counter: service starts."""
    ticket = _ticket_at(counter, _locked(ticket_id), ("called",))
    ticket.status, ticket.served_at = "serving", now or utcnow()
    return ticket


def complete(actor, counter: BankCounter, ticket_id: int, now: datetime | None = None):
    """Service done: the ticket's row as completed. One UPDATE … RETURNING (the teller's hot path);
    when it matches nothing, the ticket is read to say why (unknown, another branch, finished, not
    at this counter)."""
    ticket = _claim(_COMPLETE, {"ticket": ticket_id, "counter": counter.id, "now": now or utcnow()})
    if ticket is None:
        _ticket_at(counter, db.session.get(BankTicket, ticket_id, populate_existing=True), ("called", "serving"))
        raise AssertionError("unreachable")  # pragma: no cover (_ticket_at raised)
    return ticket


def no_show(actor, counter: BankCounter, ticket_id: int, now: datetime | None = None) -> BankTicket:
    ticket = _ticket_at(counter, _locked(ticket_id), ("called",))
    ticket.status, ticket.completed_at = "no_show", now or utcnow()
    return ticket


def transfer(actor, counter: BankCounter, ticket_id: int, *, to_counter_id: int | None = None,
             to_kind: str | None = None, now: datetime | None = None) -> BankTicket:
    """Send the client to another counter or another kind of service: the ticket waits again,
    keeping its issue time and deadline (it has waited already), for that counter or kind."""
    ticket = _ticket_at(counter, _locked(ticket_id), ("called", "serving"))
    if to_counter_id is None and to_kind is None:
        raise QueueError("to_counter_id", _l("Name the counter or the kind to transfer to."))
    target = None
    if to_counter_id is not None:
        target = db.session.get(BankCounter, to_counter_id)
        if target is None:
            raise QueueError("to_counter_id", _l("No such counter."), 404)
        if target.branch_id != counter.branch_id or target.id == counter.id or not target.active:
            raise QueueError("to_counter_id", _l("Transfer to another open counter of this branch."), 409)
    if to_kind is not None and to_kind not in KINDS:
        raise QueueError("to_kind", _l("Choose one of: %(choices)s.", choices=", ".join(KINDS)))
    kind = to_kind or ticket.kind
    if target is not None and kind not in target.kinds:
        raise QueueError("to_counter_id", _l("That counter does not serve this kind."), 409)
    ticket.kind, ticket.for_counter_id = kind, target.id if target else None
    ticket.status, ticket.counter_id, ticket.teller_id = "waiting", None, None
    ticket.served_at = None
    ticket.transfers += 1
    return ticket


# ---- reading ---------------------------------------------------------------------------------------

def waiting_query(branch_id: int, now: datetime):
    """The waiting tickets of a branch in the order call-next takes them (for any kind)."""
    overdue = BankTicket.deadline_at <= now
    return (select(BankTicket).where(BankTicket.branch_id == branch_id, BankTicket.status == "waiting")
            .order_by(case((overdue, 0), else_=1), case((overdue, 0), else_=BankTicket.priority),
                      case((overdue, BankTicket.deadline_at), else_=BankTicket.issued_at), BankTicket.id))


def lobby(branch: BankBranch, now: datetime, recent: int = 8) -> dict:
    """What the lobby board shows: the numbers called now (newest first) and how many wait."""
    called = db.session.execute(
        select(BankTicket, BankCounter.number)
        .join(BankCounter, BankCounter.id == BankTicket.counter_id)
        .where(BankTicket.branch_id == branch.id, BankTicket.business_day == business_day(now),
               BankTicket.status.in_(OPEN_AT_COUNTER))
        .order_by(BankTicket.last_called_at.desc()).limit(recent)).all()
    waiting = db.session.scalar(select(db.func.count()).select_from(BankTicket).where(
        BankTicket.branch_id == branch.id, BankTicket.status == "waiting"))
    return {"called": [(t, n) for t, n in called], "waiting": waiting or 0}


def counters_of(branch_id: int) -> list[BankCounter]:
    return list(db.session.scalars(select(BankCounter).where(BankCounter.branch_id == branch_id)
                                   .order_by(BankCounter.number)))


def ticket_of_branch(ticket_id: int) -> BankTicket | None:
    return db.session.get(BankTicket, ticket_id)



def staff_members() -> list[Membership]:
    """The tenant's active staff, for the set-up forms' choices (teller, seat owner)."""
    return list(db.session.scalars(select(Membership).where(Membership.active.is_(True)).order_by(Membership.id)))
