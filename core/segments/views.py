"""Segments: build a filter over profile and purchases, preview who it selects, save it, export
the list, and send a targeted notice through each member's own channel."""
import csv
import io
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.extensions import db
from core.identity.forms import choices
from core.identity.permissions import requires
from core.segments import services
from core.segments.forms import NoticeForm, SegmentForm
from core.segments.models import Notice, Segment
from core.tiers import services as tiers

bp = Blueprint("segments", __name__, template_folder="templates", url_prefix="/t/<tenant>/segments")
PREVIEW = 50
FIELD_OF = {"spend_min_fen": "spend_min", "spend_max_fen": "spend_max"}


def _tier_choices():
    row = tiers.live_scheme()
    keys = [(t.key, t.name) for t in tiers.scheme_of(row).tiers] if row else []
    return choices(keys + [("-", _("No tier"))])


def _fen(x):
    return None if x is None else int((Decimal(x) * 100).to_integral_value())


def _definition(form: SegmentForm) -> dict:
    return {"tiers": form.tiers.data or [], "spend_min_fen": _fen(form.spend_min.data),
            "spend_max_fen": _fen(form.spend_max.data), "spend_months": form.spend_months.data or 12,
            "bought_category": form.bought_category.data or "", "bought_size": form.bought_size.data or "",
            "bought_colour": form.bought_colour.data or "", "bought_months": form.bought_months.data or 12,
            "last_purchase_after": form.last_purchase_after.data.isoformat() if form.last_purchase_after.data else None,
            "last_purchase_before": form.last_purchase_before.data.isoformat() if form.last_purchase_before.data else None,
            "birthday_month": int(form.birthday_month.data) if form.birthday_month.data else None}


def _form_data(segment: Segment) -> dict:
    from datetime import date
    d = segment.definition
    yuan = lambda f: None if f is None else Decimal(f) / 100  # noqa: E731
    return {"name": segment.name, "tiers": d.get("tiers") or [], "spend_min": yuan(d.get("spend_min_fen")),
            "spend_max": yuan(d.get("spend_max_fen")), "spend_months": d.get("spend_months"),
            "bought_category": d.get("bought_category"), "bought_size": d.get("bought_size"),
            "bought_colour": d.get("bought_colour"), "bought_months": d.get("bought_months"),
            "last_purchase_after": date.fromisoformat(d["last_purchase_after"]) if d.get("last_purchase_after") else None,
            "last_purchase_before": date.fromisoformat(d["last_purchase_before"]) if d.get("last_purchase_before") else None,
            "birthday_month": str(d["birthday_month"]) if d.get("birthday_month") else ""}


@bp.get("/")
@requires("manager")
def index():
    segments = db.session.scalars(db.select(Segment).order_by(Segment.name)).all()
    return render_template("segments/index.html", segments=segments)


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:segment_id>/edit", methods=["GET", "POST"])
@requires("manager")
def edit(segment_id=None):
    segment = (db.session.get(Segment, segment_id) or abort(404)) if segment_id else None
    form = SegmentForm(data=_form_data(segment) if segment and request.method == "GET" else None)
    form.tiers.choices = _tier_choices()
    preview, total, status = None, None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                definition = services.clean_definition(_definition(form))
                if "save" in request.form:
                    segment = services.save_segment(g.principal, name=form.name.data, definition=definition,
                                                    segment=segment)
                    db.session.commit()
                    flash(_("Segment saved."))
                    return redirect(url_for("segments.show", segment_id=segment.id))
                total = services.count(definition)
                preview = db.session.scalars(services.members_query(definition).limit(PREVIEW)).all()
            except services.SegmentError as e:
                db.session.rollback()
                for key, messages in (e.errors or {e.field: [e.message]}).items():
                    target = getattr(form, FIELD_OF.get(key, key), None)
                    if target is None:
                        flash(" ".join(map(str, messages)), "error")
                    else:
                        target.errors = list(target.errors) + [str(m) for m in messages]
                status = 422
        else:
            status = 422
    return render_template("segments/edit.html", form=form, segment=segment, preview=preview, total=total), status


@bp.get("/<int:segment_id>")
@requires("manager")
def show(segment_id):
    segment = db.session.get(Segment, segment_id) or abort(404)
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    members = db.session.scalars(services.members_query(segment.definition).limit(PREVIEW + 1)
                                 .offset((page - 1) * PREVIEW)).all()
    notices = db.session.scalars(db.select(Notice).where(Notice.segment_id == segment.id)
                                 .order_by(Notice.id.desc()).limit(20)).all()
    return render_template("segments/show.html", segment=segment, total=services.count(segment.definition),
                           members=members[:PREVIEW], more=len(members) > PREVIEW, page=page,
                           notices=notices, form=NoticeForm())


@bp.post("/<int:segment_id>/notices")
@requires("manager")
def send_notice(segment_id):
    segment = db.session.get(Segment, segment_id) or abort(404)
    form = NoticeForm()
    if form.validate_on_submit():
        try:
            notice = services.send_notice(g.principal, segment, kind=form.kind.data, subject=form.subject.data,
                                          body=form.body.data)
        except services.SegmentError as e:
            db.session.rollback()
            getattr(form, e.field, form.subject).errors.append(e.message)
        else:
            db.session.commit()
            flash(_("Notice queued for %(queued)s members; %(skipped)s skipped (no consent or no address).",
                    queued=notice.queued, skipped=notice.skipped))
            return redirect(url_for("segments.show", segment_id=segment.id))
    members = db.session.scalars(services.members_query(segment.definition).limit(PREVIEW)).all()
    return render_template("segments/show.html", segment=segment, total=services.count(segment.definition),
                           members=members, more=False, page=1, notices=[], form=form), 422


@bp.get("/<int:segment_id>/members.csv")
@requires("manager")
def export(segment_id):
    segment = db.session.get(Segment, segment_id) or abort(404)
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel reads UTF-8 Chinese only with the BOM
    out = csv.writer(buf)
    out.writerow([_("Member number"), _("Name"), _("Tier"), _("Phone"), _("E-mail"), _("Preferred channel"),
                  _("Promotions")])
    for m in db.session.scalars(services.members_query(segment.definition)):
        out.writerow([m.member_no, m.name, m.tier_key or "", m.phone or "", m.email or "", m.contact_channel,
                      _("yes") if m.promotions_consent else _("no")])
    from core.audit import services as audit
    audit.record(g.principal, "segment.export", "segment", segment.id, None, {"name": segment.name})
    db.session.commit()
    return Response(buf.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="segment-{segment.id}.csv"'})
