from flask import Blueprint, render_template, request
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.extensions import db
from core.identity.permissions import requires

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/t/<tenant>/admin")
PAGE_SIZE = 50


@bp.get("/audit")
@requires("admin")
def audit_log():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    entries = db.paginate(select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()),
                          page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("audit/list.html", entries=entries)
