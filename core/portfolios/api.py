from flask import current_app, g
from flask_babel import lazy_gettext as _l
from flask_smorest import abort

from core.api import SelectPage, api_blueprint, idempotent
from core.extensions import db
from core.identity.models import Membership
from core.identity.permissions import requires
from core.members.models import Member
from core.members.schemas import MemberSummarySchema
from core.plugins import all_positions
from core.portfolios import services
from core.portfolios.schemas import (AssignManagerSchema, HandOverResultSchema, HandOverSchema, ManagerChangeSchema,
                                     ManagerOfSchema)

blp = api_blueprint("portfolios_api", __name__, description="Client managers (客户经理制): portfolios and hand-over")


def _position(key: str) -> str:
    if key not in all_positions(current_app):
        raise services.PortfolioError("position", _l("Unknown position."), 422)
    return key


@blp.route("/members/<int:member_id>/manager", methods=["PUT"])
@requires("manager")
@idempotent
@blp.arguments(AssignManagerSchema)
@blp.response(200, ManagerOfSchema)
def assign(data, member_id):
    """Give a client their client manager (or another one); their open requests follow."""
    member = db.session.get(Member, member_id) or abort(404)
    services.assign_manager(g.principal, member, db.session.get(Membership, data["manager_id"]),
                            position=_position(data["position"]), reason=data["reason"])
    return member


@blp.route("/members/<int:member_id>/manager-history", methods=["GET"])
@requires("staff")
@blp.response(200, ManagerChangeSchema(many=True))
def history(member_id):
    db.session.get(Member, member_id) or abort(404)
    return db.session.scalars(services.history_query(member_id)).all()


@blp.route("/managers/<int:membership_id>/clients", methods=["GET"])
@requires("staff")
@blp.response(200, MemberSummarySchema(many=True))
@blp.paginate(SelectPage)
def clients(membership_id):
    """A manager's portfolio, by name."""
    db.session.get(Membership, membership_id) or abort(404)
    return services.portfolio_query(membership_id)


@blp.route("/managers/<int:membership_id>/hand-over", methods=["POST"])
@requires("admin")
@idempotent
@blp.arguments(HandOverSchema)
@blp.response(200, HandOverResultSchema)
def hand_over(data, membership_id):
    """Hand every client of this manager over (客户移交): to one named manager, or spread evenly."""
    source = db.session.get(Membership, membership_id) or abort(404)
    target = None
    if data["to_manager_id"] is not None:
        target = db.session.get(Membership, data["to_manager_id"])
        if target is None:
            raise services.PortfolioError("to_manager_id", _l("Unknown member of staff."), 422)
    moved = services.hand_over(g.principal, source, position=_position(data["position"]), to_manager=target,
                               reason=data["reason"])
    return {"moved": len(moved), "to": {str(k): v for k, v in moved.items()}}
