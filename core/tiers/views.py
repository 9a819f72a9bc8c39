"""The tenant admin's scheme pages: versions, the editor, the diff against the live version, the
what-if simulator and publishing (会员等级制度的配置、模拟与发布)."""
import csv
import io
import json
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.extensions import db
from core.identity.forms import choices
from core.identity.permissions import requires
from core.tiers import editor, services
from core.tiers.diff import diff_documents
from core.tiers.forms import NewDraftForm, PublishForm, SchemeEditorForm, SimulateForm
from core.tiers.ladders import TEMPLATES
from core.tiers.models import TierScheme, TierSimulation
from core.web import current_locale_code

bp = Blueprint("schemes", __name__, template_folder="templates", url_prefix="/t/<tenant>/admin/schemes")


def _scheme(scheme_id: int) -> TierScheme:
    return db.session.get(TierScheme, scheme_id) or abort(404)


def _start_choices():
    live = services.live_scheme()
    out = []
    if live is not None:
        out.append((f"copy:{live.id}", _("A copy of the live version (v%(v)s)", v=live.version)))
    label = "label_zh" if current_locale_code() == "zh_CN" else "label_en"
    out += [(f"template:{k}", _("Template: %(name)s", name=v[label])) for k, v in TEMPLATES.items()]
    return choices(out)


@bp.get("/")
@requires("admin")
def index():
    form = NewDraftForm()
    form.start.choices = _start_choices()
    versions = db.session.scalars(db.select(TierScheme).order_by(TierScheme.version.desc())).all()
    return render_template("tiers/index.html", versions=versions, live=services.live_scheme(), form=form)


@bp.post("/new")
@requires("admin")
def new_draft():
    form = NewDraftForm()
    form.start.choices = _start_choices()
    kind, _sep, value = (form.start.data or "").partition(":")
    if form.validate_on_submit() and kind in ("template", "copy"):
        try:
            draft = services.create_draft(
                g.principal, template=value if kind == "template" else None,
                copy_of=int(value) if kind == "copy" and value.isdigit() else None, note=form.note.data)
        except services.SchemeError as e:
            db.session.rollback()
            form.start.errors = [e.message]
        else:
            db.session.commit()
            return redirect(url_for("schemes.edit", scheme_id=draft.id))
    elif not form.start.errors:
        form.start.errors = [_("Choose where the draft starts from.")]
    versions = db.session.scalars(db.select(TierScheme).order_by(TierScheme.version.desc())).all()
    return render_template("tiers/index.html", versions=versions, live=services.live_scheme(), form=form), 422


def _rebuilt(form: SchemeEditorForm, change) -> SchemeEditorForm:
    """The editor re-drawn after adding or removing a tier or a condition (nothing saved yet)."""
    data = form.data
    data.pop("csrf_token", None)
    change(data)
    fresh = SchemeEditorForm(formdata=None, data=data)
    fresh.set_tier_choices()
    return fresh


def _edit_action(form: SchemeEditorForm):
    """Which layout button was pressed, as a change to the form's data (None: save)."""
    a = request.form
    if "add_tier" in a:
        return lambda d: d["tiers"].append({"key": "", "name": "", "qualify_mode": "any", "priority": 5,
                                            "points_per_unit": 1, "points_multiplier": 1, "parking_hours": 0,
                                            "birthday_once_per_year": True, "birthday_scope": "day",
                                            "conditions": [{"kind": "single", "amount": None, "months": None}]})
    if a.get("remove_tier", "").isdigit():
        i = int(a["remove_tier"])
        return lambda d: d["tiers"].pop(i) if i < len(d["tiers"]) and len(d["tiers"]) > 1 else None
    for name, step in (("tier_up", -1), ("tier_down", 1)):
        if a.get(name, "").isdigit():
            i, j = int(a[name]), int(a[name]) + step

            def swap(d, i=i, j=j):
                if 0 <= i < len(d["tiers"]) and 0 <= j < len(d["tiers"]):
                    d["tiers"][i], d["tiers"][j] = d["tiers"][j], d["tiers"][i]
            return swap
    if a.get("add_condition", "").isdigit():
        i = int(a["add_condition"])

        def add(d):
            if i < len(d["tiers"]):
                t = d["tiers"][i]
                t["conditions"].append({"kind": "spend", "amount": None, "months": 12})
                if t["qualify_mode"] in ("none", "kept", None, ""):
                    t["qualify_mode"], t["qualify_kept"] = "any", ""
        return add
    if "remove_condition" in a:
        i, _sep, j = a["remove_condition"].partition("-")
        if i.isdigit() and j.isdigit():
            i, j = int(i), int(j)
            return lambda d: d["tiers"][i]["conditions"].pop(j) if i < len(d["tiers"]) and j < len(
                d["tiers"][i]["conditions"]) else None
    return None


