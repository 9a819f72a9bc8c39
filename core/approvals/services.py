"""Tier applications and their two approvals, and the month-end revocation review (001 svip §一).

A staff member applies for a customer (spending power, potential, need); a consultant or manager
(role manager or higher) gives the first approval; the store manager or GM (role admin or higher)
the final one — never the same person twice, never the applicant. Either may reject with a reason.
Only the final approval changes the member's tier; then every staffed position gets a task due by
the close of the next working day, and whoever the final approver names tells the customer.
On the last day of each month the store manager reviews the tiers granted this way and revokes
those no longer deserved; each position is told again. Every step is in the audit log.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.approvals.models import TierApplication
from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.members.models import Member
from core.models import utcnow
from core.service.services import due_at, tenant_zone, working_hours
from core.tasks.services import open_tasks, staffed_positions
from core.tenancy.sequences import next_value
from core.tiers import services as tiers
from core.tiers.models import TierChange

MAX_TEXT = 2000


class ApprovalError(RuleError):
    """An approval rule refused the input."""


def _text(value, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApprovalError(field, _l("Fill in every item of the application: this one is empty."))
    if len(value) > MAX_TEXT:
        raise ApprovalError(field, _l("At most %(n)s characters.", n=MAX_TEXT))
    return value


def _state(app: TierApplication) -> dict:
    return {"status": app.status, "tier_key": app.tier_key}


def submit(actor, principal, *, member: Member, tier_key: str, spending_power: str, potential: str,
           need: str) -> TierApplication:
    row = tiers.live_scheme()
    if row is None:
        raise ApprovalError("tier_key", _l("Publish a tier scheme before applying for a tier."), 409)
    scheme = tiers.scheme_of(row)
    if tier_key not in scheme.tier_keys:
        raise ApprovalError("tier_key", _l("Choose one of this scheme's tiers: %(keys)s.",
                                           keys=", ".join(scheme.tier_keys)))
    if member.tier_key in scheme.tier_keys and scheme.rank(member.tier_key) >= scheme.rank(tier_key):
        raise ApprovalError("tier_key", _l("The member already holds this tier or a higher one."), 409)
    pending = db.session.scalar(select(TierApplication).where(
        TierApplication.member_id == member.id, TierApplication.status.in_(("submitted", "first_approved"))))
    if pending is not None:
        raise ApprovalError("member_id", _l("This member already has an application waiting: %(no)s.",
                                            no=pending.application_no), 409)
    app = TierApplication(
        application_no=f"AP{next_value('tier_application'):07d}", member_id=member.id, tier_key=tier_key,
        scheme_id=row.id, spending_power=_text(spending_power, "spending_power"),
        potential=_text(potential, "potential"), need=_text(need, "need"), status="submitted",
        applicant=audit.actor_label(actor), applicant_membership_id=getattr(principal, "membership_id", None))
    db.session.add(app)
    db.session.flush()
    audit.record(actor, "tier_application.submit", "tier_application", app.id, None,
                 {**_state(app), "member_id": member.id, "application_no": app.application_no})
    return app


def _same_person(principal, membership_id, label) -> bool:
    if membership_id is not None and getattr(principal, "membership_id", None) == membership_id:
        return True
    return getattr(principal, "label", None) == label


def _reject(actor, app: TierApplication, reason: str | None, stage: str) -> TierApplication:
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalError("reason", _l("Say why the application is rejected."))
    before = _state(app)
    app.status, app.rejected_reason = "rejected", reason[:500]
    if stage == "first":
        app.first_by, app.first_at = audit.actor_label(actor), utcnow()
    else:
        app.final_by, app.final_at = audit.actor_label(actor), utcnow()
    audit.record(actor, f"tier_application.reject_{stage}", "tier_application", app.id, before,
                 {**_state(app), "reason": app.rejected_reason})
    return app


def first_decision(actor, principal, app: TierApplication, *, approve: bool, opinion: str | None = None,
                   reason: str | None = None) -> TierApplication:
    """初级审批 by a consultant or manager."""
    if app.status != "submitted":
        raise ApprovalError("status", _l("This application is not waiting for a first approval."), 409)
    if not principal.has_role("manager"):
        raise ApprovalError("status", _l("A consultant or manager gives the first approval."), 403)
    if _same_person(principal, app.applicant_membership_id, app.applicant):
        raise ApprovalError("status", _l("Nobody approves their own application."), 403)
    if not approve:
        return _reject(actor, app, reason, "first")
    before = _state(app)
    app.first_opinion = _text(opinion, "opinion")
    app.status, app.first_by, app.first_at = "first_approved", audit.actor_label(actor), utcnow()
    app.first_membership_id = getattr(principal, "membership_id", None)
    audit.record(actor, "tier_application.first_approve", "tier_application", app.id, before,
                 {**_state(app), "opinion": app.first_opinion})
    return app


def final_decision(actor, principal, app: TierApplication, *, approve: bool, opinion: str | None = None,
                   reason: str | None = None, announcer: str | None = None) -> TierApplication:
    """店总批复: the tier applies now, and every position that serves the member is told."""
    if app.status != "first_approved":
        raise ApprovalError("status", _l("This application is not waiting for the final approval."), 409)
    if not principal.has_role("admin"):
        raise ApprovalError("status", _l("The store manager or general manager gives the final approval."), 403)
    if _same_person(principal, app.first_membership_id, app.first_by) or _same_person(
            principal, app.applicant_membership_id, app.applicant):
        raise ApprovalError("status", _l("The final approval needs someone other than the applicant and "
                                         "the first approver."), 403)
    if not approve:
        return _reject(actor, app, reason, "final")
    member = db.session.get(Member, app.member_id)
    row = tiers.live_scheme()
    if row is None or app.tier_key not in tiers.scheme_of(row).tier_keys:
        raise ApprovalError("tier_key", _l("The live scheme no longer has this tier; reject the application."), 409)
    before = _state(app)
    app.final_opinion = _text(opinion, "opinion")
    app.announcer = _text(announcer, "announcer")[:120]
    app.status, app.final_by, app.final_at = "approved", audit.actor_label(actor), utcnow()
    change = tiers.grant(actor, member, row, app.tier_key, reason=f"application {app.application_no} approved")
    app.tier_change_id = change.id
    now = utcnow()
    tier = tiers.tier_of(tiers.scheme_of(row), app.tier_key)
    open_tasks(actor, positions=staffed_positions(), member_id=member.id, source=f"tier_application:{app.id}",
               due_at=due_at(now, None, working_hours(), tenant_zone()),
               subject=str(_l("New %(tier)s: %(name)s (%(no)s)", tier=tier.name, name=member.name,
                              no=member.member_no)),
               detail=str(_l("Record the new tier in your register and prepare what the tier is promised. "
                             "%(who)s tells the customer.", who=app.announcer)))
    audit.record(actor, "tier_application.final_approve", "tier_application", app.id, before,
                 {**_state(app), "opinion": app.final_opinion, "announcer": app.announcer,
                  "tier_change_id": change.id})
    return app


def applications_query(status: str | None = None, member_id: int | None = None):
    q = select(TierApplication).order_by(TierApplication.id.desc())
    if status:
        q = q.where(TierApplication.status == status)
    if member_id is not None:
        q = q.where(TierApplication.member_id == member_id)
    return q


# ---- the month-end revocation review (每月最后一天 … 取消会员资格) ------------------------------

def is_review_day(as_of=None) -> bool:
    """The last day of the month in the tenant's zone: the day the seed sets for the review."""
    from datetime import timedelta
    local = (as_of or utcnow()).astimezone(tenant_zone()).date()
    return (local + timedelta(days=1)).day == 1


