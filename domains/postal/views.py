"""The postal domain's pages and API. Its workflows add their routes to these blueprints."""
from core.web.domain import domain_blueprints

web, api = domain_blueprints("postal", __name__, "postal/landing.html")
