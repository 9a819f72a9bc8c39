"""Two admins saving a tenant's first working hours at the same moment: both succeed, one row."""
import os
import threading

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.service import services
from core.service.models import ServiceHours


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="row locks need PostgreSQL: run with DATABASE_URL (CI's second run does)")
def test_concurrent_first_saves_make_one_row(app, two_tenants):
    from core.tenancy import tenant_context
    barrier, errors = threading.Barrier(8), []

    def save(i):
        try:
            with app.app_context(), tenant_context(two_tenants["a"]):
                barrier.wait()
                services.set_hours(None, weekdays=[1, 2, 3, 4, 5], opens="09:00", closes=f"17:{i:02d}")
                db.session.commit()
        except Exception as e:  # noqa: BLE001 - the test reports any failure
            errors.append(repr(e))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context(), tenant_context(two_tenants["a"]):
        assert db.session.scalar(select(func.count(ServiceHours.id))) == 1
