"""What every domain's landing page shows: the domain's team, position by position.

A domain names the positions its workflows need (the hotel's GM, QA, F&B …); its landing page
shows who holds each one in this tenant and which are still vacant, so an admin setting the
tenant up sees at once whom to add before the workflows can run.
"""
from flask import g, render_template

from core.identity.services import team_by_position


def team_of(plugin) -> list[tuple[str, object, list]]:
    team = team_by_position(plugin.position_keys())
    return [(key, plugin.positions[key.split(".", 1)[1]], team[key]) for key in plugin.position_keys()]


def render_landing(plugin, template: str = "domain_landing.html", **extra):
    return render_template(template, plugin=plugin, team=team_of(plugin),
                           vacant=[label for _k, label, people in team_of(plugin) if not people],
                           can_manage=g.principal.has_role("admin"), **extra)


def team_payload(plugin) -> list[dict]:
    return [{"position": key, "label": str(label),
             "holders": [{"membership_id": m.id, "name": m.user.name, "email": m.user.email}
                         for m in people]}
            for key, label, people in team_of(plugin)]


def domain_blueprints(key: str, import_name: str, landing_template: str):
    """The web and API blueprints a domain starts from, each with the domain's landing.

    The domain adds its own workflow routes to both. The plugin object is looked up when a request
    comes, so a domain package can build its blueprints before its plugin object exists.
    """
    from flask import Blueprint, current_app

    from core.api import api_blueprint
    from core.identity.permissions import requires
    from core.plugins import registry

    web = Blueprint(key, import_name, template_folder="templates")
    api = api_blueprint(f"{key}_api", import_name, description=f"The {key} domain")

    @web.get("/")
    @requires("staff")
    def landing():
        return render_landing(registry(current_app)[key], landing_template)

    @api.route("/team", methods=["GET"])
    @requires("staff")
    def team():
        return {"domain": key, "positions": team_payload(registry(current_app)[key])}

    return web, api
