"""Client managers (客户经理制): one manager per client, the portfolio, and the hand-over when a manager
leaves: nobody orphaned, their open requests following them, the domains told."""
import pytest

from core import signals
from core.extensions import db
from core.identity.models import Membership
from core.members.models import Member
from core.portfolios import services
from core.portfolios.models import ClientManagerChange
from core.portfolios.services import PortfolioError
from core.service.models import ServiceRequest
from tests.conftest import Api, login, new_member, publish_template

CM = "bank.client_manager"


@pytest.fixture
def branch(client, world):
    tid = world.tenant("huitong", domains=["bank", "postal"], name="汇通银行")
    kid, key = world.api_key(tid)
    api = Api(client, "huitong", key)
    publish_template(api, "ordinary_vip_svip")
    out = {"tid": tid, "api": api, "world": world,
           "owner": world.staff(tid, "owner@huitong.test", role="owner"),
           "liang": world.staff(tid, "liang@huitong.test", positions=[CM], name="梁振宇"),
           "song": world.staff(tid, "song@huitong.test", positions=[CM], name="宋佳"),
           "he": world.staff(tid, "he@huitong.test", positions=[CM], name="何静"),
           "teller": world.staff(tid, "teller@huitong.test", positions=["bank.teller"], name="林芳")}
    out["clients"] = [new_member(api, name=f"客户{i}", phone=f"1391234{i:04d}")["id"] for i in range(7)]
    return out


def _get(model, id_):
    return db.session.get(model, id_)


def test_a_client_has_one_manager_who_must_hold_the_position(branch):
    api, c = branch["api"], branch["clients"][0]
    body = api.ok("PUT", f"/members/{c}/manager", {"manager_id": branch["liang"], "position": CM, "reason": "开户"})
    assert body == {"member_id": c, "client_manager_id": branch["liang"]}
    refused = api("PUT", f"/members/{c}/manager", {"manager_id": branch["teller"], "position": CM})
    assert refused.status_code == 422 and "manager_id" in refused.get_json()["errors"]
    assert api("PUT", f"/members/{c}/manager", {"manager_id": branch["song"], "position": "bank.pope"}
               ).get_json()["errors"].keys() == {"position"}
    history = api.ok("GET", f"/members/{c}/manager-history")
    assert [h["to_manager_id"] for h in history] == [branch["liang"]]
    assert api.ok("GET", f"/members/{c}")["client_manager_id"] == branch["liang"]


def test_a_hand_over_spreads_the_clients_evenly_and_orphans_nobody(branch):
    world, api = branch["world"], branch["api"]
    for c in branch["clients"][:5]:
        api.ok("PUT", f"/members/{c}/manager", {"manager_id": branch["liang"], "position": CM})
    api.ok("PUT", f"/members/{branch['clients'][5]}/manager", {"manager_id": branch["song"], "position": CM})
    request_id = api.ok("POST", "/service-requests", {"kind": "consultation", "subject": "理财咨询",
                                                      "member_id": branch["clients"][0]})["id"]
    heard = []
    signals.clients_handed_over.connect(lambda _s, **kw: heard.append(kw["moves"]), weak=False)
    try:
        with world.as_tenant(branch["tid"]):
            req = _get(ServiceRequest, request_id)
            req.assignee_id = branch["liang"]
            db.session.commit()
        body = api.ok("POST", f"/managers/{branch['liang']}/hand-over", {"position": CM, "reason": "调离岗位"})
    finally:
        signals.clients_handed_over.receivers.clear()
    assert body["moved"] == 5
    with world.as_tenant(branch["tid"]):
        managers_now = {m.id: m.client_manager_id for m in db.session.scalars(db.select(Member))}
        mine = [managers_now[c] for c in branch["clients"][:5]]
        # song had 1 and he 0: he takes 3, song 2 — both end with 3
        assert sorted(mine.count(x) for x in (branch["song"], branch["he"])) == [2, 3]
        assert services.portfolio_sizes(CM) == {branch["liang"]: 0, branch["song"]: 3, branch["he"]: 3}
        assert _get(ServiceRequest, request_id).assignee_id == managers_now[branch["clients"][0]]
        assert db.session.scalar(db.select(db.func.count(ClientManagerChange.id))
                                 .where(ClientManagerChange.kind == "hand_over")) == 5
    assert heard and set(heard[0]) == set(branch["clients"][:5])
    assert all(frm == branch["liang"] for frm, _to in heard[0].values())
    # now liang may leave; before the hand-over he could not
    listing = api.ok("GET", f"/managers/{branch['he']}/clients")
    assert len(listing) == 3


