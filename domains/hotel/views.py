"""The hotel domain's pages and API: VIP stays from the PMS, the GM's decision, the reception steps."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest import abort

from core.api import idempotent
from core.extensions import db
from core.identity.permissions import requires
from core.models import utcnow
from core.web.domain import domain_blueprints
from domains.hotel import protocol, services
from domains.hotel.models import HotelStay, HotelStep
from domains.hotel.schemas import ArrivalMoveSchema, LevelDecisionSchema, ActualDepartureSchema, PmsStaySchema, VipStaySchema, ReceptionStepSchema

web, api = domain_blueprints("hotel", __name__, "hotel/landing.html")


@web.context_processor
def _names():
    """Step titles and department names in the reader's language, for every hotel page."""
    from flask import current_app

    from core.plugins import all_positions
    positions = all_positions(current_app)
    return {"step_titles": {s.key: s.title for s in protocol.DEFAULT_STEPS},
            "departments": services.DEPARTMENTS,
            "department_names": {d: positions.get(f"hotel.{d}", d) for d in services.DEPARTMENTS}}


def _stay(stay_id) -> HotelStay:
    return db.session.get(HotelStay, stay_id) or abort(404)


def _with_steps(stay: HotelStay) -> HotelStay:
    stay.steps = db.session.scalars(services.steps_query(stay.id)).all()
    return stay


@api.route("/stays", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(PmsStaySchema)
@api.response(201, VipStaySchema)
def pms_stay(data):
    """A VIP arrival from the PMS, once by its reservation number: the same number again updates the
    stay (a new arrival time moves every deadline) and answers 200."""
    stay, created = services.upsert_from_pms(g.principal, data)
    return _with_steps(stay), 201 if created else 200


@api.route("/stays/<int:stay_id>", methods=["GET"])
@requires("staff")
@api.response(200, VipStaySchema)
def get_stay(stay_id):
    return _with_steps(_stay(stay_id))


@api.route("/stays/<int:stay_id>/decision", methods=["POST"])
@requires("staff", positions=("hotel.gm",))
@idempotent
@api.arguments(LevelDecisionSchema)
@api.response(200, VipStaySchema)
def decide(data, stay_id):
    """The GM decides the level (IP/VIP/VVIP), or approves or rejects a request; the timeline follows."""
    return _with_steps(services.decide_level(g.principal, g.principal, _stay(stay_id), approve=data["approve"],
                                             level=data.get("level")))


@api.route("/stays/<int:stay_id>/arrival", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(ArrivalMoveSchema)
@api.response(200, VipStaySchema)
def move_arrival(data, stay_id):
    return _with_steps(services.move_arrival(g.principal, _stay(stay_id), data["arrival_at"]))


@api.route("/stays/<int:stay_id>/departure", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(ActualDepartureSchema)
@api.response(200, VipStaySchema)
def departure(data, stay_id):
    return _with_steps(services.record_departure(g.principal, _stay(stay_id), data["departed_at"]))


@api.route("/steps/<int:step_id>/sign", methods=["POST"])
@requires("staff")
@idempotent
@api.response(200, ReceptionStepSchema)
def sign(step_id):
    """Sign a step as one of the positions the protocol names for the guest's level."""
    return services.sign_step(g.principal, g.principal, db.session.get(HotelStep, step_id) or abort(404))


# ---- pages: stays, the department boards and the GM's board --------------------------------------

def _zone():
    from zoneinfo import ZoneInfo
    return ZoneInfo(g.tenant.timezone)


@web.get("/stays")
@requires("staff")
def stays():
    from sqlalchemy import select
    rows = db.session.scalars(select(HotelStay).where(HotelStay.status != "cancelled")
                              .order_by(HotelStay.arrival_at).limit(200)).all()
    return render_template("hotel/stays.html", stays=rows, levels=protocol.LEVELS,
                           is_gm="hotel.gm" in (g.principal.positions or ()))


@web.post("/stays/<int:stay_id>/decision")
@requires("staff", positions=("hotel.gm",))
def decide_page(stay_id):
    stay = _stay(stay_id)
    level = request.form.get("level") or None
    try:
        services.decide_level(g.principal, g.principal, stay, approve=request.form.get("decision") != "reject",
                              level=level)
    except services.HotelError as e:
        db.session.rollback()
        flash(e.message, "error")
        return redirect(url_for("hotel.stays"))
    db.session.commit()
    flash(_("Level decided for %(guest)s.", guest=stay.guest_name))
    return redirect(url_for("hotel.stays"))


def _board_context(department):
    if department not in services.DEPARTMENTS:
        abort(404)
    now = utcnow()
    return {"department": department, "rows": services.board_rows(department, now, _zone()), "now": now,
            "my_positions": list(g.principal.positions or ())}


@web.get("/boards/<department>")
@requires("staff")
def board(department):
    """A department's VIP steps of today and tomorrow, live: the rows refresh every 5 seconds."""
    return render_template("hotel/board.html", **_board_context(department))


@web.get("/boards/<department>/rows")
@requires("staff")
def board_rows(department):
    return render_template("hotel/_board_rows.html", **_board_context(department))


@web.post("/steps/<int:step_id>/sign")
@requires("staff")
def sign_page(step_id):
    step = db.session.get(HotelStep, step_id) or abort(404)
    try:
        services.sign_step(g.principal, g.principal, step)
    except services.HotelError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("hotel.board", department=step.department))


@web.get("/gm")
@requires("staff")
def gm_board():
    """Every VIP's progress on one screen, live."""
    return render_template("hotel/gm.html", rows=services.gm_overview(utcnow(), _zone()), now=utcnow())


@web.get("/gm/rows")
@requires("staff")
def gm_rows():
    return render_template("hotel/_gm_rows.html", rows=services.gm_overview(utcnow(), _zone()), now=utcnow())


@web.get("/stays/<int:stay_id>/forms/<any(notice, sealing, departure):form>")
@requires("staff")
def form_page(stay_id, form):
    """A form as an A4 page to print (print CSS), with a link to the same form as a PDF."""
    return render_template("hotel/form.html", stay=_stay(stay_id), form=form,
                           **services.form_content(_stay(stay_id), form, _zone()))


@web.get("/stays/<int:stay_id>/forms/<any(notice, sealing, departure):form>.pdf")
@requires("staff")
def form_pdf(stay_id, form):
    from flask import Response

    from domains.hotel.forms_pdf import render
    c = services.form_content(_stay(stay_id), form, _zone())
    pdf = render(c["title"], c["particulars"], c["header"], c["rows"])
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{form}-{stay_id}.pdf"'})
