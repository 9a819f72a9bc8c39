"""Shared by the bank benchmarks: a bank tenant on the asset ladder with one branch."""


def bank_with_branch(app) -> tuple[int, int]:
    """(tenant id, branch id), committed."""
    from core.extensions import db
    from core.plugins import registry
    from core.tenancy import tenant_context
    from core.tenancy.services import create_tenant
    from core.tiers.services import create_draft, publish
    from domains.bank import assets, queue

    with app.app_context():
        t = create_tenant(None, slug="bank", name="bank", known_domains=registry(app), enabled_domains=["bank"])
        db.session.commit()
        with tenant_context(t.id):
            publish(None, create_draft(None, document=assets.LADDER))
            branch = queue.create_branch(None, code="B1", name="营业部")
            db.session.commit()
            return t.id, branch.id
