"""The domain-plugin contract and registry.

A domain (hotel, retail, bank, postal) is an installed package that exposes one object,
``plugin = DomainPlugin(...)``, under the ``vip.domains`` entry-point group. Core finds plugins by
entry point, never by importing a domain by name; a plugin that fails to load stops start-up with
its name and the reason. Each plugin's web blueprint is mounted at ``/t/<tenant>/<key>`` and its API
blueprint at ``/api/v1/t/<tenant>/<key>``; a tenant that has not enabled the domain gets 404 there.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Callable

from flask import Blueprint

from core import signals

ENTRY_POINT_GROUP = "vip.domains"
log = logging.getLogger("vip.plugins")


class PluginLoadError(RuntimeError):
    pass


@dataclass(frozen=True)
class NavItem:
    endpoint: str        # e.g. "hotel.landing"
    label: object        # a lazy_gettext string
    role: str = "staff"  # least role that sees the entry


@dataclass
class DomainPlugin:
    """What a domain brings: blueprints, navigation, staff positions, signal handlers, a demo."""

    key: str
    name: object  # lazy_gettext
    web: Blueprint | None = None
    api: object | None = None  # a flask_smorest.Blueprint
    nav: list[NavItem] = field(default_factory=list)
    positions: dict[str, object] = field(default_factory=dict)  # short key -> lazy label
    signal_handlers: dict[str, Callable] = field(default_factory=dict)
    seed_demo: Callable | None = None  # seed_demo(tenant) inside tenant_context
    # Pages for people who are not staff (a member's own registration link), mounted at /<key>/;
    # each resolves its tenant itself from what the link carries.
    public: Blueprint | None = None
    description: object = ""
    # Periodic jobs, as in core.jobs.cron: (dotted job name, seconds between runs). Each job runs for
    # every tenant itself and skips tenants that have not enabled the domain.
    periodic: list[tuple[str, int]] = field(default_factory=list)

    def position_keys(self) -> list[str]:
        """Positions are namespaced by domain: ``hotel.gm``, ``bank.teller``."""
        return [f"{self.key}.{p}" for p in self.positions]


def discover(only: list[str] | None = None) -> dict[str, DomainPlugin]:
    """Load the installed plugins (all, or the keys in ``only``), in key order."""
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    wanted = sorted(found) if not only else only
    plugins: dict[str, DomainPlugin] = {}
    for key in wanted:
        ep = found.get(key)
        if ep is None:
            raise PluginLoadError(f"domain plugin {key!r}: not installed "
                                  f"(no {ENTRY_POINT_GROUP} entry point; installed: {sorted(found)})")
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginLoadError(f"domain plugin {key!r} failed to load: {exc!r}") from exc
        if not isinstance(plugin, DomainPlugin) or plugin.key != key:
            raise PluginLoadError(f"domain plugin {key!r}: {ep.value} is not DomainPlugin(key={key!r})")
        plugins[key] = plugin
    return plugins


def check_table_namespace(plugin: DomainPlugin, metadata_tables) -> None:
    """Refuse plugin tables outside the plugin's own prefix (``hotel_...``): isolation is checked."""
    module_prefix = plugin.web.import_name.rsplit(".", 1)[0] if plugin.web else None
    for table, module in metadata_tables:
        if module_prefix and module.startswith(module_prefix + ".") and not table.startswith(plugin.key + "_"):
            raise PluginLoadError(f"domain plugin {plugin.key!r}: table {table!r} "
                                  f"must be named {plugin.key}_...")


def init_app(app, api) -> dict[str, DomainPlugin]:
    only = [k.strip() for k in (app.config.get("VIP_DOMAINS") or "").split(",") if k.strip()]
    plugins = discover(only or None)
    app.extensions["vip_plugins"] = plugins
    blueprint_owner: dict[str, str] = {}
    for key, plugin in plugins.items():
        if plugin.web is not None:
            app.register_blueprint(plugin.web, url_prefix=f"/t/<tenant>/{key}")
            blueprint_owner[plugin.web.name] = key
        if plugin.public is not None:
            app.register_blueprint(plugin.public, url_prefix=f"/{key}")
        if plugin.api is not None:
            api.register_blueprint(plugin.api, url_prefix=f"/api/v1/t/<tenant>/{key}")
            blueprint_owner[plugin.api.name] = key
        connect_signals(plugin)
        log.info("domain plugin loaded: %s", key)
    app.extensions["vip_blueprint_domain"] = blueprint_owner
    return plugins


def connect_signals(plugin: DomainPlugin) -> None:
    """Connect the plugin's handlers to core's signals; an unknown signal name stops start-up."""
    for signal_name, handler in plugin.signal_handlers.items():
        signal = getattr(signals, signal_name, None)
        if signal is None:
            raise PluginLoadError(f"domain plugin {plugin.key!r}: no core signal named {signal_name!r}")
        signal.connect(handler, weak=False)


def registry(app) -> dict[str, DomainPlugin]:
    return app.extensions.get("vip_plugins", {})


def domain_of_blueprint(app, blueprint: str | None) -> str | None:
    if not blueprint:
        return None
    owners = app.extensions.get("vip_blueprint_domain", {})
    # nested blueprints are named "parent.child"
    return owners.get(blueprint) or owners.get(blueprint.split(".")[0])


def all_positions(app) -> dict[str, object]:
    """Every position any loaded plugin declares, as ``{"hotel.gm": label}``."""
    out = {}
    for plugin in registry(app).values():
        for short, label in plugin.positions.items():
            out[f"{plugin.key}.{short}"] = label
    return out
