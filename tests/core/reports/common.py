"""Hand-built report data: rows written straight through the models (in a tenant's context), so
each test states exactly what was bought, when and by whom, and its expected figures by hand."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.extensions import db
from core.members.models import Card, Member
from core.points.models import LedgerEntry
from core.purchases.models import Purchase
from core.service.models import ServiceRequest
from core.tiers.models import TierChange

SH = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def sh(*args) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime(*args, tzinfo=SH)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def member(name, no=None, **kw) -> Member:
    n = next(_seq)
    m = Member(member_no=no or f"M{n:07d}", name=name, **kw)
    db.session.add(m)
    db.session.flush()
    return m


def card(member_id, status="active", valid_until=None, issued_at=None) -> Card:
    c = Card(member_id=member_id, number=f"C{next(_seq):08d}", kind="physical", status=status,
             issued_at=issued_at or utc(2020, 1, 1), valid_until=valid_until)
    db.session.add(c)
    db.session.flush()
    return c


def purchase(member_id, at, yuan, tier_key=None, kind="sale") -> Purchase:
    fen = int(round(yuan * 100))
    p = Purchase(external_id=f"P{next(_seq)}", kind=kind, member_id=member_id, purchased_at=at, tier_key=tier_key,
                 list_total_fen=fen, discount_fen=0, paid_fen=fen, lines=[], recorded_by="test", fingerprint="x")
    db.session.add(p)
    db.session.flush()
    return p


def tier_change(member_id, scheme_id, to_tier, at, status="applied", decided_at=None, from_tier=None) -> TierChange:
    c = TierChange(member_id=member_id, scheme_id=scheme_id, from_tier=from_tier, to_tier=to_tier, reason="test",
                   status=status, actor_label="test", created_at=at, decided_at=decided_at)
    db.session.add(c)
    db.session.flush()
    return c


def ledger(member_id, kind, points, at, expires_at=None) -> LedgerEntry:
    e = LedgerEntry(member_id=member_id, kind=kind, points=points, balance_after=0, reason="test",
                    actor_label="test", created_at=at, expires_at=expires_at)
    db.session.add(e)
    db.session.flush()
    return e


def request(kind, status, due_at, member_id=None, assignee_id=None, subject="回访") -> ServiceRequest:
    n = next(_seq)
    r = ServiceRequest(request_no=f"SR{n:07d}", member_id=member_id, kind=kind, channel="phone", subject=subject,
                       priority=5, received_at=utc(2026, 1, 1), due_at=due_at, status=status,
                       created_by="test", assignee_id=assignee_id)
    db.session.add(r)
    db.session.flush()
    return r


def scheme(template="apparel"):
    """A published scheme (tier changes name the version that granted them)."""
    from core.tiers.services import create_draft, publish
    return publish(None, create_draft(None, template=template))
