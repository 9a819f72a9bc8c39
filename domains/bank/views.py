"""The bank domain's pages and API: the branch queue (kiosk, teller console, lobby board), VIP call
routing, balances and the tier review, client managers and reports."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_smorest import abort

from core.api import idempotent
from core.errors import RuleError
from core.extensions import db
from core.identity.permissions import requires
from core.models import utcnow
from core.web.domain import domain_blueprints
from domains.bank import assets, cases, models, queue, routing  # noqa: F401  (tables and the five kinds)
from domains.bank.models import BankBranch, BankCounter
from domains.bank.schemas import (BalanceFileSchema, BalancesInSchema, BalancesResultSchema, BankCaseInSchema,
                                  BankCaseSchema, BankDeliveryInSchema, BankStepInSchema, ReviewInSchema,
                                  ReviewResultSchema, BranchInSchema, BranchSchema, CallNextSchema, CallSchema, CounterInSchema,
                                  CounterSchema, DutyInSchema, DutySchema, PresenceInSchema, RouteDecisionSchema,
                                  RouteInSchema, SeatInSchema, SeatSchema, StaffLineInSchema, StaffLineSchema,
                                  TicketInSchema, TicketSchema, TierWaitInSchema, TierWaitSchema, TransferSchema)

web, api = domain_blueprints("bank", __name__, "bank/landing.html")

TELLERS = ("bank.teller", "bank.lobby_manager")


@web.context_processor
def _names():
    return {"kind_labels": queue.KINDS}


def _branch(branch_id) -> BankBranch:
    return db.session.get(BankBranch, branch_id) or abort(404)


def _counter(counter_id) -> BankCounter:
    return db.session.get(BankCounter, counter_id) or abort(404)


# ---- API: branches, counters, tickets ----------------------------------------------------------------

@api.route("/branches", methods=["GET"])
@requires("staff")
@api.response(200, BranchSchema(many=True))
def list_branches():
    return queue.branches()


@api.route("/branches", methods=["POST"])
@requires("admin")
@idempotent
@api.arguments(BranchInSchema)
@api.response(201, BranchSchema)
def create_branch(data):
    return queue.create_branch(g.principal, **data), 201


@api.route("/branches/<int:branch_id>/counters", methods=["POST"])
@requires("admin")
@idempotent
@api.arguments(CounterInSchema)
@api.response(201, CounterSchema)
def create_counter(data, branch_id):
    return queue.create_counter(g.principal, _branch(branch_id), **data), 201


@api.route("/branches/<int:branch_id>/counters", methods=["GET"])
@requires("staff")
@api.response(200, CounterSchema(many=True))
def list_counters(branch_id):
    return queue.counters_of(_branch(branch_id).id)


@api.route("/branches/<int:branch_id>/tickets", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(TicketInSchema)
@api.response(201, TicketSchema)
def take_ticket(data, branch_id):
    """A ticket from the kiosk: a client identified by card, phone or ID number gets their tier's
    priority (number V…); anybody else an ordinary ticket (A…)."""
    return queue.take_ticket(g.principal, _branch(branch_id), **data), 201


@api.route("/branches/<int:branch_id>/queue", methods=["GET"])
@requires("staff")
@api.response(200, TicketSchema(many=True))
def waiting(branch_id):
    """The waiting tickets in the order call-next takes them."""
    return db.session.scalars(queue.waiting_query(_branch(branch_id).id, utcnow()).limit(500)).all()


@api.route("/counters/<int:counter_id>/call-next", methods=["POST"])
@requires("staff", positions=TELLERS)
@api.response(200, CallNextSchema)
def call_next(counter_id):
    """Call the next ticket to this counter (tier first, but an overdue ticket before everyone);
    ``ticket`` is null when nobody waits. Never the same ticket to two counters."""
    ticket = queue.call_next(g.principal, _counter(counter_id), teller_id=g.principal.membership_id)
    db.session.commit()
    return {"ticket": ticket}


def _act(counter_id, ticket_id, fn, **kw):
    ticket = fn(g.principal, _counter(counter_id), ticket_id, **kw)
    db.session.commit()
    return ticket


@api.route("/counters/<int:counter_id>/tickets/<int:ticket_id>/recall", methods=["POST"])
@requires("staff", positions=TELLERS)
@api.response(200, TicketSchema)
def recall(counter_id, ticket_id):
    """Call the same number again: the lobby board shows it anew."""
    return _act(counter_id, ticket_id, queue.recall)


@api.route("/counters/<int:counter_id>/tickets/<int:ticket_id>/serve", methods=["POST"])
@requires("staff", positions=TELLERS)
@api.response(200, TicketSchema)
def serve(counter_id, ticket_id):
    """The client is at the counter: service starts."""
    return _act(counter_id, ticket_id, queue.serve)


@api.route("/counters/<int:counter_id>/tickets/<int:ticket_id>/complete", methods=["POST"])
@requires("staff", positions=TELLERS)
@api.response(200, TicketSchema)
def complete(counter_id, ticket_id):
    return _act(counter_id, ticket_id, queue.complete)


@api.route("/counters/<int:counter_id>/tickets/<int:ticket_id>/no-show", methods=["POST"])
@requires("staff", positions=TELLERS)
@api.response(200, TicketSchema)
def no_show(counter_id, ticket_id):
    """The client did not come to the counter."""
    return _act(counter_id, ticket_id, queue.no_show)


@api.route("/counters/<int:counter_id>/tickets/<int:ticket_id>/transfer", methods=["POST"])
@requires("staff", positions=TELLERS)
@api.arguments(TransferSchema)
@api.response(200, TicketSchema)
def transfer(data, counter_id, ticket_id):
    """Send the client to another counter or kind; the ticket keeps its place in time."""
    return _act(counter_id, ticket_id, queue.transfer, **data)


@api.route("/tier-waits", methods=["GET"])
@requires("staff")
@api.response(200, TierWaitSchema(many=True))
def tier_waits():
    return queue.wait_table()


@api.route("/tier-waits", methods=["PUT"])
@requires("admin")
@idempotent
@api.arguments(TierWaitInSchema)
@api.response(200, TierWaitSchema(many=True))
def set_tier_wait(data):
    """The tenant's own maximum lobby wait for a tier (default: from its priority and response time)."""
    queue.set_tier_wait(g.principal, data["tier_key"], data["max_wait_minutes"])
    return queue.wait_table()


