"""Fixtures, after Flask's tutorial: ``app``, ``client``, and small helpers.

One app per test session, migrated from empty with the real Alembic history. Without
``DATABASE_URL`` the suite runs on a SQLite file; with it, on a fresh database created next to the
one named (``<name>_test_<pid>``) and dropped at the end, so a developer's data is never touched.
With ``REDIS_URL`` jobs go through RQ on that Redis (database 15 unless the URL names one).
"""
from __future__ import annotations

import base64
import os
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.app import create_app
from core.extensions import db, limiter
from core.tenancy.context import tenant_context

PASSWORD = "correct horse battery"


def _test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    u = make_url(url)
    name = f"{u.database}_test_{os.getpid()}"
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return u.set(database=name).render_as_string(hide_password=False)


def _drop_test_database(url: str) -> None:
    u = make_url(url)
    if not u.drivername.startswith("postgresql"):
        return
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    return url if re.search(r"/\d+$", url) else url.rstrip("/") + "/15"


def _compile_translations():
    """The .mo files are build output (not in git): compile them as `make translations` does, so a
    bare `pytest` run sees Chinese too."""
    import pathlib

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    root = pathlib.Path(__file__).resolve().parents[1] / "core" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with open(po, "rb") as f:
                catalog = read_po(f)
            with open(mo, "wb") as f:
                write_mo(f, catalog)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    _compile_translations()
    url = _test_database_url(tmp_path_factory)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": _redis_url(),
        "SESSION_COOKIE_SECURE": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "JOBS_RAISE": True,
        "PREFERRED_URL_SCHEME": "http",
    })
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    _drop_test_database(url)


@pytest.fixture(autouse=True)
def _clean(app):
    """Every test starts from empty tables, an empty limiter and an empty Redis test database."""
    yield
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                  + " RESTART IDENTITY CASCADE"))
            else:
                for t in tables:
                    conn.execute(text(f'DELETE FROM "{t}"'))
        limiter.reset()
        app.extensions.get("vip_sent_mail", []).clear()
        redis = app.extensions.get("vip_redis")
        if redis is not None:
            redis.flushdb()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


# ---- building data -----------------------------------------------------------------------------

class World:
    """Creates tenants and staff through the real services, committed, for tests to use."""

    def __init__(self, app):
        self.app = app

    def tenant(self, slug, domains=("hotel", "retail", "bank", "postal"), **kw):
        from core.plugins import registry
        from core.tenancy.services import create_tenant
        with self.app.app_context():
            t = create_tenant(None, slug=slug, name=kw.pop("name", slug.title()),
                              known_domains=registry(self.app), enabled_domains=list(domains), **kw)
            db.session.commit()
            return t.id

    def staff(self, tenant_id, email, role="staff", positions=(), password=PASSWORD, name=None):
        from core.identity.services import add_staff
        from core.plugins import all_positions
        with self.app.app_context(), tenant_context(tenant_id):
            m, _ = add_staff(None, email=email, name=name or email.split("@")[0], role=role,
                             positions=list(positions), known_positions=all_positions(self.app),
                             password=password)
            db.session.commit()
            return m.id

    def api_key(self, tenant_id, role="admin", name="test"):
        from core.identity.services import create_api_key
        with self.app.app_context(), tenant_context(tenant_id):
            key, raw = create_api_key(None, name, role)
            db.session.commit()
            return key.id, raw

    @contextmanager
    def as_tenant(self, tenant_id):
        with self.app.app_context(), tenant_context(tenant_id):
            yield


@pytest.fixture
def world(app):
    return World(app)


# ---- signing in --------------------------------------------------------------------------------

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    m = CSRF_META.search(html)
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def login(client, email, password=PASSWORD):
    token = csrf_token(client)
    resp = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return csrf_token(client, "/")


