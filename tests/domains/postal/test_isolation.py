"""The postal batch writes (planning, greetings, invitations, escalation, the demo) name the tenant in every
statement: with a second bureau's data present, they touch only the tenant they run for."""
from datetime import timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.service.models import ServiceRequest
from core.tasks.models import Task
from core.tenancy.context import unscoped
from domains.postal import club, services, visits
from domains.postal.models import PostalInvitation, PostalVisit
from tests.domains.postal.conftest import NOW, SHANGHAI

TODAY = NOW.date()


def _counts():
    with unscoped("test: count every tenant's rows"):
        return {
            "visits": dict(db.session.execute(select(PostalVisit.tenant_id, func.count()).group_by(PostalVisit.tenant_id)).all()),
            "requests": dict(db.session.execute(select(ServiceRequest.tenant_id, func.count())
                                                .group_by(ServiceRequest.tenant_id)).all()),
            "tasks": dict(db.session.execute(select(Task.tenant_id, func.count()).group_by(Task.tenant_id)).all()),
            "invitations": dict(db.session.execute(select(PostalInvitation.tenant_id, func.count())
                                                   .group_by(PostalInvitation.tenant_id)).all()),
        }


def test_the_batch_writes_touch_only_their_own_tenant(app, world, bureau):
    from core.segments.services import save_segment
    from core.tenancy.models import Tenant
    from domains.postal.demo import seed_demo
    a = bureau["tid"]
    b = world.tenant("other-post", domains=["postal"], timezone="Asia/Shanghai")
    with world.as_tenant(b):
        seed_demo(db.session.get(Tenant, b))   # a whole second bureau, with today's holiday
        services.set_holiday("admin", TODAY, "清明节")
        db.session.commit()
    with app.app_context():
        before = _counts()
    with world.as_tenant(a):
        assert visits.plan_visits("lead", TODAY, TODAY + timedelta(days=90), now=NOW) > 0
        services.set_holiday("admin", TODAY, "清明节")
        assert club.greetings_for(a, SHANGHAI, NOW) > 0
        segment = save_segment("lead", name="全部SVIP", definition={"tiers": ["svip"]})
        event = club.create_event("lead", title="联谊会", starts_at=NOW + timedelta(days=3), place="大楼", now=NOW)
        assert club.invite_segment("lead", event, segment, now=NOW) == 3
        db.session.add(PostalVisit(member_id=bureau["王芳"], manager_id=bureau["cm1"],
                                   planned_on=TODAY - timedelta(days=2), status="planned"))
        assert visits.escalate_for(a, SHANGHAI, NOW) == 1   # only A's overdue visit, not B's
        db.session.commit()
    with app.app_context():
        after = _counts()
    for table in ("visits", "requests", "tasks", "invitations"):
        assert after[table].get(b) == before[table].get(b), table
        assert after[table].get(a, 0) > before[table].get(a, 0), table
    with world.as_tenant(a):
        import re
        feed = visits.calendar_feed(bureau["cm1"], "mingzhou").decode()
        in_feed = {int(i) for i in re.findall(r"postal-visit-(\d+)@", feed)}
        mine = set(db.session.scalars(select(PostalVisit.id).where(PostalVisit.manager_id == bureau["cm1"],
                                                                  PostalVisit.status == "planned")))
        assert in_feed == mine and in_feed
