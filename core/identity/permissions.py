"""The one permission decorator, for pages and API alike."""
from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def requires(role: str = "staff", positions=(), platform: bool = False):
    """Allow the view only to a principal with at least ``role`` (and one of ``positions``).

    Tenant membership itself is checked when the tenant is resolved from the URL; this adds the
    role check. ``platform=True`` is for platform-admin pages, which answer 404 to everyone else so
    that they do not reveal themselves.
    """

    def deco(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            if platform:
                if not current_user.is_authenticated:
                    return redirect(url_for("auth.login", next=request.full_path))
                if not current_user.is_platform_admin:
                    abort(404)
                return fn(*args, **kwargs)
            principal = g.get("principal")
            if principal is None:
                if is_api_request():
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path))
            if not principal.allows(role, positions):
                abort(403)
            return fn(*args, **kwargs)

        wrapper.required_role = role
        wrapper.required_positions = tuple(positions)
        return wrapper

    return deco
