"""The hotel domain's pages and API: VIP stays from the PMS, the GM's decision, the reception steps."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
    from domains.hotel.reminders import gm_away
    return render_template("hotel/gm.html", rows=services.gm_overview(utcnow(), _zone()), now=utcnow(),
                           gm_away=gm_away(), is_gm="hotel.gm" in (g.principal.positions or ()))


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


# ---- the tenant's protocol (admin), staff records, the planning meeting --------------------------------

def _amenity_names():
    from flask_babel import gettext as g_
    return {"fruit_a": g_("A fruit basket"), "fruit_b": g_("B fruit basket"), "fruit_c": g_("C fruit basket"),
            "flowers_a": g_("A flowers"), "flowers_b": g_("B flowers"), "flowers_c": g_("C flowers"),
            "banner": g_("banner"), "lobby_sign": g_("lobby welcome sign"),
            "flowers_on_arrival": g_("flowers presented on arrival")}


def _protocol_page(level, row_steps, amenities, remind, errors=None, status=200):
    from flask import current_app

    from core.plugins import all_positions
    from domains.hotel import planning
    positions = all_positions(current_app)
    return render_template("hotel/protocol.html", level=level, levels=protocol.LEVELS, steps=row_steps,
                           amenities=amenities, remind_minutes=remind, errors=errors or {},
                           amenity_keys=planning.AMENITY_KEYS, amenity_names=_amenity_names(),
                           anchors=protocol.ANCHORS,
                           positions=[(p, positions.get(p, p)) for p in planning.hotel_positions()]), status


def _level_arg():
    level = request.values.get("level") or "VIP"
    return level if level in protocol.LEVELS else "VIP"


@web.get("/protocol")
@requires("admin")
def protocol_page():
    """The tenant's reception protocol for one level, as a form: amenities and every step."""
    from domains.hotel import planning
    level = _level_arg()
    row = planning.protocol_for(level)
    db.session.commit()  # seeded from the code's default on first use
    return _protocol_page(level, row.steps, row.amenities, row.remind_minutes)


@web.post("/protocol")
@requires("admin")
def protocol_save():
    from domains.hotel import planning
    level, f = _level_arg(), request.form
    steps, i = [], 0
    while f"steps-{i}-key" in f and i < 200:
        p = f"steps-{i}-"
        if not f.get(p + "remove") and (f.get(p + "key") or f.get(p + "title")):
            steps.append({"key": f.get(p + "key", "").strip(), "title": f.get(p + "title", ""),
                          "department": f.get(p + "department"), "signers": f.getlist(p + "signers"),
                          "anchor": f.get(p + "anchor"), "offset": f.get(p + "offset"),
                          "depends_on": f.getlist(p + "depends_on"), "_row": i})
        i += 1
    rows = [{k: v for k, v in s.items() if k != "_row"} for s in steps]
    try:
        planning.save_protocol(g.principal, level, amenities=f.getlist("amenities"), steps=rows,
                               remind_minutes=f.get("remind_minutes"))
    except services.HotelError as e:
        db.session.rollback()
        field = e.field
        if field.startswith("steps-"):  # the error names the row as the admin sees it
            _s, n, name = field.split("-", 2)
            field = f"steps-{steps[int(n)]['_row']}-{name}" if int(n) < len(steps) else field
        return _protocol_page(level, rows, f.getlist("amenities"), f.get("remind_minutes"),
                              errors={field: e.message}, status=400)
    db.session.commit()
    flash(_("The %(level)s protocol is saved; new stays follow it.", level=level))
    return redirect(url_for("hotel.protocol_page", level=level))


@web.get("/staff")
@requires("admin")
def staff_list():
    """Everyone's service start and grade: the staff rules of the reception read them."""
    from domains.hotel import planning
    return render_template("hotel/staff.html", rows=planning.staff_rows(), grade_names=planning.GRADE_NAMES)


@web.route("/staff/<int:membership_id>", methods=["GET", "POST"])
@requires("admin")
def staff_profile(membership_id):
    from datetime import date

    from core.identity.models import Membership
    from domains.hotel import planning
    member = db.session.get(Membership, membership_id) or abort(404)
    profile = planning.profile_of(membership_id)
    errors, status = {}, 200
    values = {"service_start": profile.service_start.isoformat() if profile and profile.service_start else "",
              "grade": profile.grade if profile else "staff"}
    if request.method == "POST":
        values = {"service_start": (request.form.get("service_start") or "").strip(),
                  "grade": request.form.get("grade") or ""}
        try:
            try:
                start = date.fromisoformat(values["service_start"]) if values["service_start"] else None
            except ValueError:
                raise services.HotelError("service_start", _("Give the date as YYYY-MM-DD.")) from None
            planning.save_profile(g.principal, membership_id, service_start=start, grade=values["grade"])
        except services.HotelError as e:
            db.session.rollback()
            errors, status = {e.field: e.message}, 400
        else:
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("hotel.staff_list"))
    return render_template("hotel/staff_profile.html", member=member, values=values, errors=errors,
                           grades=planning.GRADES, grade_names=planning.GRADE_NAMES), status


PLANNERS = ("hotel.assistant_manager", "hotel.gm", "hotel.gm_assistant", "hotel.front_office")


def _plan_page(stay, errors=None, status=200, notes=None, chosen=None):
    from domains.hotel import planning
    plan = planning.plan_of(stay)
    history = plan.history if plan and plan.history else planning.guest_history(stay)
    stay = _with_steps(stay)
    names = _amenity_names()
    return render_template("hotel/plan.html", stay=stay, plan=plan, history=history,
                           staff=[m for m, _p in planning.staff_rows()], errors=errors or {},
                           chosen=chosen if chosen is not None else {s.id: s.assignee_id for s in stay.steps},
                           amenities=[names.get(a, a) for a in (stay.amenities or protocol.AMENITIES.get(stay.level, ()))],
                           notes=notes if notes is not None else (plan.notes if plan else "")), status


