"""Members: profile rules, masked ID numbers, the front desk's lookup order, access logging."""
import pytest

from core.members.services import MemberError, normalise_phone
from tests.conftest import Api


@pytest.fixture
def api(client, two_tenants):
    return Api(client, "tenant-a", two_tenants["a_key"])


@pytest.mark.parametrize("raw,normal", [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("0086 13812345678", "13812345678"), ("+8613812345678", "13812345678"), ("021-6234 5678", "02162345678"),
    ("+852 9123 4567", "+85291234567"), ("", None), (None, None)])
def test_phones_are_normalised(raw, normal):
    assert normalise_phone(raw) == normal


@pytest.mark.parametrize("raw", ["abc", "12345", "1381234567", "+1", "138123456789999"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(MemberError) as e:
        normalise_phone(raw)
    assert e.value.field == "phone"


def test_member_numbers_are_per_tenant(client, two_tenants, api):
    a1 = api.ok("POST", "/members", {"name": "甲一"})
    a2 = api.ok("POST", "/members", {"name": "甲二"})
    b1 = Api(client, "tenant-b", two_tenants["b_key"]).ok("POST", "/members", {"name": "乙一"})
    assert (a1["member_no"], a2["member_no"], b1["member_no"]) == ("M0000001", "M0000002", "M0000001")


def test_id_number_is_kept_masked_and_never_returned(api):
    m = api.ok("POST", "/members", {"name": "王芳", "id_number": "11010519491231002X"})
    full = api.ok("GET", f"/members/{m['id']}")
    assert full["id_number_masked"] == "**************002X"
    assert "id_number" not in full and "11010519491231" not in str(full)
    bad = api("POST", "/members", {"name": "王芳", "id_number": "110105194912310021"})
    assert bad.status_code == 422 and "id_number" in bad.get_json()["errors"]


def test_the_till_can_check_an_id_against_the_stored_hash(app, world, two_tenants):
    from core.extensions import db
    from core.members.services import create_member, id_matches
    with world.as_tenant(two_tenants["a"]):
        m = create_member(None, {"name": "王芳", "id_number": "11010519491231002x"})
        db.session.commit()
        assert id_matches(m, "11010519491231002X") and id_matches(m, " 11010519491231002x ")
        assert not id_matches(m, "110105194912310038") and not id_matches(m, "")


def test_phone_is_unique_within_a_tenant_only(client, two_tenants, api):
    api.ok("POST", "/members", {"name": "甲", "phone": "13800001111"})
    dup = api("POST", "/members", {"name": "乙", "phone": "+86 138 0000 1111"})
    assert dup.status_code == 409 and "phone" in dup.get_json()["errors"]
    other = Api(client, "tenant-b", two_tenants["b_key"])
    other.ok("POST", "/members", {"name": "丙", "phone": "13800001111"})


def test_lookup_follows_the_front_desk_order(api):
    a = api.ok("POST", "/members", {"name": "李娜", "phone": "13900000001", "birthday": "1985-02-03"})
    b = api.ok("POST", "/members", {"name": "李娜", "phone": "13900000002", "birthday": "1991-07-08"})
    api.ok("POST", "/members", {"name": "赵敏", "phone": "13900000003"})
    r = api.ok("GET", "/members/lookup?phone=139%200000%200002")
    assert r["matched_by"] == "phone" and [m["id"] for m in r["members"]] == [b["id"]]
    assert r["members"][0]["phone_masked"] == "139****0002" and "phone" not in r["members"][0]
    # the phone changed: by full name; two of them: the birthday decides
    r = api.ok("GET", "/members/lookup?phone=13700000000&name=李娜")
    assert r["matched_by"] == "name" and len(r["members"]) == 2
    r = api.ok("GET", "/members/lookup?phone=13700000000&name=李娜&birthday=1985-02-03")
    assert r["matched_by"] == "name+birthday" and [m["id"] for m in r["members"]] == [a["id"]]
    assert api.ok("GET", "/members/lookup?name=无此人")["members"] == []


def test_lookup_by_card_number(api):
    m = api.ok("POST", "/members", {"name": "周杰"})
    api.ok("POST", f"/members/{m['id']}/cards", {"number": "8800012345"})
    r = api.ok("GET", "/members/lookup?card=8800012345")
    assert r["matched_by"] == "card" and r["members"][0]["id"] == m["id"]


def test_every_full_profile_read_is_logged(api):
    m = api.ok("POST", "/members", {"name": "孙悦", "phone": "13600000000"})
    api.ok("GET", "/members/lookup?phone=13600000000")  # a lookup shows a summary: not logged
    assert api.ok("GET", f"/members/{m['id']}/access-log") == []
    api.ok("GET", f"/members/{m['id']}")
    api.ok("GET", f"/members/{m['id']}")
    log = api.ok("GET", f"/members/{m['id']}/access-log")
    assert len(log) == 2 and log[0]["actor"].startswith("api-key:")


def test_lost_card_is_void_the_moment_the_new_one_is_active(api):
    m = api.ok("POST", "/members", {"name": "钱多", "id_number": "11010519491231002X"})
    old = api.ok("POST", f"/members/{m['id']}/cards", {"number": "CARD-0001"})
    wrong = api("POST", f"/cards/{old['id']}/replace", {"new_number": "CARD-0002", "id_number_shown": "123456789"})
    assert wrong.status_code == 403 and "id_number" in wrong.get_json()["errors"]
    new = api.ok("POST", f"/cards/{old['id']}/replace",
                 {"new_number": "CARD-0002", "id_number_shown": "11010519491231002X"})
    cards = {c["number"]: c for c in api.ok("GET", f"/members/{m['id']}/cards")}
    assert cards["CARD-0001"]["status"] == "void" and cards["CARD-0001"]["void_reason"] == "lost"
    assert cards["CARD-0002"]["status"] == "active" and new["member_id"] == m["id"]
    assert api.ok("GET", "/members/lookup?card=CARD-0001")["matched_by"] != "card"
    assert api("POST", "/members/%d/cards" % m["id"], {"number": "CARD-0002"}).status_code == 409
