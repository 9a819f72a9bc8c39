"""The dry run: every bad row listed with its reason, by the member rules; nothing written."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.members.models import Member
from core.tenancy.context import tenant_context
from tests.conftest import Api, new_member, publish_template
from tests.core.imports.helpers import HEADER, check, csv_bytes, problems, start, upload, xlsx_bytes

GOOD = ["赵敏", "13700000001", "1990-05-17", "女", "zm@example.cn", "C1001", "vip", "", "北京", ""]
VALID_ID = "11010519491231002X"  # GB 11643 check digit right


def _row(**changes):
    row = list(GOOD)
    for key, value in changes.items():
        row[HEADER.index(key)] = value
    return row


@pytest.fixture
def api(client, two_tenants):
    return Api(client, "tenant-a", two_tenants["a_key"])


def _count_members(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        return db.session.scalar(select(func.count(Member.id)))


def test_every_reason_is_listed_on_its_row(app, api, two_tenants):
    publish_template(api, "retail_88")
    taken = new_member(api, phone="13600000000")
    api.ok("POST", f"/members/{taken['id']}/cards", {"number": "TAKEN-1"})
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    rows = [HEADER,
            GOOD,                                                      # 2: good
            _row(姓名="", 手机="13700000002", 卡号="C1002"),           # 3: missing name
            _row(姓名="名" * 81, 手机="13700000003", 卡号="C1003"),    # 4: name too long
            _row(手机="1234", 卡号="C1004"),                           # 5: bad phone
            _row(手机="137-0000-0001", 卡号="C1005"),                  # 6: same phone as row 2
            _row(手机="+86 136 0000 0000", 卡号="C1006"),              # 7: phone of a member already
            _row(手机="13700000007", 卡号="C1001"),                    # 8: same card as row 2
            _row(手机="13700000008", 卡号="TAKEN-1"),                  # 9: card held already
            _row(手机="13700000009", 卡号="C1009", 等级="钻石"),        # 10: unknown tier
            _row(手机="13700000010", 卡号="C1010", 生日="17/05/1990"),  # 11: unparseable date
            _row(手机="13700000011", 卡号="C1011", 生日=tomorrow),      # 12: born tomorrow
            _row(手机="13700000012", 卡号="C1012", 性别="妖"),          # 13: gender
            _row(手机="13700000013", 卡号="C1013", 邮箱="not-an-email"),  # 14: e-mail
            _row(手机="13700000014", 卡号="C1014", 身份证号="110105194912310021"),  # 15: check digit
            _row(手机="13700000015", 卡号="C1015", 身份证号="12#4"),    # 16: not an ID number
            _row(手机="13700000016", 卡号="卡 1016"),                   # 17: card number's characters
            _row(手机="13700000017", 卡号="C1017", 地址="路" * 301),    # 18: address too long
            _row(手机="13700000018", 卡号="C1018", 身份证号=VALID_ID, 等级="VIP"),  # 19: good (tier by name)
            _row(姓名="", 手机="1", 卡号="C1001", 等级="x"),             # 20: four reasons at once
            ]
    batch = upload(api, csv_bytes(rows), "bad.csv")
    checked = check(app, api, batch["id"])
    assert checked["status"] == "validated" and checked["rows_total"] == 19
    listed = {}
    for p in problems(api, batch["id"]):
        listed.setdefault(p["row"], []).append(p["code"])
    assert listed == {
        3: ["missing_name"], 4: ["bad_name"], 5: ["bad_phone"], 6: ["duplicate_phone_in_file"],
        7: ["phone_taken"], 8: ["duplicate_card_in_file"], 9: ["card_taken"], 10: ["unknown_tier"],
        11: ["bad_date"], 12: ["date_out_of_range"], 13: ["bad_gender"], 14: ["bad_email"],
        15: ["bad_id_checksum"], 16: ["bad_id_number"], 17: ["bad_card"], 18: ["too_long"],
        20: ["missing_name", "bad_phone", "duplicate_card_in_file", "unknown_tier"],
    }
    assert checked["bad_rows"] == 17 and checked["problems_count"] == 20
    assert _count_members(app, two_tenants["a"]) == 1  # the dry run wrote no member
    # refused: there are bad rows
    resp = api("POST", f"/imports/{batch['id']}/start")
    assert resp.status_code == 409 and "17" in resp.get_json()["errors"]["status"][0]


def test_reasons_are_told_in_the_callers_language_with_the_column(app, api, two_tenants):
    new_member(api, phone="13700000001")
    batch = upload(api, csv_bytes([["姓名", "手机"], ["甲", "13700000001"]]))
    check(app, api, batch["id"])
    [zh] = api.ok("GET", f"/imports/{batch['id']}/problems")  # the tenant's language: zh_CN
    assert (zh["row"], zh["column"], zh["field"], zh["reason"]) == (2, "手机", "phone", "该电话号码已被其他会员使用。")
    with app.app_context():
        from core.tenancy import Tenant
        db.session.get(Tenant, two_tenants["a"]).default_locale = "en"
        db.session.commit()
    [en] = api.ok("GET", f"/imports/{batch['id']}/problems")
    assert en["reason"] == "Another member already has this phone number."


def test_without_a_published_scheme_every_tier_is_unknown(app, api):
    rows = [["姓名", "等级"], ["甲", "vip"], ["乙", ""]]
    batch = upload(api, csv_bytes(rows))
    check(app, api, batch["id"])
    assert [(p["row"], p["code"]) for p in problems(api, batch["id"])] == [(2, "no_scheme")]


def test_excel_dates_and_every_written_form_are_read(app, api, two_tenants):
    rows = [["姓名", "手机", "生日"],
            ["甲", "13700000001", datetime(1990, 5, 17)], ["乙", "13700000002", "1990/5/17"],
            ["丙", "13700000003", "19900517"], ["丁", "13700000004", "1990年5月17日"],
            ["戊", "13700000005", 19900517], ["己", 13700000006, "1990-05-17"], ["庚", 13700000007.0, None]]
    batch = upload(api, xlsx_bytes(rows), "dates.xlsx")
    assert check(app, api, batch["id"])["bad_rows"] == 0
    assert start(app, api, batch["id"])["imported"] == 7
    with app.app_context(), tenant_context(two_tenants["a"]):
        got = dict(db.session.execute(select(Member.phone, Member.birthday)).all())
    assert got == {**{f"1370000000{i}": date(1990, 5, 17) for i in range(1, 7)}, "13700000007": None}


def test_gender_channel_and_consent_words_in_chinese_and_english(app, api, two_tenants):
    rows = [["姓名", "性别", "首选联系方式", "接受推广"],
            ["甲", "女", "微信", "是"], ["乙", "male", "SMS", "no"], ["丙", "", "", ""], ["丁", "F", "电话", "yes"]]
    batch = upload(api, csv_bytes(rows))
    assert check(app, api, batch["id"])["bad_rows"] == 0
    start(app, api, batch["id"])
    with app.app_context(), tenant_context(two_tenants["a"]):
        got = {r.name: (r.gender, r.contact_channel, r.promotions_consent) for r in
               db.session.execute(select(Member.name, Member.gender, Member.contact_channel,
                                         Member.promotions_consent))}
    assert got == {"甲": ("female", "wechat", True), "乙": ("male", "sms", False),
                   "丙": ("unspecified", "call", False), "丁": ("female", "call", True)}


def test_id_numbers_are_kept_masked_and_checkable(app, api, two_tenants):
    rows = [["姓名", "身份证号"], ["甲", VALID_ID.lower()], ["乙", "110105194912310021"]]
    batch = upload(api, csv_bytes(rows))
    check(app, api, batch["id"])
    [bad] = problems(api, batch["id"])
    assert bad["value"] == "**************0021"  # a bad ID is not listed in clear either
    fixed = upload(api, csv_bytes(rows[:2]))
    check(app, api, fixed["id"])
    start(app, api, fixed["id"])
    with app.app_context(), tenant_context(two_tenants["a"]):
        from core.members.services import id_matches
        m = db.session.scalar(select(Member))
        assert m.id_number_masked == "*" * 14 + "002X" and id_matches(m, VALID_ID)


def test_a_new_mapping_discards_the_old_check(app, api):
    rows = [["客户", "电话号"], ["甲", "13700000001"], ["乙", "bad"]]
    batch = upload(api, csv_bytes(rows))
    assert batch["mapping"] == {"phone": 1}  # "客户" alone names nobody's field
    resp = api("POST", f"/imports/{batch['id']}/dry-run", json={})
    assert resp.status_code == 422 and "name" in resp.get_json()["errors"]
    checked = check(app, api, batch["id"], {"name": 0, "phone": 1})
    assert checked["bad_rows"] == 1
    api.ok("PUT", f"/imports/{batch['id']}/mapping", {"mapping": {"name": 0}})
    again = api.ok("GET", f"/imports/{batch['id']}")
    assert again["status"] == "uploaded" and again["bad_rows"] == 0
    assert api.ok("GET", f"/imports/{batch['id']}/problems") == []


@pytest.mark.parametrize("mapping, field", [
    ({"phone": 1}, "name"), ({"name": 0, "phone": 0}, "phone"), ({"name": 0, "phone": 7}, "phone"),
])
def test_bad_mappings_name_the_field(app, api, mapping, field):
    batch = upload(api, csv_bytes([["姓名", "手机"], ["甲", "13700000001"]]))
    resp = api("PUT", f"/imports/{batch['id']}/mapping", json={"mapping": mapping})
    assert resp.status_code == 422 and list(resp.get_json()["errors"]) == [field], resp.get_json()
