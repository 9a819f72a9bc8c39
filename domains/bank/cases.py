"""Cases (案件): problem resolution (优先解决问题), claims (优先理赔) and deliveries (优先投递, seed 001
"优先服务"; seed 003 篇1/篇3) as core service requests with bank-side steps.

The request keeps the tier's SLA and ordering (core/service: priority from the tier, due time from
its response time in working hours), so a VIP's case comes before ordinary work of the same kind.
The steps are done in order, each signed by who and when; step *i* of *n* is due at
``received + (due − received) × i / n``, so the last step is due when the request is.
A delivery adds what is handed over, from which branch, to whom, and the hand-over with the ID check.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership
from core.jobs import job
from core.members.models import Member, MemberContact
from core.models import utcnow
from core.service import services as service
from core.service.models import ACTIVE_STATUSES, ServiceRequest
from domains.bank.models import BankBranch, BankCaseStep, BankDelivery

STEPS = {
    "bank.resolution": ("registered", "investigating", "answered", "client_confirmed"),
    "bank.claim": ("registered", "documents_checked", "assessed", "decided", "paid"),
    "bank.delivery": ("prepared", "client_notified", "handed_over"),
}
CASE_KINDS = ("bank.resolution", "bank.claim")
STEP_LABELS = {
    "registered": _l("Registered"),
    "investigating": _l("Investigating"),
    "answered": _l("Answered"),
    "client_confirmed": _l("Client confirmed"),
    "documents_checked": _l("Documents checked"),
    "assessed": _l("Assessed"),
    "decided": _l("Decided"),
    "paid": _l("Paid or closed"),
    "prepared": _l("Prepared"),
    "client_notified": _l("Client notified"),
    "handed_over": _l("Handed over"),
    "returned": _l("Returned"),
}
ITEMS = {"card": _l("Card"), "document": _l("Document"), "other": _l("Other")}


class CaseError(RuleError):
    """A case rule refused the input."""


def _step_due(req: ServiceRequest, i: int, n: int) -> datetime:
    return req.received_at + (req.due_at - req.received_at) * (i + 1) / n


def _make_steps(actor, req: ServiceRequest, now: datetime, sign_first: bool) -> None:
    keys = STEPS[req.kind]
    for i, key in enumerate(keys):
        step = BankCaseStep(request_id=req.id, seq=i + 1, key=key, due_at=_step_due(req, i, len(keys)))
        if i == 0 and sign_first:
            step.done_at, step.done_by = now, audit.actor_label(actor)
            step.done_by_id = getattr(actor, "membership_id", None)
        db.session.add(step)
    db.session.flush()


def open_case(actor, *, kind: str, subject: str, detail: str | None = None, member_id: int | None = None,
              channel: str = "counter", now: datetime | None = None) -> ServiceRequest:
    """Register a problem or a claim: the core request (the tier's SLA) and its steps, the first signed."""
    now = now or utcnow()
    if kind not in CASE_KINDS:
        raise CaseError("kind", _l("Choose one of: %(choices)s.", choices=", ".join(CASE_KINDS)))
    req = service.create_request(actor, kind=kind, subject=subject, detail=detail, member_id=member_id,
                                 channel=channel, now=now)
    _make_steps(actor, req, now, sign_first=True)
    return req


def client_by_identifier(identifier: str | None) -> int | None:
    """The client a case is for, by card number, phone or ID number as at the kiosk; none if blank."""
    from domains.bank.queue import identify
    if not (identifier or "").strip():
        return None
    member, _how = identify(identifier)
    if member is None:
        raise CaseError("identifier", _l("No client with this card, phone or ID number."), 404)
    return member.id


def open_delivery(actor, *, member_id: int, item: str, description: str, branch_id: int,
                  contact_id: int | None = None, now: datetime | None = None) -> ServiceRequest:
    """A card or document to hand over to a client (or a registered contact of a company client)."""
    now = now or utcnow()
    if item not in ITEMS:
        raise CaseError("item", _l("Choose one of: %(choices)s.", choices=", ".join(ITEMS)))
    description = (description or "").strip()
    if not description or len(description) > 200:
        raise CaseError("description", _l("A description of 1 to 200 characters is required."))
    if db.session.get(BankBranch, branch_id or 0) is None:
        raise CaseError("branch_id", _l("No such branch."), 404)
    member = db.session.get(Member, member_id or 0)
    if member is None:
        raise CaseError("member_id", _l("No such member."), 404)
    if contact_id is not None:
        contact = db.session.get(MemberContact, contact_id)
        if contact is None or contact.member_id != member.id:
            raise CaseError("contact_id", _l("Not a registered contact of this client."), 404)
    elif member.kind == "company":
        raise CaseError("contact_id", _l("A company client receives through a registered contact."))
    req = service.create_request(actor, kind="bank.delivery", subject=f"{ITEMS[item]}: {description}"[:200],
                                 member_id=member.id, now=now)
    db.session.add(BankDelivery(request_id=req.id, item=item, description=description, branch_id=branch_id,
                                contact_id=contact_id))
    _make_steps(actor, req, now, sign_first=False)
    return req


def recipient_by_identifier(identifier: str | None) -> tuple[int, int | None]:
    """Who a delivery goes to, from one field at the counter: a person by card, phone or ID number
    (as at the kiosk), or a company client through the phone of one of its registered contacts.
    Returns (member id, contact id or None)."""
    from core.members.services import find_by_phone
    from domains.bank.queue import identify
    if not (identifier or "").strip():
        raise CaseError("identifier", _l("The client's card, phone or ID number, or a company contact's phone."))
    member, _how = identify(identifier)
    if member is not None and member.kind == "person":
        return member.id, None
    member, contact = find_by_phone(identifier)
    if member is None or (member.kind == "company" and contact is None):
        raise CaseError("identifier", _l("No client with this card, phone or ID number, and no company contact "
                                         "with this phone."), 404)
    return member.id, contact.id if contact else None


def register_delivery(actor, *, identifier: str | None, item: str, description: str, branch_id: int | None,
                      now: datetime | None = None) -> ServiceRequest:
    """A delivery registered at the counter (the *Deliveries* page): the recipient found from one
    identifier, then ``open_delivery``."""
    member_id, contact_id = recipient_by_identifier(identifier)
    return open_delivery(actor, member_id=member_id, item=item, description=description, branch_id=branch_id,
                         contact_id=contact_id, now=now)


def assign_case(actor, request_id: int, membership_id: int | None, now: datetime | None = None) -> ServiceRequest:
    """Give a case or delivery to one of the tenant's active staff (None: take it back); core's
    assignment, so it shows on that person's list of requests."""
    if get_case(request_id) is None:
        raise CaseError("request_id", _l("No such case."), 404)
    return service.assign(actor, request_id, membership_id, now=now)


def get_case(request_id: int) -> ServiceRequest | None:
    req = db.session.get(ServiceRequest, request_id)
    return req if req is not None and req.kind in STEPS else None


def steps_of(request_id: int) -> list[BankCaseStep]:
    return list(db.session.scalars(select(BankCaseStep).where(BankCaseStep.request_id == request_id)
                                   .order_by(BankCaseStep.seq)))


def delivery_of(request_id: int) -> BankDelivery | None:
    return db.session.scalar(select(BankDelivery).where(BankDelivery.request_id == request_id))


def next_step(steps) -> BankCaseStep | None:
    return next((s for s in steps if s.done_at is None), None)


def advance(actor, request_id: int, step: str, *, note: str | None = None, recipient_name: str | None = None,
            id_checked: bool = False, now: datetime | None = None) -> ServiceRequest:
    """Sign the next step. Steps go in order: another step is refused (409) naming the next one. The
    first step after registering takes the request up; the last resolves it. A delivery ends handed
    over (the recipient's name and the ID checked, both required) or returned."""
    now = now or utcnow()
    req = get_case(request_id)
    if req is None:
        raise CaseError("request_id", _l("No such case."), 404)
    # one signer at a time: the row lock (PostgreSQL); SQLite serialises writers anyway
    req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.id == request_id).with_for_update()
                            .execution_options(populate_existing=True))
    if req.status not in ACTIVE_STATUSES:
        raise CaseError("step", _l("This case is finished."), 409)
    steps = steps_of(req.id)
    pending = next_step(steps)
    wanted = STEPS[req.kind]
    if step not in wanted and not (req.kind == "bank.delivery" and step == "returned"):
        raise CaseError("step", _l("Choose one of: %(choices)s.", choices=", ".join(wanted)))
    final = pending is steps[-1]
    if step == "returned":
        if not final:
            raise CaseError("step", _l("Next is: %(step)s.", step=STEP_LABELS[pending.key]), 409)
    elif pending is None or step != pending.key:
        raise CaseError("step", _l("Steps go in order. Next is: %(step)s.", step=STEP_LABELS[pending.key])
                        if pending else _l("This case is finished."), 409)
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise CaseError("note", _l("A note of at most 500 characters."))
    delivery = delivery_of(req.id) if req.kind == "bank.delivery" else None
    if step == "handed_over":
        recipient_name = (recipient_name or "").strip()
        if not recipient_name or len(recipient_name) > 80:
            raise CaseError("recipient_name", _l("The recipient's name is required."))
        if id_checked is not True:
            raise CaseError("id_checked", _l("Check the recipient's ID before handing over."))
        delivery.recipient_name, delivery.id_checked = recipient_name, True
        delivery.handed_by, delivery.handed_by_id = audit.actor_label(actor), getattr(actor, "membership_id", None)
        delivery.handed_at, delivery.outcome = now, "handed_over"
    elif step == "returned":
        pending.key, delivery.outcome = "returned", "returned"
    pending.done_at, pending.done_by, pending.note = now, audit.actor_label(actor), note
    pending.done_by_id = getattr(actor, "membership_id", None)
    if req.status == "open":
        service.change_status(actor, req.id, "in_progress", now=now)
    if final:
        service.change_status(actor, req.id, "resolved", note=note, now=now)
    audit.record(actor, "bank.case.step", "service_request", req.id, None, {"step": pending.key})
    db.session.flush()
    return req


