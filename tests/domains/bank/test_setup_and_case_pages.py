"""The pages: the case list (VIPs first, overdue in red) and a case's page to sign steps (the
hand-over refused without the ID check, naming the field); the admin's set-up forms for branches,
counters and seats with field errors and nothing half-created."""
from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import utcnow
from domains.bank import cases
from domains.bank.models import BankCounter, BankSeat
from tests.conftest import login
from tests.domains.bank.conftest import at, teller

BASE = "/t/huitong/bank"


def test_case_list_and_case_page(bank, client, world):
    world.staff(bank.tid, "cm@bank.test", positions=["bank.client_manager"])
    plain, vip = bank.member("王普通"), bank.member("赵私行", tier="private", phone="13900000088")
    with world.as_tenant(bank.tid):
        late = cases.open_case(teller(), kind="bank.resolution", subject="转账未到账", member_id=plain,
                               now=utcnow() - timedelta(days=7))
        first = cases.open_case(teller(), kind="bank.resolution", subject="网银无法登录", member_id=vip, now=at(1))
        d = cases.open_delivery(teller(), member_id=vip, item="card", description="私行借记卡", branch_id=bank.branch,
                                now=at(2))
        db.session.commit()
        late_no, first_no, first_id, d_id = late.request_no, first.request_no, first.id, d.id
    csrf = login(client, "cm@bank.test")
    page = client.get(f"{BASE}/cases").get_data(as_text=True)
    assert page.index(f'data-case="{first_no}"') < page.index(f'data-case="{late_no}"')   # VIP first
    assert f'data-case="{late_no}" class="overdue"' in page           # a week old: overdue, in red
    assert f'data-case="{first_no}">' in page                          # due in 2030: not
    assert page.count('id="new-case"') == 1 and "<title>" in page and "<form" not in page.split("</head>")[0]
    r = client.post(f"{BASE}/cases/{first_id}", data={"csrf_token": csrf, "step": "answered"})
    assert r.status_code == 409 and 'data-field="step"' in r.get_data(as_text=True)
    r = client.post(f"{BASE}/cases/{first_id}", data={"csrf_token": csrf, "step": "investigating", "note": "查流水"})
    assert r.status_code == 302
    assert "查流水" in client.get(f"{BASE}/cases/{first_id}").get_data(as_text=True)
    assert "私行借记卡" in client.get(f"{BASE}/deliveries").get_data(as_text=True)
    for step in ("prepared", "client_notified"):
        assert client.post(f"{BASE}/cases/{d_id}", data={"csrf_token": csrf, "step": step}).status_code == 302
    r = client.post(f"{BASE}/cases/{d_id}", data={"csrf_token": csrf, "step": "handed_over", "recipient_name": "赵私行"})
    assert r.status_code == 422 and 'data-field="id_checked"' in r.get_data(as_text=True)
    r = client.post(f"{BASE}/cases/{d_id}", data={"csrf_token": csrf, "step": "handed_over", "recipient_name": "赵私行",
                                                  "id_checked": "1"})
    assert r.status_code == 302
    assert client.get(f"{BASE}/cases/999999").status_code == 404
    form = {"csrf_token": csrf, "kind": "bank.claim", "subject": "保险理赔"}
    r = client.post(f"{BASE}/cases", data={**form, "identifier": "13900000077"})
    assert r.status_code == 404 and 'data-field="identifier"' in r.get_data(as_text=True)
    r = client.post(f"{BASE}/cases", data={**form, "identifier": "13900000088", "subject": " "})
    assert r.status_code == 422 and 'data-field="subject"' in r.get_data(as_text=True)
    with world.as_tenant(bank.tid):
        assert [r["request"].kind for r in cases.cases(("bank.claim",))] == []           # nothing half-created
    r = client.post(f"{BASE}/cases", data={**form, "identifier": "13900000088"})
    assert r.status_code == 302
    with world.as_tenant(bank.tid):
        (claim,) = cases.cases(("bank.claim",))
        assert (claim["request"].member_id, claim["request"].priority, claim["next"].key) == (vip, 1, "documents_checked")


