"""Member import and export over the API: upload, mapping, dry run, import, status, bad rows, export."""
import base64
import binascii
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, g, request, send_file, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from marshmallow import ValidationError

from core.api import SelectPage, api_blueprint, idempotent
from core.api.base import accepts_upload
from core.extensions import db
from core.identity.permissions import requires
from core.imports import services
from core.imports.models import ImportBatch
from core.imports.schemas import (
    CheckSchema,
    ExportArgsSchema,
    ImportBatchSchema,
    MappingSchema,
    ProblemSchema,
    UploadFormSchema,
    UploadSchema,
)

blp = api_blueprint("imports_api", __name__,
                    description="Members in and out (会员导入导出): import CSV or Excel files, export member lists")


def _batch(batch_id) -> ImportBatch:
    return db.session.get(ImportBatch, batch_id) or abort(404)


def _upload_from_request() -> tuple[str, bytes]:
    """The file from a multipart body (field ``file``), or from JSON ``{filename, content_base64}``."""
    if request.mimetype == "multipart/form-data":
        f = request.files.get("file")
        if f is None or not f.filename:
            abort(422, errors={"file": [str(_l("Choose a file to upload."))]})
        return f.filename, f.read()
    try:
        data = UploadSchema().load(request.get_json())
    except ValidationError as e:
        abort(422, errors=e.messages)
    try:
        content = base64.b64decode(data["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        abort(422, errors={"content_base64": [str(_l("Not base64."))]})
    return data["filename"], content


@blp.route("/imports", methods=["GET"])
@requires("admin")
@blp.response(200, ImportBatchSchema(many=True))
@blp.paginate(SelectPage)
def list_batches():
    """Uploaded member files, newest first."""
    from sqlalchemy import select
    return select(ImportBatch).order_by(ImportBatch.id.desc())


@blp.route("/imports", methods=["POST"])
@requires("admin")
@accepts_upload("IMPORT_MAX_BYTES")
@idempotent
@blp.doc(requestBody={"required": True, "content": {
    "multipart/form-data": {"schema": UploadFormSchema},
    "application/json": {"schema": UploadSchema}}})
@blp.response(201, ImportBatchSchema)
def upload():
    """Upload a member file: .xlsx or CSV (UTF-8, UTF-8 with BOM, GB18030). Send it as
    multipart/form-data (field ``file``, up to IMPORT_MAX_BYTES), or small files as JSON with the
    bytes base64-encoded. The answer has the header row and a guessed ``mapping``."""
    filename, content = _upload_from_request()
    return services.create_batch(g.principal, filename, content, services.max_upload_bytes())


@blp.route("/imports/<int:batch_id>", methods=["GET"])
@requires("admin")
@blp.response(200, ImportBatchSchema)
def status(batch_id):
    """A batch and its status; ``rows_done`` of ``rows_total`` is the running job's progress."""
    return _batch(batch_id)


@blp.route("/imports/<int:batch_id>/mapping", methods=["PUT"])
@requires("admin")
@idempotent
@blp.arguments(MappingSchema)
@blp.response(200, ImportBatchSchema)
def set_mapping(data, batch_id):
    """Which column fills which member field. The name is required; a column fills one field."""
    return services.set_mapping(g.principal, _batch(batch_id), data["mapping"])


@blp.route("/imports/<int:batch_id>/dry-run", methods=["POST"])
@requires("admin")
@idempotent
@blp.arguments(CheckSchema)
@blp.response(202, ImportBatchSchema)
def dry_run(data, batch_id):
    """Check every row (a job) without writing any member: poll the batch until ``validated``, then
    read ``/problems``."""
    return services.request_check(g.principal, _batch(batch_id), data.get("mapping"))


@blp.route("/imports/<int:batch_id>/problems", methods=["GET"])
@requires("admin")
@blp.response(200, ProblemSchema(many=True))
@blp.paginate()
def problems(batch_id, pagination_parameters):
    """The bad rows the dry run found, by row: every reason of every bad row."""
    batch = _batch(batch_id)
    page = db.paginate(services.problems_query(batch.id), page=pagination_parameters.page,
                       per_page=pagination_parameters.page_size, error_out=False)
    pagination_parameters.item_count = page.total
    return services.problem_dicts(batch, page.items)


@blp.route("/imports/<int:batch_id>/start", methods=["POST"])
@requires("admin")
@idempotent
@blp.response(202, ImportBatchSchema)
def start(batch_id):
    """Import a checked file with no bad row, all or nothing, as a job; poll the batch for progress."""
    return services.start_import(g.principal, _batch(batch_id))


@blp.route("/members/export", methods=["GET"])
@requires("admin")
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(200, description="The member list as CSV (UTF-8 with BOM) or .xlsx", content_type="text/csv")
def export(args):
    """Every member (or one tier's, or those matching ``q``) as a file, with full phone numbers:
    each export is written to the audit trail."""
    return export_response(args["format"], args.get("tier"), args.get("q"))


def export_response(fmt: str, tier, q) -> Response:
    """Shared by the page and the API: audit first (committed), then stream the file."""
    from core.tenancy.context import tenant_context
    services.record_export(g.principal, fmt, tier, q)
    db.session.commit()
    tz, tenant_id = ZoneInfo(g.tenant.timezone), g.tenant.id
    stamp = datetime.now(tz).strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        out = services.export_xlsx(tz, tier, q)
        return send_file(out, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         as_attachment=True, download_name=f"members-{stamp}.xlsx")

    def chunks():
        with tenant_context(tenant_id):  # the stream outlives the view; the scope must not lapse
            for text in services.export_csv(tz, tier, q):
                yield text.encode("utf-8")

    resp = Response(stream_with_context(chunks()), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    return resp


def problems_response(batch: ImportBatch) -> Response:
    from core.tenancy.context import tenant_context
    tenant_id = g.tenant.id

    def chunks():
        with tenant_context(tenant_id):
            for text in services.problems_csv(batch):
                yield text.encode("utf-8")

    resp = Response(stream_with_context(chunks()), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="import-{batch.id}-bad-rows.csv"'
    return resp