def cases(kinds=CASE_KINDS, now: datetime | None = None) -> list[dict]:
    """The active cases of these kinds by tier priority, then due time (core's request order):
    a VIP's case before ordinary work of the same kind."""
    now = now or utcnow()
    q = (service.requests_query(status="active", now=now).where(ServiceRequest.kind.in_(kinds))
         .options(selectinload(ServiceRequest.assignee).selectinload(Membership.user)))
    reqs = db.session.scalars(q.limit(500)).all()
    ids = [r.id for r in reqs]
    steps: dict[int, list] = {i: [] for i in ids}
    for s in db.session.scalars(select(BankCaseStep).where(BankCaseStep.request_id.in_(ids))
                                .order_by(BankCaseStep.seq)) if ids else ():
        steps[s.request_id].append(s)
    deliveries = ({d.request_id: d for d in db.session.scalars(
        select(BankDelivery).where(BankDelivery.request_id.in_(ids)))} if ids else {})
    return [case_view(r, steps[r.id], deliveries.get(r.id), now) for r in reqs]


def case_view(req: ServiceRequest, steps, delivery, now: datetime | None = None) -> dict:
    now = now or utcnow()
    pending = next_step(steps)
    return {"request": req, "steps": steps, "delivery": delivery, "next": pending,
            "overdue": req.status in ACTIVE_STATUSES and (req.due_at < now or bool(pending and pending.due_at < now))}


