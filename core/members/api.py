from flask import g
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from core.api import SelectPage, api_blueprint, idempotent
from core.extensions import db
from core.identity.permissions import requires
from core.members import services
from core.members.models import Card, Member, MemberContact
from core.members.schemas import (AccessLogSchema, CardSchema, LookupArgsSchema, LookupResultSchema, MemberContactSchema,
                                  MemberPatchSchema, MemberSchema, MemberSummarySchema, ReplaceCardSchema)
from core.points.services import current_balance
from core.tiers.services import live_scheme

blp = api_blueprint("members_api", __name__, description="Members (会员), their cards and the front-desk lookup")



def _member(member_id) -> Member:
    return services.get_member(member_id) or abort(404)


@blp.route("/members/lookup", methods=["GET"])
@requires("staff")
@blp.arguments(LookupArgsSchema, location="query")
@blp.response(200, LookupResultSchema)
def lookup(args):
    """Find a member the way the front desk does: card, then phone, then name, then birthday."""
    if args.get("card"):
        card = services.find_card(args["card"])
        if card is not None and card.status == "active":
            return {"matched_by": "card", "members": [db.session.get(Member, card.member_id)]}
    matched_by, members = services.lookup(args.get("phone"), args.get("name"), args.get("birthday"))
    return {"matched_by": matched_by, "members": members}


class DormantArgsSchema(Schema):
    months = fields.Integer(load_default=6, validate=validate.Range(min=1, max=36), metadata={
        "description": "No purchase for this many months (1 to 36) makes a card dormant", "example": 6})


class DormantMemberSchema(MemberSummarySchema):
    """A dormant member (休眠卡): who to call, how, and since when nothing was bought."""

    contact_channel = fields.String(metadata={"example": "call"})
    promotions_consent = fields.Boolean()
    last_purchase_at = fields.DateTime(allow_none=True, metadata={"description": "Null: never bought"})


@blp.route("/members/dormant", methods=["GET"])
@requires("manager")
@blp.arguments(DormantArgsSchema, location="query")
@blp.response(200, DormantMemberSchema(many=True))
@blp.paginate(SelectPage)
def dormant(args):
    """The dormant-card list (003 篇2 §五.5, 篇6 休眠卡): members holding an active card who bought
    nothing in the last ``months`` months (counted from midnight, tenant time), longest gone first.
    The monthly job opens a follow-up call for each on the first of the month."""
    from core.models import utcnow
    return services.dormant_query(utcnow(), args["months"], services._tz())


@blp.route("/members", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(MemberSchema)
@blp.response(201, MemberSchema)
def create_member(data):
    return services.create_member(g.principal, data)


@blp.route("/members/<int:member_id>", methods=["GET"])
@requires("staff")
@blp.response(200, MemberSchema)
def get_member(member_id):
    """The full profile. Every read is written to the member's access log."""
    member = _member(member_id)
    services.read_profile(g.principal, member, "api: full profile")
    current_balance(member)
    db.session.commit()
    return member


@blp.route("/members/<int:member_id>", methods=["PATCH"])
@requires("staff")
@idempotent
@blp.arguments(MemberPatchSchema)
@blp.response(200, MemberSchema)
def patch_member(data, member_id):
    member = _member(member_id)
    return services.update_member(g.principal, member, data)


@blp.route("/members/<int:member_id>/access-log", methods=["GET"])
@requires("admin")
@blp.response(200, AccessLogSchema(many=True))
@blp.paginate(SelectPage)
def access_log(member_id):
    _member(member_id)
    return services.access_log_query(member_id)


@blp.route("/members/<int:member_id>/cards", methods=["GET"])
@requires("staff")
@blp.response(200, CardSchema(many=True))
def list_cards(member_id):
    _member(member_id)
    from sqlalchemy import select
    return db.session.scalars(select(Card).where(Card.member_id == member_id).order_by(Card.id.desc())).all()


@blp.route("/members/<int:member_id>/cards", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(CardSchema)
@blp.response(201, CardSchema)
def issue_card(data, member_id):
    """Hand over a physical card; the member's other active card is void from this moment."""
    return services.issue_card(g.principal, _member(member_id), data["number"], scheme_row=live_scheme())


@blp.route("/cards/<int:card_id>/replace", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(ReplaceCardSchema)
@blp.response(201, CardSchema)
def replace_card(data, card_id):
    """A lost card: after the ID check a new card is issued and the old number is void at once."""
    card = db.session.get(Card, card_id) or abort(404)
    return services.replace_lost_card(g.principal, card, data["new_number"], data.get("id_number_shown"),
                                      scheme_row=live_scheme())


@blp.route("/members/<int:member_id>/registration", methods=["POST"])
@requires("staff")
@idempotent
@blp.response(200, MemberSchema)
def register(member_id):
    """Mark the member's online registration complete (from then on, points and member events)."""
    return services.register_online(g.principal, _member(member_id))


@blp.route("/cards/<int:card_id>/renew", methods=["POST"])
@requires("staff")
@idempotent
@blp.response(200, CardSchema)
def renew_card(card_id):
    """Renew a card under the live scheme's validity policy (December renewal, or 365 days)."""
    card = db.session.get(Card, card_id) or abort(404)
    return services.renew_card(g.principal, card, live_scheme())


@blp.route("/members/<int:member_id>/contacts", methods=["GET"])
@requires("staff")
@blp.response(200, MemberContactSchema(many=True))
def list_contacts(member_id):
    """A company client's registered contacts (对公客户联系人)."""
    return db.session.scalars(services.contacts_query(_member(member_id).id)).all()


@blp.route("/members/<int:member_id>/contacts", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(MemberContactSchema)
@blp.response(201, MemberContactSchema)
def add_contact(data, member_id):
    """Register a contact who may speak for the company: the bank routes only these callers as VIP."""
    return services.add_contact(g.principal, _member(member_id), **data)


@blp.route("/members/<int:member_id>/contacts/<int:contact_id>", methods=["DELETE"])
@requires("staff")
@blp.response(204)
def remove_contact(member_id, contact_id):
    contact = db.session.get(MemberContact, contact_id)
    if contact is None or contact.member_id != _member(member_id).id:
        abort(404)
    services.remove_contact(g.principal, contact)
