from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from core.errors import RuleError
from core.identity.forms import choices
from core.extensions import db
from core.identity.permissions import requires
from core.plugins import registry
from core.tenancy import services
from core.tenancy.forms import TenantSettingsForm, timezone_choices

bp = Blueprint("tenancy", __name__, template_folder="templates", url_prefix="/t/<tenant>/admin")


def domain_choices():
    return [(k, str(p.name)) for k, p in registry(current_app).items()]


@bp.route("/settings", methods=["GET", "POST"])
@requires("admin")
def settings():
    form = TenantSettingsForm(obj=g.tenant)
    form.timezone.choices = timezone_choices()
    form.enabled_domains.choices = choices(domain_choices())
    if form.validate_on_submit():
        try:
            services.update_settings(g.principal, g.tenant, {
                "name": form.name.data, "timezone": form.timezone.data,
                "currency": form.currency.data, "default_locale": form.default_locale.data,
                "enabled_domains": form.enabled_domains.data,
            }, known_domains=registry(current_app))
        except RuleError as e:  # a tenant rule, or the plan's domain limit
            db.session.rollback()
            getattr(form, e.field).errors.append(e.message)
        else:
            db.session.commit()
            flash(_("Settings saved."))
            return redirect(url_for("tenancy.settings"))
    return render_template("tenancy/settings.html", form=form)
