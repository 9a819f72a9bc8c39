from marshmallow import Schema, fields, validate

from core.imports.reading import FIELDS
from core.imports.services import EXPORT_FORMATS


class ImportBatchSchema(Schema):
    """An uploaded member file and how far it got: uploaded → validating → validated → importing →
    done | failed."""

    id = fields.Integer(dump_only=True)
    filename = fields.String(dump_only=True, metadata={"example": "会员名单.xlsx"})
    kind = fields.String(dump_only=True, metadata={"description": "csv or xlsx"})
    size_bytes = fields.Integer(dump_only=True)
    encoding = fields.String(dump_only=True, allow_none=True,
                             metadata={"description": "CSV only: utf-8, utf-8-sig, gb18030 or utf-16"})
    headers = fields.List(fields.String(), dump_only=True, metadata={"description": "The file's first row"})
    mapping = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True, metadata={
        "description": "Member field → column index (0-based) in headers", "example": {"name": 0, "phone": 1}})
    status = fields.String(dump_only=True, metadata={"example": "validated"})
    rows_total = fields.Integer(dump_only=True, metadata={"description": "Data rows (an estimate until checked)"})
    rows_done = fields.Integer(dump_only=True, metadata={"description": "Rows the running job has processed"})
    bad_rows = fields.Integer(dump_only=True)
    problems_count = fields.Integer(dump_only=True)
    imported = fields.Integer(dump_only=True)
    error_code = fields.String(dump_only=True, allow_none=True)
    error_row = fields.Integer(dump_only=True, allow_none=True)
    error = fields.Method("_error", dump_only=True, allow_none=True)
    created_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    checked_at = fields.DateTime(dump_only=True, allow_none=True)
    started_at = fields.DateTime(dump_only=True, allow_none=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)

    def _error(self, batch):
        from core.imports.services import failure_text
        return failure_text(batch) if batch.status == "failed" else None


class UploadSchema(Schema):
    """A file sent as JSON (small files; send larger ones as multipart/form-data, field ``file``)."""

    filename = fields.String(required=True, validate=validate.Length(min=1, max=255),
                             metadata={"example": "members.csv"})
    content_base64 = fields.String(required=True, validate=validate.Length(min=1),
                                   metadata={"description": "The file's bytes, base64-encoded"})


class UploadFormSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MappingSchema(Schema):
    mapping = fields.Dict(
        required=True, keys=fields.String(validate=validate.OneOf(FIELDS)),
        values=fields.Integer(allow_none=True, validate=validate.Range(min=0, max=999)),
        metadata={"description": "Member field → column index (0-based) in the batch's headers, or null",
                  "example": {"name": 0, "phone": 1, "birthday": 2, "card_number": 3, "tier_key": 4}})


class CheckSchema(Schema):
    mapping = fields.Dict(
        keys=fields.String(validate=validate.OneOf(FIELDS)),
        values=fields.Integer(allow_none=True, validate=validate.Range(min=0, max=999)),
        metadata={"description": "Optional: set the mapping first (as PUT /mapping)"})


class ProblemSchema(Schema):
    row = fields.Integer(metadata={"description": "The row as the spreadsheet shows it (the header is row 1)"})
    field = fields.String(metadata={"example": "phone"})
    column = fields.String(metadata={"description": "The file's header of that column", "example": "手机"})
    code = fields.String(metadata={"example": "duplicate_phone_in_file"})
    reason = fields.String(metadata={"description": "The reason, in the caller's language"})
    value = fields.String(allow_none=True)


class ExportArgsSchema(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(EXPORT_FORMATS),
                           metadata={"description": "csv (UTF-8 with BOM) or xlsx"})
    tier = fields.String(load_default=None, validate=validate.Length(max=32),
                         metadata={"description": "Only this tier key; '-' for members with no tier"})
    q = fields.String(load_default=None, validate=validate.Length(max=80),
                      metadata={"description": "Name contains, or phone contains these digits"})