# ---- pages: queue overview, kiosk, teller console, lobby board ----------------------------------------

@web.get("/queue")
@requires("staff")
def queue_home():
    rows = [(b, queue.counters_of(b.id)) for b in queue.branches()]
    return render_template("bank/queue.html", branches=rows, waits=queue.wait_table())


@web.route("/branches/<int:branch_id>/kiosk", methods=["GET", "POST"])
@requires("staff")
def kiosk(branch_id):
    """The ticket kiosk: swipe a card or type a phone or ID number for VIP priority, or just take a number."""
    branch, ticket = _branch(branch_id), None
    if request.method == "POST":
        try:
            ticket = queue.take_ticket(g.principal, branch, kind=request.form.get("kind") or "bank.handling",
                                       identifier=request.form.get("identifier"))
        except queue.QueueError as e:
            db.session.rollback()
            flash(e.message, "error")
            return render_template("bank/kiosk.html", branch=branch, ticket=None), e.status
        db.session.commit()
    return render_template("bank/kiosk.html", branch=branch, ticket=ticket)


def _console_context(counter: BankCounter):
    return {"counter": counter, "branch": db.session.get(BankBranch, counter.branch_id),
            "current": queue.open_ticket(counter), "others": queue.counters_of(counter.branch_id),
            "waiting": db.session.scalars(queue.waiting_query(counter.branch_id, utcnow()).limit(20)).all()}


@web.get("/counters/<int:counter_id>")
@requires("staff", positions=TELLERS)
def console(counter_id):
    """The teller console: call next, recall, serve, complete, no-show, transfer."""
    return render_template("bank/console.html", **_console_context(_counter(counter_id)))


@web.post("/counters/<int:counter_id>")
@requires("staff", positions=TELLERS)
def console_action(counter_id):
    counter = _counter(counter_id)
    action = request.form.get("action")
    try:
        if action == "call_next":
            ticket = queue.call_next(g.principal, counter, teller_id=g.principal.membership_id)
            if ticket is None:
                flash(_("Nobody is waiting."))
        elif action in ("recall", "serve", "complete", "no_show", "transfer"):
            ticket_id = _form_id("ticket_id") or 0   # none, or none such: "No such ticket." (404)
            if action == "transfer":
                queue.transfer(g.principal, counter, ticket_id, to_counter_id=_form_id("to_counter_id"),
                               to_kind=request.form.get("to_kind") or None)
            else:
                getattr(queue, action)(g.principal, counter, ticket_id)
        else:
            abort(400)
    except queue.QueueError as e:
        db.session.rollback()
        flash(e.message, "error")
        return render_template("bank/console.html", **_console_context(counter)), e.status
    db.session.commit()
    return redirect(url_for("bank.console", counter_id=counter.id))


