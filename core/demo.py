"""Demo data: four tenants, one per domain, with staff in every position (``flask demo seed``)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from core.extensions import db
from core.identity import services as identity
from core.plugins import all_positions, registry
from core.tenancy import services as tenancy
from core.tenancy.context import tenant_context

DEMO_PASSWORD = "vip-demo-2026"
PLATFORM_ADMIN = ("admin@platform.demo", "平台管理员")


@dataclass(frozen=True)
class DemoTenant:
    domain: str
    slug: str
    name: str
    owner: tuple[str, str]   # (e-mail, name)


TENANTS = [
    DemoTenant("hotel", "huating-hotel", "华庭国际大酒店", ("owner@huating-hotel.demo", "周建国")),
    DemoTenant("retail", "yueyi-fashion", "悦衣坊服饰", ("owner@yueyi-fashion.demo", "林晓燕")),
    DemoTenant("bank", "huitong-bank", "汇通银行城东支行", ("owner@huitong-bank.demo", "钱志华")),
    DemoTenant("postal", "mingzhou-post", "明州市邮政局", ("owner@mingzhou-post.demo", "孙立新")),
]


def seed_staff(tenant, people) -> list[tuple[str, str, str]]:
    """Add ``people`` = [(e-mail, name, role, [positions])] with the demo password."""
    known = all_positions(current_app)
    logins = []
    for email, name, role, positions in people:
        identity.add_staff(None, email=email, name=name, role=role, positions=positions,
                           known_positions=known, password=DEMO_PASSWORD)
        logins.append((tenant.name, email, name))
    return logins


def is_empty() -> bool:
    from core.tenancy.models import Tenant
    return db.session.query(Tenant.id).first() is None


def seed() -> list[tuple[str, str, str]]:
    """Create the demo. Returns the logins as (workplace, e-mail, name). Refuses to run twice."""
    if not is_empty():
        raise RuntimeError("the database already has tenants; the demo seeds only an empty one")
    plugins = registry(current_app)
    logins = []
    identity.create_user(PLATFORM_ADMIN[0], PLATFORM_ADMIN[1], DEMO_PASSWORD, is_platform_admin=True)
    logins.append(("—", PLATFORM_ADMIN[0], PLATFORM_ADMIN[1]))
    for spec in TENANTS:
        if spec.domain not in plugins:
            continue
        tenant = tenancy.create_tenant(None, slug=spec.slug, name=spec.name, known_domains=plugins,
                                       enabled_domains=[spec.domain])
        with tenant_context(tenant):
            logins += seed_staff(tenant, [(spec.owner[0], spec.owner[1], "owner", [])])
            plugin = plugins[spec.domain]
            if plugin.seed_demo is not None:
                logins += plugin.seed_demo(tenant) or []
            db.session.flush()
    db.session.commit()
    return logins
