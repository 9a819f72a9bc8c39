"""Reading an uploaded member file as rows of cell values, and guessing its column mapping.

Two kinds: Excel ``.xlsx`` through openpyxl in read-only mode (rows are streamed from the sheet's
XML, never a whole workbook in memory), and CSV as Excel and Chinese systems write it: UTF-8,
UTF-8 with Excel's byte-order mark ("CSV UTF-8"), GB18030 (what a Chinese Windows Excel saves as
plain "CSV"; a superset of GBK and GB2312) and UTF-16 ("Unicode text", tab-separated).
No database here: the rules that decide whether a row is good live in ``services``.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from core.errors import RuleError

MAX_COLUMNS = 100       # a member sheet has a dozen; more is a wrong file (or a zip bomb)
MAX_ROWS = 200_000      # per file: twice the size the import is built and tested for

# The member fields a column can fill, in the order the mapping page shows them.
FIELDS = ("name", "phone", "birthday", "gender", "email", "address", "id_number", "card_number", "tier_key",
          "contact_channel", "promotions_consent", "job", "notes")

FIELD_LABELS = {
    "name": _l("Full name"),
    "phone": _l("Phone"),
    "birthday": _l("Birthday"),
    "gender": _l("Gender"),
    "email": _l("E-mail"),
    "address": _l("Mailing address"),
    "id_number": _l("ID number"),
    "card_number": _l("Card number"),
    "tier_key": _l("Tier"),
    "contact_channel": _l("Preferred contact"),
    "promotions_consent": _l("Promotions allowed"),
    "job": _l("Job"),
    "notes": _l("Notes"),
}

# Header words, Chinese and English, that name each field (compared after _norm()).
SYNONYMS = {
    "name": ("姓名", "名字", "会员姓名", "客户姓名", "顾客姓名", "会员名称", "name", "fullname", "membername",
             "customername"),
    "phone": ("手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "联系方式", "移动电话", "mobile",
              "phone", "phonenumber", "mobilephone", "tel", "telephone", "cellphone", "cell"),
    "birthday": ("生日", "出生日期", "出生年月日", "会员生日", "birthday", "birthdate", "dateofbirth", "dob"),
    "gender": ("性别", "gender", "sex"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "邮件", "email", "emailaddress", "mail"),
    "address": ("地址", "住址", "联系地址", "家庭住址", "通讯地址", "address", "mailingaddress", "homeaddress"),
    "id_number": ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "idnumber", "idno", "idcard",
                  "idcardnumber"),
    "card_number": ("卡号", "会员卡号", "会员卡", "vip卡号", "card", "cardno", "cardnumber", "membershipcard",
                    "vipcard"),
    "tier_key": ("等级", "会员等级", "级别", "会员级别", "卡级别", "卡等级", "会员卡等级", "tier", "tierkey", "level",
                 "grade", "membershiplevel", "membertier"),
    "contact_channel": ("联系方式偏好", "首选联系方式", "联系渠道", "偏好渠道", "contactchannel", "preferredcontact",
                        "channel"),
    "promotions_consent": ("接受推广", "同意推广", "接收促销", "营销许可", "接受营销", "促销信息", "promotions",
                           "promotionsconsent", "marketingconsent", "consent", "promotionsallowed"),
    "job": ("职业", "工作", "职务", "job", "occupation"),
    "notes": ("备注", "说明", "notes", "note", "remarks", "remark", "comment", "comments"),
}


class FileRefused(RuleError):
    """The uploaded file cannot be read as a member list."""


class TooManyRows(FileRefused):
    """More data rows than one file may hold."""


def _norm(text: str) -> str:
    """Header text compared loosely: lower case, no spaces, punctuation or "(必填)"-style notes."""
    text = re.sub(r"[（(\[【].*?[）)\]】]", "", str(text or ""))
    return re.sub(r"[\s_\-:：./*＊#]+", "", text).lower()


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Which column fills which field, from the header row: an exact synonym first, then a header
    that contains one (``会员手机号码`` → phone); each field and each column used once."""
    scored = []
    for col, header in enumerate(headers):
        h = _norm(header)
        if not h:
            continue
        for field in FIELDS:
            for word in SYNONYMS[field]:
                if h == word:
                    scored.append((2, 0, -col, field, col))  # exact: the leftmost such column wins
                elif (_has_cjk(word) or len(word) >= 5) and word in h:
                    scored.append((1, len(word), -col, field, col))
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for _score, _length, _ncol, field, col in sorted(scored, reverse=True):
        if field not in mapping and col not in used:
            mapping[field] = col
            used.add(col)
    return {f: mapping[f] for f in FIELDS if f in mapping}


# ---- the two kinds of file -------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc)


