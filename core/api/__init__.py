"""The JSON API under /api/v1: flask-smorest, one error shape, pagination, Idempotency-Key."""
from core.api.base import SelectPage, VipApi, api, api_blueprint  # noqa: F401
from core.api.idempotency import idempotent  # noqa: F401
