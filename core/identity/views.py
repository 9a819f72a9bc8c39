"""Sign-in pages and the tenant's staff and API-key pages."""
from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from core.errors import RuleError
from core.identity.forms import choices
from core.extensions import db, limiter
from core.identity import services
from core.identity.forms import ApiKeyForm, ForgotForm, LoginForm, MembershipForm, SetPasswordForm, StaffForm
from core.identity.models import ApiKey
from core.identity.permissions import requires
from core.jobs import enqueue
from core.mail import send_mail
from core.plugins import all_positions

auth = Blueprint("auth", __name__, template_folder="templates")
staff = Blueprint("staff", __name__, template_folder="templates", url_prefix="/t/<tenant>/admin")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.home")


def _login_limit_key():
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()}"


@auth.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_login_limit_key,
               methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("E-mail or password is wrong."))
    return render_template("identity/login.html", form=form)


@auth.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@auth.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        if user is not None and user.password_hash:
            link = url_for("auth.reset_password", token=services.password_reset_token(user), _external=True)
            enqueue(send_mail, to=user.email, subject=_("Reset your password"),
                    body=_("Open this link within 2 hours to choose a new password:") + f"\n{link}\n")
            db.session.commit()
        # Same answer whether or not the address exists.
        flash(_("If that address has an account, a link to reset the password is on its way."))
        return redirect(url_for("auth.login"))
    return render_template("identity/forgot.html", form=form)


def _set_password_page(token: str, purpose: str, template: str):
    user = services.user_from_token(token, purpose)
    if user is None:
        abort(404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password is set. Please sign in."))
        return redirect(url_for("auth.login"))
    return render_template(template, form=form, invited=user)


@auth.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    return _set_password_page(token, "reset", "identity/reset.html")


@auth.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    return _set_password_page(token, "invite", "identity/invitation.html")


# ---- staff administration (tenant admins) ---------------------------------------------------

def _position_choices():
    return sorted(((k, str(v)) for k, v in all_positions(current_app).items()
                   if g.tenant.has_domain(k.split(".")[0])), key=lambda kv: kv[0])


@staff.get("/staff")
@requires("admin")
def list_staff():
    members = db.session.scalars(services.staff_query()).all()
    return render_template("identity/staff_list.html", members=members,
                           position_labels=all_positions(current_app))


@staff.route("/staff/new", methods=["GET", "POST"])
@requires("admin")
def new_staff():
    form = StaffForm()
    form.positions.choices = choices(_position_choices())
    if form.validate_on_submit():
        try:
            membership, token = services.add_staff(
                g.principal, email=form.email.data, name=form.name.data, role=form.role.data,
                positions=form.positions.data, known_positions=all_positions(current_app))
        except RuleError as e:  # an identity rule, or the plan's staff seats
            getattr(form, e.field).errors.append(e.message)
        else:
            if token:
                link = url_for("auth.accept_invitation", token=token, _external=True)
                enqueue(send_mail, to=form.email.data,
                        subject=_("You are invited to %(name)s", name=g.tenant.name),
                        body=_("Open this link within 7 days to set your password:") + f"\n{link}\n")
            db.session.commit()
            flash(_("%(email)s has been added to the staff.", email=form.email.data))
            return redirect(url_for("staff.list_staff"))
    return render_template("identity/staff_new.html", form=form)


@staff.route("/staff/<int:membership_id>", methods=["GET", "POST"])
@requires("admin")
def edit_staff(membership_id):
    membership = services.get_staff(membership_id) or abort(404)
    form = MembershipForm(obj=membership)
    form.positions.choices = choices(_position_choices())
    if form.validate_on_submit():
        try:
            services.update_staff(g.principal, membership, role=form.role.data,
                                  positions=form.positions.data, active=form.active.data,
                                  known_positions=all_positions(current_app))
        except RuleError as e:  # an identity rule, or the plan's staff seats
            db.session.rollback()
            getattr(form, e.field).errors.append(e.message)
        else:
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("staff.list_staff"))
    return render_template("identity/staff_edit.html", form=form, membership=membership)


@staff.route("/api-keys", methods=["GET", "POST"])
@requires("admin")
def api_keys():
    form = ApiKeyForm()
    new_key = None
    if form.validate_on_submit():
        try:
            _key, new_key = services.create_api_key(g.principal, form.name.data, form.role.data)
        except services.IdentityError as e:
            getattr(form, e.field).errors.append(e.message)
        else:
            db.session.commit()
            form = ApiKeyForm(formdata=None)
    keys = db.session.scalars(services.api_keys_query()).all()
    return render_template("identity/api_keys.html", form=form, keys=keys, new_key=new_key)


@staff.post("/api-keys/<int:api_key_id>/revoke")
@requires("admin")
def revoke_api_key(api_key_id):
    key = db.session.get(ApiKey, api_key_id) or abort(404)
    services.revoke_api_key(g.principal, key)
    db.session.commit()
    flash(_("The key %(prefix)s is revoked.", prefix=key.prefix))
    return redirect(url_for("staff.api_keys"))
