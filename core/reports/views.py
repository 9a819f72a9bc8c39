"""Report pages (报表) for managers: a chart, the table of the same numbers, a CSV download.

Each page reads its selectors from the query string, calls the report's service function with the
tenant's time zone, and renders the tables of :mod:`core.reports.tables`. ``<report>.csv`` is the
same report as a file. A bad selector answers 400 with the message beside its field.
"""
from __future__ import annotations

from dateutil.relativedelta import relativedelta
from flask import Blueprint, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from core.identity.permissions import requires
from core.models import utcnow
from core.reports import forms, services, tables
from core.reports.tables import rendered

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/t/<tenant>/admin/reports")

# (endpoint, title, what it shows) for the index page, in the order managers read them
REPORTS = [
    ("reports.tier_distribution", _l("Tier distribution over time"),
     _l("How many members held each tier at each month end.")),
    ("reports.vip_share", _l("VIP share of sales and the 80/20 curve"),
     _l("Sales by VIPs and by others per month; the 80/20 curve of members against sales.")),
    ("reports.top_members", _l("Monthly top members by spend"),
     _l("The month's ten biggest spenders, for the monthly marketing meeting.")),
    ("reports.top_tracking", _l("Top-500 tracking"),
     _l("This period's top 500 against the previous period's: who entered, who left, who moved.")),
    ("reports.dormant", _l("Dormant cards"), _l("Card holders who have bought nothing for months.")),
    ("reports.points_liability", _l("Points liability"),
     _l("Points owed to members, by tier and over time, and what expires next.")),
    ("reports.birthdays", _l("Birthdays this week"), _l("Members whose birthday falls in the coming 7 days.")),
    ("reports.follow_ups", _l("Follow-ups due"), _l("Follow-up calls still to make, by the day they are due.")),
]
PAGE_SIZE = 50
CSV = "_csv"  # the endpoint suffix of a report's CSV address


def _tz():
    from zoneinfo import ZoneInfo
    return ZoneInfo(g.tenant.timezone)


def _scheme():
    from core.tiers.services import live_scheme, scheme_of
    row = live_scheme()
    return scheme_of(row) if row is not None else None


def tier_names() -> tuple[dict, list]:
    """Tier key -> name in the reader's language (the live scheme's names; other keys as they are),
    and the live scheme's order, lowest first."""
    from core.web import current_locale_code
    scheme = _scheme()
    english = current_locale_code() == "en"
    names: dict = {None: _l("No tier")}
    order: list = []
    if scheme is not None:
        for t in scheme.tiers:
            names[t.key] = (t.name_en or t.name) if english else t.name
            order.append(t.key)
    return names, order


def _invalid(template: str, form, **context):
    return render_template(template, form=form, invalid=True, **context), 400


def _refused(e: services.ReportError, form, template: str):
    field = getattr(form, e.field, None)
    if field is not None:
        field.errors = [*field.errors, e.message]
    return _invalid(template, form)


def _as_csv() -> bool:
    return request.endpoint.endswith(CSV)


def _page(template: str, form, build, filename: str):
    """Validate the selectors, build the report's tables (``build`` calls the service), then show
    them or send them as CSV (the ``….csv`` address of the same report)."""
    if not form.validate():
        return _invalid(template, form)
    try:
        built, context = build()
    except services.ReportError as e:
        return _refused(e, form, template)
    currency = g.tenant.currency
    if _as_csv():
        return tables.csv_response(filename, built, currency)
    args = selected(form)
    return render_template(template, form=form, tables=[rendered(t, currency) for t in built], args=args,
                           csv_url=url_for(request.endpoint + CSV, **args), **context)


def selected(form) -> dict:
    """The selectors as given (for the CSV link and the pager): the form's own fields only."""
    return {f.name: f.raw_data[0] for f in form if f.raw_data and f.name != "page"}


def _default_month(form, month):
    """Show the month a report uses when none was asked for."""
    if not form.month.raw_data:
        form.month.data = month
    return form.month.data or month


def _routes(path: str):
    """The page at ``path`` and the same report as a file at ``path.csv`` (endpoint ``…_csv``)."""
    def deco(fn):
        view = requires("manager")(fn)
        bp.add_url_rule(path, endpoint=fn.__name__, view_func=view, methods=["GET"])
        bp.add_url_rule(path + ".csv", endpoint=fn.__name__ + CSV, view_func=view, methods=["GET"])
        return view
    return deco


@bp.get("/")
@requires("manager")
def index():
    return render_template("reports/index.html", reports=REPORTS)


@_routes("/tier-distribution")
def tier_distribution():
    form = forms.MonthsForm()
    now, tz = utcnow(), _tz()

    month = _default_month(form, services.current_month(now, tz))

    def build():
        rows = services.tier_distribution(tz, month, form.value("months"), as_of=now)
        names, order = tier_names()
        return [tables.tier_distribution(rows, names, order)], {"month": month}

    return _page("reports/tier_distribution.html", form, build,
                 f"tier-distribution-{month:%Y-%m}.csv")


