"""The hotel domain's pages and API: VIP stays from the PMS, the GM's decision, the reception steps."""
from flask import g
from flask_smorest import abort

from core.api import idempotent
from core.extensions import db
from core.identity.permissions import requires
from core.web.domain import domain_blueprints
from domains.hotel import services
from domains.hotel.models import HotelStay, HotelStep
from domains.hotel.schemas import ArrivalMoveSchema, LevelDecisionSchema, ActualDepartureSchema, PmsStaySchema, VipStaySchema, ReceptionStepSchema

web, api = domain_blueprints("hotel", __name__, "hotel/landing.html")


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
