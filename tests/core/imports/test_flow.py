"""The import through the API: upload, mapping guess, dry run, import; the members it lands."""


from tests.conftest import Api, publish_template
from tests.core.imports.helpers import HEADER, check, start, upload, xlsx_bytes


def _api(client, two_tenants, t="a"):
    return Api(client, f"tenant-{t}", two_tenants[f"{t}_key"])


def test_upload_guesses_the_mapping_then_checks_and_imports(app, client, two_tenants):
    api = _api(client, two_tenants)
    publish_template(api, "retail_88")
    rows = [HEADER,
            ["张丽", "138 1234 5678", "1990-05-17", "女", "li@example.cn", "C0001", "VIP", "", "上海", "老客户"],
            ["王强", "+86 139-0000-0001", "1985/3/9", "男", "", "C0002", "", "", "", ""]]
    batch = upload(api, xlsx_bytes(rows), "会员.xlsx")
    assert batch["kind"] == "xlsx" and batch["status"] == "uploaded"
    assert batch["headers"] == HEADER
    assert batch["mapping"] == {"name": 0, "phone": 1, "birthday": 2, "gender": 3, "email": 4, "card_number": 5,
                                "tier_key": 6, "id_number": 7, "address": 8, "notes": 9}
    checked = check(app, api, batch["id"])
    assert checked["status"] == "validated" and checked["rows_total"] == 2 and checked["bad_rows"] == 0
    done = start(app, api, batch["id"])
    assert done["status"] == "done" and done["imported"] == 2, done
    found = api.ok("GET", "/members/lookup?phone=13812345678")["members"]
    assert [m["name"] for m in found] == ["张丽"]
    member = api.ok("GET", f"/members/{found[0]['id']}")
    assert member["birthday"] == "1990-05-17" and member["gender"] == "female" and member["tier_key"] == "vip"
    cards = api.ok("GET", f"/members/{found[0]['id']}/cards")
    assert [(c["number"], c["kind"], c["status"]) for c in cards] == [("C0001", "physical", "active")]
    changes = api.ok("GET", f"/members/{found[0]['id']}/tier-changes")
    assert [(c["to_tier"], c["reason"]) for c in changes] == [("vip", "import")]
