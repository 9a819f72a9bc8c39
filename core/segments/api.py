from flask import g
from flask_smorest import abort
from sqlalchemy import select

from core.api import SelectPage, api_blueprint, idempotent
from core.extensions import db
from core.identity.permissions import requires
from core.segments import services
from core.segments.models import Notice, Segment
from core.segments.schemas import (DeliverySchema, NoticeRequestSchema, NoticeSchema, SegmentMemberSchema,
                                   SegmentRequestSchema, SegmentSchema)

blp = api_blueprint("segments_api", __name__, description="Segments and targeted notices (客户细分与定向通知)")


def _segment(segment_id) -> Segment:
    return db.session.get(Segment, segment_id) or abort(404)


def _with_count(segment):
    segment.members = services.count(segment.definition)
    return segment


@blp.route("/segments", methods=["GET"])
@requires("manager")
@blp.response(200, SegmentSchema(many=True))
@blp.paginate(SelectPage)
def list_segments():
    return select(Segment).order_by(Segment.name)


@blp.route("/segments", methods=["POST"])
@requires("manager")
@idempotent
@blp.arguments(SegmentRequestSchema)
@blp.response(201, SegmentSchema)
def create_segment(data):
    """Save a named segment; the answer says how many members it selects now."""
    definition = SegmentRequestSchema().dump(data)["definition"]  # back to JSON (dates as ISO strings)
    return _with_count(services.save_segment(g.principal, name=data["name"], definition=definition))


@blp.route("/segments/<int:segment_id>", methods=["GET"])
@requires("manager")
@blp.response(200, SegmentSchema)
def get_segment(segment_id):
    return _with_count(_segment(segment_id))


@blp.route("/segments/<int:segment_id>/members", methods=["GET"])
@requires("manager")
@blp.response(200, SegmentMemberSchema(many=True))
@blp.paginate(SelectPage)
def segment_members(segment_id):
    return services.members_query(_segment(segment_id).definition)


@blp.route("/segments/<int:segment_id>/notices", methods=["POST"])
@requires("manager")
@idempotent
@blp.arguments(NoticeRequestSchema)
@blp.response(201, NoticeSchema)
def send_notice(data, segment_id):
    """Send a notice to every member of the segment on their own channel, through the outbox."""
    return services.send_notice(g.principal, _segment(segment_id), **data)


@blp.route("/notices/<int:notice_id>/deliveries", methods=["GET"])
@requires("manager")
@blp.response(200, DeliverySchema(many=True))
@blp.paginate(SelectPage)
def deliveries(notice_id):
    db.session.get(Notice, notice_id) or abort(404)
    return services.deliveries_query(notice_id)
