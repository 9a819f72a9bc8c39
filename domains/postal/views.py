"""The postal domain's pages and API: service plans and prices, visit planning and the visit log,
the manager's calendar feed, the 11185 hotline, stationing, the VIP club, reports."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import select

from core.api import idempotent
from core.extensions import db
from core.identity.models import Membership
from core.identity.permissions import requires
from core.members.models import Member
from core.models import utcnow
from core.portfolios.services import portfolio_query
from core.segments.models import Segment
from core.tenancy.context import tenant_context
from core.web.domain import domain_blueprints
from domains.postal import club, hotline, reports, services, visits
from domains.postal.models import PostalClubEvent, PostalStation, PostalVisit
from domains.postal.schemas import (AttendanceSchema, CadencesSchema, CalendarLinkOutSchema, CalendarLinkSchema,
                                    CallerSchema, EventSchema, HolidaySchema, HotlineRequestSchema, InvitedSchema,
                                    InviteSchema, NewVisitSchema, PhoneSchema, PlanningResultSchema, PlanningSchema,
                                    PlanSchema, PriceSchema, RequestOutSchema, RescheduleSchema, StationLogSchema,
                                    StationSchema, VisitLogSchema, VisitQuerySchema, VisitSchema)

web, api = domain_blueprints("postal", __name__, "postal/landing.html")
public = Blueprint("postal_public", __name__)

STAFF_POSITIONS = (services.MANAGER, services.LEAD)


@web.context_processor
def _names():
    """Department names in the reader's language, for every postal page."""
    from flask import current_app

    from core.plugins import all_positions
    positions = all_positions(current_app)
    return {"department_names": {d: positions.get(f"postal.{d}", d) for d in services.DEPARTMENTS},
            "service_names": services.SERVICE_NAMES, "rule_names": services.RULE_NAMES,
            "visit_status_names": services.VISIT_STATUS_NAMES}


def _zone() -> ZoneInfo:
    return ZoneInfo(g.tenant.timezone)


def _today() -> date:
    return utcnow().astimezone(_zone()).date()


def _visit(visit_id) -> PostalVisit:
    return db.session.get(PostalVisit, visit_id) or abort(404)


def _with_promises(visit: PostalVisit) -> PostalVisit:
    visit.promises = [p for p, _t in visits.promises_of(visit.id)]
    return visit


# ---- API: cadence, plans, prices --------------------------------------------------------------------

@api.route("/cadences", methods=["GET"])
@requires("staff")
@api.response(200, CadencesSchema)
def get_cadences():
    """Days between visits per tier (走访周期): the tenant's own, or the defaults (SVIP 30, VIP 91)."""
    return {"cadences": services.cadences()}


@api.route("/cadences", methods=["PUT"])
@requires("admin")
@api.arguments(CadencesSchema)
@api.response(200, CadencesSchema)
def put_cadences(data):
    result = services.set_cadences(g.principal, data["cadences"])
    db.session.commit()
    return {"cadences": result}


@api.route("/clients/<int:member_id>/plan", methods=["GET"])
@requires("staff")
@api.response(200, PlanSchema)
def get_plan(member_id):
    member = services.client(member_id)
    services.check_may_serve(g.principal, member)
    year = request.args.get("year", type=int) or _today().year
    return services.plan_of(member.id, year) or abort(404)


@api.route("/clients/<int:member_id>/plan", methods=["PUT"])
@requires("staff")
@api.arguments(PlanSchema)
@api.response(200, PlanSchema)
def put_plan(data, member_id):
    """The client's marketing service plan (营销服务方案) for a year: needs, services, goals."""
    plan = services.save_plan(g.principal, g.principal, services.client(member_id), **data)
    db.session.commit()
    return plan