def kind_of(filename: str, data: bytes) -> str:
    """``xlsx`` or ``csv``, by the content first (a renamed file is still what it is)."""
    ext = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if data.startswith(_OLE) or ext == "xls":
        raise FileRefused("file", _l("Old .xls files cannot be read: save the sheet as .xlsx or CSV and upload that."))
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if ext in ("xlsx", "xlsm"):
        raise FileRefused("file", _l("This is not an Excel .xlsx file we can read."))
    if ext not in ("csv", "txt", "tsv", ""):
        raise FileRefused("file", _l("Upload an Excel .xlsx or a CSV file."))
    return "csv"


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-16 by its byte-order mark; else UTF-8 (with or without Excel's BOM);
    else GB18030, which a Chinese Excel writes for "CSV (comma delimited)"."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        except UnicodeDecodeError:
            try:
                return data.decode("gb18030"), "gb18030"
            except UnicodeDecodeError:
                pass
    raise FileRefused("file", _l("The file's text is neither UTF-8 nor GB18030: save it as CSV UTF-8 or .xlsx."))


def _csv_rows(data: bytes, encoding: str) -> Iterator[tuple]:
    text = data.decode("utf-16" if encoding == "utf-16" else encoding)
    if "\x00" in text:
        raise FileRefused("file", _l("Upload an Excel .xlsx or a CSV file."))
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count) if any(d in first for d in ",\t;") else ","
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield tuple(row)


def _open_xlsx(data: bytes):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        if not wb.worksheets:
            raise KeyError("no worksheet")
        return wb
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, IndexError):
        raise FileRefused("file", _l("This is not an Excel .xlsx file we can read.")) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple]:
    wb = _open_xlsx(data)
    try:
        # values_only: plain Python values (str, int, float, bool, datetime) for each cell
        yield from wb.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
    finally:
        wb.close()


def _xlsx_estimate(data: bytes) -> int:
    """Data rows, for the progress bar: the sheet's recorded dimension (Excel writes it), else its
    ``<row`` elements counted in the XML as it is decompressed (openpyxl's write-only mode omits
    the dimension)."""
    wb = _open_xlsx(data)
    try:
        ws = wb.worksheets[0]
        try:
            if ws.max_row:
                return max(ws.max_row - 1, 0)
        except (TypeError, ValueError):
            pass
        count, tail = 0, b""
        with ws._get_source() as src:  # the worksheet's XML stream inside the zip
            while chunk := src.read(1 << 20):
                block = tail + chunk
                count += block.count(b"<row ") + block.count(b"<row>")
                tail = block[-5:]
                count -= tail.count(b"<row ") + tail.count(b"<row>")
            count += tail.count(b"<row ") + tail.count(b"<row>")
        return max(count - 1, 0)
    except Exception:  # an estimate only: the check counts exactly
        return 0
    finally:
        wb.close()


def raw_rows(kind: str, data: bytes, encoding: str | None) -> Iterator[tuple]:
    return _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data, encoding or "utf-8")


def is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def rows(kind: str, data: bytes, encoding: str | None, width: int) -> Iterator[tuple[int, tuple]]:
    """``(row number as the spreadsheet shows it, cells)`` for every data row after the header,
    cells padded or cut to ``width``; wholly empty rows (Excel keeps formatted ones) are skipped."""
    for number, row in enumerate(raw_rows(kind, data, encoding), start=1):
        if number == 1:
            continue
        if number > MAX_ROWS + 1:
            raise TooManyRows("file", _l("At most %(n)s rows per file: split it.", n=f"{MAX_ROWS:,}"))
        if all(is_blank(c) for c in row):
            continue
        row = tuple(row[:width]) + (None,) * (width - len(row))
        yield number, row


def inspect(filename: str, data: bytes) -> dict:
    """What the upload page needs: kind, encoding, header row and an estimate of the data rows."""
    if not data:
        raise FileRefused("file", _l("The file is empty."))
    kind = kind_of(filename, data)
    encoding = None
    if kind == "csv":
        _text, encoding = decode_csv(data)
        estimate = _text.count("\n") + (0 if _text.endswith("\n") else 1) - 1
    else:
        estimate = _xlsx_estimate(data)
    try:
        first = next(iter(raw_rows(kind, data, encoding)), None)
    except FileRefused:
        raise
    except Exception:  # a damaged sheet: openpyxl fails while parsing its XML
        raise FileRefused("file", _l("This is not an Excel .xlsx file we can read.")) from None
    headers = [cell_text(c)[:100] for c in (first or ())][:MAX_COLUMNS]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise FileRefused("file", _l("The first row must hold the column names, and it is empty."))
    return {"kind": kind, "encoding": encoding, "headers": headers, "estimate": max(estimate, 0)}


# ---- cell values -----------------------------------------------------------------------------------

def cell_text(value) -> str:
    """A cell as text: numbers without a spurious ``.0`` (phones and card numbers are often typed
    as numbers), a date as ISO, booleans as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_YMD = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})"
                  r"(?:[ T](?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?")  # a midnight time Excel adds
_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value) -> date:
    """A date from a cell: a real Excel date, or text written 1990-05-17, 1990/5/17, 1990.5.17,
    19900517 or 1990年5月17日. Raises ValueError for anything else (day-first and month-first
    orders are ambiguous, so they are refused rather than guessed)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 10_000_000 <= value <= 99_999_999:
            value = str(int(value))
        else:
            raise ValueError("a number, not a date")
    text = str(value).strip()
    for pattern in (_YMD, _CN, _COMPACT):
        m = pattern.fullmatch(text)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError("not a date")
