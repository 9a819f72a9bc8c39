"""The periodic jobs' Core SQL (core/service/periodic.py) bypasses the ORM's tenant scope, so each
per-tenant function is run here with two tenants holding the same kind of data: it writes only the
tenant it was given, numbers from that tenant's own sequence, and leaves the other exactly as it was."""
import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.extensions import db
from core.service import periodic
from core.service.models import ServiceRequestEvent
from core.tenancy.context import tenant_context
from tests.conftest import Api, buy, line, new_member, publish_template
from tests.core.jobs_loyalty.common import made, run, sequence_value, sh

# (per-tenant function, when it has work: a birthday, 3 days after a sale, December, the 1st)
JOBS = [
    (periodic.birthday_greetings_for, sh(2026, 12, 1, 9)),
    (periodic.purchase_follow_ups_for, sh(2026, 11, 4, 9)),
    (periodic.renewal_notices_for, sh(2026, 12, 1, 9)),
    (periodic.dormant_follow_ups_for, sh(2026, 12, 1, 9)),
]


@pytest.fixture
def twins(client, two_tenants):
    """The same member in each tenant: born on 1 December, a VIP since March (card to 1 January),
    a small purchase on 1 November, and (for the dormant list) a second member quiet since March."""
    out = {}
    for t in ("a", "b"):
        api = Api(client, f"tenant-{t}", two_tenants[f"{t}_key"])
        publish_template(api, "retail_88")
        m = new_member(api, birthday="1990-12-01")["id"]
        buy(api, m, "vip", [line(1200)], at=sh(2026, 3, 1, 10))
        buy(api, m, "small", [line(50)], at=sh(2026, 11, 1, 10))
        quiet = new_member(api, name="沉睡")["id"]
        buy(api, quiet, "q", [line(1000)], at=sh(2026, 3, 2, 10))
        out[t] = {"tenant": two_tenants[t], "member": m, "quiet": quiet}
    return out


def _snapshot(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        events = db.session.scalar(select(func.count(ServiceRequestEvent.id)))
        audits = db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "service_request.periodic"))
    return made(app, tenant_id), events, audits, sequence_value(app, tenant_id)


@pytest.mark.parametrize("fn,as_of", JOBS, ids=[f.__name__ for f, _ in JOBS])
def test_each_job_writes_only_the_tenant_it_is_given(app, twins, fn, as_of):
    a, b = twins["a"]["tenant"], twins["b"]["tenant"]
    before_b = _snapshot(app, b)
    created = run(app, fn, a, as_of)
    assert created >= 1
    rows, events, audits, seq = _snapshot(app, a)
    assert len(rows) == created == events and audits == 1 and seq == created
    assert {r["member_id"] for r in rows} <= {twins["a"]["member"], twins["a"]["quiet"]}
    assert [r["request_no"] for r in rows] == [f"SR{i:07d}" for i in range(1, created + 1)]
    assert _snapshot(app, b) == before_b  # B: no request, no history, no audit, no sequence
    assert run(app, fn, a, as_of) == 0
    # B's own run makes B's own, numbered from B's own sequence, and A stays as it was
    after_a = _snapshot(app, a)
    assert run(app, fn, b, as_of) == created
    rows_b = made(app, b)
    assert {r["member_id"] for r in rows_b} <= {twins["b"]["member"], twins["b"]["quiet"]}
    assert [r["request_no"] for r in rows_b] == [r["request_no"] for r in rows]
    assert _snapshot(app, a) == after_a
