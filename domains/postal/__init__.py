"""Postal VIP clients (邮政大客户服务): the postal domain plugin. See DOMAIN.md."""
from flask_babel import lazy_gettext as _l

from core.plugins import DomainPlugin, NavItem
from domains.postal.demo import seed_demo
from domains.postal.views import api, web

POSITIONS = {
    "client_manager": _l("Client manager"),
    "lead": _l("Client manager lead"),
    "hotline_operator": _l("11185 hotline operator"),
    "stationed_staff": _l("Stationed staff"),
}

plugin = DomainPlugin(
    key="postal",
    name=_l("Postal VIP clients"),
    description=_l("Client managers, visits and the “three priorities, one extra” service."),
    web=web,
    api=api,
    nav=[NavItem("postal.landing", _l("Postal VIP clients"))],
    positions=POSITIONS,
    seed_demo=seed_demo,
)
