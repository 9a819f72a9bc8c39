"""Retail VIP card (零售VIP卡): the retail domain plugin. See DOMAIN.md."""
from flask_babel import lazy_gettext as _l

from core.plugins import DomainPlugin, NavItem
from domains.retail.demo import seed_demo
from domains.retail.views import api, public, web

POSITIONS = {
    "cashier": _l("Cashier"),
    "consultant": _l("Sales consultant"),
    "store_manager": _l("Store manager"),
}

plugin = DomainPlugin(
    key="retail",
    name=_l("Retail VIP card"),
    description=_l("The 8.8 VIP card at the till, from the first purchase to renewal."),
    web=web,
    api=api,
    nav=[NavItem("retail.landing", _l("Retail VIP card")), NavItem("retail.till", _l("Till")),
         NavItem("retail.manager", _l("Store manager"), "manager"),
         NavItem("retail.stores", _l("Stores"), "admin")],
    positions=POSITIONS,
    seed_demo=seed_demo,
    public=public,
)
