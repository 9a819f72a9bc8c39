"""The client-manager page (客户经理): portfolios side by side, clients without a manager, hand-over."""
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from core.errors import RuleError
from core.extensions import db
from core.identity.models import Membership
from core.identity.permissions import requires
from core.plugins import all_positions
from core.portfolios import services

bp = Blueprint("portfolios", __name__, template_folder="templates", url_prefix="/t/<tenant>/clients")


def manager_positions() -> dict[str, str]:
    """The client-manager positions of the tenant's domains (``bank.client_manager`` …)."""
    return {k: str(v) for k, v in all_positions(current_app).items()
            if k.endswith(".client_manager") and g.tenant.has_domain(k.split(".", 1)[0])}


class HandOverForm(FlaskForm):
    to_manager_id = SelectField(coerce=str)
    reason = StringField(validators=[DataRequired(), Length(max=300)])


@bp.route("/managers", methods=["GET", "POST"])
@requires("admin")
def managers():
    positions = manager_positions()
    if not positions:
        abort(404)
    position = request.args.get("position") or next(iter(positions))
    if position not in positions:
        abort(404)
    people = services.managers(position)
    sizes = services.portfolio_sizes(position)
    forms = {}
    for m in people:
        form = HandOverForm(prefix=f"m{m.id}")
        form.to_manager_id.choices = [("", _("Spread over the others, fewest clients first"))] + [
            (str(o.id), o.user.name) for o in people if o.id != m.id]
        forms[m.id] = form
    source_id = request.form.get("source", type=int) if request.method == "POST" else None
    if source_id is not None:
        form = forms.get(source_id) or abort(404)
        if form.validate_on_submit():
            source = db.session.get(Membership, source_id)
            target = db.session.get(Membership, int(form.to_manager_id.data)) if form.to_manager_id.data else None
            try:
                moved = services.hand_over(g.principal, source, position=position, to_manager=target,
                                           reason=form.reason.data)
            except RuleError as e:
                db.session.rollback()
                getattr(form, e.field, form.reason).errors.append(e.message)
            else:
                db.session.commit()
                flash(_("%(n)s clients handed over.", n=len(moved)))
                return redirect(url_for("portfolios.managers", position=position))
    unmanaged = db.session.scalars(services.unmanaged_query().limit(200)).all()
    return render_template("portfolios/managers.html", positions=positions, position=position, people=people,
                           sizes=sizes, forms=forms, unmanaged=unmanaged)
