"""Members in and out (会员导入导出): upload, column mapping, the dry run, the import, the export.

The flow: an admin uploads a CSV or .xlsx (:func:`create_batch`), maps its columns to member fields
(guessed from the header row), and asks for a check (:func:`request_check`). The check
(:func:`check_batch`, a job) reads every row with the rules ``core.members.services`` applies to a
member typed in at the counter, and lists every bad row with its reason, writing nothing else. Only a
file whose check found no bad row may be imported (:func:`start_import`). The import
(:func:`import_members`, a job) runs in ONE transaction: every member, card and tier change of the
file lands, or none does; the rows are read and checked again inside it, because a member may have
been added at a till since the check.

Progress. A page polls how far a job got, and an import's transaction is open the whole time: its
own writes are invisible to other sessions until it commits (READ COMMITTED), and writing progress
in it would also hold the batch row's lock. So progress goes through a separate, short, committed
transaction on another connection (:class:`Progress`: one Core UPDATE, ``tenant_id`` explicit).
The database rather than Redis, because every deployment has one (the embedded default has no
Redis) and the status endpoint then reads one row. On SQLite that second writer would wait for the
import's write lock (one writer per database): there the import's progress lands when it ends.
The check holds no transaction between chunks, so its progress is live everywhere.

Core SQL (bulk inserts of members, cards and tier changes; the progress update) bypasses the ORM's
tenant listeners: ``tenant_id`` is explicit in every statement.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from marshmallow import validate as mm_validate
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.audit import services as audit
from core.errors import RuleError
from core.extensions import db
from core.imports import reading
from core.imports.models import ImportBatch, ImportProblem
from core.imports.reading import FIELD_LABELS, FIELDS, FileRefused
from core.jobs import enqueue, job
from core.members import services as members
from core.members.models import CONTACT_CHANNELS, Card, Member
from core.models import utcnow
from core.tenancy.sequences import TenantSequence

log = logging.getLogger("vip.imports")

CHUNK = 1000          # rows checked against the database, and inserted, per statement batch
TEXT_LIMITS = {"email": 254, "address": 300, "job": 120, "notes": 2000}  # as the member API allows


class ImportRefused(RuleError):
    """An import rule refused the request."""


# ---- reasons a row is bad ------------------------------------------------------------------------

REASONS = {
    "missing_name": _l("The name is missing."),
    "bad_name": _l("A full name of 1 to 80 characters is required."),
    "bad_phone": _l("Not a phone number we can reach: use an 11-digit mobile or +country code."),
    "duplicate_phone_in_file": _l("The same phone number is already on row %(row)s."),
    "phone_taken": _l("Another member already has this phone number."),
    "bad_card": _l("A card number has 4 to 32 letters, digits or dashes."),
    "duplicate_card_in_file": _l("The same card number is already on row %(row)s."),
    "card_taken": _l("This card number is already in use."),
    "unknown_tier": _l("No tier \"%(value)s\" in the live tier scheme."),
    "no_scheme": _l("No tier scheme is published yet, so no tier can be given."),
    "bad_date": _l("Not a date we can read: write it as 1990-05-17, 1990/5/17, 19900517 or 1990年5月17日."),
    "date_out_of_range": _l("A birthday between 1900 and today."),
    "bad_gender": _l("Write the gender as 女, 男, female or male (or leave it empty)."),
    "bad_email": _l("Not an e-mail address."),
    "bad_id_number": _l("An ID number has 6 to 32 letters and digits."),
    "bad_id_checksum": _l("This resident ID number's check digit is wrong."),
    "bad_channel": _l("Write the contact channel as call, sms, email or wechat (电话, 短信, 邮件, 微信)."),
    "bad_consent": _l("Write yes or no (是 or 否)."),
    "too_long": _l("At most %(n)s characters."),
}

# Why a job stopped. Nothing of the import was saved in any of these cases.
FAILURES = {
    "changed": _l("A row is no longer good since the check (a member or card may have been added meanwhile); "
                  "run the check again."),
    "unreadable": _l("The file could not be read to the end."),
    "too_many_rows": _l("At most %(n)s rows per file: split it.", n=f"{reading.MAX_ROWS:,}"),
    "database": _l("The database refused a row."),
    "error": _l("Something went wrong on our side; it has been logged."),
}


def reason_text(code: str, value: str | None = None, ref: int | None = None) -> str:
    """A reason in the reader's language (stored as a code: the check runs in no one's language)."""
    message = REASONS.get(code)
    if message is None:
        return code
    return str(message) % {"row": ref, "value": value or "", "n": ref}


def failure_text(batch: ImportBatch) -> str:
    text = str(FAILURES.get(batch.error_code or "", FAILURES["error"]))
    if batch.error_code == "changed" and batch.error_detail in REASONS:
        text += " " + reason_text(batch.error_detail)
    return text


# ---- what a cell may say ---------------------------------------------------------------------------

_GENDERS = {
    "female": "female", "f": "female", "女": "female", "女性": "female", "女士": "female", "woman": "female",
    "male": "male", "m": "male", "男": "male", "男性": "male", "先生": "male", "man": "male",
    "unspecified": "unspecified", "u": "unspecified", "未知": "unspecified", "保密": "unspecified",
    "其他": "unspecified", "other": "unspecified", "": "unspecified",
}
_CHANNELS = {
    **{c: c for c in CONTACT_CHANNELS},
    "phone": "call", "电话": "call", "打电话": "call", "来电": "call", "短信": "sms", "text": "sms",
    "邮件": "email", "邮箱": "email", "e-mail": "email", "电子邮件": "email", "微信": "wechat", "": "call",
}
_YES = {"yes", "y", "true", "1", "是", "同意", "接受", "√", "✓", "x"}
_NO = {"no", "n", "false", "0", "否", "不同意", "不接受", ""}
_email = mm_validate.Email()


@dataclass
class Row:
    row_no: int
    values: dict
    problems: list = field(default_factory=list)  # (field, code, value, ref)

    def bad(self, field_, code, value=None, ref=None):
        self.problems.append((field_, code, None if value is None else str(value)[:200], ref))

    def has_problem(self, field_) -> bool:
        return any(p[0] == field_ for p in self.problems)


class Checker:
    """The row rules, with the state a file needs: the tiers of the live scheme and the phones and
    card numbers seen on earlier rows (the first row with a value keeps it; later ones are bad)."""

    def __init__(self, mapping: dict, tiers: dict[str, str], has_scheme: bool):
        self.mapping = {f: int(c) for f, c in mapping.items() if c is not None}
        self.tiers, self.has_scheme = tiers, has_scheme
        self.seen_phones: dict[str, int] = {}
        self.seen_cards: dict[str, int] = {}

    def row(self, row_no: int, cells: tuple) -> Row:
        raw = {f: cells[c] for f, c in self.mapping.items()}
        text = {f: reading.cell_text(v) for f, v in raw.items()}
        r = Row(row_no, {})
        v = r.values

        name = text.get("name", "")
        if not name:
            r.bad("name", "missing_name")
        else:
            try:
                v["name"] = members._clean({"name": name})["name"]  # the rule create_member applies
            except members.MemberError:
                r.bad("name", "bad_name", name)

        phone = text.get("phone", "").lstrip("'")
        if phone:
            try:
                v["phone"] = members.normalise_phone(phone)
            except members.MemberError:
                r.bad("phone", "bad_phone", phone)
            else:
                first = self.seen_phones.setdefault(v["phone"], row_no)
                if first != row_no:
                    r.bad("phone", "duplicate_phone_in_file", phone, first)

        if "birthday" in raw and not reading.is_blank(raw["birthday"]):
            try:
                day = reading.parse_date(raw["birthday"])
            except ValueError:
                r.bad("birthday", "bad_date", text["birthday"])
            else:
                try:
                    v["birthday"] = members._clean({"birthday": day})["birthday"]
                except members.MemberError:
                    r.bad("birthday", "date_out_of_range", day.isoformat())

        gender = _GENDERS.get(text.get("gender", "").lower())
        if gender is None:
            r.bad("gender", "bad_gender", text["gender"])
        else:
            v["gender"] = gender

        channel = _CHANNELS.get(text.get("contact_channel", "").lower())
        if channel is None:
            r.bad("contact_channel", "bad_channel", text["contact_channel"])
        else:
            v["contact_channel"] = channel

        consent = text.get("promotions_consent", "").lower()
        if consent in _YES or consent in _NO:
            v["promotions_consent"] = consent in _YES
        else:
            r.bad("promotions_consent", "bad_consent", text["promotions_consent"])

        for f in ("email", "address", "job", "notes"):
            value = text.get(f, "")
            if len(value) > TEXT_LIMITS[f]:
                r.bad(f, "too_long", value[:50] + "…", TEXT_LIMITS[f])
            elif value and f == "email":
                try:
                    v["email"] = _email(value)  # the check the member API's e-mail field makes
                except ValidationError:
                    r.bad("email", "bad_email", value)
            elif value:
                v[f] = value

        id_number = text.get("id_number", "").lstrip("'")
        if id_number:
            try:
                v["id_number"] = members.clean_id_number(id_number)
            except members.MemberError:
                compact = re.sub(r"\s", "", id_number).upper()
                code = "bad_id_checksum" if re.fullmatch(r"[0-9A-Z]{6,32}", compact) else "bad_id_number"
                # never keep an ID number in clear outside the member's own (masked) record
                r.bad("id_number", code, members.mask_id_number(compact) if len(compact) > 4 else "****")

        card = text.get("card_number", "").lstrip("'")
        if card:
            try:
                v["card_number"] = members.clean_card_number(card)
            except members.MemberError:
                r.bad("card_number", "bad_card", card)
            else:
                first = self.seen_cards.setdefault(v["card_number"], row_no)
                if first != row_no:
                    r.bad("card_number", "duplicate_card_in_file", card, first)

        tier = text.get("tier_key", "")
        if tier:
            key = self.tiers.get(tier.lower())
            if key is not None:
                v["tier_key"] = key
            else:
                r.bad("tier_key", "unknown_tier" if self.has_scheme else "no_scheme", tier)
        return r


def checker_for(mapping: dict) -> tuple[Checker, object]:
    """A checker bound to the live tier scheme (its keys, and its names in either language)."""
    from core.tiers.services import live_scheme, scheme_of
    row = live_scheme()
    tiers: dict[str, str] = {}
    if row is not None:
        for t in scheme_of(row).tiers:
            for label in (t.key, t.name, t.name_en):
                if label:
                    tiers.setdefault(str(label).strip().lower(), t.key)
    return Checker(mapping, tiers, row is not None), row


def _against_database(chunk: list[Row]) -> None:
    """Phones and card numbers already held in this tenant (any member, any card status: both are
    unique per tenant), one query each per chunk."""
    phones = {r.values["phone"] for r in chunk if r.values.get("phone") and not r.has_problem("phone")}
    cards = {r.values["card_number"] for r in chunk
             if r.values.get("card_number") and not r.has_problem("card_number")}
    taken_phones = set(db.session.scalars(select(Member.phone).where(Member.phone.in_(phones)))) if phones else set()
    taken_cards = set(db.session.scalars(select(Card.number).where(Card.number.in_(cards)))) if cards else set()
    for r in chunk:
        if r.values.get("phone") in taken_phones and not r.has_problem("phone"):
            r.bad("phone", "phone_taken", r.values["phone"])
        if r.values.get("card_number") in taken_cards and not r.has_problem("card_number"):
            r.bad("card_number", "card_taken", r.values["card_number"])


def scan(kind: str, data: bytes, encoding: str | None, width: int, checker: Checker, chunk_size: int = CHUNK,
         against_database: bool = True):
    """Every data row of the file, checked, in chunks of ``chunk_size``. ``against_database``:
    also look up each chunk's phones and card numbers among the tenant's (the check does; the
    import leaves that to the unique indexes, see :func:`import_members`)."""
    chunk: list[Row] = []
    for row_no, cells in reading.rows(kind, data, encoding, width):
        chunk.append(checker.row(row_no, cells))
        if len(chunk) >= chunk_size:
            if against_database:
                _against_database(chunk)
            yield chunk
            chunk = []
    if chunk:
        if against_database:
            _against_database(chunk)
        yield chunk


# ---- progress ------------------------------------------------------------------------------------

class Progress:
    """Rows processed, written where a polling page sees it while the job's transaction is open:
    its own short transaction on another connection (see the module's docstring for why)."""

    def __init__(self, tenant_id: int, batch_id: int, live: bool = True, every: int = 2000):
        self.tenant_id, self.batch_id, self.live, self.every, self.last = tenant_id, batch_id, live, every, 0

    def __call__(self, done: int) -> None:
        if not self.live or done - self.last < self.every:
            return
        self.last = done
        t = ImportBatch.__table__
        with db.engine.begin() as conn:
            conn.execute(update(t).where(t.c.tenant_id == self.tenant_id, t.c.id == self.batch_id)
                         .values(rows_done=done))


# ---- upload, mapping, check ----------------------------------------------------------------------

def create_batch(actor, filename: str, data: bytes, max_bytes: int) -> ImportBatch:
    """Keep an uploaded file, read its header row and guess which column is which field."""
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "upload"
    if not data:
        raise FileRefused("file", _l("Choose a file to upload; this one is empty."))
    if len(data) > max_bytes:
        raise FileRefused("file", _l("The file is larger than %(size)s MB.", size=_mb(max_bytes)), 413)
    info = reading.inspect(filename, data)
    batch = ImportBatch(filename=filename, kind=info["kind"], content=data, size_bytes=len(data),
                        encoding=info["encoding"], headers=info["headers"],
                        mapping=reading.guess_mapping(info["headers"]), status="uploaded",
                        rows_total=info["estimate"], created_by=audit.actor_label(actor),
                        created_by_user_id=getattr(actor, "user_id", None))
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "member.import.upload", "import_batch", batch.id, None,
                 {"filename": filename, "kind": batch.kind, "bytes": len(data)})
    return batch


