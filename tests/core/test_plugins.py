"""The plugin contract: discovery by entry point, narrowing, failures that name the plugin,
table namespaces, and core never importing a domain."""
import pathlib
import re

import pytest

from core.plugins import DomainPlugin, PluginLoadError, check_table_namespace, discover

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_four_domains_are_found_by_entry_point():
    plugins = discover()
    assert list(plugins) == ["bank", "hotel", "postal", "retail"]
    for _key, plugin in plugins.items():
        assert isinstance(plugin, DomainPlugin) and plugin.web is not None and plugin.api is not None
        assert plugin.positions and plugin.seed_demo is not None and plugin.nav


def test_declared_positions():
    plugins = discover()
    assert {"gm", "gm_assistant", "assistant_manager", "housekeeping", "engineering", "qa", "fnb",
            "security", "marketing", "finance"} <= set(plugins["hotel"].positions)
    assert {"teller", "client_manager", "duty_officer"} <= set(plugins["bank"].positions)
    assert {"client_manager"} <= set(plugins["postal"].positions)
    assert {"cashier", "store_manager"} <= set(plugins["retail"].positions)


def test_vip_domains_narrows_what_loads(app):
    from core.app import create_app
    narrow = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "VIP_DOMAINS": "hotel", "RATELIMIT_STORAGE_URI": "memory://"})
    rules = {r.rule for r in narrow.url_map.iter_rules()}
    assert "/t/<tenant>/hotel/" in rules and "/t/<tenant>/bank/" not in rules


def test_a_missing_plugin_stops_start_up_with_its_name():
    with pytest.raises(PluginLoadError, match="'casino'"):
        discover(["hotel", "casino"])


def test_a_broken_plugin_stops_start_up_with_its_name_and_reason(monkeypatch):
    from importlib.metadata import EntryPoint
    bad = EntryPoint(name="broken", value="tests.core.no_such_module:plugin", group="vip.domains")
    monkeypatch.setattr("core.plugins.entry_points", lambda group: [bad])
    with pytest.raises(PluginLoadError, match=r"'broken' failed to load: ModuleNotFoundError"):
        discover()


def test_plugin_tables_must_carry_the_domain_prefix():
    hotel = discover(["hotel"])["hotel"]
    check_table_namespace(hotel, [("hotel_reception", "domains.hotel.models")])
    with pytest.raises(PluginLoadError, match="hotel_"):
        check_table_namespace(hotel, [("reception", "domains.hotel.models")])


def test_core_never_imports_a_domain():
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        for line in path.read_text().splitlines():
            if re.match(r"\s*(from|import)\s+domains\b", line):
                offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert offenders == []


def test_disabled_domain_answers_404(client, world):
    from tests.conftest import login
    t = world.tenant("only-hotel", domains=["hotel"])
    world.staff(t, "gm@only.test", role="admin")
    login(client, "gm@only.test")
    assert client.get("/t/only-hotel/hotel/").status_code == 200
    for key in ("retail", "bank", "postal"):
        assert client.get(f"/t/only-hotel/{key}/").status_code == 404


def test_signal_handlers_are_connected():
    from core import signals
    from core.plugins import connect_signals
    received = []

    def on_member(sender, **kw):
        received.append(sender)

    connect_signals(DomainPlugin(key="zz", name="zz", signal_handlers={"member_created": on_member}))
    try:
        signals.member_created.send("member-1")
    finally:
        signals.member_created.disconnect(on_member)
    assert received == ["member-1"]
    with pytest.raises(PluginLoadError, match="no core signal named 'member_deleted'"):
        connect_signals(DomainPlugin(key="zz", name="zz", signal_handlers={"member_deleted": on_member}))
