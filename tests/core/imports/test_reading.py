"""Reading files: the column guess, CSV encodings as Excel and Chinese systems write them, dates."""
import codecs
from datetime import date, datetime

import pytest

from core.imports import reading
from core.imports.reading import FileRefused, decode_csv, guess_mapping, parse_date
from tests.core.imports.helpers import csv_bytes, xlsx_bytes


@pytest.mark.parametrize("headers, expected", [
    (["姓名", "手机", "生日", "卡号", "等级", "性别"],
     {"name": 0, "phone": 1, "birthday": 2, "card_number": 3, "tier_key": 4, "gender": 5}),
    (["会员姓名", "手机号码(必填)", "出生日期", "会员卡号", "会员等级", "身份证号码", "联系地址", "备注"],
     {"name": 0, "phone": 1, "birthday": 2, "card_number": 3, "tier_key": 4, "id_number": 5, "address": 6,
      "notes": 7}),
    (["Full name", "Mobile", "Date of birth", "Card No.", "Tier", "E-mail", "Gender", "Promotions allowed"],
     {"name": 0, "phone": 1, "birthday": 2, "card_number": 3, "tier_key": 4, "email": 5, "gender": 6,
      "promotions_consent": 7}),
    (["电话", "联系电话", "名字", "会员卡等级", "首选联系方式"],  # the first of two phone columns wins
     {"phone": 0, "name": 2, "tier_key": 3, "contact_channel": 4}),
    (["序号", "消费金额", "门店"], {}),
])
def test_the_mapping_is_guessed_from_chinese_and_english_headers(headers, expected):
    assert guess_mapping(headers) == expected


def test_csv_encodings_excel_writes():
    text = "姓名,手机\n张丽,13812345678\n"
    assert decode_csv(text.encode("utf-8")) == (text, "utf-8")
    assert decode_csv(codecs.BOM_UTF8 + text.encode("utf-8")) == (text, "utf-8-sig")  # Excel's "CSV UTF-8"
    assert decode_csv(text.encode("gb18030")) == (text, "gb18030")  # Excel's "CSV" on Chinese Windows
    assert decode_csv(text.encode("utf-16")) == (text, "utf-16")     # "Unicode text"
    with pytest.raises(FileRefused):
        decode_csv(b"\xff\x80\x80\xff\x00\x81")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_rows_in_each_encoding_read_the_same(encoding):
    data = csv_bytes([["姓名", "手机"], ["张丽", "13812345678"], ["", ""], ["王强（VIP）", "+86 139 0000 0001"]],
                     encoding=encoding)
    info = reading.inspect("会员.csv", data)
    assert info["headers"] == ["姓名", "手机"] and info["kind"] == "csv"
    rows = list(reading.rows("csv", data, info["encoding"], 2))
    assert rows == [(2, ("张丽", "13812345678")), (4, ("王强（VIP）", "+86 139 0000 0001"))]  # empty row 3 skipped


def test_tab_and_semicolon_separated_text_is_read_too():
    data = csv_bytes([["姓名", "手机"], ["张丽", "13812345678"]], delimiter="\t", encoding="utf-16")
    info = reading.inspect("export.txt", data)
    assert info["headers"] == ["姓名", "手机"]
    assert list(reading.rows("csv", data, info["encoding"], 2)) == [(2, ("张丽", "13812345678"))]


def test_xlsx_rows_keep_real_types():
    data = xlsx_bytes([["姓名", "手机", "生日"], ["张丽", 13812345678, datetime(1990, 5, 17)]])
    info = reading.inspect("m.xlsx", data)
    assert info["kind"] == "xlsx" and info["estimate"] == 1
    [(number, cells)] = list(reading.rows("xlsx", data, None, 3))
    assert number == 2 and cells[0] == "张丽" and cells[2] == datetime(1990, 5, 17)
    assert reading.cell_text(cells[1]) == "13812345678"
    assert reading.cell_text(13812345678.0) == "13812345678"


@pytest.mark.parametrize("filename, data, words", [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    ("fake.xlsx", b"name,phone\n", ".xlsx"),
    ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 100, ".xlsx"),
    ("photo.png", b"\x89PNG\r\n\x1a\n", ".xlsx"),
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n\n", "first row"),
])
def test_files_that_cannot_be_read_are_refused_on_the_file_field(app, filename, data, words):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(FileRefused) as e:
            reading.inspect(filename, data)
        assert e.value.field == "file" and words in str(e.value.message)


@pytest.mark.parametrize("value, expected", [
    ("1990-05-17", date(1990, 5, 17)), ("1990/5/17", date(1990, 5, 17)), ("1990.5.7", date(1990, 5, 7)),
    ("19900517", date(1990, 5, 17)), (19900517, date(1990, 5, 17)), (19900517.0, date(1990, 5, 17)),
    ("1990年5月17日", date(1990, 5, 17)), ("1990 年 05 月 17 号", date(1990, 5, 17)),
    ("1990-05-17 00:00:00", date(1990, 5, 17)),
    (datetime(1990, 5, 17), date(1990, 5, 17)), (date(1990, 5, 17), date(1990, 5, 17)),
])
def test_dates_in_every_accepted_form(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["17/05/1990", "05/17/1990", "1990-02-30", "1990-13-01", "五月十七", "1990年5月",
                                   "", 32980, True, "19901317", "1990-05-17T25:00"])
def test_dates_that_are_refused(value):
    with pytest.raises(ValueError):
        parse_date(value)