def _lobby_locale():
    """The lobby board speaks Chinese unless asked for English (?lang=en)."""
    return "en" if request.args.get("lang") == "en" else "zh_Hans_CN"


@web.get("/branches/<int:branch_id>/lobby")
@requires("staff")
def lobby(branch_id):
    """The lobby display: the numbers called and their counters, in large type, live (htmx)."""
    branch = _branch(branch_id)
    with force_locale(_lobby_locale()):
        return render_template("bank/lobby.html", branch=branch, board=queue.lobby(branch, utcnow()),
                               lang=request.args.get("lang"))


@web.get("/branches/<int:branch_id>/lobby/rows")
@requires("staff")
def lobby_rows(branch_id):
    branch = _branch(branch_id)
    with force_locale(_lobby_locale()):
        return render_template("bank/_lobby_rows.html", branch=branch, board=queue.lobby(branch, utcnow()))


# ---- VIP call routing ---------------------------------------------------------------------------------

@api.route("/calls/route", methods=["POST"])
@requires("staff")
@api.arguments(RouteInSchema)
@api.response(200, RouteDecisionSchema)
def route_call(data):
    """The routing decision for one hop of a call (003 篇4 §5), for the bank's phone system.

    First request: ``{"call_id", "caller", "branch_code"?}`` → ``{"action": "dial", "hop": 1,
    "kind": "manager_seat", "target": "8101", "timeout_seconds": 20}``. After each hop, the same
    call with ``"hop"`` and its ``"outcome"`` (answered | busy | no_answer | failed) → the next
    decision: ``dial`` another target, ``voicemail`` (record a message; a ticket is made and its
    ``request_no`` returned) or ``done``. VIPs: manager's seat → manager's mobile → the duty desk
    idle longest → the duty officer's mobile → voicemail. Corporate clients only through their
    registered contacts. Others: duty desk → voicemail. Repeating a request answers the same
    decision. See the README for an Asterisk and a FreeSWITCH dial plan."""
    decision = routing.route(g.principal, **data)
    db.session.commit()
    return decision


@api.route("/calls", methods=["GET"])
@requires("staff")
@api.response(200, CallSchema(many=True))
def calls():
    """The call log, newest first, each call with its hops."""
    rows = db.session.scalars(routing.call_log_query(200)).all()
    for c in rows:
        c.hops = routing._hops(c)
    return rows


@api.route("/seats", methods=["GET"])
@requires("staff")
@api.response(200, SeatSchema(many=True))
def list_seats():
    return routing.seats()


@api.route("/seats", methods=["POST"])
@requires("admin")
@idempotent
@api.arguments(SeatInSchema)
@api.response(201, SeatSchema)
def create_seat(data):
    return routing.create_seat(g.principal, **data), 201


@api.route("/seats/presence", methods=["PUT"])
@requires("staff")
@api.arguments(PresenceInSchema)
@api.response(200, SeatSchema)
def presence(data):
    """Seat presence from the phone system (or a console): available, busy or absent, by extension."""
    seat = routing.seat_by_extension(data["extension"])
    if seat is None:
        raise routing.RoutingError("extension", _("No such seat."), 404)
    routing.set_presence(g.principal, seat, data["status"])
    db.session.commit()
    return seat


@api.route("/staff/<int:membership_id>/line", methods=["PUT"])
@requires("admin")
@api.arguments(StaffLineInSchema)
@api.response(200, StaffLineSchema)
def staff_line(data, membership_id):
    """A staff member's mobile and home branch (the routing's mobile hops)."""
    line = routing.set_staff_line(g.principal, membership_id, **data)
    db.session.commit()
    return line


@api.route("/duty", methods=["PUT"])
@requires("manager")
@api.arguments(DutyInSchema)
@api.response(200, DutySchema)
def duty(data):
    """The duty rota: a branch's duty officer for a day."""
    row = routing.set_duty(g.principal, **data)
    db.session.commit()
    return row


