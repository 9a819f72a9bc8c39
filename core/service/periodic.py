"""Periodic service tasks (定期服务任务): the work a VIP desk owes its members on a calendar.

- birthday greetings on the member's birthday (002; 003 篇2: a greeting never carries a promotion);
- a follow-up call 3–7 days after a purchase (002 宝贝回访);
- December renewal notices for cards that lapse at the new year (001 第十六–十七条);
- the monthly dormant-card follow-ups (003 篇2 §五.5, 篇6 休眠卡).

Each task is a service request, written set-based (one ``INSERT … SELECT`` over the tenant, never a
Python loop per member) and made at most once: a request carries a ``dedupe_key`` naming what it was
made for ("birthday:2026:<member>", "followup:<purchase>", "renewal:2026:<member>",
"dormant:2026-11:<member>"), unique per tenant, and the insert skips keys already present (``NOT
EXISTS``, plus ``ON CONFLICT DO NOTHING`` on the unique key as the last guard). Re-running a job the
same day, or every hour as cron does, creates nothing new. Dates are the tenant's (its time zone).

Numbering: requests are numbered ``SR0000001`` … from the tenant's ``service_request`` sequence, as
:func:`core.service.services.create_request` numbers them. A batch takes the sequence row's lock
first (``SELECT … FOR UPDATE``: every other numbering, a request made at the counter included, waits
for this transaction), reads its value ``base``, numbers the k-th new row ``base + k``
(``row_number()`` over the batch), and moves the sequence to ``base + batch size`` in the same
transaction. The lock is taken in a statement of its own, so the insert's snapshot (READ COMMITTED)
sees every request committed before it: nothing is numbered twice and, short of the unique guard
skipping a row, nothing is skipped.

Core SQL (no ORM listener): ``tenant_id`` is explicit in every statement. On PostgreSQL the insert,
its "created" history rows and the sequence move are one statement (data-modifying CTEs); on SQLite
(writers serialised by ``BEGIN IMMEDIATE``) a few statements in the caller's transaction.
"""
from __future__ import annotations

import logging
from calendar import isleap, monthrange
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import (BigInteger, String, and_, case, cast, exists, extract, func, insert, literal, null, or_,
                        select, true, update)

from core.audit import services as audit
from core.extensions import db
from core.jobs import job
from core.jobs.tenants import aware, run_for_every_tenant, tenant_texts
from core.members.models import Card, Member
from core.members.services import dormant_cutoff
from core.purchases.models import Purchase
from core.service.models import ServiceRequest, ServiceRequestEvent
from core.service.services import _window, _working_days, working_hours
from core.tenancy.sequences import TenantSequence

log = logging.getLogger("vip.jobs.periodic")

SEQUENCE = "service_request"
FOLLOW_UP_AFTER_DAYS = 3   # 002 宝贝回访: call 3–7 days after the purchase; made on the 3rd day,
FOLLOW_UP_BY_DAYS = 7      # due by the end of the 7th
RENEWAL_NOTICE_DAYS = 7    # a renewal notice is due within a week, and never after 31 December
DORMANT_MONTHS = 6         # no purchase for 6 months: dormant (003 篇6 休眠卡); the list takes 1–36
SYSTEM = "system"

# the member's preferred contact channel → the request's channel
_CHANNEL = {"call": "phone", "sms": "sms", "email": "email", "wechat": "wechat"}


# ---- dates ---------------------------------------------------------------------------------------

def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def close_by(first: date, last: date, as_of: datetime, tz: ZoneInfo, hours=None) -> datetime:
    """The due time of a task to be done between ``first`` and ``last`` (tenant dates): closing time
    of the latest working day in that span; when it has none (a long holiday), closing time of the
    next working day after it. Never before ``as_of``: a task made after today's closing is due by
    the next working day's closing instead of being born overdue."""
    hours = hours or working_hours()
    day = last
    while day >= first and not hours.is_working_day(day):
        day -= timedelta(days=1)
    if day < first:
        day = next(_working_days(last + timedelta(days=1), hours))
    due = _window(day, hours, tz)[1]
    if due <= as_of:
        due = _window(next(_working_days(as_of.astimezone(tz).date() + timedelta(days=1), hours)), hours, tz)[1]
    return due


