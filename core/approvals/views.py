"""Staff pages for tier applications: file one, decide it in two steps, review revocations at month end."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.approvals import services
from core.approvals.forms import ApplicationForm, DecisionForm, RevokeForm
from core.approvals.models import STATUSES, TierApplication
from core.extensions import db
from core.identity.forms import choices
from core.identity.permissions import requires
from core.members.models import Member
from core.tiers import services as tiers

bp = Blueprint("approvals", __name__, template_folder="templates", url_prefix="/t/<tenant>/approvals")


def _tier_choices():
    row = tiers.live_scheme()
    return choices([(t.key, t.name) for t in tiers.scheme_of(row).tiers] if row else [])


def _tier_names() -> dict:
    row = tiers.live_scheme()
    return {t.key: t.name for t in tiers.scheme_of(row).tiers} if row else {}


@bp.get("/")
@requires("staff")
def index():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    apps = db.session.scalars(services.applications_query(status).limit(200)).all()
    members = {m.id: m for m in db.session.scalars(db.select(Member).where(Member.id.in_({a.member_id for a in apps})))}
    return render_template("approvals/index.html", apps=apps, members=members, status=status,
                           tier_names=_tier_names())


@bp.route("/new", methods=["GET", "POST"])
@requires("staff")
def new():
    form = ApplicationForm()
    form.tier_key.choices = _tier_choices()
    if form.validate_on_submit():
        try:
            member = services.find_member(form.member.data)
            app = services.submit(g.principal, g.principal, member=member, tier_key=form.tier_key.data,
                                  spending_power=form.spending_power.data, potential=form.potential.data,
                                  need=form.need.data)
        except services.ApprovalError as e:
            db.session.rollback()
            getattr(form, e.field if e.field in form else "member").errors.append(e.message)
        else:
            db.session.commit()
            flash(_("Application %(no)s filed. Do not tell the customer before the final approval.",
                    no=app.application_no))
            return redirect(url_for("approvals.show", application_id=app.id))
    return render_template("approvals/new.html", form=form), 422 if form.errors else 200


def _application(application_id) -> TierApplication:
    return db.session.get(TierApplication, application_id) or abort(404)


def _show(app, form=None, status=200):
    return render_template("approvals/show.html", app=app, member=db.session.get(Member, app.member_id),
                           form=form or DecisionForm(), tier_names=_tier_names()), status


@bp.get("/<int:application_id>")
@requires("staff")
def show(application_id):
    return _show(_application(application_id))


@bp.post("/<int:application_id>/decision")
@requires("manager")
def decide(application_id):
    app = _application(application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _show(app, form, 422)
    approve = request.form.get("decision") == "approve"
    try:
        if app.status == "submitted":
            services.first_decision(g.principal, g.principal, app, approve=approve, opinion=form.opinion.data,
                                    reason=form.reason.data)
        else:
            services.final_decision(g.principal, g.principal, app, approve=approve, opinion=form.opinion.data,
                                    reason=form.reason.data, announcer=form.announcer.data)
    except services.ApprovalError as e:
        db.session.rollback()
        target = getattr(form, e.field, None) if e.field in form else None
        if target is None:
            flash(e.message, "error")
        else:
            target.errors = list(target.errors) + [e.message]
        return _show(app, form, e.status if target is None else 422)
    db.session.commit()
    flash(_("Decision recorded."))
    return redirect(url_for("approvals.show", application_id=app.id))


@bp.route("/review", methods=["GET", "POST"])
@requires("admin")
def review():
    """每月最后一天: keep or revoke the tiers applications granted."""
    form = RevokeForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and form.member_id.data.isdigit():
            member = db.session.get(Member, int(form.member_id.data)) or abort(404)
            try:
                services.revoke(g.principal, member, form.reason.data)
            except services.ApprovalError as e:
                db.session.rollback()
                form.reason.errors = list(form.reason.errors) + [e.message]
                status = 422
            else:
                db.session.commit()
                flash(_("Tier revoked; every position has a task to note it."))
                return redirect(url_for("approvals.review"))
        else:
            status = 422
    return render_template("approvals/review.html", rows=services.review_list(), form=form,
                           review_day=services.is_review_day(), tier_names=_tier_names()), status
