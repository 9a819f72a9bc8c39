from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint
from flask_smorest.pagination import Page
from marshmallow import Schema, fields
from sqlalchemy import func, select
from werkzeug.exceptions import (BadRequest, HTTPException, InternalServerError, RequestEntityTooLarge,
                                 UnsupportedMediaType)

from core.errors import RuleError
from core.extensions import csrf, db

ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 402: "payment_required", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
}


class ErrorSchema(Schema):
    """Every API error: a stable code, a message for people, and the fields that are wrong."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())


def _flatten_field_errors(messages) -> dict:
    """webargs nests errors by location ({"json": {"name": [...]}}); API users want the field."""
    if not isinstance(messages, dict):
        return {}
    out: dict = {}
    for location, errs in messages.items():
        if isinstance(errs, dict):
            for fname, msgs in errs.items():
                out[fname] = msgs
        else:
            out["_" + location] = errs
    return out


def _message_for(error: HTTPException, field_errors: dict) -> str:
    if field_errors:
        parts = []
        for fname, msgs in field_errors.items():
            text = msgs if isinstance(msgs, str) else "; ".join(
                m if isinstance(m, str) else str(m) for m in (msgs if isinstance(msgs, list) else [msgs]))
            parts.append(text if fname.startswith("_") else f"{fname}: {text}")
        return _("Invalid input") + " — " + " | ".join(parts)
    data = getattr(error, "data", None) or {}
    return data.get("message") or error.description or error.name


class VipApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(RuleError, self.handle_rule_error)

    def handle_rule_error(self, error: RuleError):
        """A service refused the input: the same shape as every other error, naming the field."""
        http = HTTPException(description=str(error.message))
        http.code = error.status
        http.data = {"message": str(error.message), "errors": error.field_errors()}
        return self.handle_http_exception(http)

    def handle_http_exception(self, error):
        if not request.path.startswith("/api/"):
            return render_template("errors/error.html", error=error), error.code
        data = getattr(error, "data", None) or {}
        field_errors = _flatten_field_errors(data.get("messages"))
        if data.get("errors"):
            field_errors.update(data["errors"])
        payload = {
            "code": data.get("code") or ERROR_CODES.get(error.code, "error"),
            "message": _message_for(error, field_errors),
        }
        if field_errors:
            payload["errors"] = field_errors
        headers = dict(data.get("headers") or {})
        if error.code == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
        if isinstance(error, InternalServerError):
            payload["message"] = _("Something went wrong on our side; it has been logged.")
        return payload, error.code, headers


class SelectPage(Page):
    """Paginates a SQLAlchemy ``select()`` in the database (count + limit/offset)."""

    @property
    def items(self):
        p = self.page_params
        return db.session.scalars(self.collection.limit(p.page_size).offset(p.first_item)).all()

    @property
    def item_count(self):
        return db.session.scalar(select(func.count()).select_from(self.collection.order_by(None).subquery()))


class VipBlueprint(Blueprint):
    MAX_PAGE_SIZE = 100


def api_blueprint(name: str, import_name: str, description: str = "") -> VipBlueprint:
    """A smorest blueprint for the tenant API. CSRF is checked per request instead (see
    ``core.tenancy.web``): API-key requests carry no cookies, session requests send X-CSRFToken."""
    blp = VipBlueprint(name, import_name, description=description)
    csrf.exempt(blp)
    return blp


api = VipApi()


BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
UPLOAD_FORM_SLACK = 64 * 1024  # multipart framing and the form's other fields, beside the file itself


def accepts_upload(setting: str):
    """Mark a view that takes a file (``multipart/form-data``) of up to ``app.config[setting]``
    bytes instead of MAX_CONTENT_LENGTH (and, on the API, a multipart body instead of JSON). Any
    other body sent to it keeps the usual limit."""

    def deco(fn):
        fn.upload_limit_setting = setting
        return fn

    return deco


def _upload_setting() -> str | None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    setting = getattr(view, "upload_limit_setting", None)
    return setting if setting and request.mimetype == "multipart/form-data" else None


def raise_upload_limit(endpoint, values):
    """A ``url_value_preprocessor``, registered first: it runs before CSRF and every
    ``before_request``, which read the form and so apply the request's limit."""
    setting = _upload_setting()
    if setting:
        request.max_content_length = int(current_app.config[setting]) + UPLOAD_FORM_SLACK


def guard_request_body():
    """Before any view: refuse bodies over the limit (even where the view would never read them),
    and, on the API, bodies that are not JSON, instead of reading them as an empty object."""
    max_len = request.max_content_length
    if max_len and request.content_length and request.content_length > max_len:
        raise RequestEntityTooLarge()
    if _carries_nul():
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
        raise BadRequest("Text may not contain NUL (\\u0000) characters.")
    if (request.path.startswith("/api/") and request.method in BODY_METHODS
            and (request.content_length or request.headers.get("Transfer-Encoding"))
            and not request.is_json and not _upload_setting()):
        raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")


def _carries_nul() -> bool:
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        return True
    if request.method not in BODY_METHODS:
        return False
    if request.is_json:
        raw = request.get_data(cache=True)
        return b"\\u0000" in raw or b"\x00" in raw
    return any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True))
