"""The application factory: settings, extensions, core features, then the domain plugins."""
import logging

from flask import Flask, g, has_request_context, request, session
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from config import load as load_config
from core import plugins
from core.extensions import babel, csrf, db, limiter, login_manager, migrate


class BoundedInt(IntegerConverter):
    """Ids in URLs fit the database's integer column; larger numbers simply match no route."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def select_locale():
    if not has_request_context():  # jobs and CLI: the default language
        return None
    chosen = session.get("locale")
    if chosen:
        return chosen
    if current_user.is_authenticated and current_user.locale:
        return current_user.locale
    tenant = g.get("tenant") or g.get("public_tenant")  # a domain's public page speaks its tenant's language
    if tenant is not None:
        return tenant.default_locale
    match = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    if match:
        return "en" if match == "en" else "zh_CN"
    return None


def select_timezone():
    tenant = g.get("tenant") if has_request_context() else None
    return tenant.timezone if tenant is not None else None


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                static_folder="web/static", template_folder="web/templates")
    app.config.update(load_config(test_config))
    app.url_map.converters["int"] = BoundedInt  # before any route is added
    logging.basicConfig(level=app.config["LOG_LEVEL"])

    # Models first, so metadata is complete for Alembic and the listeners see every table.
    from core import models_registry  # noqa: F401

    db.init_app(app)
    with app.app_context():
        _sqlite_transactions(db.engine)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)

    from core.api import api
    from core.api.base import guard_request_body, raise_upload_limit
    api.init_app(app)
    app.url_value_preprocessor(raise_upload_limit)  # before the tenant's and CSRF: both may read the body
    app.before_request(guard_request_body)

    from core.tenancy import web as tenancy_web
    tenancy_web.init_app(app)

    from core.web import init_app as init_web
    init_web(app)

    from core.identity import views as identity_views, api as identity_api
    from core.tenancy import views as tenancy_views, api as tenancy_api
    from core.audit import views as audit_views, api as audit_api
    from core.platform import views as platform_views
    app.register_blueprint(identity_views.auth)
    app.register_blueprint(identity_views.staff)
    app.register_blueprint(tenancy_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(platform_views.bp)
    from core.tiers import views as tiers_views
    app.register_blueprint(tiers_views.bp)
    from core.approvals import api as approvals_api, views as approvals_views
    from core.tasks import api as tasks_api, views as tasks_views
    app.register_blueprint(approvals_views.bp)
    app.register_blueprint(tasks_views.bp)
    api.register_blueprint(approvals_api.blp, url_prefix="/api/v1/t/<tenant>")
    api.register_blueprint(tasks_api.blp, url_prefix="/api/v1/t/<tenant>")
    from core.segments import api as segments_api, views as segments_views
    app.register_blueprint(segments_views.bp)
    api.register_blueprint(segments_api.blp, url_prefix="/api/v1/t/<tenant>")
    api.register_blueprint(tenancy_api.blp, url_prefix="/api/v1/t/<tenant>")
    api.register_blueprint(identity_api.blp, url_prefix="/api/v1/t/<tenant>")
    api.register_blueprint(audit_api.blp, url_prefix="/api/v1/t/<tenant>")
    from core.imports import api as imports_api, views as imports_views
    from core.members import api as members_api
    from core.points import api as points_api
    from core.purchases import api as purchases_api
    from core.service import api as service_api
    from core.tiers import api as tiers_api
    for feature in (members_api, points_api, tiers_api, purchases_api, service_api):
        api.register_blueprint(feature.blp, url_prefix="/api/v1/t/<tenant>")
    api.register_blueprint(imports_api.blp, url_prefix="/api/v1/t/<tenant>")
    app.register_blueprint(imports_views.bp)
    from core.portfolios import api as portfolios_api, views as portfolios_views
    app.register_blueprint(portfolios_views.bp)
    api.register_blueprint(portfolios_api.blp, url_prefix="/api/v1/t/<tenant>")
    from core.reports import api as reports_api, views as reports_views
    app.register_blueprint(reports_views.bp)
    api.register_blueprint(reports_api.blp, url_prefix="/api/v1/t/<tenant>")

    from core import billing
    billing.init_app(app)  # after the tenant's resolution: its read-only lock needs g.tenant

    # Domains load last (as in CTFd and Indico): they may only build on what core has set up.
    plugins.init_app(app, api)
    with app.app_context():
        _check_plugin_tables(app)

    from core import cli
    cli.init_app(app)
    return app


def _sqlite_transactions(engine):
    """SQLAlchemy's documented pysqlite recipe: the driver's own transaction handling skips
    statements it does not recognise as writes (a ``WITH … INSERT`` autocommitted), so SQLAlchemy
    begins every transaction itself. ``BEGIN IMMEDIATE`` takes the write lock up front: concurrent
    writers queue (busy timeout) instead of failing with "database is locked"."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute("PRAGMA busy_timeout = 10000")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _migrations_dir():
    from config import ROOT
    return ROOT / "migrations"


def _check_plugin_tables(app):
    tables = [(m.local_table.name, m.class_.__module__) for m in db.Model.registry.mappers]
    for plugin in plugins.registry(app).values():
        plugins.check_table_namespace(plugin, tables)
