"""The current tenant, and the two listeners that enforce it on every ORM statement.

Follows SQLAlchemy's documented ``do_orm_execute`` + ``with_loader_criteria`` recipe, failing closed:
with no tenant context, a statement that touches a tenant-scoped model raises instead of returning
every tenant's rows. ``unscoped(reason)`` is the one escape hatch; every use is logged by name.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.orm import Session, with_loader_criteria

from core.tenancy.models import Tenant, TenantScoped

audit_log = logging.getLogger("vip.audit.unscoped")

_current: ContextVar[int | None] = ContextVar("vip_tenant_id", default=None)
_unscoped: ContextVar[str | None] = ContextVar("vip_unscoped_reason", default=None)


class NoTenantContext(RuntimeError):
    """A tenant-scoped model was queried or written with no tenant in context."""


class ForeignTenantWrite(RuntimeError):
    """A flush would insert, change or delete a row of a tenant other than the current one."""


def current_tenant_id() -> int | None:
    return _current.get()


def set_current_tenant(tenant_id: int | None):
    """Low-level setter for the request cycle; returns a token for ``reset_current_tenant``."""
    return _current.set(tenant_id)


def reset_current_tenant(token) -> None:
    _current.reset(token)


@contextmanager
def tenant_context(tenant: Tenant | int):
    """Run a block (a job, a CLI command, a test) as one tenant.

    Nesting a different tenant is refused: one Session never spans two tenants, because its identity
    map could otherwise hand back the first tenant's rows without SQL.
    """
    tid = tenant if isinstance(tenant, int) else tenant.id
    if tid is None:
        raise ValueError("tenant has no id yet; flush it before entering its context")
    outer = _current.get()
    if outer is not None and outer != tid:
        raise ForeignTenantWrite(f"already in tenant {outer}; will not nest tenant {tid}")
    token = _current.set(tid)
    try:
        yield tid
        _flush_pending()  # writes made as this tenant are checked and sent as this tenant
    finally:
        _current.reset(token)


def _flush_pending():
    from flask import has_app_context
    if not has_app_context():
        return
    from core.extensions import db
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()


def required_tenant_id() -> int:
    """The current tenant; none raises (fail closed)."""
    tid = _current.get()
    if tid is None:
        raise NoTenantContext("this needs a tenant context")
    return tid


def execute_as_tenant(statement, params: dict | None = None):
    """Run a Core statement on the session's connection as the current tenant, which it names as
    the bind parameter ``tenant`` in every table it touches (Core passes no ORM listener: the hot
    paths that need Core's speed scope themselves this way). The session's pending changes are sent
    first, since Core does not autoflush. No tenant: NoTenantContext."""
    from core.extensions import db
    params = {**(params or {}), "tenant": required_tenant_id()}
    session = db.session()
    session.flush()
    return session.connection().execute(statement, params)


@contextmanager
def unscoped(reason: str, actor: str | None = None):
    """The named, audited escape hatch for the rare cross-tenant read (platform admin, webhooks)."""
    if not reason:
        raise ValueError("say why the tenant scope is lifted")
    audit_log.info("tenant scope lifted: %s (actor=%s, tenant=%s)", reason, actor, _current.get())
    token = _unscoped.set(reason)
    try:
        yield
    finally:
        _unscoped.reset(token)


def _touches_scoped(state) -> bool:
    return any(issubclass(m.class_, TenantScoped) for m in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state):
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria already travel with the parent query's options
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if _unscoped.get() is not None:
        return
    tid = _current.get()
    if tid is None:
        if _touches_scoped(state):
            raise NoTenantContext("query on a tenant-scoped model with no tenant context")
        # Joins from unscoped models into scoped ones still must not see any tenant's rows.
        tid = -1
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tid, include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _guard_flush(session, flush_context, instances):
    lifted = _unscoped.get() is not None
    tid = _current.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tid is None:
                raise NoTenantContext(f"new {type(obj).__name__} with no tenant context")
            obj.tenant_id = tid
        elif not lifted and obj.tenant_id != tid:
            raise ForeignTenantWrite(
                f"refusing to insert {type(obj).__name__} of tenant {obj.tenant_id} as tenant {tid}")
    if lifted:
        return
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        hist = _tenant_history(obj)
        if obj.tenant_id != tid or hist:
            raise ForeignTenantWrite(
                f"refusing to change {type(obj).__name__} of tenant {obj.tenant_id} as tenant {tid}")


def _tenant_history(obj) -> bool:
    from sqlalchemy import inspect
    h = inspect(obj).attrs.tenant_id.history
    return bool(h.deleted)