# ---- the one writer -------------------------------------------------------------------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _upsert(table):
    """The dialect's own INSERT, which has ``on_conflict_do_nothing``."""
    if _dialect() == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)


def _lock_sequence(tenant_id: int) -> int:
    """Take the tenant's ``service_request`` sequence row (made if missing) under a row lock and
    return its value: numbers above it are this transaction's to give until it commits."""
    seq = TenantSequence.__table__
    db.session.execute(_upsert(seq).values(tenant_id=tenant_id, name=SEQUENCE, value=0)
                       .on_conflict_do_nothing(index_elements=[seq.c.tenant_id, seq.c.name]))
    return int(db.session.scalar(select(seq.c.value)
                                 .where(seq.c.tenant_id == tenant_id, seq.c.name == SEQUENCE).with_for_update()))


def _request_no(n):
    """``SR`` and the number, 7 digits zero-padded (8 and more as they come), in portable SQL:
    the same text as ``f"SR{n:07d}"`` in :func:`core.service.services.create_request`."""
    return literal("SR") + case((n < 10_000_000, func.substr(cast(n + 10_000_000, String), 2)),
                                else_=cast(n, String))


_REQUEST_COLUMNS = ("tenant_id", "request_no", "member_id", "kind", "channel", "subject", "detail", "priority",
                    "tier_key", "response_minutes", "received_at", "due_at", "status", "created_by",
                    "updated_at", "created_at", "dedupe_key")
_EVENT_COLUMNS = ("tenant_id", "request_id", "action", "from_status", "to_status", "note", "actor_label",
                  "created_at")


def write_requests(tenant_id: int, as_of: datetime, kind: str, source, job_name: str) -> int:
    """Insert one open request of ``kind`` per row of ``source`` whose ``dedupe_key`` the tenant has
    not used yet, with its "created" history row, numbered from the tenant's sequence (see the module's
    docstring). ``source`` selects, labelled: member_id, channel, subject, detail, priority, tier_key,
    due_at, dedupe_key and sort (the order numbers are given in). Returns how many were made."""
    db.session.flush()  # the ORM's pending rows first: this writes behind its back
    sr, ev, seq = ServiceRequest.__table__, ServiceRequestEvent.__table__, TenantSequence.__table__
    base = _lock_sequence(tenant_id)
    src = source.subquery("src")
    cand = (select(src, func.row_number().over(order_by=(src.c.sort, src.c.dedupe_key)).label("rn"))
            .where(~exists().where(sr.c.tenant_id == tenant_id, sr.c.dedupe_key == src.c.dedupe_key))
            .cte("cand"))
    at = literal(as_of, type_=sr.c.created_at.type)
    number = literal(base, BigInteger) + cand.c.rn
    rows = (select(literal(tenant_id), _request_no(number), cand.c.member_id, literal(kind), cand.c.channel,
                   cand.c.subject, cand.c.detail, cand.c.priority, cand.c.tier_key, null(), at, cand.c.due_at,
                   literal("open"), literal(SYSTEM), at, at, cand.c.dedupe_key)
            .where(true()))  # SQLite: the SELECT of an upsert needs a WHERE, or ON reads as a join's
    new_requests = (_upsert(sr).from_select(_REQUEST_COLUMNS, rows)
                    .on_conflict_do_nothing(index_elements=[sr.c.tenant_id, sr.c.dedupe_key]))
    batch = select(func.count()).select_from(cand).scalar_subquery()

    def events_for(request_ids):
        return insert(ev).from_select(_EVENT_COLUMNS, select(
            literal(tenant_id), request_ids, literal("created"), null(), literal("open"),
            literal(f"periodic: {job_name}"), literal(SYSTEM), at))

    if _dialect() == "postgresql":
        # numbering, requests, their history and the sequence move in one statement
        written = new_requests.returning(sr.c.id).cte("written")
        history = events_for(written.c.id).returning(ev.c.id).cte("history")
        made = db.session.scalar(
            update(seq).where(seq.c.tenant_id == tenant_id, seq.c.name == SEQUENCE)
            .values(value=literal(base, BigInteger) + batch)
            .returning(select(func.count()).select_from(history).scalar_subquery()))
    else:  # SQLite: this transaction holds the database's write lock since _lock_sequence
        size = db.session.scalar(select(batch))
        last_id = db.session.scalar(select(func.coalesce(func.max(sr.c.id), 0))) or 0
        db.session.execute(new_requests)
        just = (select(sr.c.id).where(sr.c.tenant_id == tenant_id, sr.c.id > last_id,
                                      sr.c.dedupe_key.is_not(None)).subquery("just"))
        made = db.session.execute(events_for(just.c.id)).rowcount
        db.session.execute(update(seq).where(seq.c.tenant_id == tenant_id, seq.c.name == SEQUENCE)
                           .values(value=base + size))
    db.session.expire_all()  # the ORM's copy of the sequence row is stale now
    made = int(made or 0)
    if made:
        audit.record(None, "service_request.periodic", "service_request", None, None,
                     {"job": job_name, "kind": kind, "created": made, "as_of": as_of.isoformat()})
    return made