def _mb(n: int) -> str:
    return f"{n / 2**20:g}"


EDITABLE = ("uploaded", "validated", "failed")


def set_mapping(actor, batch: ImportBatch, mapping: dict) -> ImportBatch:
    """Which column (0-based index into the header row, or None) fills which member field."""
    if batch.status not in EDITABLE:
        raise ImportRefused("status", _l("This file is being checked or imported, or has been imported."), 409)
    clean: dict[str, int] = {}
    used: dict[int, str] = {}
    for f, col in (mapping or {}).items():
        if f not in FIELDS:
            raise ImportRefused(str(f), _l("Not a member field."))
        if col is None or col == "":
            continue
        try:
            col = int(col)
        except (TypeError, ValueError):
            raise ImportRefused(f, _l("Choose one of the file's columns.")) from None
        if not 0 <= col < len(batch.headers or []):
            raise ImportRefused(f, _l("Choose one of the file's columns."))
        if col in used:
            raise ImportRefused(f, _l("This column is already used for %(field)s.", field=FIELD_LABELS[used[col]]))
        used[col] = f
        clean[f] = col
    if "name" not in clean:
        raise ImportRefused("name", _l("Choose the column that holds the name."))
    if clean != batch.mapping or batch.status != "uploaded":
        batch.mapping = clean
        _reset(batch)
    return batch