@web.route("/seats", methods=["GET", "POST"])
@requires("staff")
def seats_page():
    """The seat console: each seat's presence; staff set their own seat, managers any."""
    if request.method == "POST":
        seat = routing.seat_by_extension(request.form.get("extension") or "")
        if seat is None:
            abort(404)
        if seat.membership_id not in (None, g.principal.membership_id) and not g.principal.has_role("manager"):
            abort(403)
        try:
            routing.set_presence(g.principal, seat, request.form.get("status") or "")
        except routing.RoutingError as e:
            db.session.rollback()
            flash(e.message, "error")
            return render_template("bank/seats.html", seats=routing.seats(), branches=queue.branches()), 422
        db.session.commit()
        return redirect(url_for("bank.seats_page"))
    return render_template("bank/seats.html", seats=routing.seats(), branches=queue.branches())


@web.get("/calls")
@requires("staff")
def calls_page():
    rows = db.session.scalars(routing.call_log_query(100)).all()
    return render_template("bank/calls.html", calls=[(c, routing._hops(c)) for c in rows])


# ---- balances and the tier review by assets ------------------------------------------------------------

@api.route("/balances", methods=["POST"])
@requires("admin")
@idempotent
@api.arguments(BalancesInSchema)
@api.response(200, BalancesResultSchema)
def balances(data):
    """Month-end balances from the core banking system, once by (period, account): sending the same
    pair again replaces the figure. All or nothing: one bad row refuses the batch, naming it."""
    rows = [{**r, "balance": str(r["balance"])} for r in data["rows"]]
    return assets.record_balances(g.principal, rows)


