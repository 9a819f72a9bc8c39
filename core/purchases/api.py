from flask import g
from flask_smorest import abort

from core.api import api_blueprint, idempotent
from core.identity.permissions import requires
from core.members.services import get_member
from core.models import utcnow
from core.purchases import services
from core.purchases.schemas import (PurchaseSchema, QuoteRequestSchema, QuoteSchema, RecordRequestSchema,
                                    ReturnRequestSchema)

blp = api_blueprint("purchases_api", __name__, description="Quoting and recording purchases")



def _member(member_id):
    if member_id is None:
        return None
    member = get_member(member_id)
    if member is None:
        abort(422, errors={"member_id": ["No such member."]})
    return member


def _with_member_state(purchase):
    member = get_member(purchase.member_id) if purchase.member_id else None
    purchase.member_tier_after = member.tier_key if member else None
    purchase.points_balance_after = member.points_balance if member else None
    return purchase


@blp.route("/purchases/quote", methods=["POST"])
@requires("staff")
@blp.arguments(QuoteRequestSchema)
@blp.response(200, QuoteSchema)
def quote(data):
    """Price a basket line by line for a member (nothing is recorded)."""
    result, _row, tier = services.quote(_member(data.get("member_id")), services.parse_lines(data["lines"]),
                                        data.get("purchased_at") or utcnow(), data["id_checked"])
    out = result.__dict__ | {"tier_key": tier.key if tier else None}
    out["lines"] = [line.__dict__ | {"rate_applied": str(line.rate_applied) if line.rate_applied is not None else None}
                    for line in result.lines]
    return out


@blp.route("/purchases", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(RecordRequestSchema)
@blp.response(201, PurchaseSchema)
def record(data):
    """Record a purchase once by its external id: points accrue and upgrades apply at once.
    The same id again answers 200 with the purchase as first recorded."""
    purchase, created = services.record(
        g.principal, external_id=data["external_id"], member_id=data.get("member_id"),
        lines=services.parse_lines(data["lines"]), purchased_at=data.get("purchased_at"),
        id_checked=data["id_checked"])
    return _with_member_state(purchase), 201 if created else 200


@blp.route("/purchases/<int:purchase_id>", methods=["GET"])
@requires("staff")
@blp.response(200, PurchaseSchema)
def get_purchase(purchase_id):
    return _with_member_state(services.get_purchase(purchase_id) or abort(404))


@blp.route("/purchases/<int:purchase_id>/returns", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(ReturnRequestSchema)
@blp.response(201, PurchaseSchema)
def record_return(data, purchase_id):
    """Return units of a purchase, once by the return's own id: the refund is what was paid for
    them, and the points they earned are reversed (never below zero)."""
    original = services.get_purchase(purchase_id) or abort(404)
    purchase, created = services.record_return(g.principal, external_id=data["external_id"],
                                               original=original, items=data["lines"])
    return _with_member_state(purchase), 201 if created else 200