@_routes("/vip-share")
def vip_share():
    form = forms.MonthsForm()
    now, tz = utcnow(), _tz()

    month = _default_month(form, services.current_month(now, tz))

    def build():
        scheme = _scheme()
        entry = scheme.entry_tier.key if scheme is not None and scheme.entry_tier is not None else None
        months = form.value("months")
        share = services.vip_sales_share(tz, month, months, entry_tier=entry)
        curve = services.pareto(tz, month, months)
        return [tables.vip_share(share), tables.pareto(curve)], {"pareto": curve, "entry_tier": entry}

    return _page("reports/vip_share.html", form, build, f"vip-share-{month:%Y-%m}.csv")


@_routes("/top-members")
def top_members():
    form = forms.TopMembersForm()
    now, tz = utcnow(), _tz()
    # last month by default: the monthly marketing meeting reviews the month just ended
    month = _default_month(form, services.current_month(now, tz) - relativedelta(months=1))

    def build():
        rows = services.top_members(tz, month, form.value("limit"))
        names, _order = tier_names()
        return [tables.top_members(rows, names)], {"month": month}

    return _page("reports/top_members.html", form, build, f"top-members-{month:%Y-%m}.csv")


@_routes("/top-tracking")
def top_tracking():
    form = forms.TrackingForm()
    now, tz = utcnow(), _tz()

    month = _default_month(form, services.current_month(now, tz))

    def build():
        result = services.top_tracking(tz, month, form.value("months"), form.value("size"))
        names, _order = tier_names()
        summary = services.tracking_summary(result["rows"])
        return [tables.tracking_summary(summary), tables.tracking(result["rows"], names)], {"result": result}

    return _page("reports/top_tracking.html", form, build, f"top-tracking-{month:%Y-%m}.csv")


@_routes("/dormant")
def dormant():
    form = forms.DormantForm()
    now, tz = utcnow(), _tz()

    def build():
        months, page = form.value("months"), form.value("page")
        names, _order = tier_names()
        summary = services.dormant_summary(tz, now, months)
        total = sum(r["total"] for r in summary)
        if _as_csv():
            members = services.dormant_members(tz, now, months, limit=None)
        else:
            members = services.dormant_members(tz, now, months, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        paging = services.count_rows(total, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        return ([tables.dormant_summary(summary, names), tables.dormant_list(members, names)],
                {"paging": paging, "page": page, "cutoff": services.dormant_cutoff(now, months, tz)})

    return _page("reports/dormant.html", form, build, f"dormant-{now.astimezone(tz):%Y-%m-%d}.csv")


@_routes("/points-liability")
def points_liability():
    form = forms.LiabilityForm()
    now, tz = utcnow(), _tz()

    def build():
        scheme = _scheme()
        kind = scheme.policies.points_expiry.kind if scheme is not None else "never"
        result = services.points_liability(tz, now, kind, form.value("months"))
        names, _order = tier_names()
        built = [tables.liability_by_tier(result, names), tables.liability_history(result)]
        if result["next_expiry"] is not None:
            built.append(tables.expiry_schedule(result))
        return built, {"result": result}

    return _page("reports/points_liability.html", form, build,
                 f"points-liability-{now.astimezone(tz):%Y-%m-%d}.csv")


@_routes("/birthdays")
def birthdays():
    form = forms.BirthdaysForm()
    now, tz = utcnow(), _tz()

    def build():
        days = form.value("days")
        rows = services.birthdays(tz, now, days)
        names, _order = tier_names()
        counts = services.birthday_counts(rows, tz, now, days)
        return [tables.birthday_counts(counts), tables.birthday_list(rows, names)], {"days": days}

    return _page("reports/birthdays.html", form, build, f"birthdays-{now.astimezone(tz):%Y-%m-%d}.csv")


@_routes("/follow-ups")
def follow_ups():
    form = forms.FollowUpsForm()
    now, tz = utcnow(), _tz()

    def build():
        days, page = form.value("days"), form.value("page")
        summary = services.follow_ups_summary(tz, now, days)
        if _as_csv():
            rows = services.follow_ups_due(tz, now, days, limit=None)
        else:
            rows = services.follow_ups_due(tz, now, days, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        paging = services.count_rows(summary["total"], (page - 1) * PAGE_SIZE, PAGE_SIZE)
        return ([tables.follow_up_days(summary), tables.follow_up_list(rows)],
                {"summary": summary, "paging": paging, "page": page})

    return _page("reports/follow_ups.html", form, build, f"follow-ups-{now.astimezone(tz):%Y-%m-%d}.csv")



@bp.app_template_filter("report_int")
def _report_int(value):
    from flask_babel import format_decimal
    return "—" if value is None else format_decimal(value)


@bp.app_template_filter("report_percent")
def _report_percent(value):
    from flask_babel import format_percent
    return "—" if value is None else format_percent(value, "#,##0.0%")


@bp.app_template_filter("report_date")
def _report_date(value):
    """A date, or an instant shown as the tenant's local date (a month start is that day, 00:00)."""
    from datetime import datetime

    from flask_babel import format_date
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(_tz()).date()
    return format_date(value, "medium")
