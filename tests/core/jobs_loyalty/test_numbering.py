"""Numbering set-based requests from the tenant's sequence: under its row lock, a batch of k takes
the k numbers after the sequence's value, and the counter's next request comes after them."""
import os
import threading

import pytest
from sqlalchemy import select

from core.extensions import db
from core.service import periodic, services
from core.service.models import ServiceRequest
from core.tenancy.context import tenant_context
from core.tenancy.sequences import TenantSequence
from tests.conftest import Api, new_member
from tests.core.jobs_loyalty.common import SH, made, run, sequence_value, sh


def test_request_no_matches_the_counters_format(app, client, two_tenants):
    """The SQL that numbers a batch writes what ``f"SR{n:07d}"`` writes, past seven digits too."""
    api = Api(client, "tenant-a", two_tenants["a_key"])
    for name in ("甲", "乙", "丙"):
        new_member(api, name=name, birthday="1990-05-17")
    with app.app_context(), tenant_context(two_tenants["a"]):
        services.create_request(None, kind="consultation", subject="x")
        row = db.session.scalar(select(TenantSequence).where(TenantSequence.name == "service_request"))
        row.value = 9_999_998
        db.session.commit()
    assert run(app, periodic.birthday_greetings_for, two_tenants["a"], sh(2027, 5, 17, 9)) == 3
    assert [r["request_no"] for r in made(app, two_tenants["a"], "greeting")] == \
        ["SR9999999", "SR10000000", "SR10000001"]
    assert sequence_value(app, two_tenants["a"]) == 10_000_001
    with app.app_context(), tenant_context(two_tenants["a"]):
        assert services.create_request(None, kind="consultation", subject="y").request_no == "SR10000002"
        db.session.commit()


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="row locks need PostgreSQL: run with DATABASE_URL (CI's second run does)")
def test_concurrent_runs_and_counter_requests_never_share_a_number(app, client, two_tenants):
    """Four workers run the birthday job at once while four desks open requests: every greeting
    is made once, and the numbers are unique and without gaps."""
    api = Api(client, "tenant-a", two_tenants["a_key"])
    for i in range(12):
        new_member(api, name=f"会员{i}", birthday="1990-05-17")
    api.ok("POST", "/service-requests", {"kind": "consultation", "subject": "first"})  # the sequence row exists
    ta, results, errors = two_tenants["a"], [], []
    barrier = threading.Barrier(8)

    def job():
        with app.app_context(), tenant_context(ta):
            barrier.wait()
            try:
                results.append(periodic.birthday_greetings_for(ta, SH, sh(2027, 5, 17, 9)))
                db.session.commit()
            except Exception as e:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(repr(e))

    def desk():
        with app.app_context(), tenant_context(ta):
            barrier.wait()
            try:
                services.create_request(None, kind="consultation", subject="desk")
                db.session.commit()
            except Exception as e:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(repr(e))

    threads = [threading.Thread(target=job) for _ in range(4)] + [threading.Thread(target=desk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [0, 0, 0, 12]
    with app.app_context(), tenant_context(ta):
        numbers = sorted(int(n[2:]) for n in db.session.scalars(select(ServiceRequest.request_no)))
    assert numbers == list(range(1, 1 + 1 + 12 + 4))
    assert sequence_value(app, ta) == 17