def review_list() -> list[dict]:
    """Members who hold a tier an approved application granted: the store manager keeps or revokes each."""
    latest = (select(TierApplication.member_id, func.max(TierApplication.id).label("app_id"))
              .where(TierApplication.status == "approved").group_by(TierApplication.member_id).subquery())
    rows = db.session.execute(
        select(TierApplication, Member).join(latest, latest.c.app_id == TierApplication.id)
        .join(Member, Member.id == TierApplication.member_id)
        .where(Member.tier_key == TierApplication.tier_key).order_by(Member.member_no)).all()
    return [{"application": a, "member": m} for a, m in rows]


def revoke(actor, member: Member, reason: str | None) -> TierChange:
    """Take back a tier granted by application: the member falls to the scheme's entry tier (or none);
    every staffed position is told to mark its register."""
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalError("reason", _l("Say why the tier is revoked."))
    granted = db.session.scalar(select(TierApplication).where(
        TierApplication.member_id == member.id, TierApplication.status == "approved",
        TierApplication.tier_key == member.tier_key).order_by(TierApplication.id.desc()).limit(1))
    if granted is None:
        raise ApprovalError("member_id", _l("This member's tier was not granted by an application."), 409)
    row = tiers.live_scheme()
    entry = tiers.scheme_of(row).entry_tier if row is not None else None
    change = tiers.grant(actor, member, row or db.session.get(tiers.TierScheme, granted.scheme_id),
                         entry.key if entry else None, reason=f"revoked at the month-end review: {reason}"[:300])
    open_tasks(actor, positions=staffed_positions(), member_id=member.id, source=f"tier_revocation:{change.id}",
               due_at=due_at(utcnow(), None, working_hours(), tenant_zone()),
               subject=str(_l("Tier revoked: %(name)s (%(no)s)", name=member.name, no=member.member_no)),
               detail=reason)
    audit.record(actor, "tier_application.revoke", "member", member.id, {"tier_key": granted.tier_key},
                 {"tier_key": member.tier_key, "reason": reason, "application_no": granted.application_no})
    return change


def find_member(number_or_phone: str) -> Member:
    """The member a form names by member number or phone (the front desk's first key)."""
    from core.members.services import lookup
    text = (number_or_phone or "").strip()
    if text:
        member = db.session.scalar(select(Member).where(Member.member_no == text.upper()))
        if member is not None:
            return member
        _how, found = lookup(phone=text)
        if len(found) == 1:
            return found[0]
    raise ApprovalError("member", _l("No member has this member number or phone."))
