"""Platform-admin pages: every tenant, and opening a new one. 404 for anyone else."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.audit import services as audit
from core.audit.models import PlatformEvent
from core.identity.forms import choices
from core.extensions import db
from core.identity.permissions import requires
from core.identity.services import IdentityError
from core.jobs import enqueue
from core.mail import send_mail
from core.plugins import all_positions, registry
from core.platform import services
from core.tenancy.forms import NewTenantForm, timezone_choices
from core.tenancy.models import Tenant
from core.tenancy.services import TenantError

bp = Blueprint("platform", __name__, template_folder="templates", url_prefix="/platform")


@bp.get("/tenants")
@requires(platform=True)
def tenants():
    rows = db.session.scalars(select(Tenant).order_by(Tenant.created_at.desc())).all()
    events = db.session.scalars(select(PlatformEvent).order_by(PlatformEvent.id.desc()).limit(30)).all()
    from core.billing.services import access, billing_by_tenant, plan_name, state_text
    billing = {tid: f"{plan_name(b)} · {state_text(access(b))}" for tid, b in billing_by_tenant().items()}
    return render_template("platform/tenants.html", tenants=rows, events=events, billing=billing)


@bp.route("/tenants/new", methods=["GET", "POST"])
@requires(platform=True)
def new_tenant():
    form = NewTenantForm()
    form.timezone.choices = timezone_choices()
    form.enabled_domains.choices = choices((k, str(p.name)) for k, p in registry(current_app).items())
    if not form.is_submitted():
        form.timezone.data, form.currency.data, form.default_locale.data = "Asia/Shanghai", "CNY", "zh_CN"
    if form.validate_on_submit():
        try:
            tenant, _m, token = services.open_tenant(
                current_user, slug=form.slug.data, name=form.name.data,
                owner_email=form.owner_email.data, owner_name=form.owner_name.data,
                known_domains=registry(current_app), known_positions=all_positions(current_app),
                enabled_domains=form.enabled_domains.data, timezone=form.timezone.data,
                currency=form.currency.data, default_locale=form.default_locale.data)
        except (TenantError, IdentityError) as e:
            db.session.rollback()
            target = {"email": "owner_email", "name": "owner_name"}.get(e.field, e.field) \
                if isinstance(e, IdentityError) else e.field
            getattr(form, target).errors.append(e.message)
        else:
            if token:
                link = url_for("auth.accept_invitation", token=token, _external=True)
                enqueue(send_mail, tenant_id=tenant.id, to=form.owner_email.data,
                        subject=_("Your VIP Service workplace %(name)s is ready", name=tenant.name),
                        body=_("Open this link within 7 days to set your password:") + f"\n{link}\n")
            db.session.commit()
            flash(_("%(name)s is open; the owner has been invited.", name=tenant.name))
            return redirect(url_for("platform.tenants"))
    return render_template("platform/tenant_new.html", form=form)


@bp.post("/tenants/<int:tenant_id>/status/<status>")
@requires(platform=True)
def set_status(tenant_id, status):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    if status not in ("active", "suspended"):
        abort(404)
    if tenant.status != status:
        audit.record_platform(current_user, "tenant.status", tenant_id=tenant.id,
                              before=tenant.status, after=status)
        tenant.status = status
        db.session.commit()
    return redirect(url_for("platform.tenants"))
