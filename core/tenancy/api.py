from flask import current_app, g

from core.api import api_blueprint, idempotent
from core.identity.permissions import requires
from core.plugins import registry
from core.tenancy import services
from core.tenancy.schemas import DomainSchema, TenantPatchSchema, TenantSchema

blp = api_blueprint("tenant_api", __name__, description="The tenant's own settings and domains")


@blp.route("/settings", methods=["GET"])
@requires("staff")
@blp.response(200, TenantSchema)
def get_settings():
    return g.tenant


@blp.route("/settings", methods=["PATCH"])
@requires("admin")
@idempotent
@blp.arguments(TenantPatchSchema(partial=True))
@blp.response(200, TenantSchema)
def patch_settings(values):
    return services.update_settings(g.principal, g.tenant, values, registry(current_app))


@blp.route("/domains", methods=["GET"])
@requires("staff")
@blp.response(200, DomainSchema(many=True))
def list_domains():
    return [{"key": k, "name": str(p.name), "enabled": g.tenant.has_domain(k)}
            for k, p in registry(current_app).items()]
