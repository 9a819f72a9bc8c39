"""One Alembic history: it builds the schema from empty, and it matches the models exactly."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.extensions import db


def test_models_and_migrations_agree(app):
    """The session's database was built by `flask db upgrade` from empty (see conftest);
    autogenerate must find nothing to add, drop or alter."""
    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_single_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads
    assert isinstance(app.extensions["migrate"].migrate, Migrate)


# Globally unique on purpose: an API key, and a member's registration link, are found by their hash
# before their tenant is known.
GLOBAL_UNIQUE = {("api_key", ("key_hash",)), ("retail_registration", ("token_hash",))}


def test_every_scoped_table_leads_with_tenant_id(app):
    """Unique constraints and composite indexes on tenant tables start with tenant_id."""
    from core.tenancy.models import TenantScoped
    for mapper in db.Model.registry.mappers:
        if not issubclass(mapper.class_, TenantScoped):
            continue
        table = mapper.local_table
        assert not table.c.tenant_id.nullable, table.name
        for constraint in table.constraints:
            cols = [c.name for c in getattr(constraint, "columns", [])]
            if constraint.__class__.__name__ == "UniqueConstraint" and (table.name, tuple(cols)) not in GLOBAL_UNIQUE:
                assert cols[0] == "tenant_id", (table.name, cols)
        for index in table.indexes:
            cols = [c.name for c in index.columns]
            if (len(cols) > 1 or index.unique) and (table.name, tuple(cols)) not in GLOBAL_UNIQUE:
                assert cols[0] == "tenant_id", (table.name, cols)
