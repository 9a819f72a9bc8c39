"""``Idempotency-Key`` for API calls that create effects: the same key replays the stored answer."""
import hashlib
from functools import wraps

from flask import Response, make_response, request
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.models import Timestamped
from core.tenancy.models import TenantScoped

MAX_KEY_LENGTH = 200


class IdempotencyRecord(TenantScoped, Timestamped, db.Model):
    __tablename__ = "idempotency_record"
    __table_args__ = (db.UniqueConstraint("tenant_id", "key"),)
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(MAX_KEY_LENGTH), nullable=False)
    fingerprint = db.Column(db.String(64), nullable=False)
    status_code = db.Column(db.Integer, nullable=False)
    body = db.Column(db.Text, nullable=False)


def _fingerprint() -> str:
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(request.path.encode())
    h.update(request.get_data(cache=True))
    return h.hexdigest()


def _replay(record) -> Response:
    resp = Response(record.body, status=record.status_code, mimetype="application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def idempotent(fn):
    """Wrap an API view that creates an effect. It is the unit of work: the view's changes and
    the stored answer commit together, so a retried request never applies twice."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            resp = make_response(fn(*args, **kwargs))
            db.session.commit()
            return resp
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            abort(400, message=f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.")
        fingerprint = _fingerprint()
        existing = db.session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
        if existing is not None:
            if existing.fingerprint != fingerprint:
                abort(422, message="This Idempotency-Key was already used for a different request.",
                      code="idempotency_key_reused")
            return _replay(existing)
        resp = make_response(fn(*args, **kwargs))
        if resp.status_code < 400:
            db.session.add(IdempotencyRecord(key=key, fingerprint=fingerprint,
                                             status_code=resp.status_code,
                                             body=resp.get_data(as_text=True)))
        try:
            db.session.commit()
        except IntegrityError:
            # The same key committed concurrently: ours is discarded, theirs is the answer.
            db.session.rollback()
            existing = db.session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
            if existing is None or existing.fingerprint != fingerprint:
                raise
            return _replay(existing)
        return resp

    return wrapper


