from flask import g
from flask_smorest import abort

from core.api import SelectPage, api_blueprint, idempotent
from core.approvals import services
from core.approvals.models import TierApplication
from core.approvals.schemas import (ApplicationSchema, ApplicationDecisionSchema, FinalDecisionSchema, ApplicationListArgsSchema,
                                    NewApplicationSchema, RevocationRowSchema, RevokeSchema)
from core.extensions import db
from core.identity.permissions import requires
from core.members.services import get_member
from core.tiers.schemas import TierChangeSchema

blp = api_blueprint("approvals_api", __name__, description="Tier applications and their approvals (会员资格申请与审批)")


def _application(application_id) -> TierApplication:
    return db.session.get(TierApplication, application_id) or abort(404)


@blp.route("/tier-applications", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(NewApplicationSchema)
@blp.response(201, ApplicationSchema)
def submit(data):
    """File an application for a customer's tier. Do not tell the customer before the final approval."""
    member = get_member(data["member_id"]) or abort(422, errors={"member_id": ["No such member."]})
    return services.submit(g.principal, g.principal, member=member, tier_key=data["tier_key"],
                           spending_power=data["spending_power"], potential=data["potential"], need=data["need"])


@blp.route("/tier-applications", methods=["GET"])
@requires("staff")
@blp.arguments(ApplicationListArgsSchema, location="query")
@blp.response(200, ApplicationSchema(many=True))
@blp.paginate(SelectPage)
def list_applications(args):
    return services.applications_query(args.get("status"), args.get("member_id"))


@blp.route("/tier-applications/<int:application_id>", methods=["GET"])
@requires("staff")
@blp.response(200, ApplicationSchema)
def get_application(application_id):
    return _application(application_id)


@blp.route("/tier-applications/<int:application_id>/first-decision", methods=["POST"])
@requires("manager")
@idempotent
@blp.arguments(ApplicationDecisionSchema)
@blp.response(200, ApplicationSchema)
def first_decision(data, application_id):
    """初级审批: a consultant or manager approves (with an opinion) or rejects (with a reason)."""
    return services.first_decision(g.principal, g.principal, _application(application_id), approve=data["approve"],
                                   opinion=data.get("opinion"), reason=data.get("reason"))


@blp.route("/tier-applications/<int:application_id>/final-decision", methods=["POST"])
@requires("admin")
@idempotent
@blp.arguments(FinalDecisionSchema)
@blp.response(200, ApplicationSchema)
def final_decision(data, application_id):
    """店总批复: the tier applies at once and every staffed position gets a task for the next working day."""
    return services.final_decision(g.principal, g.principal, _application(application_id), approve=data["approve"],
                                   opinion=data.get("opinion"), reason=data.get("reason"),
                                   announcer=data.get("announcer"))


@blp.route("/tier-revocation-review", methods=["GET"])
@requires("admin")
@blp.response(200, RevocationRowSchema(many=True))
def review():
    """The month-end list: members holding a tier an application granted."""
    return [{"member_id": r["member"].id, "member_no": r["member"].member_no, "name": r["member"].name,
             "tier_key": r["member"].tier_key, "application_no": r["application"].application_no,
             "approved_at": r["application"].final_at} for r in services.review_list()]


@blp.route("/members/<int:member_id>/tier-revocation", methods=["POST"])
@requires("admin")
@idempotent
@blp.arguments(RevokeSchema)
@blp.response(200, TierChangeSchema)
def revoke(data, member_id):
    return services.revoke(g.principal, get_member(member_id) or abort(404), data["reason"])
