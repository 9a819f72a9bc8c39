from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from core.identity.permissions import requires
from core.identity.services import tenants_of_user
from core.plugins import registry
from core.tenancy.models import LOCALES

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    tenants = tenants_of_user(current_user)
    if len(tenants) == 1 and not current_user.is_platform_admin:
        return redirect(url_for("web.dashboard", tenant=tenants[0].slug))
    return render_template("home.html", tenants=tenants)


@bp.get("/t/<tenant>/")
@requires("staff")
def dashboard():
    plugins = [p for k, p in registry(current_app).items() if g.tenant.has_domain(k)]
    return render_template("dashboard.html", plugins=plugins)


@bp.post("/language")
def set_language():
    code = request.form.get("locale", "")
    if code not in LOCALES:
        abort(400, description="Unknown language.")
    session["locale"] = code
    if current_user.is_authenticated:
        from core.extensions import db
        current_user.locale = code
        db.session.commit()
    target = request.form.get("next") or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return redirect(target)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
