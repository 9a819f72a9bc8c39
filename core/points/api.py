from flask import g, request
from flask_smorest import abort
from sqlalchemy import select

from core.api import SelectPage, api_blueprint, idempotent
from core.extensions import db
from core.identity.permissions import requires
from core.members.services import get_member
from core.points import services
from core.points.models import Reward
from core.points.schemas import (AdjustSchema, BalanceSchema, LedgerEntrySchema, RedeemSchema, RewardSchema,
                                 StatementArgsSchema, StatementSchema)

blp = api_blueprint("points_api", __name__, description="Points ledger (积分), redemption and the gift catalogue")



def _member(member_id):
    return get_member(member_id) or abort(404)


def _key(prefix: str) -> str | None:
    key = request.headers.get("Idempotency-Key")
    return f"{prefix}:{key.strip()}" if key and key.strip() else None


@blp.route("/members/<int:member_id>/points", methods=["GET"])
@requires("staff")
@blp.response(200, BalanceSchema)
def balance(member_id):
    member = _member(member_id)
    balance = services.current_balance(member)
    db.session.commit()
    return {"member_id": member.id, "balance": balance}


@blp.route("/members/<int:member_id>/points/entries", methods=["GET"])
@requires("staff")
@blp.response(200, LedgerEntrySchema(many=True))
@blp.paginate(SelectPage)
def entries(member_id):
    _member(member_id)
    return services.ledger_query(member_id)


@blp.route("/members/<int:member_id>/points/statement", methods=["GET"])
@requires("staff")
@blp.arguments(StatementArgsSchema, location="query")
@blp.response(200, StatementSchema)
def statement(args, member_id):
    _member(member_id)
    if args["until"] <= args["since"]:
        abort(422, errors={"until": ["Must be after since."]})
    return services.statement(member_id, args["since"], args["until"])


@blp.route("/members/<int:member_id>/points/redeem", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(RedeemSchema)
@blp.response(201, LedgerEntrySchema)
def redeem(data, member_id):
    """Exchange the member's own points for a gift (never cash). Refused when the points are short."""
    _member(member_id)
    return services.redeem(g.principal, member_id, data["reward_id"], data["quantity"], _key("redeem"))


@blp.route("/members/<int:member_id>/points/adjust", methods=["POST"])
@requires("manager")
@idempotent
@blp.arguments(AdjustSchema)
@blp.response(201, LedgerEntrySchema)
def adjust(data, member_id):
    _member(member_id)
    return services.adjust(g.principal, member_id, data["points"], data["reason"], _key("adjust"))


@blp.route("/rewards", methods=["GET"])
@requires("staff")
@blp.response(200, RewardSchema(many=True))
def list_rewards():
    return db.session.scalars(select(Reward).where(Reward.active.is_(True)).order_by(Reward.points_cost)).all()


@blp.route("/rewards", methods=["POST"])
@requires("admin")
@idempotent
@blp.arguments(RewardSchema)
@blp.response(201, RewardSchema)
def create_reward(data):
    return services.create_reward(g.principal, data["code"], data["name"], data["points_cost"], data.get("stock"))