@web.get("/stays/<int:stay_id>/plan")
@requires("staff", positions=PLANNERS)
def plan_page(stay_id):
    """The planning meeting the day before (一会一案): the notice, the guest's history, who does what."""
    return _plan_page(_stay(stay_id))


@web.post("/stays/<int:stay_id>/plan")
@requires("staff", positions=PLANNERS)
def plan_save(stay_id):
    from domains.hotel import planning
    stay = _stay(stay_id)
    assignments = {}
    for name, value in request.form.items():
        if name.startswith("assignee-") and name[9:].isdigit():
            assignments[int(name[9:])] = int(value) if value.isdigit() else None
    try:
        planning.hold_meeting(g.principal, stay, notes=request.form.get("notes"), assignments=assignments,
                              tz=_zone())
    except services.HotelError as e:
        db.session.rollback()
        return _plan_page(_stay(stay_id), errors={e.field: e.message}, status=e.status if e.status != 422 else 400,
                          notes=request.form.get("notes"), chosen=assignments)
    db.session.commit()
    flash(_("The planning meeting is recorded."))
    return redirect(url_for("hotel.plan_page", stay_id=stay_id))


@web.post("/stays/<int:stay_id>/plan/publish")
@requires("staff", positions=PLANNERS)
def plan_publish(stay_id):
    from domains.hotel import planning
    stay = _stay(stay_id)
    try:
        planning.publish_plan(g.principal, stay)
    except services.HotelError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        db.session.commit()
        flash(_("The Reception Notice is published to every department."))
    return redirect(url_for("hotel.plan_page", stay_id=stay_id))


@web.post("/gm/presence")
@requires("staff", positions=("hotel.gm",))
def gm_presence():
    """The GM says they are away from the hotel, or back: while away, the most senior manager on duty
    stands in."""
    from domains.hotel import reminders
    try:
        reminders.set_away(g.principal, g.principal, request.form.get("away") == "1")
    except services.HotelError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("hotel.gm_board"))


# ---- guest history and reports ------------------------------------------------------------------------

@web.get("/guests/<int:member_id>")
@requires("staff")
def guest(member_id):
    """A VIP's stays, requests and preferences, for the next visit."""
    from domains.hotel import history
    try:
        page = history.guest_page(member_id)
    except services.HotelError:
        abort(404)
    return render_template("hotel/guest.html", **page)


@web.post("/stays/<int:stay_id>/notes")
@requires("staff")
def stay_notes(stay_id):
    from domains.hotel import history
    stay = _stay(stay_id)
    try:
        history.note_guest(g.principal, stay, request.form.get("guest_notes"))
    except services.HotelError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."))
    if stay.member_id:
        return redirect(url_for("hotel.guest", member_id=stay.member_id))
    return redirect(url_for("hotel.plan_page", stay_id=stay_id))


def _on_time(csv=False):
    from datetime import date, timedelta

    from core.reports import tables as t
    from domains.hotel import history
    tz, now = _zone(), utcnow()
    today = now.astimezone(tz).date()
    errors = {}
    try:
        first = date.fromisoformat(request.args.get("first") or (today - timedelta(days=29)).isoformat())
        last = date.fromisoformat(request.args.get("last") or today.isoformat())
    except ValueError:
        first, last, errors = today - timedelta(days=29), today, {"first": _("Give the date as YYYY-MM-DD.")}
    try:
        result = history.on_time_rates(tz, first, last, now)
    except services.HotelError as e:
        result, errors = {"departments": [], "steps": []}, {e.field: e.message}
    names = {d: str(n) for d, n in _names()["department_names"].items()}
    titles = {k: str(v) for k, v in _names()["step_titles"].items()}
    counts = [t.Column("steps", _l("Steps"), t.INT), t.Column("due", _l("Due by now"), t.INT),
              t.Column("on_time", _l("On time"), t.INT), t.Column("late", _l("Late"), t.INT),
              t.Column("open_overdue", _l("Open, overdue"), t.INT), t.Column("rate", _l("On-time rate"), t.SHARE)]
    by_dept = t.Table("on-time-departments", _l("On-time rate by department"),
                      [t.Column("department", _l("Department"))] + counts,
                      [{**r, "department": names.get(r["department"], r["department"])}
                       for r in result["departments"]])
    by_step = t.Table("on-time-steps", _l("On-time rate by step"),
                      [t.Column("department", _l("Department")), t.Column("step", _l("Step"))] + counts,
                      [{**r, "department": names.get(r["department"], r["department"]),
                        "step": titles.get(r["key"], r["key"])} for r in result["steps"]])
    if csv and not errors:
        return t.csv_response(f"on-time-{first}-{last}.csv", [by_dept, by_step], g.tenant.currency)
    return render_template("hotel/on_time.html", tables=[t.rendered(x, g.tenant.currency) for x in (by_dept, by_step)],
                           first=first, last=last, errors=errors,
                           csv_url=url_for("hotel.on_time_csv", first=first.isoformat(), last=last.isoformat())
                           ), 400 if errors else 200


@web.get("/reports/on-time")
@requires("manager")
def on_time():
    """The on-time rate of the reception steps per department and step (a table and its CSV)."""
    return _on_time()


@web.get("/reports/on-time.csv")
@requires("manager")
def on_time_csv():
    return _on_time(csv=True)