@api.route("/clients/<int:member_id>/plan/prices", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(PriceSchema)
@api.response(201, PriceSchema)
def add_price(data, member_id):
    """An agreed preferential price (优惠服务) of the plan of the year the price starts in."""
    member = services.client(member_id)
    services.check_may_serve(g.principal, member)
    if data.get("valid_from") is None:
        raise services.PostalError("valid_from", _("Give the day as YYYY-MM-DD."))
    plan = services.plan_of(member.id, data["valid_from"].year)
    if plan is None:
        raise services.PostalError("valid_from", _("Write the client's plan for %(year)s first.",
                                                   year=data["valid_from"].year), 409)
    price = services.add_price(g.principal, g.principal, plan, **data)
    db.session.commit()
    return price, 201


# ---- API: visits ---------------------------------------------------------------------------------------

@api.route("/visits/plan", methods=["POST"])
@requires("staff", positions=(services.LEAD,))
@idempotent
@api.arguments(PlanningSchema)
@api.response(200, PlanningResultSchema)
def plan_visits(data):
    """Plan a window's visits for every managed client from the cadence (set-based; twice writes once)."""
    made = visits.plan_visits(g.principal, data["start"], data["end"])
    db.session.commit()
    return {"planned": made}


@api.route("/visits", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(NewVisitSchema)
@api.response(201, VisitSchema)
def new_visit(data):
    visit = visits.schedule_visit(g.principal, g.principal, data["member_id"], data["planned_on"], _today())
    db.session.commit()
    return _with_promises(visit), 201


@api.route("/visits", methods=["GET"])
@requires("staff")
@api.arguments(VisitQuerySchema, location="query")
@api.response(200, VisitSchema(many=True))
def list_visits(args):
    """Visits, the caller's own unless the lead asks for a manager's (or everyone's)."""
    manager_id = args["manager_id"] if services.is_lead(g.principal) else g.principal.membership_id
    return db.session.scalars(visits.visits_query(manager_id, status=args["status"], start=args["start"],
                                                  end=args["end"]).limit(1000)).all()


@api.route("/visits/<int:visit_id>", methods=["GET"])
@requires("staff")
@api.response(200, VisitSchema)
def get_visit(visit_id):
    visit = _visit(visit_id)
    services.check_may_serve(g.principal, services.client(visit.member_id))
    return _with_promises(visit)


@api.route("/visits/<int:visit_id>/log", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(VisitLogSchema)
@api.response(200, VisitSchema)
def log_visit(data, visit_id):
    """Log the visit: who, when, where, needs found, promises (each a task for its department), next step."""
    visit = visits.log_visit(g.principal, g.principal, _visit(visit_id), **data)
    db.session.commit()
    return _with_promises(visit)


@api.route("/visits/<int:visit_id>/reschedule", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(RescheduleSchema)
@api.response(200, VisitSchema)
def reschedule(data, visit_id):
    """Move a planned visit to another day, or cancel it."""
    visit = visits.reschedule_visit(g.principal, g.principal, _visit(visit_id), data.get("planned_on"), _today(),
                                    cancel=data["cancel"])
    db.session.commit()
    return _with_promises(visit)


@api.route("/calendar-link", methods=["POST"])
@requires("staff")
@api.arguments(CalendarLinkSchema)
@api.response(201, CalendarLinkOutSchema)
def calendar_link(data):
    """A new secret iCalendar address for the caller's visits (the lead may name a manager)."""
    manager_id = data.get("manager_id") or g.principal.membership_id
    if manager_id != g.principal.membership_id and not services.is_lead(g.principal):
        raise services.PostalError("manager_id", _("Only the lead makes another manager's calendar link."), 403)
    manager = db.session.get(Membership, manager_id) if manager_id else None
    if manager is None:
        raise services.PostalError("manager_id", _("No such staff member."), 404)
    raw = visits.new_calendar_link(g.principal, manager)
    db.session.commit()
    return {"url": url_for("postal_public.calendar", token=raw, _external=True)}, 201


# ---- API: the 11185 hotline ----------------------------------------------------------------------------

def _caller(phone: str) -> dict:
    member, contact = hotline.recognise(phone)
    if member is None:
        return {"member_id": None}
    manager = db.session.get(Membership, member.client_manager_id) if member.client_manager_id else None
    return {"member_id": member.id, "name": member.name, "kind": member.kind, "tier_key": member.tier_key,
            "contact_name": contact.name if contact else None, "manager_id": manager.id if manager else None,
            "manager_name": manager.user.name if manager else None}


@api.route("/hotline/lookup", methods=["POST"])
@requires("staff")
@api.arguments(PhoneSchema)
@api.response(200, CallerSchema)
def hotline_lookup(data):
    """Who is calling the 11185 hotline: a VIP person, or a company through a registered contact."""
    return _caller(data["phone"])


@api.route("/hotline/requests", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(HotlineRequestSchema)
@api.response(201, RequestOutSchema)
def hotline_request(data):
    """Open a priority request for a known client on their manager's list (due by the tier's SLA)."""
    contact = hotline.recognise(data.get("phone"))[1] if data.get("phone") else None
    req = hotline.open_hotline_request(g.principal, member_id=data["member_id"], kind=data["kind"],
                                       subject=data["subject"], detail=data.get("detail"), contact=contact)
    db.session.commit()
    return req, 201


# ---- API: stationing, holidays, the club --------------------------------------------------------------

@api.route("/stations", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(StationSchema)
@api.response(201, StationSchema)
def new_station(data):
    """Station staff at a large client's mailing location (派驻制) on a weekly schedule."""
    staff = db.session.get(Membership, data.pop("staff_id"))
    station = services.station_staff(g.principal, g.principal, services.client(data.pop("member_id")),
                                     staff=staff, **data)
    db.session.commit()
    return station, 201


@api.route("/stations/<int:station_id>/log", methods=["POST"])
@requires("staff")
@api.arguments(StationLogSchema)
@api.response(200, StationLogSchema)
def station_log(data, station_id):
    """The day's log on site, once per day (the same day again rewrites it)."""
    station = db.session.get(PostalStation, station_id) or abort(404)
    row = services.log_station_day(g.principal, g.principal, station, today=_today(), **data)
    db.session.commit()
    return row


@api.route("/holidays", methods=["POST"])
@requires("admin")
@api.arguments(HolidaySchema)
@api.response(200, HolidaySchema)
def holiday(data):
    """A holiday the bureau greets its clients on (节日慰问)."""
    row = services.set_holiday(g.principal, data["day"], data["name"])
    db.session.commit()
    return row


@api.route("/events", methods=["POST"])
@requires("staff", positions=(services.LEAD,))
@idempotent
@api.arguments(EventSchema)
@api.response(201, EventSchema)
def new_event(data):
    event = club.create_event(g.principal, **data)
    db.session.commit()
    return event, 201


@api.route("/events/<int:event_id>/invitations", methods=["POST"])
@requires("staff", positions=(services.LEAD,))
@idempotent
@api.arguments(InviteSchema)
@api.response(200, InvitedSchema)
def invite(data, event_id):
    """Invite a segment's members (those not invited yet)."""
    event = db.session.get(PostalClubEvent, event_id) or abort(404)
    n = club.invite_segment(g.principal, event, db.session.get(Segment, data["segment_id"]))
    db.session.commit()
    return {"invited": n}


@api.route("/events/<int:event_id>/attendance", methods=["POST"])
@requires("staff")
@api.arguments(AttendanceSchema)
@api.response(200, AttendanceSchema)
def attendance(data, event_id):
    event = db.session.get(PostalClubEvent, event_id) or abort(404)
    inv = club.mark_attendance(g.principal, event, data["member_id"], data["attended"])
    db.session.commit()
    return {"member_id": inv.member_id, "attended": inv.attended_at is not None}


# ---- pages: my visits, the visit log (phone-sized), my clients, the calendar ---------------------------

@web.get("/visits")
@requires("staff")
def my_visits():
    """Today's visits and the overdue ones, for the signed-in manager (the lead sees everyone's)."""
    today = _today()
    manager_id = None if services.is_lead(g.principal) else g.principal.membership_id
    q = visits.visits_query(manager_id, end=today + timedelta(days=7))
    rows = db.session.execute(q.add_columns(Member).join(Member, Member.id == PostalVisit.member_id).limit(300)).all()
    return render_template("postal/visits.html", rows=rows, today=today)


def _log_form(visit, member, errors=None, status=200):
    return render_template("postal/visit_log.html", visit=visit, member=member, errors=errors or {},
                           promises=visits.promises_of(visit.id), departments=services.DEPARTMENTS,
                           today=_today(), now_local=utcnow().astimezone(_zone())), status


@web.get("/visits/<int:visit_id>")
@requires("staff")
def visit_page(visit_id):
    visit = _visit(visit_id)
    member = services.client(visit.member_id)
    try:
        services.check_may_serve(g.principal, member)
    except services.PostalError:
        if visit.manager_id != g.principal.membership_id:
            abort(403)
    return _log_form(visit, member)


def _form_promises(form) -> list[dict]:
    out = []
    for text, dept, due in zip(form.getlist("promise_text"), form.getlist("promise_department"),
                               form.getlist("promise_due_on")):
        if not (text or "").strip():
            continue
        try:
            due_on = date.fromisoformat(due)
        except (TypeError, ValueError):
            due_on = None
        out.append({"text": text, "department": dept, "due_on": due_on})
    return out


@web.post("/visits/<int:visit_id>")
@requires("staff")
def visit_log_page(visit_id):
    visit = _visit(visit_id)
    member = services.client(visit.member_id)
    f = request.form
    try:
        raw = (f.get("visited_at") or "").strip()
        try:
            visited_at = datetime.fromisoformat(raw).replace(tzinfo=_zone()) if raw else None
        except ValueError:
            raise services.PostalError("visited_at", _("Give the time of the visit."))
        if visited_at is None:
            raise services.PostalError("visited_at", _("Give the time of the visit."))
        visits.log_visit(g.principal, g.principal, visit, visited_at=visited_at, place=f.get("place"),
                         contact_name=f.get("contact_name"), needs_found=f.get("needs_found"),
                         next_step=f.get("next_step"), promises=_form_promises(f))
    except services.PostalError as e:
        db.session.rollback()
        status = e.status if e.status in (403, 409) else 422
        return _log_form(_visit(visit_id), services.client(visit.member_id), {e.field: e.message}, status)
    db.session.commit()
    flash(_("Visit to %(client)s logged.", client=member.name))
    return redirect(url_for("postal.visit_page", visit_id=visit.id))


@web.post("/visits/<int:visit_id>/move")
@requires("staff")
def visit_move_page(visit_id):
    """Move the visit to another day, or cancel it."""
    visit = _visit(visit_id)
    try:
        day = None if request.form.get("cancel") else _form_day("planned_on")
        visits.reschedule_visit(g.principal, g.principal, visit, day, _today(), cancel=bool(request.form.get("cancel")))
    except services.PostalError as e:
        db.session.rollback()
        status = e.status if e.status in (403, 409) else 422
        return _log_form(_visit(visit_id), services.client(visit.member_id), {e.field: e.message}, status)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("postal.my_visits"))


@web.get("/clients")
@requires("staff")
def my_clients():
    """My clients with their cadence and whether a visit is overdue."""
    status = {r["member_id"]: r for r in visits.client_visit_status()}
    rows = db.session.scalars(portfolio_query(g.principal.membership_id).limit(1000)).all() \
        if g.principal.membership_id else []
    return render_template("postal/clients.html", rows=rows, status=status)


@web.route("/calendar", methods=["GET", "POST"])
@requires("staff")
def calendar_page():
    """The secret address a phone calendar subscribes to; making a new one retires the old."""
    url = None
    if request.method == "POST" and g.principal.membership_id:
        raw = visits.new_calendar_link(g.principal, db.session.get(Membership, g.principal.membership_id))
        db.session.commit()
        url = url_for("postal_public.calendar", token=raw, _external=True)
    return render_template("postal/calendar.html", url=url)


@public.get("/calendar/<token>.ics")
def calendar(token):
    """The manager's planned visits as iCalendar: the token in the address is the key."""
    link = visits.calendar_link_for_token(token)
    if link is None:
        abort(404)
    from core.tenancy.models import Tenant
    with tenant_context(link.tenant_id):
        tenant = db.session.get(Tenant, link.tenant_id)
        if tenant is None or tenant.status != "active" or not tenant.has_domain("postal"):
            abort(404)
        body = visits.calendar_feed(link.manager_id, tenant.slug)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


# ---- pages: the 11185 hotline --------------------------------------------------------------------------

@web.route("/hotline", methods=["GET", "POST"])
@requires("staff")
def hotline_page():
    """The operator types the caller's number: a VIP is recognised (a company by its contact) and a
    priority request goes on the client manager's list."""
    phone = (request.values.get("phone") or "").strip()[:40]
    caller = _caller(phone) if phone else None
    errors, made, status = {}, None, 200
    if request.method == "POST" and request.form.get("kind"):
        try:
            member_id = request.form.get("member_id", type=int)
            contact = hotline.recognise(phone)[1] if phone else None
            made = hotline.open_hotline_request(g.principal, member_id=member_id, kind=request.form.get("kind"),
                                                subject=request.form.get("subject") or "",
                                                detail=request.form.get("detail"), contact=contact)
        except (services.PostalError, hotline.service.ServiceError) as e:
            db.session.rollback()
            errors, status = {e.field: e.message}, 422
        else:
            db.session.commit()
    return render_template("postal/hotline.html", phone=phone, caller=caller, kinds=hotline.HOTLINE_KINDS,
                           kind_label=hotline.service.kind_label, errors=errors, made=made), status


# ---- pages: reports (table + CSV) ----------------------------------------------------------------------

REPORTS = ("coverage", "promises", "requests", "evaluation")


def _report_tables(report: str):
    if report not in REPORTS:
        abort(404)
    tz, now = _zone(), utcnow()
    today = now.astimezone(tz).date()
    try:
        start = date.fromisoformat(request.args.get("start") or (today - timedelta(days=90)).isoformat())
        end = date.fromisoformat(request.args.get("end") or today.isoformat())
        # the evaluation is made at the year's end (每年年底): in December this year's, otherwise last year's
        year = int(request.args.get("year") or today.year - (0 if today.month == 12 else 1))
    except ValueError:
        abort(400)
    if end < start or not 2000 <= year <= 2100 or (end - start).days > 800:
        abort(400)
    if report == "coverage":
        return [reports.coverage_table(reports.coverage(now))], {}
    if report == "promises":
        return [reports.promises_table(reports.promises(start, end, tz, now))], {"start": start, "end": end}
    if report == "requests":
        return [reports.requests_table(reports.requests_by_kind(start, end, tz, now))], {"start": start, "end": end}
    return [reports.evaluation_table(reports.evaluation(year, tz), year)], {"year": year}


@web.get("/reports/<report>")
@requires("staff", positions=STAFF_POSITIONS)
def report_page(report):
    from core.reports.tables import rendered
    built, args = _report_tables(report)
    return render_template("postal/report.html", report=report, reports=REPORTS, args=args,
                           names={"coverage": _("Visit coverage"), "promises": _("Promises kept"),
                                  "requests": _("Priority requests"), "evaluation": _("Yearly evaluation")},
                           tables=[rendered(t, g.tenant.currency) for t in built],
                           csv_url=url_for("postal.report_csv", report=report, **request.args))


@web.get("/reports/<report>.csv")
@requires("staff", positions=STAFF_POSITIONS)
def report_csv(report):
    from core.reports.tables import csv_response
    built, _args = _report_tables(report)
    return csv_response(f"postal-{report}.csv", built, g.tenant.currency)


# ---- pages: a client's file (plan, prices, visits, promises), stations, the club, the cadence ----------

def _client_context(member, year, errors=None):
    plan = services.plan_of(member.id, year)
    history = db.session.scalars(select(PostalVisit).where(PostalVisit.member_id == member.id)
                                 .order_by(PostalVisit.planned_on.desc()).limit(20)).all()
    return {"member": member, "year": year, "plan": plan, "errors": errors or {},
            "prices": services.prices_of(plan.id) if plan else [], "history": history,
            "open_promises": db.session.scalars(visits.open_promises_query().where(
                visits.PostalPromise.member_id == member.id)).all(),
            "all_services": services.SERVICES, "rule_levels": services.RULE_LEVELS, "today": _today()}


def _client_for_page(member_id):
    try:
        member = services.client(member_id)
        services.check_may_serve(g.principal, member)
    except services.PostalError as e:
        abort(e.status)
    return member


def _form_fen(name):
    """An amount typed in yuan (e.g. 12.50) as fen; None when empty."""
    from decimal import Decimal, InvalidOperation
    raw = (request.form.get(name) or "").strip().replace(",", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise services.PostalError(name, _("An amount in yuan, e.g. 12.50."))
    if value < 0 or value > Decimal("100000000000") or value != value.quantize(Decimal("0.01")):
        raise services.PostalError(name, _("An amount in yuan, e.g. 12.50."))
    return int(value * 100)


def _form_day(name):
    try:
        return date.fromisoformat(request.form.get(name) or "")
    except ValueError:
        raise services.PostalError(name, _("Give the day as YYYY-MM-DD."))


@web.get("/clients/<int:member_id>")
@requires("staff")
def client_page(member_id):
    """A client's file: the year's marketing service plan, agreed prices, visits and open promises."""
    member = _client_for_page(member_id)
    year = request.args.get("year", type=int) or _today().year
    if not 2000 <= year <= 2100:
        abort(400)
    return render_template("postal/client.html", **_client_context(member, year))


@web.post("/clients/<int:member_id>")
@requires("staff")
def client_plan_page(member_id):
    member = _client_for_page(member_id)
    f = request.form
    year = f.get("year", type=int) or _today().year
    try:
        if f.get("action") == "price":
            plan = services.plan_of(member.id, year)
            if plan is None:
                raise services.PostalError("item", _("Write the client's plan for %(year)s first.", year=year), 409)
            list_fen, agreed_fen = _form_fen("list_price"), _form_fen("agreed_price")
            if list_fen is None or agreed_fen is None:
                raise services.PostalError("agreed_price", _("An amount in yuan, e.g. 12.50."))
            services.add_price(g.principal, g.principal, plan, service=f.get("service"), item=f.get("item"),
                               rule_level=f.get("rule_level"), rule_ref=f.get("rule_ref"), list_price_fen=list_fen,
                               agreed_price_fen=agreed_fen, valid_from=_form_day("valid_from"),
                               valid_until=_form_day("valid_until"))
        else:
            services.save_plan(g.principal, g.principal, member, year=year, needs=f.get("needs"),
                               services=f.getlist("services"), goals=f.get("goals"),
                               yearly_goal_fen=_form_fen("yearly_goal"))
    except services.PostalError as e:
        db.session.rollback()
        status = e.status if e.status in (403, 409) else 422
        return render_template("postal/client.html", **_client_context(member, year, {e.field: e.message})), status
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("postal.client_page", member_id=member.id, year=year))


@web.route("/stations/<int:station_id>", methods=["GET", "POST"])
@requires("staff")
def station_page(station_id):
    """The stationed person's page: the schedule and today's log (派驻日志)."""
    from domains.postal.models import PostalStationLog
    station = db.session.get(PostalStation, station_id) or abort(404)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            services.log_station_day(g.principal, g.principal, station, day=_form_day("day"),
                                     items_handled=request.form.get("items_handled", type=int) or 0,
                                     needs=request.form.get("needs"), notes=request.form.get("notes"), today=_today())
        except services.PostalError as e:
            db.session.rollback()
            errors, status = {e.field: e.message}, (e.status if e.status in (403, 409) else 422)
        else:
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("postal.station_page", station_id=station.id))
    logs = db.session.scalars(select(PostalStationLog).where(PostalStationLog.station_id == station.id)
                              .order_by(PostalStationLog.day.desc()).limit(31)).all()
    return render_template("postal/station.html", station=station, member=db.session.get(Member, station.member_id),
                           logs=logs, errors=errors, today=_today(), on_duty=services.on_duty(station, _today())), status


@web.get("/club")
@requires("staff")
def club_page():
    """The VIP club's events with invitations and attendance."""
    from sqlalchemy import func

    from domains.postal.models import PostalInvitation
    counts = {eid: (n, came) for eid, n, came in db.session.execute(
        select(PostalInvitation.event_id, func.count(PostalInvitation.id), func.count(PostalInvitation.attended_at))
        .group_by(PostalInvitation.event_id)).all()}
    events = db.session.scalars(select(PostalClubEvent).order_by(PostalClubEvent.starts_at.desc()).limit(100)).all()
    stations = db.session.execute(select(PostalStation, Member).join(Member, Member.id == PostalStation.member_id)
                                  .order_by(PostalStation.id).limit(100)).all()
    return render_template("postal/club.html", events=events, counts=counts, stations=stations)


@web.route("/cadence", methods=["GET", "POST"])
@requires("admin")
def cadence_page():
    """Days between visits per tier (走访周期), the tenant's own."""
    errors, status = {}, 200
    if request.method == "POST":
        values = {}
        for key, days in zip(request.form.getlist("tier_key"), request.form.getlist("every_days")):
            key = (key or "").strip()
            if key:
                values[key] = int(days) if (days or "").isdigit() else -1
        try:
            services.set_cadences(g.principal, values)
        except services.PostalError as e:
            db.session.rollback()
            errors, status = {e.field: e.message}, 422
        else:
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("postal.cadence_page"))
    return render_template("postal/cadence.html", cadences=services.cadences(), errors=errors), status