def test_admin_sets_up_counters_and_seats_with_field_errors(bank, client, world):
    world.staff(bank.tid, "admin@bank.test", role="admin")
    manager = world.staff(bank.tid, "cm@bank.test", positions=["bank.client_manager"])
    csrf = login(client, "admin@bank.test")
    assert 'id="new-counter"' in client.get(f"{BASE}/setup").get_data(as_text=True)
    r = client.post(f"{BASE}/setup", data={"csrf_token": csrf, "action": "counter", "branch_id": bank.branch,
                                           "number": "3"})
    assert r.status_code == 422 and 'data-field="kinds"' in r.get_data(as_text=True)
    r = client.post(f"{BASE}/setup", data={"csrf_token": csrf, "action": "counter", "branch_id": bank.branch,
                                           "number": "叁", "kinds": ["bank.claim"]})
    assert r.status_code == 422 and 'data-field="number"' in r.get_data(as_text=True)
    r = client.post(f"{BASE}/setup", data={"csrf_token": csrf, "action": "counter", "branch_id": bank.branch,
                                           "number": "1", "kinds": ["bank.claim"]})
    assert r.status_code == 409 and 'data-field="number"' in r.get_data(as_text=True)    # counter 1 exists
    r = client.post(f"{BASE}/setup", data={"csrf_token": csrf, "action": "counter", "branch_id": bank.branch,
                                           "number": "3", "kinds": ["bank.claim", "bank.resolution"]})
    assert r.status_code == 302
    r = client.post(f"{BASE}/setup", data={"csrf_token": csrf, "action": "seat", "branch_id": bank.branch,
                                           "kind": "manager", "extension": "8101"})
    assert r.status_code == 404 and 'data-field="membership_id"' in r.get_data(as_text=True)
    r = client.post(f"{BASE}/setup", data={"csrf_token": csrf, "action": "seat", "branch_id": bank.branch,
                                           "kind": "manager", "extension": "8101", "membership_id": manager})
    assert r.status_code == 302
    r = client.post(f"{BASE}/setup", data={"csrf_token": csrf, "action": "branch", "code": "SH01", "name": "重复"})
    assert r.status_code == 409 and 'data-field="code"' in r.get_data(as_text=True)
    assert client.post(f"{BASE}/setup", data={"csrf_token": csrf, "action": "branch", "code": "SH02",
                                              "name": "浦东支行"}).status_code == 302
    with world.as_tenant(bank.tid):
        assert sorted(db.session.scalars(select(BankCounter.number)).all()) == [1, 2, 3]
        c3 = db.session.scalar(select(BankCounter).where(BankCounter.number == 3))
        assert c3.kinds == ["bank.claim", "bank.resolution"]
        assert [(s.extension, s.membership_id) for s in db.session.scalars(select(BankSeat))] == [("8101", manager)]
    page = client.get(f"{BASE}/setup").get_data(as_text=True)
    assert 'data-branch="SH02"' in page and 'data-extension="8101"' in page
    login(client, "cm@bank.test")
    assert client.get(f"{BASE}/setup").status_code == 403


def test_deliveries_registered_on_the_page_for_a_person_or_a_company_contact(bank, client, world):
    from core.members.models import Member, MemberContact
    world.staff(bank.tid, "cm@bank.test", positions=["bank.client_manager"])
    vip = bank.member("赵私行", tier="private", phone="13900000088")
    company = bank.member("华远集团", tier="diamond", phone="02161234567")
    with world.as_tenant(bank.tid):
        db.session.get(Member, company).kind = "company"
        db.session.add(MemberContact(member_id=company, name="财务总监 李", phone="13700000001", title="CFO"))
        db.session.commit()
    csrf = login(client, "cm@bank.test")
    assert 'id="new-delivery"' in client.get(f"{BASE}/deliveries").get_data(as_text=True)
    form = {"csrf_token": csrf, "item": "card", "description": "私行借记卡", "branch_id": bank.branch}
    for bad, field, status in (({"identifier": "13900000077"}, "identifier", 404),
                               ({"identifier": "02161234567"}, "identifier", 404),   # a company's own number
                               ({"identifier": "13900000088", "description": " "}, "description", 422),
                               ({"identifier": "13900000088", "item": "gold"}, "item", 422),
                               ({"identifier": "13900000088", "branch_id": "999999"}, "branch_id", 404)):
        r = client.post(f"{BASE}/deliveries", data={**form, **bad})
        assert r.status_code == status and f'data-field="{field}"' in r.get_data(as_text=True), bad
    with world.as_tenant(bank.tid):
        assert cases.cases(("bank.delivery",)) == []                        # nothing half-created
    assert client.post(f"{BASE}/deliveries", data={**form, "identifier": "13900000088"}).status_code == 302
    r = client.post(f"{BASE}/deliveries", data={**form, "identifier": "13700000001", "item": "document",
                                                "description": "授信合同"})
    assert r.status_code == 302
    with world.as_tenant(bank.tid):
        rows = {r["request"].member_id: r for r in cases.cases(("bank.delivery",))}
        assert set(rows) == {vip, company}
        assert rows[vip]["delivery"].contact_id is None and rows[vip]["request"].priority == 1
        assert rows[company]["delivery"].contact_id is not None and rows[company]["delivery"].item == "document"
        assert rows[vip]["next"].key == "prepared"


