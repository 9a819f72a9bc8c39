"""Bank five-priority service (银行五优先服务): the bank domain plugin. See DOMAIN.md."""
from flask_babel import lazy_gettext as _l

from core.plugins import DomainPlugin, NavItem
from domains.bank.demo import seed_demo
from domains.bank.views import api, web

POSITIONS = {
    "teller": _l("Teller"),
    "lobby_manager": _l("Lobby manager"),
    "client_manager": _l("Client manager"),
    "duty_officer": _l("Duty officer"),
}

plugin = DomainPlugin(
    key="bank",
    name=_l("Bank five-priority service"),
    description=_l("The five priorities for VIP clients, the branch queue and VIP call routing."),
    web=web,
    api=api,
    nav=[NavItem("bank.landing", _l("Bank five-priority service")), NavItem("bank.queue_home", _l("Branch queue")),
         NavItem("bank.cases_page", _l("Cases")), NavItem("bank.deliveries_page", _l("Deliveries")),
         NavItem("bank.seats_page", _l("Seats and calls")), NavItem("bank.clients_page", _l("My clients")),
         NavItem("bank.balances_page", _l("Balances and tiers")), NavItem("bank.reports", _l("Bank reports")),
         NavItem("bank.setup_page", _l("Branch set-up"), role="admin")],
    positions=POSITIONS,
    seed_demo=seed_demo,
    periodic=[
        # a case's late step to the lobby manager, once per step
        ("domains.bank.cases.remind_late_steps", 900),
    ],
)
