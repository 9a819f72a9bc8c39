"""Segments and targeted notices (客户细分与定向通知, DOMAIN.md §1; seed 000: new large-size jeans →
the customers who buy jeans in large sizes).

A segment's definition is a small validated document; :func:`members_query` turns it into one
ORM query (tenant-scoped like every other). A notice to a segment records one delivery per member
on that member's preferred channel; a promotion skips members without promotion consent and a
member without an address for their channel is skipped with that reason. Each delivery leaves
through the outbox as its own job, after the commit.
"""
from __future__ import annotations

from datetime import date, datetime, time

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import exists, extract, func, literal_column, select, text

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.jobs import enqueue, job
from core.members.models import Member
from core.models import utcnow
from core.purchases.models import Purchase
from core.purchases.services import tenant_zone
from core.segments.models import Notice, NoticeDelivery, Segment
from core.tiers.rules import window_start

NOTICE_KINDS = ("promotion", "service")


class SegmentError(RuleError):
    """A segment rule refused the input."""


class DefinitionSchema(Schema):
    """What a segment selects; every criterion is optional and they all must hold (AND)."""

    class Meta:
        unknown = "raise"

    tiers = fields.List(fields.String(validate=validate.Length(min=1, max=32)), load_default=list,
                        metadata={"description": "any of these tier keys; \"-\" means no tier"})
    spend_min_fen = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=0))
    spend_max_fen = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=0))
    spend_months = fields.Integer(strict=True, load_default=12, validate=validate.Range(min=1, max=120))
    bought_category = fields.String(load_default="", validate=validate.Length(max=40))
    bought_size = fields.String(load_default="", validate=validate.Length(max=20))
    bought_colour = fields.String(load_default="", validate=validate.Length(max=20))
    bought_months = fields.Integer(strict=True, load_default=12, validate=validate.Range(min=1, max=120))
    last_purchase_after = fields.Date(allow_none=True, load_default=None)
    last_purchase_before = fields.Date(allow_none=True, load_default=None)
    birthday_month = fields.Integer(strict=True, allow_none=True, load_default=None,
                                    validate=validate.Range(min=1, max=12))

    @validates_schema
    def _ranges(self, data, **kwargs):
        lo, hi = data.get("spend_min_fen"), data.get("spend_max_fen")
        if lo is not None and hi is not None and hi < lo:
            raise ValidationError({"spend_max_fen": ["Must not be below the minimum."]})
        a, b = data.get("last_purchase_after"), data.get("last_purchase_before")
        if a and b and b <= a:
            raise ValidationError({"last_purchase_before": ["Must be after the other date."]})


def clean_definition(definition: dict) -> dict:
    """The definition as stored (validated, dates as ISO strings, attributes lower case)."""
    try:
        data = DefinitionSchema().load(definition or {})
    except ValidationError as e:
        raise SegmentError("definition", _l("The segment has errors."), errors=e.messages) from None
    for k in ("bought_category", "bought_size", "bought_colour"):
        data[k] = data[k].strip().lower()
    for k in ("last_purchase_after", "last_purchase_before"):
        data[k] = data[k].isoformat() if data[k] else None
    return data


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tenant_zone())


def _bought(d: dict, since: datetime):
    """A sale since ``since`` with a line of this category / size / colour."""
    wanted = {k: d[f"bought_{k}"] for k in ("category", "size", "colour") if d[f"bought_{k}"]}
    params = {f"seg_{k}": v for k, v in wanted.items()}
    if db.session.get_bind().dialect.name == "postgresql":
        cond = " AND ".join(f"lower(l.value ->> '{k}') = :seg_{k}" for k in wanted)
        line = text(f"EXISTS (SELECT 1 FROM json_array_elements(purchase.lines) AS l(value) WHERE {cond})")
    else:
        cond = " AND ".join(f"lower(json_extract(l.value, '$.{k}')) = :seg_{k}" for k in wanted)
        line = text(f"EXISTS (SELECT 1 FROM json_each(purchase.lines) AS l WHERE {cond})")
    return exists(select(literal_column("1")).select_from(Purchase).where(
        Purchase.member_id == Member.id, Purchase.kind == "sale", Purchase.purchased_at > since,
        line.bindparams(**params)))


