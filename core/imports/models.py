from core.extensions import db
from core.models import Timestamped, UTCDateTime
from core.tenancy.models import TenantScoped

# uploaded → validating → validated → importing → done | failed
BATCH_STATUSES = ("uploaded", "validating", "validated", "importing", "done", "failed")


class ImportBatch(TenantScoped, Timestamped, db.Model):
    """One uploaded member file (会员导入批次): the file itself, how its columns map to member
    fields, what the dry run found, and how far the import got.

    The file is kept in the database (not on a web node's disk) so any worker can read it; it is
    dropped once the import has landed, since it holds ID numbers in clear."""

    __tablename__ = "import_batch"
    __table_args__ = (db.Index("ix_import_batch_tenant_created", "tenant_id", "created_at"),)
    id = db.Column(db.Integer, primary_key=True)
    filename = db.Column(db.String(255), nullable=False)
    kind = db.Column(db.String(8), nullable=False)  # csv | xlsx
    content = db.deferred(db.Column(db.LargeBinary))
    size_bytes = db.Column(db.Integer, nullable=False, default=0)
    encoding = db.Column(db.String(20))  # CSV only: utf-8-sig, gb18030, utf-16
    headers = db.Column(db.JSON, nullable=False, default=list)  # the file's row 1, as text
    mapping = db.Column(db.JSON, nullable=False, default=dict)  # member field -> column index (0-based)
    status = db.Column(db.String(12), nullable=False, default="uploaded")
    rows_total = db.Column(db.Integer, nullable=False, default=0)  # data rows (an estimate until checked)
    rows_done = db.Column(db.Integer, nullable=False, default=0)   # progress of the running job
    bad_rows = db.Column(db.Integer, nullable=False, default=0)
    problems_count = db.Column(db.Integer, nullable=False, default=0)
    imported = db.Column(db.Integer, nullable=False, default=0)
    error_code = db.Column(db.String(32))  # why the import failed (nothing was saved)
    error_row = db.Column(db.Integer)
    error_detail = db.Column(db.String(500))
    created_by = db.Column(db.String(254), nullable=False)
    created_by_user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="SET NULL"))
    started_by = db.Column(db.String(254))
    checked_at = db.Column(UTCDateTime())
    started_at = db.Column(UTCDateTime())
    finished_at = db.Column(UTCDateTime())


class ImportProblem(TenantScoped, db.Model):
    """One reason a row of an uploaded file cannot be imported. ``row_no`` is the row as the
    spreadsheet shows it (the header is row 1); ``ref`` is the earlier row a duplicate repeats, or
    the length a too-long value may have."""

    __tablename__ = "import_problem"
    __table_args__ = (db.Index("ix_import_problem_tenant_batch_row", "tenant_id", "batch_id", "row_no"),)
    id = db.Column(db.Integer, primary_key=True)
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id", ondelete="CASCADE"), nullable=False)
    row_no = db.Column(db.Integer, nullable=False)
    field = db.Column(db.String(32), nullable=False)
    code = db.Column(db.String(32), nullable=False)
    value = db.Column(db.String(200))
    ref = db.Column(db.Integer)