# ---- late steps: a task for the lobby manager, once per step (cron) ---------------------------------

LATE_STEP_SOURCE = "bank:step-late:"


def remind_late_steps_for(tenant_id: int, tz, as_of: datetime | None = None) -> int:
    """Each open case's next step past its due time opens a task for the lobby manager (大堂经理,
    who watches the branch's promises): once per step, the task's source naming it, so later runs
    find nothing new. Only the step the case waits on: the later ones are late because of it.
    Returns how many tasks were opened."""
    from flask_babel import gettext as _

    from core.jobs.tenants import aware, tenant_texts
    from core.tasks.models import Task
    from core.tasks.services import open_tasks
    as_of = aware(as_of)
    late = db.session.execute(
        select(BankCaseStep, ServiceRequest, Member.name)
        .join(ServiceRequest, ServiceRequest.id == BankCaseStep.request_id)
        .outerjoin(Member, Member.id == ServiceRequest.member_id)
        .where(BankCaseStep.done_at.is_(None), ServiceRequest.status.in_(ACTIVE_STATUSES))
        .order_by(BankCaseStep.request_id, BankCaseStep.seq)).all()
    waiting_on: dict[int, tuple] = {}
    for step, req, client in late:
        waiting_on.setdefault(req.id, (step, req, client))  # the first undone step of each case
    due = [(step, req, client) for step, req, client in waiting_on.values() if step.due_at < as_of]
    if not due:
        return 0
    reminded = set(db.session.scalars(select(Task.source).where(Task.source.in_(
        [f"{LATE_STEP_SOURCE}{step.id}" for step, _req, _client in due]))))
    made = 0
    with tenant_texts(tenant_id):
        for step, req, client in due:
            source = f"{LATE_STEP_SOURCE}{step.id}"
            if source in reminded:
                continue
            open_tasks(None, positions=["bank.lobby_manager"], source=source, due_at=req.due_at,
                       member_id=req.member_id,
                       subject=_("Late: %(step)s of %(number)s (%(client)s), due %(due)s",
                                 step=str(STEP_LABELS[step.key]), number=req.request_no,
                                 client=client or _("without a client"),
                                 due=step.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
            made += 1
    return made


@job("periodic")
def remind_late_steps(as_of: str | None = None) -> int:
    """Every 15 minutes (RQ cron): late case steps to the lobby manager, in every bank; idempotent."""
    from core.jobs.tenants import run_for_every_tenant
    return run_for_every_tenant(remind_late_steps_for, as_of, domain="bank")