# ---- what every task row shares --------------------------------------------------------------------

def _scheme():
    from core.tiers.services import live_scheme, scheme_of
    row = live_scheme()
    return scheme_of(row) if row is not None else None


def _member_terms(m, scheme):
    """(tier key, priority) columns as :func:`core.service.services._tier_terms` finds them: the
    member's tier in the live scheme, or its entry tier; priority 5 when the tier names none."""
    if scheme is None:
        return m.c.tier_key, literal(5)
    entry = next((t for t in scheme.tiers if t.qualify is None), None)
    keys = [t.key for t in scheme.tiers]
    tier_key = case((m.c.tier_key.in_(keys), m.c.tier_key), else_=literal(entry.key) if entry else null())
    priority = case(*[(m.c.tier_key == t.key, t.benefits.priority or 5) for t in scheme.tiers],
                    else_=(entry.benefits.priority or 5) if entry else 5)
    return tier_key, priority


def _channel(m):
    return case(*[(m.c.contact_channel == k, v) for k, v in _CHANNEL.items()], else_=literal("phone"))


def _consent_note(m):
    """A service call may mention offers only to a member who agreed to receive them."""
    sep = "" if str(get_locale()).startswith("zh") else " "  # Chinese sentences follow each other unspaced
    return case((m.c.promotions_consent == true(), sep + _("The member has agreed to receive promotions.")),
                else_=sep + _("The member has not agreed to receive promotions: mention none."))


def _key(prefix: str, id_column):
    return literal(prefix) + cast(id_column, String)


def _check_context(tenant_id: int) -> None:
    from core.tenancy.context import NoTenantContext, current_tenant_id
    if current_tenant_id() != tenant_id:
        raise NoTenantContext(f"run as tenant {tenant_id} (tenant_context), not {current_tenant_id()}")


# ---- 1. birthday greetings (生日问候) ----------------------------------------------------------------

def birthday_greetings_for(tenant_id: int, tz: ZoneInfo, as_of: datetime | None = None) -> int:
    """A greeting for every member whose birthday is today (tenant date; 29 February counts on
    28 February in common years), due by today's closing time, once per member per year. Every
    member gets one, whether or not they accept promotions: a greeting is not one, and it carries
    none (003 篇2)."""
    _check_context(tenant_id)
    as_of = aware(as_of)
    today = as_of.astimezone(tz).date()
    m = Member.__table__
    on_the_day = and_(extract("month", m.c.birthday) == today.month, extract("day", m.c.birthday) == today.day)
    if (today.month, today.day) == (2, 28) and not isleap(today.year):
        on_the_day = or_(on_the_day, and_(extract("month", m.c.birthday) == 2, extract("day", m.c.birthday) == 29))
    tier_key, priority = _member_terms(m, _scheme())
    with tenant_texts(tenant_id):
        subject = _("Birthday greeting")
        detail = _("Wish the member a happy birthday on their preferred channel. This is a greeting only: "
                   "it must carry no promotion, offer, discount or advertisement.")
    source = (select(m.c.id.label("member_id"), _channel(m).label("channel"), literal(subject).label("subject"),
                     literal(detail).label("detail"), priority.label("priority"), tier_key.label("tier_key"),
                     literal(close_by(today, today, as_of, tz), type_=ServiceRequest.__table__.c.due_at.type)
                     .label("due_at"),
                     _key(f"birthday:{today.year}:", m.c.id).label("dedupe_key"), m.c.id.label("sort"))
              .where(m.c.tenant_id == tenant_id, m.c.birthday.is_not(None), on_the_day))
    return write_requests(tenant_id, as_of, "greeting", source, "birthday")