def _reset(batch: ImportBatch) -> None:
    db.session.execute(delete(ImportProblem).where(ImportProblem.batch_id == batch.id))
    batch.status, batch.rows_done, batch.bad_rows, batch.problems_count = "uploaded", 0, 0, 0
    batch.error_code = batch.error_row = batch.error_detail = None
    batch.checked_at = None


def request_check(actor, batch: ImportBatch, mapping: dict | None = None) -> ImportBatch:
    """The dry run: (set the mapping, then) check every row, as a job. Nothing but the batch and
    its list of bad rows is written."""
    if mapping is not None:
        set_mapping(actor, batch, mapping)
    if batch.status not in EDITABLE:
        raise ImportRefused("status", _l("This file is being checked or imported, or has been imported."), 409)
    if "name" not in (batch.mapping or {}):
        raise ImportRefused("name", _l("Choose the column that holds the name."))
    _reset(batch)
    batch.status = "validating"
    enqueue(check_batch, batch_id=batch.id)
    return batch


@job("default")
def check_batch(batch_id: int) -> None:
    """Check every row of a batch and list the bad ones (the dry run)."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status != "validating":
        return  # already checked, or the mapping changed since: a later job will run
    tenant_id, kind, encoding, width = batch.tenant_id, batch.kind, batch.encoding, len(batch.headers)
    data = batch.content
    checker, _scheme = checker_for(batch.mapping)
    db.session.commit()  # hold no transaction between chunks: progress is written beside it
    progress = Progress(tenant_id, batch_id)
    total, bad, problems = 0, 0, []
    try:
        for chunk in scan(kind, data, encoding, width, checker):
            db.session.commit()
            for r in chunk:
                total += 1
                if r.problems:
                    bad += 1
                    problems += [{"tenant_id": tenant_id, "batch_id": batch_id, "row_no": r.row_no, "field": f,
                                  "code": code, "value": value, "ref": ref} for f, code, value, ref in r.problems]
            progress(total)
    except Exception as exc:  # a file that breaks half-way through (damaged XML, too many rows)
        db.session.rollback()
        log.warning("check of import batch %s failed: %r", batch_id, exc)
        _fail(batch_id, "too_many_rows" if isinstance(exc, reading.TooManyRows) else "unreadable", None,
              _detail(exc))
        return
    for start in range(0, len(problems), 5000):
        db.session.execute(insert(ImportProblem), problems[start:start + 5000])
    batch = db.session.get(ImportBatch, batch_id)
    batch.status, batch.rows_total, batch.rows_done = "validated", total, total
    batch.bad_rows, batch.problems_count, batch.checked_at = bad, len(problems), utcnow()
    db.session.commit()


def _detail(exc: Exception) -> str:
    """The technical note the batch page shows its admins (the full trace is in the log): the
    driver's own message for a database error, not the statement and its thousands of parameters."""
    exc = getattr(exc, "orig", None) or exc
    return f"{type(exc).__name__}: {exc}"[:500]


