"""Tier scheme rules: versions (draft → published, never edited after), templates from the seeds,
and a member's tier changes with the version and rule that granted each."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, select

from core import signals
from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.jobs import job
from core.models import utcnow
from core.tiers.document import dump_scheme, load_scheme
from core.tiers.ladders import TEMPLATES
from core.tiers.models import TierChange, TierScheme


class SchemeError(RuleError):
    """A scheme rule refused the input."""


def validate_document(document: dict) -> dict:
    """The document as stored: validated and normalised, or SchemeError with every field path."""
    try:
        return dump_scheme(load_scheme(document))
    except ValidationError as e:
        raise SchemeError("document", _l("The scheme has errors."), errors=e.messages) from None


def create_draft(actor, *, document: dict | None = None, template: str | None = None,
                 copy_of: int | None = None, note: str | None = None) -> TierScheme:
    """A new draft: from a seed template, from a copy of an earlier version, or a full document."""
    if sum(x is not None for x in (document, template, copy_of)) != 1:
        raise SchemeError("template", _l("Start from exactly one of: a template, a copy, a document."))
    if template is not None:
        if template not in TEMPLATES:
            raise SchemeError("template", _l("Unknown template: %(name)s.", name=template))
        document = TEMPLATES[template]["document"]
    elif copy_of is not None:
        source = db.session.get(TierScheme, copy_of)
        if source is None:
            raise SchemeError("copy_of", _l("No such scheme version."), 404)
        document = source.document
    stored = validate_document(document)
    version = (db.session.scalar(select(func.max(TierScheme.version))) or 0) + 1
    scheme = TierScheme(version=version, document=stored, status="draft", template=template,
                        note=(note or "")[:500] or None)
    db.session.add(scheme)
    db.session.flush()
    audit.record(actor, "scheme.draft", "tier_scheme", scheme.id, None, {"version": version, "template": template})
    return scheme


def update_draft(actor, scheme: TierScheme, document: dict) -> TierScheme:
    if scheme.status != "draft":
        raise SchemeError("status", _l("A published version is never changed; start a new draft from it."), 409)
    scheme.document = validate_document(document)
    audit.record(actor, "scheme.edit", "tier_scheme", scheme.id, None, {"version": scheme.version})
    return scheme


def publish(actor, scheme: TierScheme, note: str | None = None) -> TierScheme:
    if scheme.status != "draft":
        raise SchemeError("status", _l("This version is already published."), 409)
    validate_document(scheme.document)
    scheme.status, scheme.published_at = "published", utcnow()
    _forget_live_scheme()
    scheme.published_by = audit.actor_label(actor)
    if note:
        scheme.note = note[:500]
    audit.record(actor, "scheme.publish", "tier_scheme", scheme.id, {"status": "draft"},
                 {"status": "published", "version": scheme.version, "note": scheme.note})
    return scheme


def live_scheme() -> TierScheme | None:
    """The newest published version. Read once per request: a till page asks for it several times."""
    from flask import g, has_request_context

    from core.tenancy.context import current_tenant_id
    key = ("live_scheme", current_tenant_id())
    if has_request_context() and key in g.setdefault("_per_request", {}):
        return g._per_request[key]
    row = db.session.scalar(select(TierScheme).where(TierScheme.status == "published")
                            .order_by(TierScheme.version.desc()).limit(1))
    if has_request_context():
        g._per_request[key] = row
    return row


def _forget_live_scheme() -> None:
    from flask import g, has_request_context
    if has_request_context():
        g.pop("_per_request", None)


_PARSED: dict[tuple, object] = {}  # (tenant, scheme id, published at) -> Scheme; published only


def scheme_of(row: TierScheme):
    """The parsed scheme. A published version never changes, so it is parsed once per process."""
    if row.status != "published":
        return load_scheme(row.document)
    key = (row.tenant_id, row.id, row.published_at)  # ids can be reused; a publication cannot
    scheme = _PARSED.get(key)
    if scheme is None:
        if len(_PARSED) > 10_000:
            _PARSED.clear()
        scheme = _PARSED[key] = load_scheme(row.document)
    return scheme


def published_scheme(scheme_id: int, published_at):
    """The parsed published version ``scheme_id`` when a caller has read only its id and publication
    time (a hot path that does not need the document): from the per-process parse, else loaded."""
    from core.tenancy.context import current_tenant_id
    scheme = _PARSED.get((current_tenant_id(), scheme_id, published_at))
    if scheme is None:
        scheme = scheme_of(db.session.get(TierScheme, scheme_id))
    return scheme


def tier_or_entry(scheme, key: str | None):
    """The tier ``key`` in this scheme; a member without one holds the entry tier, if any."""
    return tier_of(scheme, key) or next((t for t in scheme.tiers if t.qualify is None), None)


def tier_of(scheme, key: str | None):
    return next((t for t in scheme.tiers if t.key == key), None) if key else None


def apply_decision(actor, member, scheme_row: TierScheme, decision, purchase_id: int | None = None) -> TierChange:
    """Record an upgrade the rules found: applied at once, or proposed for a person to approve."""
    change = TierChange(member_id=member.id, scheme_id=scheme_row.id, from_tier=member.tier_key,
                        to_tier=decision.tier_key, reason=decision.reason[:300],
                        status="proposed" if decision.needs_review else "applied",
                        purchase_id=purchase_id, actor_label=audit.actor_label(actor))
    db.session.add(change)
    if change.status == "applied":
        _move(member, scheme_row, decision.tier_key)
        signals.tier_changed.send(member, change=change)
    db.session.flush()
    return change


def _move(member, scheme_row, tier_key):
    member.tier_key, member.tier_scheme_id, member.tier_since = tier_key, scheme_row.id, utcnow()


def pending_proposal(member_id: int, tier_key: str) -> TierChange | None:
    return db.session.scalar(select(TierChange).where(
        TierChange.member_id == member_id, TierChange.to_tier == tier_key, TierChange.status == "proposed"))


def decide(actor, change: TierChange, approve: bool, member) -> TierChange:
    """A person decides a proposed tier (e.g. the mall's purple-gold card, 003 篇6)."""
    if change.status != "proposed":
        raise SchemeError("status", _l("This change has already been decided."), 409)
    change.status = "applied" if approve else "rejected"
    change.decided_at, change.decided_by = utcnow(), audit.actor_label(actor)
    if approve:
        _move(member, db.session.get(TierScheme, change.scheme_id), change.to_tier)
        signals.tier_changed.send(member, change=change)
    audit.record(actor, "tier.decide", "tier_change", change.id, {"status": "proposed"}, {"status": change.status})
    return change


def history_query(member_id: int):
    return select(TierChange).where(TierChange.member_id == member_id).order_by(TierChange.id.desc())


# ---- tier review (等级复核) ---------------------------------------------------------------------

def review_list(tenant_id: int, tz, as_of=None) -> list[dict]:
    """Who is below their tier's standard now: the month-end revocation review list (001 svip
    §一.5), or a preview of what the next automatic review will do."""
    from core.members.models import Member
    from core.tiers import review
    row = live_scheme()
    if row is None:
        return []
    q = review.candidates(tenant_id, scheme_of(row), row.id, as_of or utcnow(), tz, "list").subquery()
    rows = db.session.execute(select(q.c.member_id, q.c.from_tier, q.c.to_tier, Member.member_no, Member.name)
                              .join(Member, Member.id == q.c.member_id).order_by(Member.member_no)).all()
    return [r._asdict() for r in rows]


def run_review(tenant_id: int, tz, as_of=None) -> int:
    """Apply the automatic review the live scheme's policy asks for now (if any)."""
    from core.tiers import review
    row = live_scheme()
    if row is None:
        return 0
    as_of = as_of or utcnow()
    scheme = scheme_of(row)
    kind = review.policy_due(scheme, as_of, tz)
    return review.apply(tenant_id, scheme, row.id, as_of, tz, kind) if kind else 0


@job("periodic")
def review_tiers(as_of: str | None = None) -> int:
    """Hourly (RQ cron): each tenant's due review. Idempotent: a member moved down no longer
    qualifies to be moved again."""
    from core.jobs.tenants import run_for_every_tenant
    return run_for_every_tenant(lambda tenant_id, tz, at: run_review(tenant_id, tz, at), as_of or utcnow())


# ---- the what-if simulator (模拟测算) -----------------------------------------------------------

def simulate(actor, scheme_row: TierScheme, tenant_id: int, tz, as_of=None):
    """Replay the tenant's last 12 months under this version (a draft, usually) and keep the
    result: tier counts now and predicted, who moves, and the change in discount and points."""
    import time

    from core.tiers import simulate as sim
    from core.tiers.models import TierSimulation
    started = time.monotonic()
    draft = load_scheme(scheme_row.document) if scheme_row.status == "draft" else scheme_of(scheme_row)
    live_row = live_scheme()
    live = scheme_of(live_row) if live_row is not None else None
    as_of = as_of or utcnow()
    out = sim.replay(tenant_id, draft, live, as_of, tz)
    up = sum(1 for mv in out.moves if mv[3] == "up")
    labels = {t.key: (t.name, t.name_en) for t in (live.tiers if live else ())}
    labels.update({t.key: (t.name, t.name_en) for t in draft.tiers})
    keys = [t.key for t in draft.tiers] + [k for k in out.now if k is not None and k not in draft.tier_keys]
    summary = {
        "members": out.members, "sales": out.sales, "live_version": live_row.version if live_row else None,
        "tiers": [{"key": k, "name": labels.get(k, (k, k))[0], "name_en": labels.get(k, (k, k))[1],
                   "in_draft": k in draft.tier_keys, "now": out.now.get(k, 0),
                   "predicted": out.predicted.get(k, 0), "proposed": out.proposed.get(k, 0)} for k in keys],
        "without_tier": {"now": out.now.get(None, 0), "predicted": out.predicted.get(None, 0)},
        "up": up, "down": len(out.moves) - up,
        "discount_live_fen": out.discount_live_fen, "discount_draft_fen": out.discount_draft_fen,
        "points_live": out.points_live, "points_draft": out.points_draft,
    }
    run = TierSimulation(scheme_id=scheme_row.id, document_hash=sim.document_hash(scheme_row.document),
                         as_of=as_of, since=out.since, summary=summary, actor_label=audit.actor_label(actor))
    db.session.add(run)
    db.session.flush()
    sim.store_moves(tenant_id, run.id, out.moves)
    run.duration_ms = int((time.monotonic() - started) * 1000)
    audit.record(actor, "scheme.simulate", "tier_scheme", scheme_row.id, None,
                 {"version": scheme_row.version, "simulation": run.id, "up": up, "down": summary["down"]})
    return run


def latest_simulation(scheme_row: TierScheme):
    """The newest run of this version as it now reads (None after an edit: the numbers are stale)."""
    from core.tiers.models import TierSimulation
    from core.tiers.simulate import document_hash
    return db.session.scalar(select(TierSimulation).where(
        TierSimulation.scheme_id == scheme_row.id,
        TierSimulation.document_hash == document_hash(scheme_row.document))
        .order_by(TierSimulation.id.desc()).limit(1))


def simulation_moves_query(simulation_id: int, direction: str | None = None):
    from core.members.models import Member
    from core.tiers.models import TierSimulationMove as Move
    q = (select(Move.direction, Move.from_tier, Move.to_tier, Move.proposed, Move.spend_fen, Member.id,
                Member.member_no, Member.name)
         .join(Member, Member.id == Move.member_id).where(Move.simulation_id == simulation_id))
    if direction:
        q = q.where(Move.direction == direction)
    return q.order_by(Move.direction.desc(), Move.spend_fen.desc(), Member.member_no)


def grant(actor, member, scheme_row: TierScheme, tier_key: str | None, reason: str) -> TierChange:
    """A person's decision sets the tier (an approved application, a revocation): applied at once,
    recorded with the version and the reason like any other change."""
    change = TierChange(member_id=member.id, scheme_id=scheme_row.id, from_tier=member.tier_key, to_tier=tier_key,
                        reason=reason[:300], status="applied", actor_label=audit.actor_label(actor),
                        decided_at=utcnow(), decided_by=audit.actor_label(actor))
    db.session.add(change)
    _move(member, scheme_row, tier_key)
    db.session.flush()
    signals.tier_changed.send(member, change=change)
    return change
