"""Card validity and renewal: December renewal (retail) and 365 days from issue (hotel)."""
from datetime import datetime
from zoneinfo import ZoneInfo

from core.extensions import db
from core.members import services as members
from core.members.models import Card
from core.tiers.services import live_scheme
from tests.conftest import Api, new_member, publish_template

SH = ZoneInfo("Asia/Shanghai")


def _renew(app, tenant_id, card_id, at):
    from core.tenancy import tenant_context
    with app.app_context(), tenant_context(tenant_id):
        card = db.session.get(Card, card_id)
        try:
            members.renew_card(None, card, live_scheme(), at)
            db.session.commit()
            return card.valid_until
        except members.MemberError as e:
            db.session.rollback()
            return e


def test_december_cards_run_to_the_end_of_the_year_and_renew_in_december(app, client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "retail_88")
    m = new_member(api)
    card = api.ok("POST", f"/members/{m['id']}/cards", {"number": "VIP-0001"})
    year = datetime.now(SH).year
    end = datetime.fromisoformat(card["valid_until"]).astimezone(SH)
    assert (end.month, end.day, end.hour, end.minute) == (1, 1, 0, 0)  # void from midnight, 1 January
    refused = _renew(app, two_tenants["a"], card["id"], datetime(year, 11, 30, 12, tzinfo=SH))
    assert isinstance(refused, members.MemberError) and refused.status == 409
    until = _renew(app, two_tenants["a"], card["id"], datetime(year, 12, 5, 12, tzinfo=SH))
    assert until.astimezone(SH) == datetime(year + 2, 1, 1, tzinfo=SH)


def test_hotel_cards_last_365_days_and_renew_from_their_end(app, client, two_tenants):
    api = Api(client, "tenant-a", two_tenants["a_key"])
    publish_template(api, "hotel_v1_v4")
    m = new_member(api)
    card = api.ok("POST", f"/members/{m['id']}/cards", {"number": "H-0001"})
    end = datetime.fromisoformat(card["valid_until"])
    issued = datetime.fromisoformat(card["issued_at"])
    assert (end - issued).days == 365
    renewed = api.ok("POST", f"/cards/{card['id']}/renew")
    assert (datetime.fromisoformat(renewed["valid_until"]) - end).days == 365
    void = api.ok("POST", f"/members/{m['id']}/cards", {"number": "H-0002"})  # H-0001 now void
    assert void["status"] == "active"
    assert api("POST", f"/cards/{card['id']}/renew").status_code == 409