def _fail(batch_id: int, code: str, row: int | None, detail: str | None) -> None:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        return
    batch.status, batch.error_code, batch.error_row, batch.error_detail = "failed", code, row, detail
    batch.rows_done, batch.finished_at = 0, utcnow()
    db.session.commit()


def problems_query(batch_id: int):
    return select(ImportProblem).where(ImportProblem.batch_id == batch_id).order_by(ImportProblem.row_no,
                                                                                   ImportProblem.id)


def problem_dicts(batch: ImportBatch, problems) -> list[dict]:
    """Problems as people read them: the row, the file's column, the field, the reason."""
    headers, mapping = batch.headers or [], batch.mapping or {}
    out = []
    for p in problems:
        col = mapping.get(p.field)
        out.append({"row": p.row_no, "field": p.field, "field_label": str(FIELD_LABELS.get(p.field, p.field)),
                    "column": headers[col] if col is not None and col < len(headers) else "",
                    "code": p.code, "reason": reason_text(p.code, p.value, p.ref), "value": p.value})
    return out


def problems_csv(batch: ImportBatch):
    """The bad rows as CSV (UTF-8 with BOM, so Excel shows Chinese), streamed."""
    yield "\ufeff"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([_l("Row"), _l("Column"), _l("Field"), _l("Reason"), _l("Value")])
    last = None
    while True:
        q = problems_query(batch.id).limit(2000)
        if last is not None:
            q = q.where(or_(ImportProblem.row_no > last[0], (ImportProblem.row_no == last[0]) &
                            (ImportProblem.id > last[1])))
        page = db.session.scalars(q).all()
        if not page:
            break
        for p in problem_dicts(batch, page):
            w.writerow([p["row"], _guard(p["column"]), p["field_label"], p["reason"], _guard(p["value"] or "")])
        last = (page[-1].row_no, page[-1].id)
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