# ---- 2. follow-up calls after a purchase (宝贝回访) ---------------------------------------------------

def purchase_follow_ups_for(tenant_id: int, tz: ZoneInfo, as_of: datetime | None = None) -> int:
    """A follow-up call for every sale to a member made 3 days ago (tenant dates), due by the end of
    the 7th day after it (the latest working day up to then), once per purchase. A purchase whose
    3rd day the job missed (an outage) is still caught up until its 7th day (002: 3–7 days)."""
    _check_context(tenant_id)
    as_of = aware(as_of)
    today = as_of.astimezone(tz).date()
    return sum(_follow_ups_of_day(tenant_id, tz, as_of, today - timedelta(days=back))
               for back in range(FOLLOW_UP_BY_DAYS, FOLLOW_UP_AFTER_DAYS - 1, -1))


def _follow_ups_of_day(tenant_id: int, tz: ZoneInfo, as_of: datetime, day) -> int:
    """The follow-ups for the sales of one tenant-local ``day`` (set-based)."""
    p, m = Purchase.__table__, Member.__table__
    tier_key, priority = _member_terms(m, _scheme())
    with tenant_texts(tenant_id):
        marker = "\x1f"  # where each row's receipt number goes, in whatever order the language puts it
        before, _sep, after = _("Purchase %(receipt)s of %(date)s: ask how the goods suit the member (fit, "
                                "quality, care) and note any wish or complaint. Call between the 3rd and the 7th "
                                "day after the purchase.", receipt=marker, date=day.isoformat()).partition(marker)
        subject = _("Follow-up call after a purchase")
        consent = _consent_note(m)
    due = close_by(day + timedelta(days=FOLLOW_UP_AFTER_DAYS), day + timedelta(days=FOLLOW_UP_BY_DAYS), as_of, tz)
    source = (select(p.c.member_id.label("member_id"), _channel(m).label("channel"),
                     literal(subject).label("subject"),
                     (literal(before) + p.c.external_id + literal(after) + consent).label("detail"),
                     priority.label("priority"), tier_key.label("tier_key"),
                     literal(due, type_=ServiceRequest.__table__.c.due_at.type).label("due_at"),
                     _key("followup:", p.c.id).label("dedupe_key"), p.c.id.label("sort"))
              .select_from(p.join(m, and_(m.c.id == p.c.member_id, m.c.tenant_id == tenant_id)))
              .where(p.c.tenant_id == tenant_id, p.c.kind == "sale",
                     p.c.purchased_at >= _midnight(day, tz), p.c.purchased_at < _midnight(day + timedelta(days=1), tz)))
    return write_requests(tenant_id, as_of, "follow_up", source, "follow_up")


# ---- 3. December renewal notices (续期提醒) -----------------------------------------------------------

def renewal_notices_for(tenant_id: int, tz: ZoneInfo, as_of: datetime | None = None) -> int:
    """In December (tenant time), when the live scheme's cards are renewed every December
    (``december_renewal``), a reminder for every member holding an active card that lapses at the
    coming new year; once per member per year. Nothing in any other month or under any other scheme."""
    _check_context(tenant_id)
    as_of = aware(as_of)
    today = as_of.astimezone(tz).date()
    scheme = _scheme()
    if today.month != 12 or scheme is None or scheme.policies.validity.kind != "december_renewal":
        return 0
    new_year = _midnight(date(today.year + 1, 1, 1), tz)
    m, c = Member.__table__, Card.__table__
    lapsing = exists().where(c.c.tenant_id == tenant_id, c.c.member_id == m.c.id, c.c.status == "active",
                             c.c.kind != "accumulation",  # an accumulation card is no VIP card to renew
                             c.c.valid_until > as_of, c.c.valid_until <= new_year)
    tier_key, priority = _member_terms(m, scheme)
    with tenant_texts(tenant_id):
        subject = _("Membership card renewal reminder")
        detail = _("The member's card is valid until %(date)s. December is renewal month: remind the member to "
                   "renew; a card not renewed is void after December.", date=date(today.year, 12, 31).isoformat())
        consent = _consent_note(m)
    due = close_by(today, min(today + timedelta(days=RENEWAL_NOTICE_DAYS - 1), date(today.year, 12, 31)), as_of, tz)
    source = (select(m.c.id.label("member_id"), _channel(m).label("channel"), literal(subject).label("subject"),
                     (literal(detail) + consent).label("detail"), priority.label("priority"),
                     tier_key.label("tier_key"),
                     literal(due, type_=ServiceRequest.__table__.c.due_at.type).label("due_at"),
                     _key(f"renewal:{today.year}:", m.c.id).label("dedupe_key"), m.c.id.label("sort"))
              .where(m.c.tenant_id == tenant_id, lapsing))
    return write_requests(tenant_id, as_of, "follow_up", source, "renewal")


