"""Tasks for positions: opened by a rule (an approval, a revocation, a reception step), done by
whoever holds the position. Plain functions; the caller commits."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership
from core.models import utcnow
from core.tasks.models import Task


class TaskError(RuleError):
    """A task rule refused the input."""


def staffed_positions() -> list[str]:
    """Every position someone active holds in this tenant: "every post that serves the member"."""
    held = set()
    for positions in db.session.scalars(select(Membership.positions).where(Membership.active.is_(True))):
        held.update(positions or ())
    return sorted(held)


def open_tasks(actor, *, positions, subject: str, source: str, due_at, member_id: int | None = None,
               detail: str | None = None) -> list[Task]:
    """One task per position (None: one for any staff member), once per ``source``."""
    made = []
    for position in positions or [None]:
        existing = db.session.scalar(select(Task).where(Task.source == source, Task.position == position)
                                     if position is not None else
                                     select(Task).where(Task.source == source, Task.position.is_(None)))
        if existing is not None:
            made.append(existing)
            continue
        task = Task(position=position, member_id=member_id, subject=subject[:200], detail=detail, due_at=due_at,
                    status="open", source=source, created_by=audit.actor_label(actor))
        db.session.add(task)
        made.append(task)
    db.session.flush()
    return made


def tasks_query(principal, status: str = "open"):
    """The tasks this person should see: their positions' and everyone's; admins see all."""
    q = select(Task).where(Task.status == status).order_by(Task.due_at, Task.id)
    if not principal.has_role("admin"):
        q = q.where(or_(Task.position.is_(None), Task.position.in_(principal.positions or ())))
    return q


def complete(actor, task: Task, principal, note: str | None = None) -> Task:
    if task.status == "done":
        return task  # done twice is done once
    if not (principal.has_role("admin") or task.position is None or task.position in principal.positions):
        raise TaskError("position", _l("This task is for another position."), 403)
    task.status, task.done_at, task.done_by = "done", utcnow(), audit.actor_label(actor)
    task.done_note = (note or "").strip()[:500] or None
    audit.record(actor, "task.done", "task", task.id, {"status": "open"}, {"status": "done", "note": task.done_note})
    return task