@pytest.fixture
def two_tenants(world):
    """Tenants A and B, each with an owner, a staff member and an API key."""
    a = world.tenant("tenant-a", name="甲酒店")
    b = world.tenant("tenant-b", name="乙商场")
    out = {"a": a, "b": b}
    out["a_owner"] = world.staff(a, "owner@a.test", role="owner")
    out["b_owner"] = world.staff(b, "owner@b.test", role="owner")
    out["a_staff"] = world.staff(a, "staff@a.test", positions=["hotel.gm"])
    out["b_staff"] = world.staff(b, "staff@b.test", positions=["hotel.gm"])
    out["a_key_id"], out["a_key"] = world.api_key(a)
    out["b_key_id"], out["b_key"] = world.api_key(b)
    return out


def drain_jobs(app) -> None:
    """Run whatever RQ holds (with REDIS_URL); without Redis, jobs already ran after commit."""
    redis = app.extensions.get("vip_redis")
    if redis is None:
        return
    from rq import Queue, SimpleWorker
    queues = [Queue(name, connection=redis) for name in app.config["RQ_QUEUES"].split(",")]
    with app.app_context():
        SimpleWorker(queues, connection=redis).work(burst=True)


# ---- loyalty data --------------------------------------------------------------------------------

class Api:
    """Calls the JSON API of one tenant with an admin API key; asserts nothing by itself."""

    def __init__(self, client, slug, key):
        self.client, self.base, self.headers = client, f"/api/v1/t/{slug}", {"Authorization": f"Bearer {key}"}

    def __call__(self, method, path, json=None, headers=None, **kw):
        return self.client.open(self.base + path, method=method, json=json,
                                headers={**self.headers, **(headers or {})}, **kw)

    def ok(self, method, path, json=None, status=(200, 201), **kw):
        resp = self(method, path, json, **kw)
        assert resp.status_code in status, f"{method} {path}: {resp.status_code} {resp.get_json()}"
        return resp.get_json()


def publish_template(api: Api, template: str) -> int:
    scheme = api.ok("POST", "/schemes", {"template": template})
    api.ok("POST", f"/schemes/{scheme['id']}/publish", {"note": "test"})
    return scheme["id"]


def new_member(api: Api, registered=True, **fields) -> dict:
    member = api.ok("POST", "/members", {"name": "张丽", **fields})
    if registered:
        api.ok("POST", f"/members/{member['id']}/registration")
    return member


def buy(api: Api, member_id, external_id, lines, at=None, id_checked=False, status=(200, 201)):
    body = {"external_id": external_id, "member_id": member_id, "lines": lines, "id_checked": id_checked}
    if at is not None:
        body["purchased_at"] = at.isoformat()
    return api.ok("POST", "/purchases", body, status=status)


def line(yuan, price_type="regular", quantity=1, sku="SKU"):
    return {"sku": sku, "unit_price_fen": int(round(yuan * 100)), "quantity": quantity, "price_type": price_type}