# ---- 4. the monthly dormant-card follow-ups (休眠卡) --------------------------------------------------

def dormant_members_select(tenant_id: int, as_of: datetime, tz: ZoneInfo, months: int = DORMANT_MONTHS):
    """Core select of the tenant's dormant members' ids: an active card still valid at ``as_of``
    and no purchase since the tenant-local midnight ``months`` months before today (or none ever).
    The same rule as :func:`core.members.services.dormant_query`, which the list endpoint uses."""
    m, c = Member.__table__, Card.__table__
    cutoff = dormant_cutoff(as_of, months, tz)
    holds_card = exists().where(c.c.tenant_id == tenant_id, c.c.member_id == m.c.id, c.c.status == "active",
                                or_(c.c.valid_until.is_(None), c.c.valid_until > as_of))
    return (select(m.c.id).where(m.c.tenant_id == tenant_id, holds_card,
                                 or_(m.c.last_purchase_at.is_(None), m.c.last_purchase_at < cutoff)))


def dormant_follow_ups_for(tenant_id: int, tz: ZoneInfo, as_of: datetime | None = None,
                           months: int = DORMANT_MONTHS) -> int:
    """On the first day of each month (tenant time), a follow-up call for every dormant member,
    due by the end of the month's last working day; once per member per month."""
    _check_context(tenant_id)
    as_of = aware(as_of)
    today = as_of.astimezone(tz).date()
    if today.day != 1:
        return 0
    m = Member.__table__
    dormant = dormant_members_select(tenant_id, as_of, tz, months).subquery("dormant")
    tier_key, priority = _member_terms(m, _scheme())
    with tenant_texts(tenant_id):
        subject = _("Dormant member follow-up")
        detail = _("No purchase for %(months)d months (none since %(since)s): call to ask how the member is "
                   "and whether anything kept them away.", months=months,
                   since=dormant_cutoff(as_of, months, tz).date().isoformat())
        consent = _consent_note(m)
    month_end = date(today.year, today.month, monthrange(today.year, today.month)[1])
    source = (select(m.c.id.label("member_id"), _channel(m).label("channel"), literal(subject).label("subject"),
                     (literal(detail) + consent).label("detail"), priority.label("priority"),
                     tier_key.label("tier_key"),
                     literal(close_by(today, month_end, as_of, tz), type_=ServiceRequest.__table__.c.due_at.type)
                     .label("due_at"),
                     _key(f"dormant:{today:%Y-%m}:", m.c.id).label("dedupe_key"), m.c.id.label("sort"))
              .join(dormant, dormant.c.id == m.c.id)
              .where(m.c.tenant_id == tenant_id))
    return write_requests(tenant_id, as_of, "follow_up", source, "dormant")


# ---- the jobs (RQ cron: core/jobs/cron.py) ----------------------------------------------------------

@job("periodic")
def birthday_greetings(as_of: str | None = None) -> int:
    """Hourly: today's birthday greetings in every tenant (each on its own local date)."""
    return run_for_every_tenant(birthday_greetings_for, as_of)


@job("periodic")
def purchase_follow_ups(as_of: str | None = None) -> int:
    """Hourly: follow-up calls for purchases made 3 days ago, in every tenant."""
    return run_for_every_tenant(purchase_follow_ups_for, as_of)


@job("periodic")
def renewal_notices(as_of: str | None = None) -> int:
    """Hourly: in December, renewal reminders in every tenant whose cards are renewed in December."""
    return run_for_every_tenant(renewal_notices_for, as_of)


@job("periodic")
def dormant_follow_ups(as_of: str | None = None) -> int:
    """Hourly: on the first of the month, follow-up calls for every tenant's dormant members."""
    return run_for_every_tenant(dormant_follow_ups_for, as_of)
