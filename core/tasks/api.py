from flask import g
from flask_smorest import abort

from core.api import SelectPage, api_blueprint, idempotent
from core.extensions import db
from core.identity.permissions import requires
from core.tasks import services
from core.tasks.models import Task
from core.tasks.schemas import DoneSchema, TaskArgsSchema, TaskSchema

blp = api_blueprint("tasks_api", __name__, description="Tasks for positions (岗位任务)")


@blp.route("/tasks", methods=["GET"])
@requires("staff")
@blp.arguments(TaskArgsSchema, location="query")
@blp.response(200, TaskSchema(many=True))
@blp.paginate(SelectPage)
def list_tasks(args):
    """The caller's positions' tasks (and everyone's), soonest due first; admins see all."""
    return services.tasks_query(g.principal, args["status"])


@blp.route("/tasks/<int:task_id>/done", methods=["POST"])
@requires("staff")
@idempotent
@blp.arguments(DoneSchema)
@blp.response(200, TaskSchema)
def done(data, task_id):
    task = db.session.get(Task, task_id) or abort(404)
    return services.complete(g.principal, task, g.principal, data.get("note"))