@pytest.fixture
def loyalty(client, world, two_tenants):
    """Both tenants run the retail 8.8 card; each has a VIP member with a purchase, a card, a gift."""
    out = dict(two_tenants)
    for t in ("a", "b"):
        api = Api(client, f"tenant-{t}", two_tenants[f"{t}_key"])
        out[f"{t}_api"] = api
        out[f"{t}_scheme"] = publish_template(api, "retail_88")
        m = new_member(api, phone=f"1380000000{1 if t == 'a' else 2}", birthday="1990-05-17")
        out[f"{t}_member"] = m["id"]
        p = buy(api, m["id"], f"{t}-first", [line(1200)])
        out[f"{t}_purchase"] = p["id"]
        out[f"{t}_card"] = api.ok("GET", f"/members/{m['id']}/cards")[0]["id"]
        out[f"{t}_change"] = api.ok("GET", f"/members/{m['id']}/tier-changes")[0]["id"]
        out[f"{t}_reward"] = api.ok("POST", "/rewards", {"code": "UMB", "name": "晴雨伞", "points_cost": 500})["id"]
        out[f"{t}_request"] = api.ok("POST", "/service-requests", {"kind": "complaint", "subject": "雨伞破损",
                                                                   "member_id": m["id"]})["id"]
        applicant = new_member(api, name="申请人", phone=f"1380000001{1 if t == 'a' else 2}")
        out[f"{t}_application"] = api.ok("POST", "/tier-applications", {
            "member_id": applicant["id"], "tier_key": "vip", "spending_power": "每月消费约五千元",
            "potential": "家庭客户", "need": "希望优先预约"})["id"]
        from core.models import utcnow
        from core.tasks.services import open_tasks
        with world.as_tenant(two_tenants[t]):
            out[f"{t}_task"] = open_tasks(None, positions=["hotel.gm"], subject="新VIP", source="test",
                                          due_at=utcnow())[0].id
            db.session.commit()
        with world.as_tenant(two_tenants[t]):
            from domains.retail.services import create_store
            out[f"{t}_store"] = create_store(None, code="S1", name="一号店").id
            from datetime import timedelta

            from domains.hotel.models import HotelStep
            from domains.hotel.services import decide_level, upsert_from_pms
            stay, _ = upsert_from_pms(None, {"reservation_no": "R1", "guest_name": "张先生",
                                             "arrival_at": utcnow() + timedelta(days=1)})
            from core.identity.principal import Principal
            decide_level(None, Principal(label="gm", role="manager", positions=("hotel.gm",)), stay, level="VIP")
            out[f"{t}_stay"] = stay.id
            out[f"{t}_step"] = db.session.scalar(db.select(HotelStep.id).where(HotelStep.stay_id == stay.id).limit(1))
            db.session.commit()
        with world.as_tenant(two_tenants[t]):  # postal: a visit, a station, a club event
            from datetime import date as _date
            from domains.postal.models import PostalClubEvent, PostalStation, PostalVisit
            staff_id = two_tenants[f"{t}_staff"]
            objs = [PostalVisit(member_id=m["id"], manager_id=staff_id, planned_on=_date(2030, 1, 2), status="planned"),
                    PostalStation(member_id=m["id"], staff_id=staff_id, location="收发室", weekdays=[1], opens="09:00",
                                  closes="17:00", starts_on=_date(2030, 1, 1)),
                    PostalClubEvent(title="联谊会", starts_at=utcnow() + timedelta(days=30), place="大楼", created_by="t")]
            db.session.add_all(objs)
            db.session.commit()
            out[f"{t}_visit"], out[f"{t}_station"], out[f"{t}_event"] = (o.id for o in objs)
        with world.as_tenant(two_tenants[t]):  # bank: a branch, a counter, a ticket
            from domains.bank import queue as bank_queue
            branch = bank_queue.create_branch(None, code="B1", name="营业部")
            out[f"{t}_counter"] = bank_queue.create_counter(None, branch, number=1, kinds=["bank.handling"]).id
            out[f"{t}_branch"] = branch.id
            out[f"{t}_ticket"] = bank_queue.take_ticket(None, branch, kind="bank.handling").id
            db.session.commit()
        out[f"{t}_segment"] = api.ok("POST", "/segments", {"name": "VIP", "definition": {"tiers": ["vip"]}})["id"]
        out[f"{t}_notice"] = api.ok("POST", f"/segments/{out[t + '_segment']}/notices", {
            "kind": "service", "subject": "店庆", "body": "欢迎光临"})["id"]
        company = new_member(api, name="邮政大客户", kind="company", phone=f"0105555000{1 if t == 'a' else 2}")
        out[f"{t}_company"] = company["id"]
        out[f"{t}_contact"] = api.ok("POST", f"/members/{company['id']}/contacts", {
            "name": "王建国", "phone": f"1390000100{1 if t == 'a' else 2}", "title": "行政主管"})["id"]
        member_file = base64.b64encode("姓名,手机\n王五,13900000009\n".encode()).decode()
        out[f"{t}_batch"] = api.ok("POST", "/imports", {"filename": "会员.csv", "content_base64": member_file})["id"]
    return out
