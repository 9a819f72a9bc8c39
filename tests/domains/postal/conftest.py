"""A postal bureau with a lead, two client managers, the parcels department, the ordinary/VIP/SVIP scheme
and a few clients (a person and a company with a registered contact) for each manager."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.identity.models import Membership
from core.identity.principal import Principal
from tests.conftest import Api

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2030, 4, 10, 10, 0, tzinfo=SHANGHAI)  # a Wednesday


def principal(mid):
    return Principal.of_membership(db.session.get(Membership, mid))


@pytest.fixture
def bureau(app, client, world):
    from core.members.services import add_contact, create_member
    from core.portfolios.services import assign_manager
    from core.tiers.services import create_draft, publish
    tid = world.tenant("mingzhou", domains=["postal"], name="明州邮政", timezone="Asia/Shanghai")
    out = {"tid": tid, "world": world}
    out["lead"] = world.staff(tid, "lead@post.test", role="manager", positions=["postal.lead"], name="韩主管")
    out["cm1"] = world.staff(tid, "cm1@post.test", positions=["postal.client_manager"], name="邓丽")
    out["cm2"] = world.staff(tid, "cm2@post.test", positions=["postal.client_manager"], name="彭宇")
    out["parcels"] = world.staff(tid, "parcels@post.test", positions=["postal.parcels"], name="许光明")
    with world.as_tenant(tid):
        publish(None, create_draft(None, template="ordinary_vip_svip"))
        for mgr, tier, name, phone in (("cm1", "svip", "王芳", "13900000001"), ("cm1", "vip", "李强", "13900000002"),
                                       ("cm2", "svip", "赵敏", "13900000003")):
            m = create_member(None, {"name": name, "phone": phone, "birthday": date(1980, 4, 10)})
            m.tier_key = tier
            assign_manager(None, m, db.session.get(Membership, out[mgr]), position="postal.client_manager")
            out[name] = m.id
        company = create_member(None, {"name": "东海电子商务有限公司", "kind": "company"})
        company.tier_key = "svip"
        add_contact(None, company, name="陈主任", phone="13700000009", title="办公室主任")
        assign_manager(None, company, db.session.get(Membership, out["cm1"]), position="postal.client_manager")
        out["company"] = company.id
        db.session.commit()
    _kid, key = world.api_key(tid, role="admin")
    out["api"] = Api(client, "mingzhou/postal", key)
    return out