# ---- the import ----------------------------------------------------------------------------------

def start_import(actor, batch: ImportBatch) -> ImportBatch:
    """Import a checked file with no bad row, as a job."""
    if batch.status != "validated":
        raise ImportRefused("status", _l("Check the file first; only a checked file can be imported."), 409)
    if batch.bad_rows:
        raise ImportRefused("status", _l("The check found %(n)s bad rows: correct the file and upload it again.",
                                         n=batch.bad_rows), 409)
    if not batch.rows_total:
        raise ImportRefused("status", _l("The file has no member rows."), 409)
    from core.billing.services import check_capacity
    check_capacity("members", adding=batch.rows_total, field="status")  # the plan's member limit, as at the till
    batch.status, batch.rows_done, batch.imported = "importing", 0, 0
    batch.started_at, batch.started_by = utcnow(), audit.actor_label(actor)
    audit.record(actor, "member.import.start", "import_batch", batch.id, None,
                 {"filename": batch.filename, "rows": batch.rows_total})
    enqueue(import_members, batch_id=batch.id)
    return batch


class _Stop(Exception):
    def __init__(self, code: str, row: int | None, detail: str | None = None):
        super().__init__(code)
        self.code, self.row, self.detail = code, row, detail


def reserve_numbers(name: str, count: int) -> int:
    """Take ``count`` numbers of a tenant sequence at once; returns the value before them (the
    numbers are base+1 … base+count). The caller commits at once, so the row lock is short and a
    failed import leaves a gap, as a database sequence does."""
    query = select(TenantSequence).where(TenantSequence.name == name).with_for_update()
    row = db.session.scalar(query)
    if row is None:  # as next_value() makes it
        db.session.add(TenantSequence(name=name, value=0))
        db.session.flush()
        row = db.session.scalar(query)
    base = row.value
    row.value = base + count
    db.session.flush()
    return base


