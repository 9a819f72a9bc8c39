from flask import g
from flask_smorest import abort

from core.api import SelectPage, api_blueprint, idempotent
from core.identity.permissions import requires
from core.service import periodic  # noqa: F401  (registers the periodic jobs wherever the app runs)
from core.service import services
from core.service.schemas import (AssignSchema, ComplaintStepTickSchema, ServiceHoursSchema, ServiceKindSchema,
                                  ServiceRequestCreateSchema, ServiceRequestListArgsSchema, ServiceRequestSchema,
                                  ServiceRequestSummarySchema, StatusChangeSchema)

blp = api_blueprint("service_api", __name__,
                    description="Service requests (服务工单): consultations, complaints, claims, deliveries, "
                                "visits; due times from the tier's response time in working hours")



def _request(request_id):
    return services.get_request(request_id) or abort(404)


@blp.route("/service-requests", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(ServiceRequestCreateSchema)
@blp.response(201, ServiceRequestSchema)
def create_request(data):
    """Open a request. Priority and due time come from the member's tier: an SVIP (30 minutes) asking
    at 17:20 on a working day is due 09:20 the next working day."""
    return services.create_request(g.principal, **data)


@blp.route("/service-requests", methods=["GET"])
@requires("staff")
@blp.arguments(ServiceRequestListArgsSchema, location="query")
@blp.response(200, ServiceRequestSummarySchema(many=True))
@blp.paginate(SelectPage)
def list_requests(args):
    """Requests still to handle first, then by priority (1 first) and due time."""
    return services.requests_query(**args)


@blp.route("/service-requests/<int:request_id>", methods=["GET"])
@requires("staff")
@blp.response(200, ServiceRequestSchema)
def get_request(request_id):
    """One request with its complaint steps and its whole history (who, when, from, to)."""
    return _request(request_id)


@blp.route("/service-requests/<int:request_id>/status", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(StatusChangeSchema)
@blp.response(200, ServiceRequestSchema)
def change_status(data, request_id):
    """Move the request on (open → in_progress → resolved → closed, or cancelled). Refused with 409
    when the move is not allowed from the current status, or a complaint's steps are not done."""
    return services.change_status(g.principal, request_id, data["to"], data.get("note"))


@blp.route("/service-requests/<int:request_id>/assign", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(AssignSchema)
@blp.response(200, ServiceRequestSchema)
def assign(data, request_id):
    """Give the request to a staff member of this tenant (null takes it back)."""
    return services.assign(g.principal, request_id, data["membership_id"], data.get("note"))


@blp.route("/service-requests/<int:request_id>/complaint-steps", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(ComplaintStepTickSchema)
@blp.response(200, ServiceRequestSchema)
def tick_step(data, request_id):
    """Tick one of a complaint's nine steps (listen, talk, apologise, analyse, explain, handle,
    compensate, confirm_satisfaction, follow_up)."""
    return services.tick_complaint_step(g.principal, request_id, data["step"], data.get("note"))


@blp.route("/service-kinds", methods=["GET"])
@requires("staff")
@blp.response(200, ServiceKindSchema(many=True))
def list_kinds():
    """The kinds of request: core's and those the installed domains registered."""
    return [{"key": k, "label": str(label)} for k, label in services.kinds().items()]


def _hours_answer(row=None):
    row = row if row is not None else services.hours_row()
    return {**services.hours_dict(services.hours_of(row), row), "timezone": g.tenant.timezone}


@blp.route("/service-hours", methods=["GET"])
@requires("staff")
@blp.response(200, ServiceHoursSchema)
def get_hours():
    """The working hours response times are counted in (default Monday–Friday 09:00–17:30)."""
    return _hours_answer()


@blp.route("/service-hours", methods=["PUT"])
@requires("admin")
@idempotent
@blp.arguments(ServiceHoursSchema)
@blp.response(200, ServiceHoursSchema)
def put_hours(data):
    """Replace the working hours. Requests already made keep their due time."""
    row = services.set_hours(g.principal, **data)
    return _hours_answer(row)
