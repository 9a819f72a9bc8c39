"""Tiers by assets: balances by JSON or file, idempotent by period and account, all or nothing;
the review grants the tier the assets reach, with the scheme version and the rule in the history."""
import base64

from sqlalchemy import func, select

from core.extensions import db
from core.tiers.models import TierChange
from domains.bank.models import BankBalance


def _no(bank, member_id):
    return bank.api.ok("GET", f"/members/{member_id}")["member_no"]


def test_balances_are_idempotent_and_the_review_grants_by_assets(bank):
    a, b, c = bank.member("甲"), bank.member("乙"), bank.member("丙", tier="gold")
    rows = [{"period": "2026-10", "account_no": "6222-0001", "member_no": _no(bank, a), "balance": "300000.00"},
            {"period": "2026-10", "account_no": "6222-0002", "member_no": _no(bank, a), "balance": "250000.00"},
            {"period": "2026-10", "account_no": "6222-0003", "member_no": _no(bank, b), "balance": "10000000.00"},
            {"period": "2026-10", "account_no": "6222-0004", "member_no": _no(bank, c), "balance": "120000.00"}]
    assert bank.bapi.ok("POST", "/balances", {"rows": rows}) == {"rows": 4, "new": 4, "changed": 0, "unchanged": 0}
    assert bank.bapi.ok("POST", "/balances", {"rows": rows}) == {"rows": 4, "new": 0, "changed": 0, "unchanged": 4}
    rows[3]["balance"] = "130000.00"
    assert bank.bapi.ok("POST", "/balances", {"rows": rows[3:]})["changed"] == 1
    result = bank.bapi.ok("POST", "/tier-review", {"period": "2026-10"})
    assert (result["up"], result["down"], result["scheme_version"]) == (2, 1, 1)
    tiers = {m: bank.api.ok("GET", f"/members/{m}")["tier_key"] for m in (a, b, c)}
    assert tiers == {a: "gold", b: "private", c: "ordinary"}   # 550,000 ≥ 500,000; 10 million; 130,000
    with bank.world.as_tenant(bank.tid):
        change = db.session.scalar(select(TierChange).where(TierChange.member_id == a).order_by(TierChange.id.desc()))
        assert change.reason == "2026-10 assets_at_least 50000000" and change.scheme_id
    assert bank.bapi.ok("POST", "/tier-review", {"period": "2026-10"})["up"] == 0  # re-run: nothing moves


def test_a_balance_file_in_csv_or_excel(bank):
    import io

    from openpyxl import Workbook
    a = bank.member("甲")
    csv = f"月份,账号,会员号,余额\n2026-10,A1,{_no(bank, a)},\"5,000,000.00\"\n".encode("gb18030")
    r = bank.bapi.ok("POST", "/balances/file", {"filename": "余额.csv", "content_base64": base64.b64encode(csv).decode()})
    assert r["new"] == 1
    wb = Workbook()
    wb.active.append(["period", "account_no", "member_no", "balance"])
    wb.active.append(["2026-11", "A1", _no(bank, a), 5200000])
    buf = io.BytesIO()
    wb.save(buf)
    r = bank.bapi.ok("POST", "/balances/file", {"filename": "b.xlsx", "content_base64": base64.b64encode(buf.getvalue()).decode()})
    assert r["new"] == 1
    assert bank.bapi.ok("POST", "/tier-review", {"period": "2026-11"})["up"] == 1
    assert bank.api.ok("GET", f"/members/{a}")["tier_key"] == "diamond"


def test_a_malformed_balance_file_is_refused_whole(bank):
    a = bank.member("甲")
    no = _no(bank, a)
    cases = [
        ({"rows": [{"period": "2026-10", "account_no": "A1", "member_no": no, "balance": "1.00"},
                   {"period": "2026-13", "account_no": "A2", "member_no": no, "balance": "1.00"}]}, "rows[2].period"),
        ({"rows": [{"period": "2026-10", "account_no": "A1", "member_no": "NOPE", "balance": "1.00"}]}, "rows[1].member_no"),
        ({"rows": [{"period": "2026-10", "account_no": "A1", "member_no": no, "balance": "1.00"},
                   {"period": "2026-10", "account_no": "A1", "member_no": no, "balance": "2.00"}]}, "rows[2].account_no"),
    ]
    for body, field in cases:
        r = bank.bapi("POST", "/balances", body)
        assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
    r = bank.bapi("POST", "/balances", {"rows": [{"period": "2026-10", "account_no": "A1", "member_no": no,
                                                  "balance": "-5"}]})
    assert r.status_code == 422 and "balance" in str(r.get_json()["errors"])
    bad = base64.b64encode(b"name,amount\nx,1\n").decode()
    r = bank.bapi("POST", "/balances/file", {"filename": "b.csv", "content_base64": bad})
    assert r.status_code == 422 and "file" in r.get_json()["errors"]
    r = bank.bapi("POST", "/balances/file", {"filename": "b.csv", "content_base64": "@@@"})
    assert r.status_code == 422 and "content_base64" in r.get_json()["errors"]
    r = bank.bapi("POST", "/tier-review", {"period": "2026-09"})
    assert r.status_code == 404 and "period" in r.get_json()["errors"]
    with bank.world.as_tenant(bank.tid):
        assert db.session.scalar(select(func.count()).select_from(BankBalance)) == 0