@job("default")
def import_members(batch_id: int) -> None:
    """Import a checked batch in one transaction: every row lands, or (on any failure) none.

    Every row is read and checked again with the same rules, in the same order (a file that no
    longer passes stops the import). Phones and card numbers already taken are not looked up again
    row by row: inside this transaction the member table grows by the whole file, and PostgreSQL
    plans those lookups on statistics from before it (seconds per chunk at 50,000 rows). The
    unique indexes on (tenant, phone) and (tenant, card number) refuse what a till added since the
    check, and the import stops as "changed"."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status != "importing":
        return
    tenant_id, kind, encoding, width = batch.tenant_id, batch.kind, batch.encoding, len(batch.headers)
    data, expected, filename, mapping = batch.content, batch.rows_total, batch.filename, batch.mapping
    actor = SimpleNamespace(label=batch.started_by or "system", user_id=None)
    base = reserve_numbers("member", expected)
    db.session.commit()  # the member numbers are ours; the tills need not wait for the import
    live = db.engine.dialect.name != "sqlite"  # SQLite: one writer, the import's (see the docstring)
    progress = Progress(tenant_id, batch_id, live=live)
    done, at, row_no = 0, utcnow(), None  # row_no: where the chunk being written starts
    try:
        checker, scheme_row = checker_for(mapping)
        card_until = members.valid_until(members._scheme_policies(scheme_row).get("validity"), at, members._tz()) \
            if scheme_row is not None else None
        for chunk in scan(kind, data, encoding, width, checker, against_database=False):
            bad = next((r for r in chunk if r.problems), None)
            if bad is not None:
                raise _Stop("changed", bad.row_no, bad.problems[0][1])
            if done + len(chunk) > expected:
                raise _Stop("changed", chunk[0].row_no)
            row_no = chunk[0].row_no
            insert_chunk(tenant_id, chunk, base + done, at, scheme_row.id if scheme_row is not None else None,
                         card_until, actor.label)
            done += len(chunk)
            progress(done)
        if done != expected:
            raise _Stop("changed", None)
        batch = db.session.get(ImportBatch, batch_id)
        batch.status, batch.imported, batch.rows_done, batch.finished_at = "done", done, done, utcnow()
        batch.content = None  # the file holds ID numbers in clear; the members have them masked now
        audit.record(actor, "member.import", "import_batch", batch_id, None,
                     {"filename": filename, "imported": done, "first_member_no": _member_no(base + 1)})
        db.session.commit()
    except _Stop as stop:
        db.session.rollback()
        _fail(batch_id, stop.code, stop.row, stop.detail)
    except FileRefused as exc:
        db.session.rollback()
        _fail(batch_id, "too_many_rows" if isinstance(exc, reading.TooManyRows) else "unreadable", None,
              _detail(exc))
    except Exception as exc:  # the database refused a row, the worker's connection dropped, ...
        db.session.rollback()
        if isinstance(exc, IntegrityError) and _unique_violation(exc):
            # a phone or card number taken since the check (see above)
            text = str(exc.orig).lower()
            log.warning("import batch %s refused by a unique index: %s", batch_id, exc.orig)
            _fail(batch_id, "changed", row_no,
                  "phone_taken" if "phone" in text else "card_taken" if "card" in text else None)
            return
        log.exception("import batch %s failed at row %s; nothing was saved", batch_id, row_no)
        _fail(batch_id, "database" if isinstance(exc, DBAPIError) else "error", row_no, _detail(exc))


def _unique_violation(exc: IntegrityError) -> bool:
    """A unique index refused the row (not a NOT NULL or foreign key): PostgreSQL's SQLSTATE 23505,
    SQLite's message."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def _member_no(n: int) -> str:
    return f"M{n:07d}"  # as create_member numbers members


