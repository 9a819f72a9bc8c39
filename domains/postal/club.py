"""Extra value (超值服务, 001 篇3 §一.(四)): birthday service and holiday greetings, the VIP club and its
events (文体联谊活动) with invitations from a segment and attendance.

Greetings are core service requests written set-based by ``core.service.periodic.write_requests``,
each once by its dedupe key (``postal-holiday:<day>:<member>``; birthdays share core's own
``birthday:<year>:<member>``, so a client is never greeted twice by the two jobs), and put on the
client manager's list. A greeting never carries a promotion (003 篇2): its text says so, whatever the
client's consent to offers.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, update

from core.audit import services as audit
from core.extensions import db
from core.jobs import job
from core.jobs.tenants import aware, run_for_every_tenant, tenant_texts
from core.members.models import Member
from core.models import utcnow
from core.segments.models import Segment
from core.segments.services import members_query
from core.service.models import ServiceRequest
from core.service.periodic import (_channel, _key, _member_terms, _scheme, birthday_greetings_for, close_by,
                                   write_requests)
from domains.postal.models import PostalClubEvent, PostalHoliday, PostalInvitation
from domains.postal.services import PostalError


def _to_managers(prefix: str) -> None:
    """Greetings just made for managed clients go on their manager's list."""
    sr, m = ServiceRequest, Member
    manager = select(m.client_manager_id).where(m.id == sr.member_id).scalar_subquery()
    db.session.execute(update(sr).where(sr.dedupe_key.like(prefix + "%"), sr.assignee_id.is_(None),
                                        sr.status == "open",
                                        sr.member_id.in_(select(m.id).where(m.client_manager_id.is_not(None))))
                       .values(assignee_id=manager).execution_options(synchronize_session=False))


def greetings_for(tenant_id: int, tz: ZoneInfo, as_of: datetime | None = None) -> int:
    """Today's (tenant date) birthday greetings and, on one of the bureau's holidays, a holiday greeting
    for every managed client; each once, however often it runs. Returns how many were made."""
    as_of = aware(as_of)
    today = as_of.astimezone(tz).date()
    made = birthday_greetings_for(tenant_id, tz, as_of)
    _to_managers(f"birthday:{today.year}:")
    holiday = db.session.scalar(select(PostalHoliday).where(PostalHoliday.day == today))
    if holiday is not None:
        t = Member.__table__
        tier_key, priority = _member_terms(t, _scheme())
        with tenant_texts(tenant_id):
            subject = _("Holiday greeting: %(holiday)s", holiday=holiday.name)
            detail = _("Send the client the bureau's greetings for %(holiday)s on their preferred channel. This is "
                       "a greeting only: it must carry no promotion, offer, discount or advertisement.",
                       holiday=holiday.name)
        prefix = f"postal-holiday:{today.isoformat()}:"
        source = (select(t.c.id.label("member_id"), _channel(t).label("channel"), literal(subject).label("subject"),
                         literal(detail).label("detail"), priority.label("priority"), tier_key.label("tier_key"),
                         literal(close_by(today, today, as_of, tz), type_=ServiceRequest.__table__.c.due_at.type)
                         .label("due_at"), _key(prefix, t.c.id).label("dedupe_key"), t.c.id.label("sort"))
                  .where(t.c.tenant_id == tenant_id, t.c.client_manager_id.is_not(None)))
        made += write_requests(tenant_id, as_of, "greeting", source, "postal_holiday")
        _to_managers(prefix)
    return made


@job("periodic")
def greetings(as_of: str | None = None) -> int:
    """Hourly (RQ cron): birthday and holiday greetings for every postal tenant's clients; idempotent."""
    return run_for_every_tenant(greetings_for, as_of, domain="postal")


# ---- the VIP club (VIP俱乐部) ----------------------------------------------------------------------

def create_event(actor, *, title: str, starts_at: datetime, place: str, capacity: int | None = None,
                 now: datetime | None = None) -> PostalClubEvent:
    now = now or utcnow()
    title, place = (title or "").strip(), (place or "").strip()
    if not title or len(title) > 120:
        raise PostalError("title", _l("A title of 1 to 120 characters."))
    if not place or len(place) > 200:
        raise PostalError("place", _l("Say where (1 to 200 characters)."))
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise PostalError("starts_at", _l("Give the time with its offset, e.g. 2026-11-25T10:00:00+08:00."))
    if starts_at <= now:
        raise PostalError("starts_at", _l("An event is planned for a later time."))
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1):
        raise PostalError("capacity", _l("At least one place, or none for no limit."))
    event = PostalClubEvent(title=title, starts_at=starts_at, place=place, capacity=capacity,
                            created_by=audit.actor_label(actor))
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "postal.event", "postal_club_event", event.id, None, {"title": title})
    return event


def invitation_count(event_id: int) -> int:
    return db.session.scalar(select(func.count(PostalInvitation.id)).where(PostalInvitation.event_id == event_id)) or 0


def invite_segment(actor, event: PostalClubEvent, segment: Segment | None, now: datetime | None = None) -> int:
    """Invite the segment's members not yet invited (one INSERT); refused as a whole beyond capacity."""
    if segment is None:
        raise PostalError("segment_id", _l("No such segment."), 404)
    if event.starts_at <= (now or utcnow()):
        raise PostalError("event_id", _l("The event has begun: invitations are closed."), 409)
    already = select(PostalInvitation.member_id).where(PostalInvitation.event_id == event.id)
    # the ids through the ORM (tenant-scoped), then one INSERT naming the tenant
    new_ids = db.session.scalars(members_query(segment.definition).order_by(None)
                                 .with_only_columns(Member.id).where(Member.id.not_in(already))).all()
    count = len(new_ids)
    if event.capacity is not None and invitation_count(event.id) + count > event.capacity:
        raise PostalError("segment_id", _l("%(n)s invitations would exceed the %(capacity)s places.",
                                           n=count, capacity=event.capacity), 409)
    at = now or utcnow()
    if new_ids:
        db.session.execute(PostalInvitation.__table__.insert(),
                           [{"tenant_id": event.tenant_id, "event_id": event.id, "member_id": mid, "created_at": at}
                            for mid in new_ids])
    audit.record(actor, "postal.invite", "postal_club_event", event.id, None,
                 {"segment_id": segment.id, "invited": count})
    return count


def mark_attendance(actor, event: PostalClubEvent, member_id, attended: bool = True,
                    now: datetime | None = None) -> PostalInvitation:
    now = now or utcnow()
    inv = db.session.scalar(select(PostalInvitation).where(PostalInvitation.event_id == event.id,
                                                          PostalInvitation.member_id == member_id))
    if inv is None:
        raise PostalError("member_id", _l("This client was not invited."), 404)
    if event.starts_at > now:
        raise PostalError("event_id", _l("Attendance is taken once the event has begun."), 409)
    inv.attended_at = (inv.attended_at or now) if attended else None
    audit.record(actor, "postal.attendance", "postal_invitation", inv.id, None, {"attended": attended})
    return inv
