"""Hotel VIP reception (酒店贵宾接待): the hotel domain plugin. See DOMAIN.md."""
from flask_babel import lazy_gettext as _l

from core.plugins import DomainPlugin, NavItem
from domains.hotel import history, reminders  # noqa: F401  (registers the periodic jobs)
from domains.hotel.demo import seed_demo
from domains.hotel.views import api, web

POSITIONS = {
    "gm": _l("General manager"),
    "gm_assistant": _l("GM's assistant"),
    "assistant_manager": _l("Assistant manager (lobby)"),
    "front_office": _l("Front office manager"),
    "housekeeping": _l("Housekeeping manager"),
    "engineering": _l("Engineering manager"),
    "qa": _l("Quality assurance manager"),
    "qa_assistant": _l("QA manager's assistant"),
    "fnb": _l("Food and beverage director"),
    "security": _l("Security manager"),
    "marketing": _l("Marketing manager"),
    "sales": _l("Sales manager"),
    "finance": _l("Finance and procurement"),
}

plugin = DomainPlugin(
    key="hotel",
    name=_l("Hotel VIP reception"),
    description=_l("VIP reception and room sealing: from the GM's decision to the departure notice."),
    web=web,
    api=api,
    nav=[NavItem("hotel.landing", _l("Hotel VIP reception")), NavItem("hotel.stays", _l("VIP stays")),
         NavItem("hotel.gm_board", _l("GM's board"))],
    positions=POSITIONS,
    seed_demo=seed_demo,
    periodic=[
        # reminders before each deadline, escalations, the GM's stand-in within 1 minute; idempotent
        ("domains.hotel.reminders.reminders", 60),
        # birthdays in house or by post, the monthly top-10, statements every 2 months; idempotent
        ("domains.hotel.history.hotel_calendar", 3600),
    ],
)
