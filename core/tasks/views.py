"""My tasks: what my positions have to do, soonest due first."""
from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from core.extensions import db
from core.identity.permissions import requires
from core.plugins import all_positions
from core.tasks import services
from core.tasks.models import Task

bp = Blueprint("tasks", __name__, template_folder="templates", url_prefix="/t/<tenant>/tasks")


class DoneForm(FlaskForm):
    note = StringField(validators=[Optional(), Length(max=500)])


@bp.get("/")
@requires("staff")
def index():
    from flask import current_app
    tasks = db.session.scalars(services.tasks_query(g.principal).limit(500)).all()
    return render_template("tasks/index.html", tasks=tasks, form=DoneForm(),
                           position_labels={k: str(v) for k, v in all_positions(current_app).items()})


@bp.post("/<int:task_id>/done")
@requires("staff")
def done(task_id):
    task = db.session.get(Task, task_id) or abort(404)
    form = DoneForm()
    if not form.validate_on_submit():
        flash(_("The note is too long (at most 500 characters)."), "error")
        return redirect(url_for("tasks.index"))
    try:
        services.complete(g.principal, task, g.principal, form.note.data)
    except services.TaskError as e:
        db.session.rollback()
        flash(e.message, "error")
        return redirect(url_for("tasks.index"))
    db.session.commit()
    return redirect(url_for("tasks.index"))
