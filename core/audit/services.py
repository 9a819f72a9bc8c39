"""Writing the audit trail. Called by every service that changes tenant settings or staff."""
from core.audit.models import AuditEntry, PlatformEvent
from core.extensions import db


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "label", None) or getattr(actor, "email", None) or str(actor)


def record(actor, action: str, object_type: str, object_id=None, before=None, after=None) -> AuditEntry:
    """Add an audit entry in the caller's transaction (so it exists exactly when the change does)."""
    entry = AuditEntry(
        actor_user_id=getattr(actor, "user_id", None),
        actor_label=actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def record_platform(actor, action: str, **detail) -> PlatformEvent:
    event = PlatformEvent(actor_label=actor_label(actor), action=action, detail=detail or None)
    db.session.add(event)
    return event


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys that changed, so the log says what moved rather than everything."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
