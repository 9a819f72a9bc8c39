"""Platform administration: opening a tenant for a business and inviting its first owner."""
from core.identity import services as identity
from core.tenancy import services as tenancy
from core.tenancy.context import tenant_context


def open_tenant(actor, *, slug, name, owner_email, owner_name, known_domains, known_positions,
                enabled_domains=(), timezone="Asia/Shanghai", currency="CNY", default_locale="zh_CN"):
    """Create the tenant and its owner. Returns (tenant, membership, invitation token or None)."""
    tenant = tenancy.create_tenant(actor, slug=slug, name=name, known_domains=known_domains,
                                   enabled_domains=enabled_domains, timezone=timezone,
                                   currency=currency, default_locale=default_locale)
    with tenant_context(tenant):
        membership, token = identity.add_staff(None, email=owner_email, name=owner_name, role="owner",
                                               positions=[], known_positions=known_positions)
    return tenant, membership, token