def insert_chunk(tenant_id: int, chunk: list[Row], base: int, at, scheme_id: int | None, card_until,
                 actor_label: str) -> None:
    """Insert one chunk of good rows: members (numbered base+1 …), their physical cards, and a tier
    change "import" for each member given a tier; ``tenant_id`` explicit in every row.

    PostgreSQL: the members' ids are drawn from their sequence first, then all three tables are
    written with COPY (several times faster than a multi-row INSERT of the same rows, whose 20,000
    parameters a statement the server must parse and plan). SQLite: executemany INSERTs, the
    members' with RETURNING for their ids."""
    m, c = Member.__table__, Card.__table__
    from core.tiers.models import TierChange
    tc = TierChange.__table__
    rows = []
    for i, r in enumerate(chunk, start=1):
        v = r.values
        id_number = v.get("id_number")
        tier = v.get("tier_key")
        rows.append({
            "tenant_id": tenant_id, "member_no": _member_no(base + i), "name": v["name"],
            "gender": v.get("gender", "unspecified"), "phone": v.get("phone"), "birthday": v.get("birthday"),
            "email": v.get("email"), "address": v.get("address"),
            "id_number_masked": members.mask_id_number(id_number) if id_number else None,
            "id_number_hash": members._id_hash(id_number) if id_number else None,
            "preferences": {}, "job": v.get("job"), "contact_channel": v.get("contact_channel", "call"),
            "promotions_consent": v.get("promotions_consent", False), "notes": v.get("notes"),
            "tier_key": tier, "tier_scheme_id": scheme_id if tier else None, "tier_since": at if tier else None,
            "points_balance": 0, "created_at": at,
        })
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        ids = db.session.scalars(select(func.nextval(func.pg_get_serial_sequence("member", "id")))
                                 .select_from(func.generate_series(1, len(rows)))).all()
        for row, member_id in zip(rows, ids, strict=True):
            row["id"] = member_id
        _copy(m, rows)
    else:
        result = db.session.execute(insert(m).returning(m.c.id, m.c.member_no), rows)
        by_no = {no: member_id for member_id, no in result}
        ids = [by_no[row["member_no"]] for row in rows]
    cards, changes = [], []
    for r, member_id in zip(chunk, ids, strict=True):
        if r.values.get("card_number"):
            cards.append({"tenant_id": tenant_id, "member_id": member_id, "number": r.values["card_number"],
                          "kind": "physical", "status": "active", "issued_at": at, "valid_until": card_until,
                          "created_at": at})
        if r.values.get("tier_key"):
            changes.append({"tenant_id": tenant_id, "member_id": member_id, "scheme_id": scheme_id,
                            "from_tier": None, "to_tier": r.values["tier_key"], "reason": "import",
                            "status": "applied", "actor_label": actor_label, "created_at": at})
    for table, table_rows in ((c, cards), (tc, changes)):
        if table_rows and postgres:
            _copy(table, table_rows)
        elif table_rows:
            db.session.execute(insert(table), table_rows)


def _copy(table, rows: list[dict]) -> None:
    """COPY ``rows`` into ``table`` on the session's own connection, inside its transaction."""
    import psycopg
    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, db.JSON)}
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    driver = db.session.connection().connection.driver_connection
    try:
        with driver.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row([json.dumps(row[k]) if k in json_columns else row[k] for k in columns])
    except psycopg.Error as exc:  # as SQLAlchemy's own statements would raise it (IntegrityError, ...)
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


# ---- export --------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    ("member_no", _l("Member number")), ("name", FIELD_LABELS["name"]), ("phone", FIELD_LABELS["phone"]),
    ("gender", FIELD_LABELS["gender"]), ("birthday", FIELD_LABELS["birthday"]), ("email", FIELD_LABELS["email"]),
    ("address", FIELD_LABELS["address"]), ("card_number", FIELD_LABELS["card_number"]),
    ("tier_key", FIELD_LABELS["tier_key"]), ("contact_channel", FIELD_LABELS["contact_channel"]),
    ("promotions_consent", FIELD_LABELS["promotions_consent"]), ("job", FIELD_LABELS["job"]),
    ("notes", FIELD_LABELS["notes"]), ("points_balance", _l("Points")), ("created_at", _l("Joined")),
)
EXPORT_FORMATS = ("csv", "xlsx")
NO_TIER = "-"  # the tier filter's value for members holding no tier


