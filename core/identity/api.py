from flask import current_app, g, url_for
from flask_babel import gettext as _
from flask_smorest import abort

from core.api import SelectPage, api_blueprint, idempotent
from core.extensions import db
from core.identity import services
from core.identity.models import ApiKey
from core.identity.permissions import requires
from core.identity.schemas import (ApiKeySchema, NewApiKeySchema, StaffCreateSchema, StaffPatchSchema,
                                   StaffSchema)
from core.jobs import enqueue
from core.mail import send_mail
from core.plugins import all_positions

blp = api_blueprint("staff_api", __name__, description="Staff, roles, positions and API keys")



@blp.route("/staff", methods=["GET"])
@requires("manager")
@blp.response(200, StaffSchema(many=True))
@blp.paginate(SelectPage)
def list_staff():
    return services.staff_query()


@blp.route("/staff", methods=["POST"])
@requires("admin")
@idempotent
@blp.arguments(StaffCreateSchema)
@blp.response(201, StaffSchema)
def add_staff(data):
    membership, token = services.add_staff(g.principal, known_positions=all_positions(current_app), **data)
    if token:
        link = url_for("auth.accept_invitation", token=token, _external=True)
        enqueue(send_mail, to=data["email"], subject=_("You are invited to %(name)s", name=g.tenant.name),
                body=_("Open this link within 7 days to set your password:") + f"\n{link}\n")
    return membership


@blp.route("/staff/<int:membership_id>", methods=["GET"])
@requires("manager")
@blp.response(200, StaffSchema)
def get_staff(membership_id):
    return services.get_staff(membership_id) or abort(404)


@blp.route("/staff/<int:membership_id>", methods=["PATCH"])
@requires("admin")
@idempotent
@blp.arguments(StaffPatchSchema)
@blp.response(200, StaffSchema)
def patch_staff(data, membership_id):
    membership = services.get_staff(membership_id) or abort(404)
    return services.update_staff(g.principal, membership, known_positions=all_positions(current_app), **data)


@blp.route("/api-keys", methods=["GET"])
@requires("admin")
@blp.response(200, ApiKeySchema(many=True))
@blp.paginate(SelectPage)
def list_api_keys():
    return services.api_keys_query()


@blp.route("/api-keys", methods=["POST"])
@requires("admin")
@idempotent
@blp.arguments(ApiKeySchema)
@blp.response(201, NewApiKeySchema)
def create_api_key(data):
    key, raw = services.create_api_key(g.principal, data["name"], data["role"])
    key.key = raw
    return key


@blp.route("/api-keys/<int:api_key_id>", methods=["DELETE"])
@requires("admin")
@idempotent
@blp.response(200, ApiKeySchema)
def revoke_api_key(api_key_id):
    key = db.session.get(ApiKey, api_key_id) or abort(404)
    return services.revoke_api_key(g.principal, key)
