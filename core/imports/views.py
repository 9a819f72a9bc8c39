"""Admin pages: import members (upload, map, check, import, progress) and export member lists."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api.base import accepts_upload
from core.errors import RuleError
from core.extensions import db
from core.identity.permissions import requires
from core.imports import services
from core.imports.api import export_response, problems_response
from core.imports.forms import ExportForm, UploadForm, column_letter, mapping_form, tier_choices
from core.imports.models import ImportBatch
from core.imports.reading import FIELD_LABELS, FIELDS

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/t/<tenant>/admin")
PAGE_SIZE = 50
PROBLEMS_PAGE_SIZE = 100
STATUS_LABELS = {"uploaded": _l("Uploaded"), "validating": _l("Checking"), "validated": _l("Checked"),
                 "importing": _l("Importing"), "done": _l("Imported"), "failed": _l("Failed")}


@bp.context_processor
def _labels():
    return {"status_labels": STATUS_LABELS}


def _batch(batch_id) -> ImportBatch:
    return db.session.get(ImportBatch, batch_id) or abort(404)


def _max_mb() -> str:
    return services._mb(services.max_upload_bytes())


def _put_error(form, e: RuleError) -> None:
    """The service's message beside the field it names; above the form when it names none."""
    field = form._fields.get(e.field) if e.field != "csrf_token" else None
    if field is not None:
        field.errors = list(field.errors) + [e.message]
    else:
        form.form_errors.append(e.message)


@bp.get("/imports")
@requires("admin")
def list_batches():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    batches = db.paginate(select(ImportBatch).order_by(ImportBatch.id.desc()), page=page, per_page=PAGE_SIZE,
                          error_out=False)
    return render_template("imports/list.html", batches=batches)


@bp.route("/imports/new", methods=["GET", "POST"])
@accepts_upload("IMPORT_MAX_BYTES")
@requires("admin")
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        f = form.file.data
        try:
            batch = services.create_batch(g.principal, f.filename, f.read(), services.max_upload_bytes())
        except RuleError as e:
            db.session.rollback()
            _put_error(form, e)
        else:
            db.session.commit()
            return redirect(url_for("imports.batch", batch_id=batch.id))
    return render_template("imports/upload.html", form=form, max_mb=_max_mb())


@bp.errorhandler(413)
def too_large(error):
    """A body over the upload limit is refused before any view runs: say so beside the file field."""
    principal = g.get("principal")
    if request.endpoint == "imports.upload" and principal is not None and principal.allows("admin"):
        form = UploadForm(formdata=None)  # the body is not read again
        form.file.errors = [_("The file is larger than %(size)s MB.", size=_max_mb())]
        return render_template("imports/upload.html", form=form, max_mb=_max_mb()), 413
    return render_template("errors/error.html", error=error), 413


@bp.route("/imports/<int:batch_id>", methods=["GET", "POST"])
@requires("admin")
def batch(batch_id):
    """The batch: its column mapping (while it may change), the dry run's bad rows, the import's
    progress, and the buttons for the next step."""
    b = _batch(batch_id)
    form = mapping_form(b)
    if form.validate_on_submit():
        try:
            services.request_check(g.principal, b, {f: getattr(form, f).data or None for f in FIELDS})
        except RuleError as e:
            db.session.rollback()
            _put_error(form, e)
        else:
            db.session.commit()
            return redirect(url_for("imports.batch", batch_id=b.id))
    problems = None
    if b.status == "validated" and b.problems_count:
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        problems = db.paginate(services.problems_query(b.id), page=page, per_page=PROBLEMS_PAGE_SIZE,
                               error_out=False)
        problems.rows = services.problem_dicts(b, problems.items)
    mapped = [(FIELD_LABELS[f], column_letter(c), (b.headers or [""])[c] if c < len(b.headers or []) else "")
              for f, c in (b.mapping or {}).items() if f in FIELD_LABELS]
    return render_template("imports/batch.html", batch=b, form=form, problems=problems, mapped=mapped,
                           failure=services.failure_text(b) if b.status == "failed" else None,
                           editable=b.status in services.EDITABLE)


@bp.post("/imports/<int:batch_id>/start")
@requires("admin")
def start(batch_id):
    b = _batch(batch_id)
    try:
        services.start_import(g.principal, b)
    except RuleError as e:
        db.session.rollback()
        flash(str(e.message), "error")
    else:
        db.session.commit()
    return redirect(url_for("imports.batch", batch_id=batch_id))


@bp.get("/imports/<int:batch_id>/problems.csv")
@requires("admin")
def problems_csv(batch_id):
    return problems_response(_batch(batch_id))


@bp.get("/members/export")
@requires("admin")
def export():
    """Download the member list (all, or a tier's, or a search's) as CSV or Excel."""
    from core.tiers.services import live_scheme, scheme_of
    row = live_scheme()
    form = ExportForm(request.args)
    form.tier.choices = tier_choices(scheme_of(row) if row is not None else None)
    if request.args and form.validate():
        return export_response(form.format.data, form.tier.data or None, form.q.data or None)
    return render_template("imports/export.html", form=form)
