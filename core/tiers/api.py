from zoneinfo import ZoneInfo

from flask import g
from flask_smorest import abort
from sqlalchemy import select

from core.api import SelectPage, api_blueprint, idempotent
from core.extensions import db
from core.identity.permissions import requires
from core.members.services import get_member
from core.tiers import services
from core.tiers.ladders import TEMPLATES
from core.tiers.models import TierChange, TierScheme
from core.tiers.schemas import (DecisionSchema, NewSchemeSchema, PublishSchema, ReviewArgsSchema, ReviewRowSchema,
                                ReviewRunSchema, SchemePatchSchema, SchemeSchema, TemplateSchema, TierChangeSchema)

blp = api_blueprint("tiers_api", __name__, description="Tier schemes (会员等级制度), versions and tier changes")



def _scheme(scheme_id) -> TierScheme:
    return db.session.get(TierScheme, scheme_id) or abort(404)


@blp.route("/tier-templates", methods=["GET"])
@requires("staff")
@blp.response(200, TemplateSchema(many=True))
def templates():
    """The seeds' ladders, ready to start a scheme from."""
    return [{"key": k, **v} for k, v in TEMPLATES.items()]


@blp.route("/schemes", methods=["GET"])
@requires("manager")
@blp.response(200, SchemeSchema(many=True))
@blp.paginate(SelectPage)
def list_schemes():
    return select(TierScheme).order_by(TierScheme.version.desc())


@blp.route("/schemes", methods=["POST"])
@requires("admin")
@idempotent
@blp.arguments(NewSchemeSchema)
@blp.response(201, SchemeSchema)
def create_scheme(data):
    return services.create_draft(g.principal, document=data.get("document"), template=data.get("template"),
                                 copy_of=data.get("copy_of"), note=data.get("note"))


@blp.route("/schemes/<int:scheme_id>", methods=["GET"])
@requires("manager")
@blp.response(200, SchemeSchema)
def get_scheme(scheme_id):
    return _scheme(scheme_id)


@blp.route("/schemes/<int:scheme_id>", methods=["PATCH"])
@requires("admin")
@idempotent
@blp.arguments(SchemePatchSchema)
@blp.response(200, SchemeSchema)
def edit_scheme(data, scheme_id):
    return services.update_draft(g.principal, _scheme(scheme_id), data["document"])


@blp.route("/schemes/<int:scheme_id>/publish", methods=["POST"])
@requires("admin")
@idempotent
@blp.arguments(PublishSchema)
@blp.response(200, SchemeSchema)
def publish(data, scheme_id):
    """Make this version live. Published versions are never edited; members keep the version
    that granted their tier in their history."""
    return services.publish(g.principal, _scheme(scheme_id), data.get("note"))


@blp.route("/members/<int:member_id>/tier-changes", methods=["GET"])
@requires("staff")
@blp.response(200, TierChangeSchema(many=True))
@blp.paginate(SelectPage)
def member_history(member_id):
    get_member(member_id) or abort(404)
    return services.history_query(member_id)


@blp.route("/tier-changes/<int:change_id>/decision", methods=["POST"])
@requires("manager")
@idempotent
@blp.arguments(DecisionSchema)
@blp.response(200, TierChangeSchema)
def decide(data, change_id):
    """Approve or reject a tier the rules only proposed (manual review)."""
    change = db.session.get(TierChange, change_id) or abort(404)
    return services.decide(g.principal, change, data["approve"], get_member(change.member_id))


@blp.route("/tier-review", methods=["GET"])
@requires("manager")
@blp.arguments(ReviewArgsSchema, location="query")
@blp.response(200, ReviewRowSchema(many=True))
def review_list(args):
    """Members below their tier's standard: the month-end revocation review list, or a preview
    of the next automatic review."""
    return services.review_list(g.tenant.id, ZoneInfo(g.tenant.timezone), args.get("as_of"))


@blp.route("/tier-review/run", methods=["POST"])
@requires("admin")
@idempotent
@blp.response(200, ReviewRunSchema)
def review_run():
    """Apply now what the scheme's downgrade policy calls for today (idempotent)."""
    return {"moved": services.run_review(g.tenant.id, ZoneInfo(g.tenant.timezone))}
