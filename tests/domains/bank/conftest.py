"""A bank tenant on the asset ladder (金卡/钻石/私人银行), with a branch, two counters and tellers."""
from datetime import UTC, datetime, timedelta

import pytest

from core.extensions import db
from core.identity.principal import Principal
from core.tiers.services import grant, live_scheme
from core.members.models import Member
from domains.bank import queue
from domains.bank.assets import LADDER
from tests.conftest import Api

T0 = datetime(2030, 5, 20, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


class Bank:
    def __init__(self, world, client, tid, api):
        self.world, self.client, self.tid, self.api = world, client, tid, api

    def member(self, name, tier=None, phone=None, **kw):
        m = self.api.ok("POST", "/members", {"name": name, **({"phone": phone} if phone else {}), **kw})
        if tier:
            with self.world.as_tenant(self.tid):
                grant("test", db.session.get(Member, m["id"]), live_scheme(), tier, "test")
                db.session.commit()
        return m["id"]


@pytest.fixture
def bank(app, client, world):
    tid = world.tenant("huitong", domains=["bank"], name="汇通银行", timezone="Asia/Shanghai")
    _kid, key = world.api_key(tid, role="admin")
    api = Api(client, "huitong", key)
    scheme = api.ok("POST", "/schemes", {"document": LADDER})
    api.ok("POST", f"/schemes/{scheme['id']}/publish", {"note": "assets"})
    b = Bank(world, client, tid, api)
    b.bapi = Api(client, "huitong/bank", key)
    b.teller1 = world.staff(tid, "t1@bank.test", positions=["bank.teller"])
    b.teller2 = world.staff(tid, "t2@bank.test", positions=["bank.teller"])
    b.branch = b.bapi.ok("POST", "/branches", {"code": "SH01", "name": "上海分行营业部", "hotline": "02160000001"})["id"]
    b.counter1 = b.bapi.ok("POST", f"/branches/{b.branch}/counters",
                           {"number": 1, "kinds": list(queue.KINDS), "teller_id": b.teller1})["id"]
    b.counter2 = b.bapi.ok("POST", f"/branches/{b.branch}/counters",
                           {"number": 2, "kinds": ["bank.handling"], "teller_id": b.teller2})["id"]
    return b


def teller(membership_id=None):
    return Principal(label="teller@bank.test", role="staff", positions=("bank.teller",), membership_id=membership_id)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)
