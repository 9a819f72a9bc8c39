"""Postal VIP clients (邮政大客户服务): the postal domain plugin. See DOMAIN.md §5."""
from flask_babel import lazy_gettext as _l

from core.plugins import DomainPlugin, NavItem
from domains.postal.demo import seed_demo
from domains.postal.views import api, public, web
from domains.postal.visits import on_clients_handed_over

POSITIONS = {
    "client_manager": _l("Client manager"),
    "lead": _l("Client manager lead"),
    "hotline_operator": _l("11185 hotline operator"),
    "stationed_staff": _l("Stationed staff"),
    # the departments a visit's promises are routed to (协调内部各部门)
    "mail": _l("Mail department"),
    "parcels": _l("Parcels and express department"),
    "finance": _l("Postal finance department"),
    "philately": _l("Philately department"),
    "delivery": _l("Delivery department"),
    "customer_service": _l("Customer service (11185)"),
}

plugin = DomainPlugin(
    key="postal",
    name=_l("Postal VIP clients"),
    description=_l("Client managers, visits and the “three priorities, one extra” service."),
    web=web,
    api=api,
    public=public,
    nav=[NavItem("postal.landing", _l("Postal VIP clients")), NavItem("postal.my_visits", _l("My visits")),
         NavItem("postal.hotline_page", _l("11185 hotline"))],
    positions=POSITIONS,
    signal_handlers={"clients_handed_over": on_clients_handed_over},
    seed_demo=seed_demo,
    periodic=[
        # overdue visits and broken promises to the lead, once each; greetings, once each
        ("domains.postal.visits.escalate", 3600),
        ("domains.postal.club.greetings", 3600),
    ],
)
