"""Tenant isolation at the ORM level: fail closed, scope every statement, refuse foreign writes."""
import logging

import pytest
from sqlalchemy import delete, func, select, update

from core.audit.models import AuditEntry
from core.extensions import db
from core.identity.models import Membership, User
from core.tenancy import ForeignTenantWrite, NoTenantContext, Tenant, tenant_context, unscoped


def test_query_without_tenant_context_raises(ctx, two_tenants):
    with pytest.raises(NoTenantContext):
        db.session.scalars(select(Membership)).all()
    with pytest.raises(NoTenantContext):
        db.session.get(Membership, two_tenants["a_owner"])
    with pytest.raises(NoTenantContext):
        db.session.execute(update(Membership).values(active=False))
    with pytest.raises(NoTenantContext):
        db.session.execute(delete(Membership))


def test_unscoped_models_need_no_context(ctx, two_tenants):
    assert db.session.scalar(select(func.count(Tenant.id))) == 2
    assert db.session.scalar(select(func.count(User.id))) == 4


def test_select_sees_only_the_current_tenant(app, two_tenants):
    a, b = two_tenants["a"], two_tenants["b"]
    with app.app_context(), tenant_context(a):
        ids = set(db.session.scalars(select(Membership.id)))
        assert ids == {two_tenants["a_owner"], two_tenants["a_staff"]}
        assert db.session.get(Membership, two_tenants["b_owner"]) is None
        # joins from an unscoped model into a scoped one are filtered too
        emails = set(db.session.scalars(select(User.email).join(Membership, Membership.user_id == User.id)))
        assert emails == {"owner@a.test", "staff@a.test"}
        # aggregates and subqueries
        sub = select(Membership.user_id).scalar_subquery()
        assert db.session.scalar(select(func.count()).select_from(User).where(User.id.in_(sub))) == 2
    with app.app_context(), tenant_context(b):
        assert db.session.get(Membership, two_tenants["a_owner"]) is None


def test_bulk_update_and_delete_are_scoped(app, two_tenants):
    a, b = two_tenants["a"], two_tenants["b"]
    with app.app_context(), tenant_context(a):
        db.session.execute(update(Membership).values(role="manager"))
        db.session.execute(delete(AuditEntry))
        db.session.commit()
    with app.app_context(), tenant_context(b):
        roles = set(db.session.scalars(select(Membership.role)))
        assert roles == {"owner", "staff"}, "tenant A's bulk UPDATE reached tenant B"
        assert db.session.scalar(select(func.count(AuditEntry.id))) > 0, "A's DELETE reached B"
    with app.app_context(), tenant_context(a):
        assert set(db.session.scalars(select(Membership.role))) == {"manager"}
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_new_rows_are_stamped_with_the_current_tenant(app, two_tenants):
    with app.app_context(), tenant_context(two_tenants["a"]):
        entry = AuditEntry(actor_label="t", action="x", object_type="y")
        db.session.add(entry)
        db.session.commit()
        assert entry.tenant_id == two_tenants["a"]


def test_writing_another_tenants_row_is_refused(app, two_tenants):
    a, b = two_tenants["a"], two_tenants["b"]
    with app.app_context(), tenant_context(a):
        db.session.add(AuditEntry(tenant_id=b, actor_label="t", action="x", object_type="y"))
        with pytest.raises(ForeignTenantWrite):
            db.session.flush()
        db.session.rollback()
    # a row loaded elsewhere (through the escape hatch) cannot be changed or deleted as tenant A
    with app.app_context():
        with unscoped("test: load B's row"):
            foreign = db.session.get(Membership, two_tenants["b_owner"])
        with tenant_context(a):
            foreign.role = "staff"
            with pytest.raises(ForeignTenantWrite):
                db.session.flush()
            db.session.rollback()
            db.session.delete(foreign)
            with pytest.raises(ForeignTenantWrite):
                db.session.flush()
            db.session.rollback()
    # moving one's own row to another tenant is refused too
    with app.app_context(), tenant_context(a):
        own = db.session.get(Membership, two_tenants["a_owner"])
        own.tenant_id = b
        with pytest.raises(ForeignTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_leaving_a_tenant_context_flushes_its_writes_as_that_tenant(app, two_tenants):
    with app.app_context():
        with tenant_context(two_tenants["a"]):
            entry = AuditEntry(actor_label="t", action="x", object_type="y")
            db.session.add(entry)
        assert entry.tenant_id == two_tenants["a"] and entry.id is not None
        db.session.commit()


def test_new_scoped_row_without_context_is_refused(ctx):
    db.session.add(AuditEntry(actor_label="t", action="x", object_type="y"))
    with pytest.raises(NoTenantContext):
        db.session.flush()
    db.session.rollback()


def test_tenant_context_refuses_to_nest_another_tenant(app, two_tenants):
    with app.app_context(), tenant_context(two_tenants["a"]):
        with tenant_context(two_tenants["a"]):
            pass  # same tenant is fine
        with pytest.raises(ForeignTenantWrite):
            with tenant_context(two_tenants["b"]):
                pass


def test_escape_hatch_is_named_and_logged(ctx, two_tenants, caplog):
    with pytest.raises(ValueError):
        with unscoped(""):
            pass
    with caplog.at_level(logging.INFO, logger="vip.audit.unscoped"):
        with unscoped("platform report: staff per tenant", actor="admin@x"):
            n = db.session.scalar(select(func.count(Membership.id)))
    assert n == 4
    assert "platform report: staff per tenant" in caplog.text and "admin@x" in caplog.text


def test_core_sql_batch_helpers_take_tenant_explicitly():
    """Core SQL bypasses the ORM listeners. Each use is reviewed here and has a test with two
    tenants' data present: the API-key lookup (authenticates by the key's own hash) and the
    set-based points expiry (``expire_due``, tenant_id in every statement; see
    tests/core/loyalty/test_expiry.py::test_other_tenants_are_untouched), the tier review
    (tests/core/loyalty/test_tier_review.py::test_review_touches_one_tenant_only), the periodic
    service tasks (``core.service.periodic``: birthday greetings, follow-ups, renewal notices, dormant
    follow-ups and their numbering; see
    tests/core/jobs_loyalty/test_isolation.py::test_each_job_writes_only_the_tenant_it_is_given), and the
    member import's bulk inserts and progress (``core.imports.services``; see
    tests/core/imports/test_isolation.py::test_the_bulk_writes_touch_only_the_importing_tenant)."""
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    for path in list((root / "core").rglob("*.py")) + list((root / "domains").rglob("*.py")):
        src = path.read_text()
        if "__table__" in src and "select(" in src:
            offenders.append(path.relative_to(root).as_posix())
    assert sorted(offenders) == ["core/imports/services.py", "core/points/services.py", "core/service/periodic.py",
                                 "core/tenancy/web.py", "core/tiers/review.py", "core/tiers/simulate.py",
                                 # bank call-next and complete, call routing, balance inserts and the bulk
                                 # demo: tenant_id in every statement (tests/domains/bank/test_isolation.py)
                                 "domains/bank/assets.py", "domains/bank/demo.py", "domains/bank/queue.py",
                                 "domains/bank/routing.py",
                                 # postal planning, greetings, invitations and the bulk demo: tenant_id in every
                                 # statement (tests/domains/postal/test_isolation.py)
                                 "domains/postal/club.py", "domains/postal/demo.py", "domains/postal/visits.py"]