@bp.route("/<int:scheme_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit(scheme_id):
    scheme = _scheme(scheme_id)
    if scheme.status != "draft":
        flash(_("A published version is never changed; start a new draft from it."))
        return redirect(url_for("schemes.show", scheme_id=scheme.id))
    general = []
    currency = g.tenant.currency
    describe_kept = lambda raw: editor.describe_rule(json.loads(raw), currency) if raw else ""
    if request.method == "GET":
        form = SchemeEditorForm(formdata=None, data=editor.form_data(scheme.document))
        form.set_tier_choices()
        return render_template("tiers/edit.html", scheme=scheme, form=form, general=general,
                               describe_kept=describe_kept)
    form = SchemeEditorForm()
    form.set_tier_choices()
    action = _edit_action(form)
    if action is not None:
        form = _rebuilt(form, action)
        return render_template("tiers/edit.html", scheme=scheme, form=form, general=general,
                               describe_kept=describe_kept)
    if form.validate_on_submit():
        try:
            services.update_draft(g.principal, scheme, editor.document_from(form.data))
        except services.SchemeError as e:
            db.session.rollback()
            fields, general = editor.field_errors(e.errors or {}, form.data)
            for name, messages in fields.items():
                field = form.field_named(name)
                if field is None:
                    general += messages
                else:
                    field.errors = list(field.errors) + messages
            if not (fields or general):
                general = [e.message]
        else:
            db.session.commit()
            flash(_("Draft saved. Run the simulator to see what it changes."))
            return redirect(url_for("schemes.show", scheme_id=scheme.id))
    return render_template("tiers/edit.html", scheme=scheme, form=form, general=general,
                               describe_kept=describe_kept), 422


def _view_model(scheme: TierScheme) -> dict:
    live = services.live_scheme()
    currency = g.tenant.currency
    return {
        "scheme": scheme, "live": live, "currency": currency,
        "diff": diff_documents(live.document if live else None, scheme.document, currency)
        if live is None or live.id != scheme.id else [],
        "simulation": services.latest_simulation(scheme),
        "publish_form": PublishForm(), "simulate_form": SimulateForm(),
        "describe_rule": editor.describe_rule, "describe_rate": editor.describe_rate,
        "policies": [(_("Downgrade review"), editor.describe_downgrade(scheme.document["policies"]["downgrade"])),
                     (_("Card validity"), editor.describe_validity(scheme.document["policies"]["validity"])),
                     (_("Points expiry"), editor.describe_expiry(scheme.document["policies"]["points_expiry"]))],
    }


@bp.get("/<int:scheme_id>")
@requires("admin")
def show(scheme_id):
    return render_template("tiers/show.html", **_view_model(_scheme(scheme_id)))


@bp.post("/<int:scheme_id>/publish")
@requires("admin")
def publish(scheme_id):
    scheme = _scheme(scheme_id)
    model = _view_model(scheme)
    form = model["publish_form"]
    if form.validate_on_submit():
        try:
            services.publish(g.principal, scheme, form.note.data)
        except services.SchemeError as e:
            db.session.rollback()
            form.note.errors = [e.message]
        else:
            db.session.commit()
            flash(_("Version %(v)s is live.", v=scheme.version))
            return redirect(url_for("schemes.show", scheme_id=scheme.id))
    return render_template("tiers/show.html", **model), 422


@bp.post("/<int:scheme_id>/simulate")
@requires("admin")
def simulate(scheme_id):
    scheme = _scheme(scheme_id)
    if not SimulateForm().validate_on_submit():
        abort(400, description=_("The form has expired; reload the page."))
    services.simulate(g.principal, scheme, g.tenant.id, ZoneInfo(g.tenant.timezone))
    db.session.commit()
    return redirect(url_for("schemes.simulation", scheme_id=scheme.id))


MOVES_PER_PAGE = 50


@bp.get("/<int:scheme_id>/simulation")
@requires("admin")
def simulation(scheme_id):
    scheme = _scheme(scheme_id)
    run = services.latest_simulation(scheme)
    direction = request.args.get("direction") if request.args.get("direction") in ("up", "down") else None
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    moves = []
    if run is not None:
        moves = db.session.execute(services.simulation_moves_query(run.id, direction)
                                   .limit(MOVES_PER_PAGE + 1).offset((page - 1) * MOVES_PER_PAGE)).all()
    return render_template("tiers/simulation.html", scheme=scheme, run=run, moves=moves[:MOVES_PER_PAGE],
                           more=len(moves) > MOVES_PER_PAGE, page=page, direction=direction,
                           currency=g.tenant.currency, simulate_form=SimulateForm(),
                           money=editor.money)


def _move_rows(run: TierSimulation):
    yield [_("Member number"), _("Name"), _("Now"), _("Predicted"), _("Direction"), _("Awaiting approval"),
           _("Paid in the 12 months (yuan)")]
    for m in db.session.execute(services.simulation_moves_query(run.id)):
        yield [m.member_no, m.name, m.from_tier or "", m.to_tier or "", _("up") if m.direction == "up" else _("down"),
               _("yes") if m.proposed else "", str(editor.fen_to_yuan(m.spend_fen))]


@bp.get("/<int:scheme_id>/simulation/movers.<any(csv, xlsx):fmt>")
@requires("admin")
def movers_export(scheme_id, fmt):
    scheme = _scheme(scheme_id)
    run = services.latest_simulation(scheme) or abort(404)
    name = f"scheme-v{scheme.version}-movers.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with the BOM
        csv.writer(buf).writerows(_move_rows(run))
        return Response(buf.getvalue(), mimetype="text/csv; charset=utf-8", headers=headers)
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Movers"))
    for row in _move_rows(run):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(), headers=headers,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