def members_query(definition: dict, as_of: datetime | None = None):
    """A select of the members the definition describes (ordered by member number)."""
    d = definition
    now = as_of or utcnow()
    q = select(Member).order_by(Member.member_no)
    if d.get("tiers"):
        keys = [k for k in d["tiers"] if k != "-"]
        cond = Member.tier_key.in_(keys)
        q = q.where(cond | Member.tier_key.is_(None) if "-" in d["tiers"] else cond)
    if d.get("spend_min_fen") is not None or d.get("spend_max_fen") is not None:
        since = window_start(now, d.get("spend_months") or 12, tenant_zone())
        spend = (select(Purchase.member_id, func.sum(Purchase.paid_fen).label("spend"))
                 .where(Purchase.purchased_at > since, Purchase.purchased_at <= now, Purchase.member_id.is_not(None))
                 .group_by(Purchase.member_id).subquery())
        q = q.outerjoin(spend, spend.c.member_id == Member.id)
        total = func.coalesce(spend.c.spend, 0)
        if d.get("spend_min_fen") is not None:
            q = q.where(total >= d["spend_min_fen"])
        if d.get("spend_max_fen") is not None:
            q = q.where(total <= d["spend_max_fen"])
    if d.get("bought_category") or d.get("bought_size") or d.get("bought_colour"):
        q = q.where(_bought(d, window_start(now, d.get("bought_months") or 12, tenant_zone())))
    if d.get("last_purchase_after"):
        q = q.where(Member.last_purchase_at >= _local_midnight(date.fromisoformat(d["last_purchase_after"])))
    if d.get("last_purchase_before"):
        q = q.where(Member.last_purchase_at < _local_midnight(date.fromisoformat(d["last_purchase_before"])))
    if d.get("birthday_month"):
        q = q.where(extract("month", Member.birthday) == d["birthday_month"])
    return q


def count(definition: dict) -> int:
    inner = members_query(definition).order_by(None).with_only_columns(Member.id).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


def save_segment(actor, *, name: str, definition: dict, segment: Segment | None = None) -> Segment:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise SegmentError("name", _l("A name of 1 to 120 characters is required."))
    clean = clean_definition(definition)
    clash = db.session.scalar(select(Segment).where(Segment.name == name))
    if clash is not None and clash is not segment:
        raise SegmentError("name", _l("Another segment already has this name."), 409)
    before = None
    if segment is None:
        segment = Segment(name=name, definition=clean, created_by=audit.actor_label(actor))
        db.session.add(segment)
    else:
        before = {"name": segment.name, "definition": segment.definition}
        segment.name, segment.definition, segment.updated_at = name, clean, utcnow()
    db.session.flush()
    audit.record(actor, "segment.save", "segment", segment.id, before, {"name": name, "definition": clean})
    return segment


def _address(member: Member) -> str | None:
    return member.email if member.contact_channel == "email" else member.phone


def send_notice(actor, segment: Segment, *, kind: str, subject: str, body: str) -> Notice:
    """Queue one delivery per member of the segment on their own channel (promotions: consent only)."""
    if kind not in NOTICE_KINDS:
        raise SegmentError("kind", _l("Choose one of: %(choices)s.", choices=", ".join(NOTICE_KINDS)))
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or len(subject) > 200:
        raise SegmentError("subject", _l("A subject of 1 to 200 characters is required."))
    if not body or len(body) > 2000:
        raise SegmentError("body", _l("A message of 1 to 2,000 characters is required."))
    notice = Notice(segment_id=segment.id, kind=kind, subject=subject, body=body,
                    created_by=audit.actor_label(actor), queued=0, skipped=0)
    db.session.add(notice)
    db.session.flush()
    for member in db.session.scalars(members_query(segment.definition)):
        address = _address(member)
        reason = ("no_consent" if kind == "promotion" and not member.promotions_consent
                  else "no_address" if not address else None)
        delivery = NoticeDelivery(notice_id=notice.id, member_id=member.id, channel=member.contact_channel,
                                  address=address, status="skipped" if reason else "queued", skip_reason=reason)
        db.session.add(delivery)
        if reason:
            notice.skipped += 1
        else:
            notice.queued += 1
            db.session.flush()
            enqueue(deliver, delivery_id=delivery.id)
    audit.record(actor, "notice.send", "notice", notice.id, None,
                 {"segment_id": segment.id, "kind": kind, "queued": notice.queued, "skipped": notice.skipped})
    return notice


@job("mail")
def deliver(delivery_id: int) -> None:
    """Send one member's copy on its channel: e-mail through the mail job's backend; SMS and WeChat
    through ``MESSAGE_BACKEND`` (``log`` writes them to the log); a call becomes a task for staff."""
    from core.mail import send_mail
    from core.tasks.services import open_tasks
    delivery = db.session.get(NoticeDelivery, delivery_id)
    if delivery is None or delivery.status != "queued":
        return  # sent already (the job ran twice) or withdrawn
    notice = db.session.get(Notice, delivery.notice_id)
    member = db.session.get(Member, delivery.member_id)
    if delivery.channel == "email":
        send_mail(to=delivery.address, subject=notice.subject, body=notice.body)
    elif delivery.channel == "call":
        open_tasks(None, positions=[None], member_id=member.id, source=f"notice:{notice.id}:{member.id}",
                   due_at=utcnow(), subject=str(_l("Call %(name)s: %(subject)s", name=member.name,
                                                   subject=notice.subject)),
                   detail=f"{delivery.address}\n{notice.body}")
    else:
        sent = current_app.extensions.setdefault("vip_sent_messages", [])
        current_app.logger.info("%s to %s: %s", delivery.channel, delivery.address, notice.subject)
        sent.append({"channel": delivery.channel, "to": delivery.address, "subject": notice.subject})
    delivery.status, delivery.sent_at = "sent", utcnow()


def deliveries_query(notice_id: int):
    return select(NoticeDelivery).where(NoticeDelivery.notice_id == notice_id).order_by(NoticeDelivery.id)