def export_query(tier: str | None = None, q: str | None = None):
    """Members in the order they joined; optionally one tier (or none) and a name or phone search."""
    stmt = select(Member)
    if tier == NO_TIER:
        stmt = stmt.where(Member.tier_key.is_(None))
    elif tier:
        stmt = stmt.where(Member.tier_key == tier)
    q = (q or "").strip()
    if q:
        digits = re.sub(r"\D", "", q)
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cond = Member.name.like(like, escape="\\")
        if len(digits) >= 3:
            cond = or_(cond, Member.phone.like("%" + digits + "%"))
        stmt = stmt.where(cond)
    return stmt


def record_export(actor, fmt: str, tier: str | None, q: str | None) -> int:
    """An export carries full phone numbers: it is an admin's act, written to the audit trail (the
    member data is for internal use, and access is logged: 003 篇2 §四.2). Returns the count."""
    count = db.session.scalar(select(func.count()).select_from(export_query(tier, q).subquery()))
    audit.record(actor, "member.export", "member", None, None,
                 {"format": fmt, "tier": tier or None, "search": bool((q or "").strip()), "count": count})
    return count


_EXPORTED = (Member.id, Member.member_no, Member.name, Member.phone, Member.gender, Member.birthday, Member.email,
             Member.address, Member.tier_key, Member.contact_channel, Member.promotions_consent, Member.job,
             Member.notes, Member.points_balance, Member.created_at)


def export_rows(tier: str | None = None, q: str | None = None, chunk: int = 2000):
    """Each member as a list of cell values (EXPORT_COLUMNS order), read in keyset chunks of plain
    rows (no ORM objects pile up in the session, however many members)."""
    last_id = 0
    base = export_query(tier, q).with_only_columns(*_EXPORTED)
    while True:
        page = db.session.execute(base.where(Member.id > last_id).order_by(Member.id).limit(chunk)).all()
        if not page:
            return
        ids = [m.id for m in page]
        cards = dict(db.session.execute(
            select(Card.member_id, Card.number).where(Card.member_id.in_(ids), Card.status == "active")
            .order_by(Card.id)).all())  # the newest active card wins
        for m in page:
            yield [m.member_no, m.name, m.phone, m.gender, m.birthday, m.email, m.address, cards.get(m.id),
                   m.tier_key, m.contact_channel, "yes" if m.promotions_consent else "no", m.job, m.notes,
                   m.points_balance, m.created_at]
        last_id = ids[-1]


_KEYS = [key for key, _label in EXPORT_COLUMNS]
_FREE_TEXT = {_KEYS.index(k) for k in ("name", "email", "address", "job", "notes")}  # typed by people
_BIRTHDAY, _JOINED = _KEYS.index("birthday"), _KEYS.index("created_at")


def _guard(value):
    """Text that Excel would run as a formula (=, +, -, @ first) is written with a leading
    apostrophe (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _export_cells(row, tz, guard: bool = True) -> list:
    out = []
    for i, v in enumerate(row):
        if guard and i in _FREE_TEXT:
            v = _guard(v)
        elif i == _JOINED and v is not None:  # joined: the tenant's local time, no offset
            v = v.astimezone(tz).replace(tzinfo=None, microsecond=0)
        out.append(v)
    return out


def export_csv(tz, tier=None, q=None):
    """CSV, UTF-8 with a BOM so Excel opens Chinese correctly, streamed chunk by chunk."""
    yield "\ufeff"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([str(label) for _key, label in EXPORT_COLUMNS])
    for n, row in enumerate(export_rows(tier, q), start=1):
        w.writerow([_csv_value(v) for v in _export_cells(row, tz)])
        if n % 1000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return v


def export_xlsx(tz, tier=None, q=None):
    """An .xlsx written by openpyxl in write-only mode (rows go to a temporary file, never a whole
    workbook in memory). Returns the file, positioned at its start."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(_l("Members"))[:31])
    ws.append([str(label) for _key, label in EXPORT_COLUMNS])
    for row in export_rows(tier, q):
        cells = []
        for i, v in enumerate(_export_cells(row, tz, guard=False)):  # typed cells need no apostrophe
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)  # control characters an .xlsx cannot hold
            cell = WriteOnlyCell(ws, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if i == _BIRTHDAY and v is not None:
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)
    wb.save(out)
    out.seek(0)
    return out


def max_upload_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES") or 20 * 2**20)
