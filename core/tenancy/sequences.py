"""Per-tenant counters for human-facing numbers (member numbers, accumulation-card numbers).

One row per (tenant, name), incremented under a row lock, so two tills never hand out the same
number and numbers stay short and readable.
"""
from sqlalchemy import select

from core.extensions import db
from core.tenancy.models import TenantScoped


class TenantSequence(TenantScoped, db.Model):
    __tablename__ = "tenant_sequence"
    __table_args__ = (db.UniqueConstraint("tenant_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(32), nullable=False)
    value = db.Column(db.BigInteger, nullable=False, default=0)


def next_value(name: str) -> int:
    row = db.session.scalar(select(TenantSequence).where(TenantSequence.name == name).with_for_update())
    if row is None:
        row = TenantSequence(name=name, value=0)
        db.session.add(row)
        db.session.flush()
        row = db.session.scalar(select(TenantSequence).where(TenantSequence.name == name).with_for_update())
    row.value += 1
    db.session.flush()
    return row.value
