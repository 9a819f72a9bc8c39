"""Client managers on core/portfolios: a manager's page, and a hand-over that leaves nobody without one."""
from sqlalchemy import func, select

from core.extensions import db
from core.identity.models import Membership
from core.members.models import Member
from core.portfolios.services import assign_manager, hand_over, unmanaged_query
from core.service.services import create_request
from tests.conftest import login


def test_a_hand_over_leaves_no_client_without_a_manager(bank):
    w, tid = bank.world, bank.tid
    leaving = w.staff(tid, "cm1@bank.test", positions=["bank.client_manager"])
    staying = [w.staff(tid, f"cm{i}@bank.test", positions=["bank.client_manager"]) for i in (2, 3)]
    clients = [bank.member(f"客户{i}", tier="gold") for i in range(7)]
    with w.as_tenant(tid):
        for i, c in enumerate(clients):
            who = leaving if i < 5 else staying[0]
            assign_manager("t", db.session.get(Member, c), db.session.get(Membership, who), position="bank.client_manager")
        req = create_request("t", kind="follow_up", subject="季度回访", member_id=clients[0])
        req.assignee_id = leaving
        db.session.commit()
        moves = hand_over("t", db.session.get(Membership, leaving), position="bank.client_manager", reason="离职")
        db.session.commit()
        assert len(moves) == 5 and set(moves.values()) <= set(staying)
        assert db.session.scalar(select(func.count()).select_from(Member).where(Member.client_manager_id == leaving)) == 0
        assert db.session.scalars(unmanaged_query()).all() == []
        # portfolios stay even: 7 clients over two managers, one of whom had two already
        sizes = dict(db.session.execute(select(Member.client_manager_id, func.count())
                                        .group_by(Member.client_manager_id)).all())
        assert sizes == {staying[0]: 3, staying[1]: 4} or sizes == {staying[0]: 4, staying[1]: 3}
        db.session.refresh(req)
        assert req.assignee_id == moves[clients[0]]


def test_the_managers_page_lists_clients_and_follow_ups(bank, client):
    w, tid = bank.world, bank.tid
    cm = w.staff(tid, "cm@bank.test", positions=["bank.client_manager"])
    vip = bank.member("赵金卡", tier="gold")
    bank.member("无人管", tier="diamond")
    no = bank.api.ok("GET", f"/members/{vip}")["member_no"]
    bank.bapi.ok("POST", "/balances", {"rows": [{"period": "2026-10", "account_no": "X1", "member_no": no,
                                                 "balance": "600000.00"}]})
    with w.as_tenant(tid):
        assign_manager("t", db.session.get(Member, vip), db.session.get(Membership, cm), position="bank.client_manager")
        req = create_request("t", kind="follow_up", subject="理财到期回访", member_id=vip)
        req.assignee_id = cm
        db.session.commit()
    login(client, "cm@bank.test")
    html = client.get("/t/huitong/bank/clients").get_data(as_text=True)
    assert "赵金卡" in html and "600000.0" in html and "理财到期回访" in html
    assert "无人管" not in html   # staff see only their own list