@api.route("/balances/file", methods=["POST"])
@requires("admin")
@idempotent
@api.arguments(BalanceFileSchema)
@api.response(200, BalancesResultSchema)
def balances_file(data):
    """The same as a CSV or .xlsx file (columns period, account_no, member_no, balance; Chinese
    headings 月份, 账号, 会员号, 余额 too), base64-encoded."""
    import base64
    import binascii
    try:
        content = base64.b64decode(data["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise assets.BalanceError("content_base64", _("Not base64.")) from None
    return assets.record_balances(g.principal, assets.rows_from_file(data["filename"], content))


@api.route("/tier-review", methods=["POST"])
@requires("admin")
@idempotent
@api.arguments(ReviewInSchema)
@api.response(200, ReviewResultSchema)
def tier_review(data):
    """Run the tier review on a period's balances: each client to the highest tier their assets
    reach under the live scheme (recorded with the version and the rule met)."""
    return assets.review(g.principal, assets.parse_period(data["period"]))


@web.route("/balances", methods=["GET", "POST"])
@requires("admin")
def balances_page():
    """Upload a month's balance file, then run the tier review on it."""
    result = None
    if request.method == "POST":
        try:
            if request.form.get("action") == "review":
                result = assets.review(g.principal, assets.parse_period(request.form.get("period")))
            else:
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise assets.BalanceError("file", _("Choose a file."))
                result = assets.record_balances(g.principal, assets.rows_from_file(upload.filename, upload.read()))
        except assets.BalanceError as e:
            db.session.rollback()
            flash(e.message, "error")
            return render_template("bank/balances.html", result=None, error_field=e.field), e.status
        db.session.commit()
    return render_template("bank/balances.html", result=result, error_field=None)


# ---- client managers ---------------------------------------------------------------------------------

@web.get("/clients")
@requires("staff", positions=("bank.client_manager", "bank.lobby_manager"))
def clients_page():
    """My clients: assets, tier, the next follow-up; the follow-ups due this week; (for managers and
    admins) any manager's list via ?manager_id= and the VIPs still without a manager."""
    from core.identity.models import Membership
    from core.portfolios.services import managers
    from domains.bank import clients
    manager_id = g.principal.membership_id
    if request.args.get("manager_id") and g.principal.has_role("manager"):
        m = db.session.get(Membership, request.args.get("manager_id", type=int) or 0) or abort(404)
        manager_id = m.id
    data = clients.portfolio(manager_id, utcnow()) if manager_id else {"clients": [], "due": [], "period": None,
                                                                        "now": utcnow(), "total_assets": 0}
    return render_template("bank/clients.html", **data, manager_id=manager_id,
                           managers=managers(clients.POSITION) if g.principal.has_role("manager") else [],
                           unmanaged=clients.unmanaged() if g.principal.has_role("manager") else [])


# ---- reports -------------------------------------------------------------------------------------------

def _report_range():
    """The selected dates (default: this month so far), in the tenant's zone."""
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo
    tz = ZoneInfo(g.tenant.timezone)
    today = utcnow().astimezone(tz).date()
    out = {}
    for name, default in (("from", today.replace(day=1)), ("to", today)):
        raw = request.args.get(name)
        try:
            out[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            raise queue.QueueError(name, _("A date as YYYY-MM-DD.")) from None
    if out["to"] < out["from"]:
        raise queue.QueueError("to", _("The end comes before the start."))
    start = datetime.combine(out["from"], time(0), tz)
    end = datetime.combine(out["to"] + timedelta(days=1), time(0), tz)
    return out["from"], out["to"], start, end


@web.get("/reports", endpoint="reports")
@web.get("/reports.csv", endpoint="reports_csv")
@requires("manager")
def reports_page():
    """Waiting and service times by tier and kind, SLA, calls by hop, 80/20, per manager."""
    from core.reports.tables import csv_response, rendered
    from domains.bank import reports
    try:
        day_from, day_to, start, end = _report_range()
    except queue.QueueError as e:
        return render_template("bank/reports.html", tables=[], error=e, args=request.args), 400
    built = reports.build(day_from, day_to, start, end, utcnow())
    args = {"from": day_from.isoformat(), "to": day_to.isoformat()}
    if request.endpoint.endswith("_csv"):
        return csv_response(f"bank-{day_from}-{day_to}.csv", built, g.tenant.currency)
    return render_template("bank/reports.html", tables=[rendered(t, g.tenant.currency) for t in built], error=None,
                           args=args, csv_url=url_for("bank.reports_csv", **args))


# ---- cases: problem resolution, claims (steps and due times) and deliveries -----------------------------

def _case(request_id) -> dict:
    req = cases.get_case(request_id) or abort(404)
    return cases.case_view(req, cases.steps_of(req.id), cases.delivery_of(req.id))


@api.route("/cases", methods=["GET"])
@requires("staff")
@api.response(200, BankCaseSchema(many=True))
def list_cases():
    """Open problems and claims (``?kind=bank.claim``), by tier priority then due time."""
    kind = request.args.get("kind")
    if kind and kind not in cases.CASE_KINDS:
        raise cases.CaseError("kind", _("Choose one of: %(choices)s.", choices=", ".join(cases.CASE_KINDS)))
    return cases.cases((kind,) if kind else cases.CASE_KINDS)


@api.route("/cases", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(BankCaseInSchema)
@api.response(201, BankCaseSchema)
def open_case(data):
    """Register a problem (bank.resolution) or a claim (bank.claim): a service request with the
    tier's SLA and the case's steps, each due inside the request's due time."""
    req = cases.open_case(g.principal, **data)
    db.session.commit()
    return _case(req.id), 201


@api.route("/cases/<int:request_id>", methods=["GET"])
@requires("staff")
@api.response(200, BankCaseSchema)
def get_case(request_id):
    return _case(request_id)


@api.route("/cases/<int:request_id>/steps", methods=["POST"])
@requires("staff")
@api.arguments(BankStepInSchema)
@api.response(200, BankCaseSchema)
def sign_step(data, request_id):
    """Sign the next step (in order; another is refused with 409). Deliveries: ``handed_over`` with
    ``recipient_name`` and ``id_checked: true``, or ``returned``."""
    cases.advance(g.principal, request_id, **data)
    db.session.commit()
    return _case(request_id)


@api.route("/deliveries", methods=["GET"])
@requires("staff")
@api.response(200, BankCaseSchema(many=True))
def list_deliveries():
    return cases.cases(("bank.delivery",))


@api.route("/deliveries", methods=["POST"])
@requires("staff")
@idempotent
@api.arguments(BankDeliveryInSchema)
@api.response(201, BankCaseSchema)
def open_delivery(data):
    """A card or document to hand over (prepared → client notified → handed over or returned)."""
    req = cases.open_delivery(g.principal, **data)
    db.session.commit()
    return _case(req.id), 201


@web.route("/cases", methods=["GET", "POST"], endpoint="cases_page")
@web.route("/deliveries", methods=["GET", "POST"], endpoint="deliveries_page")
@requires("staff")
def cases_page():
    """Staff's list of open cases (or deliveries): VIPs first by tier, then by due time; overdue in red.
    The form registers a problem or a claim, the client identified as at the kiosk (or a delivery,
    to a person or to a company's registered contact)."""
    deliveries = request.endpoint.endswith("deliveries_page")
    errors, status = {}, 200
    if request.method == "POST":
        form = request.form
        try:
            if deliveries:
                req = cases.register_delivery(g.principal, identifier=form.get("identifier"),
                                              item=form.get("item") or "", description=form.get("description") or "",
                                              branch_id=_form_id("branch_id"))
            else:
                req = cases.open_case(g.principal, kind=form.get("kind") or "", subject=form.get("subject") or "",
                                      detail=form.get("detail"),
                                      member_id=cases.client_by_identifier(form.get("identifier")))
        except RuleError as e:
            db.session.rollback()
            errors, status = {e.field: e.message}, e.status
        else:
            db.session.commit()
            return redirect(url_for("bank.case_page", request_id=req.id))
    return render_template("bank/cases.html", rows=cases.cases(("bank.delivery",) if deliveries else cases.CASE_KINDS),
                           deliveries=deliveries, labels=cases.STEP_LABELS, items=cases.ITEMS, now=utcnow(),
                           branches=queue.branches() if deliveries else (), errors=errors, form=request.form), status


def _form_id(name: str) -> int | None:
    """A row's id from a form: None when blank; anything no row can have (not a number, beyond the
    column's range) reads as 0, which finds nothing, so the service answers 404 on the field rather
    than the database failing on the cast."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and int(raw) < 2**31 else 0


@web.route("/cases/<int:request_id>", methods=["GET", "POST"])
@requires("staff")
def case_page(request_id):
    """One case: its steps, who signed each and when, and the form to sign the next."""
    row, error = _case(request_id), None
    if request.method == "POST":
        try:
            if request.form.get("action") == "assign":
                cases.assign_case(g.principal, request_id, _form_id("membership_id"))
            else:
                cases.advance(g.principal, request_id, request.form.get("step") or "", note=request.form.get("note"),
                              recipient_name=request.form.get("recipient_name"),
                              id_checked=request.form.get("id_checked") == "1")
        except RuleError as e:
            db.session.rollback()
            error = e
        else:
            db.session.commit()
            return redirect(url_for("bank.case_page", request_id=request_id))
    return render_template("bank/case.html", row=_case(request_id) if error else row, error=error,
                           labels=cases.STEP_LABELS, items=cases.ITEMS, now=utcnow(),
                           staff=queue.staff_members()), (error.status if error else 200)


# ---- set-up (admin): branches, counters, seats ---------------------------------------------------------

def _form_int(name: str, required: bool = True) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw and not required:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not 0 < value < 2**31:   # beyond the column's range is no row, not a database error
        raise queue.QueueError(name, _("A whole number."))
    return value


def _setup_page(errors=None, form=None, status=200):
    return render_template("bank/setup.html", branches=[(b, queue.counters_of(b.id)) for b in queue.branches()],
                           seats=routing.seats(), staff=queue.staff_members(), errors=errors or {},
                           form=form or {}, which=(form or {}).get("action")), status


@web.route("/setup", methods=["GET", "POST"])
@requires("admin")
def setup_page():
    """Set up branches, their counters (number, the kinds served, the teller) and phone seats
    (extension, manager seat or duty desk, the staff member): forms, each error next to its field."""
    if request.method == "GET":
        return _setup_page()
    action = request.form.get("action")
    try:
        if action == "branch":
            queue.create_branch(g.principal, code=request.form.get("code"), name=request.form.get("name"),
                                hotline=request.form.get("hotline"))
        elif action == "counter":
            branch = db.session.get(BankBranch, _form_int("branch_id") or 0)
            if branch is None:
                raise queue.QueueError("branch_id", _("No such branch."), 404)
            queue.create_counter(g.principal, branch, number=_form_int("number"), kinds=request.form.getlist("kinds"),
                                 teller_id=_form_int("teller_id", required=False))
        elif action == "seat":
            routing.create_seat(g.principal, branch_id=_form_int("branch_id"), kind=request.form.get("kind") or "",
                                extension=request.form.get("extension"),
                                membership_id=_form_int("membership_id", required=False))
        else:
            raise queue.QueueError("action", _("Choose one of: %(choices)s.", choices="branch, counter, seat"))
    except RuleError as e:
        db.session.rollback()
        return _setup_page({e.field: e.message}, request.form.to_dict(), e.status)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("bank.setup_page"))