def test_a_manager_with_clients_cannot_leave_and_nobody_left_to_take_them_refuses(branch):
    world, api, client = branch["world"], branch["api"], branch["api"].client
    api.ok("PUT", f"/members/{branch['clients'][0]}/manager", {"manager_id": branch["liang"], "position": CM})
    with world.as_tenant(branch["tid"]):
        from core.identity.services import update_staff
        with pytest.raises(PortfolioError) as e:
            update_staff(None, _get(Membership, branch["liang"]), active=False)
        assert e.value.field == "active" and e.value.status == 409
        db.session.rollback()
        for other in ("song", "he"):
            _get(Membership, branch[other]).active = False
        db.session.commit()
    refused = api("POST", f"/managers/{branch['liang']}/hand-over", {"position": CM, "reason": "离职"})
    assert refused.status_code == 409 and "to_manager_id" in refused.get_json()["errors"]
    with world.as_tenant(branch["tid"]):
        assert _get(Member, branch["clients"][0]).client_manager_id == branch["liang"]  # nothing half-moved
    no_reason = api("POST", f"/managers/{branch['liang']}/hand-over", {"position": CM, "reason": "  "})
    assert no_reason.status_code == 422


def test_the_managers_page_hands_over_to_a_named_colleague(branch):
    api, client = branch["api"], branch["api"].client
    for c in branch["clients"][:2]:
        api.ok("PUT", f"/members/{c}/manager", {"manager_id": branch["liang"], "position": CM})
    csrf = login(client, "owner@huitong.test")
    page = client.get("/t/huitong/clients/managers?position=bank.client_manager")
    assert page.status_code == 200 and "梁振宇" in page.get_data(as_text=True)
    resp = client.post("/t/huitong/clients/managers?position=bank.client_manager", data={
        "csrf_token": csrf, "source": branch["liang"], f"m{branch['liang']}-to_manager_id": str(branch["he"]),
        f"m{branch['liang']}-reason": "调往总行"})
    assert resp.status_code == 302
    assert [m["id"] for m in api.ok("GET", f"/managers/{branch['he']}/clients")] == sorted(branch["clients"][:2])


def test_a_company_is_found_through_its_registered_contacts_only(branch):
    api, world = branch["api"], branch["world"]
    company = new_member(api, name="华北物流有限公司", kind="company", phone="010-55550000")
    api.ok("POST", f"/members/{company['id']}/contacts", {"name": "王建国", "phone": "139 0000 1111", "title": "行政主管"})
    dup = api("POST", f"/members/{company['id']}/contacts", {"name": "王建国", "phone": "13900001111"})
    assert dup.status_code == 409 and "phone" in dup.get_json()["errors"]
    person = api("POST", f"/members/{branch['clients'][0]}/contacts", {"name": "某人", "phone": "13900002222"})
    assert person.status_code == 409
    from core.members.services import find_by_phone
    with world.as_tenant(branch["tid"]):
        member, contact = find_by_phone("+86 139-0000-1111")
        assert member.id == company["id"] and contact.name == "王建国"
        assert find_by_phone("13912340003")[0].id == branch["clients"][3]
        assert find_by_phone("13900002222") == (None, None)
        assert find_by_phone("anonymous") == (None, None)