def test_a_case_is_assigned_from_its_page(bank, client, world):
    cm = world.staff(bank.tid, "cm@bank.test", positions=["bank.client_manager"])
    other = world.tenant("other-bank", domains=["bank"], timezone="Asia/Shanghai")
    stranger = world.staff(other, "x@other.test", positions=["bank.client_manager"])
    vip = bank.member("赵私行", tier="private", phone="13900000088")
    with world.as_tenant(bank.tid):
        case = cases.open_case(teller(), kind="bank.claim", subject="保险理赔", member_id=vip, now=at(1))
        db.session.commit()
        case_id = case.id
    csrf = login(client, "cm@bank.test")
    assert 'id="assign"' in client.get(f"{BASE}/cases/{case_id}").get_data(as_text=True)
    for bad in (str(stranger), "999999", "abc"):                     # another bank's staff is nobody here
        r = client.post(f"{BASE}/cases/{case_id}", data={"csrf_token": csrf, "action": "assign", "membership_id": bad})
        assert r.status_code == 404 and 'data-field="membership_id"' in r.get_data(as_text=True), bad
    r = client.post(f"{BASE}/cases/{case_id}", data={"csrf_token": csrf, "action": "assign", "membership_id": cm})
    assert r.status_code == 302
    with world.as_tenant(bank.tid):
        (row,) = cases.cases(("bank.claim",))
        assert row["request"].assignee_id == cm
    listed = client.get(f"{BASE}/cases").get_data(as_text=True).split('id="cases"')[1].split("</table>")[0]
    assert "<td>cm</td>" in listed                                      # the list shows who has it
    r = client.post(f"{BASE}/cases/{case_id}", data={"csrf_token": csrf, "action": "assign", "membership_id": ""})
    assert r.status_code == 302
    with world.as_tenant(bank.tid):
        assert cases.cases(("bank.claim",))[0]["request"].assignee_id is None


def test_ids_beyond_the_columns_range_on_the_bank_forms_answer_404_not_500(bank, client, world):
    cm = world.staff(bank.tid, "cm@bank.test", positions=["bank.client_manager", "bank.teller"])
    vip = bank.member("赵私行", tier="private", phone="13900000088")
    with world.as_tenant(bank.tid):
        case_id = cases.open_case(teller(), kind="bank.claim", subject="保险理赔", member_id=vip, now=at(1)).id
        db.session.commit()
    csrf = login(client, "cm@bank.test")
    huge = str(2**40)
    r = client.post(f"{BASE}/cases/{case_id}", data={"csrf_token": csrf, "action": "assign", "membership_id": huge})
    assert r.status_code == 404 and 'data-field="membership_id"' in r.get_data(as_text=True)
    r = client.post(f"{BASE}/deliveries", data={"csrf_token": csrf, "identifier": "13900000088", "item": "card",
                                                "description": "卡", "branch_id": huge})
    assert r.status_code == 404 and 'data-field="branch_id"' in r.get_data(as_text=True)
    for action, extra in (("complete", {}), ("transfer", {"to_counter_id": huge})):
        r = client.post(f"{BASE}/counters/{bank.counter1}", data={"csrf_token": csrf, "action": action,
                                                                  "ticket_id": huge, **extra})
        assert r.status_code == 404, action
    assert cm
