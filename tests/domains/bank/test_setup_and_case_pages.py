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
