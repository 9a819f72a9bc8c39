from sqlalchemy import select

from core.api import SelectPage, api_blueprint
from core.audit.models import AuditEntry
from core.audit.schemas import AuditEntrySchema
from core.identity.permissions import requires

blp = api_blueprint("audit_api", __name__, description="The tenant's audit log")


@blp.route("/audit", methods=["GET"])
@requires("admin")
@blp.response(200, AuditEntrySchema(many=True))
@blp.paginate(SelectPage)
def list_audit():
    return select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
