"""Tenancy: who a row belongs to, enforced once for every ORM statement (see ARCHITECTURE.md)."""
from core.tenancy.context import (  # noqa: F401
    ForeignTenantWrite, NoTenantContext, current_tenant_id, tenant_context, unscoped,
)
from core.tenancy.models import Tenant, TenantScoped  # noqa: F401
