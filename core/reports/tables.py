"""A report's numbers as tables: one source for the table on the page, its chart and its CSV.

The table is the truth. A chart names which of a table's columns it draws, and its data is read
from the very same rows, so the page's chart, the table beside it and the CSV download cannot
disagree. Display text follows the active language and the tenant's currency (Babel, through
Flask-Babel): 123456 fen is "¥1,234.56" in Chinese and "CN¥1,234.56" in English; a CSV carries
plain numbers (yuan with two decimals, the currency code in the column's heading) for Excel.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel.dates import format_skeleton
from flask import Response
from flask_babel import (format_currency, format_date, format_datetime, format_decimal, format_percent, get_locale,
                         get_timezone)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

TEXT, INT, MONEY, SHARE, DATE, DATETIME, MONTH, BOOL = (
    "text", "int", "money", "share", "date", "datetime", "month", "bool")
NUMERIC = (INT, MONEY, SHARE)


@dataclass
class Column:
    key: str
    label: object           # a lazy string: rendered in the reader's language
    kind: str = TEXT
    labels: dict | None = None  # code -> lazy label, for columns holding codes (status, bucket …)


@dataclass
class Chart:
    """Which columns of a table a chart draws: ``label`` names the x axis, ``series`` the values."""

    id: str
    kind: str               # bar | line
    label: str
    series: list[str]
    title: object = ""
    stacked: bool = False
    horizontal: bool = False


@dataclass
class Table:
    id: str
    caption: object
    columns: list[Column]
    rows: Iterable[dict]
    chart: Chart | None = None
    note: object = ""
    extra: dict = field(default_factory=dict)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


# ---- cell values, three ways ------------------------------------------------------------------------

def display(value, column: Column, currency: str) -> str:
    """The cell as people read it, in the active language."""
    if column.labels is not None and value in column.labels:
        return str(column.labels[value])
    if value is None:
        return "—"
    kind = column.kind
    if kind == INT:
        return format_decimal(value)
    if kind == MONEY:
        return format_currency(Decimal(value) / 100, currency)
    if kind == SHARE:
        return format_percent(value, "#,##0.0%")
    if kind == MONTH:
        return format_skeleton("yMMM", _month_date(value), locale=get_locale())
    if kind == DATE:
        return format_date(value, "medium")
    if kind == DATETIME:
        return format_datetime(value, "short")
    if kind == BOOL:
        return _("Yes") if value else _("No")
    return str(value)


def plain(value, column: Column) -> str:
    """The cell in a CSV: numbers without grouping, money in yuan, shares in percent, times in the
    tenant's zone; text that a spreadsheet would run as a formula is defused with a quote."""
    if column.labels is not None and value in column.labels:
        return str(column.labels[value])
    if value is None:
        return ""
    kind = column.kind
    if kind == MONEY:
        return f"{Decimal(value) / 100:.2f}"
    if kind == SHARE:
        return f"{Decimal(str(value)) * 100:.1f}"
    if kind == INT:
        return str(int(value))
    if kind == MONTH:
        return str(value)
    if kind == DATE:
        return value.isoformat()
    if kind == DATETIME:
        return value.astimezone(get_timezone()).strftime("%Y-%m-%d %H:%M")
    if kind == BOOL:
        return _("Yes") if value else _("No")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def number(value, column: Column):
    """The cell as the chart draws it: yuan for money, percent for shares."""
    if value is None:
        return None
    if column.kind == MONEY:
        return float(Decimal(value) / 100)
    if column.kind == SHARE:
        return round(float(value) * 100, 2)
    return value


def _month_date(value) -> date:
    if isinstance(value, date):
        return value
    year, month = str(value).split("-")
    return date(int(year), int(month), 1)


def heading(column: Column, currency: str) -> str:
    if column.kind == MONEY:
        return f"{column.label} ({currency})"
    if column.kind == SHARE:
        return f"{column.label} (%)"
    return str(column.label)


# ---- what the page, the chart and the CSV get ---------------------------------------------------------

def rendered(table: Table, currency: str) -> dict:
    """The table for the template: headings and display text (numbers aligned right), and the
    chart's JSON built from the same rows."""
    rows = list(table.rows)
    table.rows = rows
    out = {"id": table.id, "caption": table.caption, "note": table.note,
           "columns": [{"label": heading(c, currency) if c.kind in (MONEY, SHARE) else str(c.label),
                        "numeric": c.kind in NUMERIC} for c in table.columns],
           "rows": [[{"text": display(r.get(c.key), c, currency), "numeric": c.kind in NUMERIC}
                     for c in table.columns] for r in rows],
           "chart": None}
    if table.chart is not None:
        out["chart"] = chart_data(table, rows, currency)
    return out


ALL = "__all__"  # the label of a table's total row: in the table, not drawn as one more bar


def chart_data(table: Table, rows: list[dict], currency: str) -> dict:
    chart = table.chart
    rows = [r for r in rows if r.get(chart.label) != ALL]
    label_col = table.column(chart.label)
    kinds = {table.column(k).kind for k in chart.series}
    unit = "money" if MONEY in kinds else "percent" if SHARE in kinds else "count"
    return {"id": chart.id, "type": chart.kind, "stacked": chart.stacked, "horizontal": chart.horizontal,
            "title": str(chart.title or table.caption), "unit": unit, "currency": currency,
            "locale": "zh-CN" if get_locale() is not None and get_locale().language == "zh" else "en",
            "labels": [display(r.get(chart.label), label_col, currency) for r in rows],
            "datasets": [{"label": str(table.column(k).label),
                          "data": [number(r.get(k), table.column(k)) for r in rows]} for k in chart.series]}


def csv_response(filename: str, tables: list[Table], currency: str) -> Response:
    """The report's tables as one CSV file: UTF-8 with a byte-order mark, so Excel reads Chinese
    names right; each table under its caption, a blank line between."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    for i, table in enumerate(tables):
        if i:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([str(table.caption)])
        writer.writerow([heading(c, currency) for c in table.columns])
        for r in table.rows:
            writer.writerow([plain(r.get(c.key), c) for c in table.columns])
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Content-Type": "text/csv; charset=utf-8"})


# ---- the reports' tables ---------------------------------------------------------------------------

STATUS_LABELS = {"stayed": _l("Stayed"), "entered": _l("Entered"), "left": _l("Left")}
TRACKING_LABELS = {"up": _l("Stayed, moved up"), "down": _l("Stayed, moved down"), "same": _l("Stayed, same rank"),
                   "entered": _l("Entered"), "left": _l("Left")}
DORMANT_LABELS = {"never": _l("Never bought"), "under_1y": _l("Last bought under a year ago"),
                  "1_2y": _l("Last bought 1–2 years ago"), "over_2y": _l("Last bought over 2 years ago")}
REQUEST_STATUS = {"open": _l("Open"), "in_progress": _l("In progress")}
CHANNELS = {"call": _l("Call"), "sms": _l("SMS"), "email": _l("E-mail"), "wechat": _l("WeChat"),
            "phone": _l("Phone"), "counter": _l("Counter"), "hotline": _l("Hotline"), "online": _l("Online"),
            "visit": _l("Visit")}


def _tier_column(names: dict) -> Column:
    return Column("tier_key", _l("Tier"), labels=names)


def tier_distribution(rows: list[dict], names: dict, order: list) -> Table:
    keys = [k for k in order if any(k in r["counts"] for r in rows)]
    keys += [k for r in rows for k in r["counts"] if k not in keys]
    columns = [Column("month", _l("Month"), MONTH)]
    columns += [Column(f"tier:{k}", names.get(k, k), INT) for k in keys]
    columns.append(Column("total", _l("Members with a tier"), INT))
    flat = [{"month": r["month"], "total": r["total"], **{f"tier:{k}": r["counts"].get(k, 0) for k in keys}}
            for r in rows]
    return Table("tiers", _l("Members by tier at each month end"), columns, flat,
                 Chart("tiers-chart", "bar", "month", [f"tier:{k}" for k in keys], stacked=True))


def vip_share(rows: list[dict]) -> Table:
    columns = [Column("month", _l("Month"), MONTH), Column("vip_fen", _l("VIP sales"), MONEY),
               Column("other_fen", _l("Other sales"), MONEY), Column("total_fen", _l("All sales"), MONEY),
               Column("vip_share", _l("VIP share"), SHARE)]
    return Table("vip-share", _l("Paid sales by VIPs and by others, per month"), columns, rows,
                 Chart("vip-share-chart", "bar", "month", ["vip_fen", "other_fen"], stacked=True))


def pareto(result: dict) -> Table:
    columns = [Column("rank", _l("Members, biggest spenders first"), INT),
               Column("member_share", _l("Share of members"), SHARE),
               Column("sales_share", _l("Share of their sales"), SHARE)]
    return Table("pareto", _l("The 80/20 curve"), columns, result["points"],
                 Chart("pareto-chart", "line", "member_share", ["sales_share"]))


def top_members(rows: list[dict], names: dict) -> Table:
    columns = [Column("rank", _l("Rank"), INT), Column("member_no", _l("Member number")),
               Column("name", _l("Name")), _tier_column(names), Column("purchases", _l("Purchases"), INT),
               Column("spend_fen", _l("Paid"), MONEY)]
    return Table("top", _l("Top members by paid spend"), columns, rows,
                 Chart("top-chart", "bar", "name", ["spend_fen"], horizontal=True))


def tracking_summary(summary: dict) -> Table:
    rows = [{"status": k, "members": v} for k, v in summary.items()]
    columns = [Column("status", _l("Movement"), labels=TRACKING_LABELS), Column("members", _l("Members"), INT)]
    return Table("tracking-summary", _l("Who stayed, entered and left"), columns, rows,
                 Chart("tracking-chart", "bar", "status", ["members"]))


def tracking(rows: list[dict], names: dict) -> Table:
    columns = [Column("rank", _l("Rank"), INT), Column("previous_rank", _l("Previous rank"), INT),
               Column("movement", _l("Places moved up"), INT),
               Column("status", _l("Status"), labels=STATUS_LABELS), Column("member_no", _l("Member number")),
               Column("name", _l("Name")), _tier_column(names), Column("spend_fen", _l("Paid"), MONEY),
               Column("previous_spend_fen", _l("Paid in the previous period"), MONEY)]
    return Table("tracking", _l("Members in either top list"), columns, rows)


def dormant_summary(rows: list[dict], names: dict) -> Table:
    total = {"tier_key": ALL, **{k: sum(r[k] for r in rows) for k in (*DORMANT_LABELS, "total")}}
    columns = [Column("tier_key", _l("Tier"), labels={**names, ALL: _l("All tiers")})]
    columns += [Column(k, label, INT) for k, label in DORMANT_LABELS.items()]
    columns.append(Column("total", _l("Dormant members"), INT))
    return Table("dormant-summary", _l("Dormant members by tier and last purchase"), columns,
                 [*rows, total] if rows else [],
                 Chart("dormant-chart", "bar", "tier_key", list(DORMANT_LABELS), stacked=True))


def dormant_list(rows, names: dict) -> Table:
    columns = [Column("member_no", _l("Member number")), Column("name", _l("Name")), _tier_column(names),
               Column("last_purchase_at", _l("Last purchase"), DATETIME),
               Column("phone_masked", _l("Phone")), Column("contact_channel", _l("Preferred contact"), labels=CHANNELS),
               Column("promotions_consent", _l("Accepts promotions"), BOOL)]
    return Table("dormant", _l("Dormant members, longest gone first"), columns, rows)


def liability_by_tier(result: dict, names: dict) -> Table:
    rows = list(result["by_tier"])
    if rows:
        rows.append({"tier_key": ALL, "members": result["members"], "points": result["total_points"],
                     "expiring": result["expiring_next"]})
    columns = [Column("tier_key", _l("Tier"), labels={**names, ALL: _l("All tiers")}),
               Column("members", _l("Members with points"), INT), Column("points", _l("Outstanding points"), INT),
               Column("expiring", _l("Expiring at the next expiry date"), INT)]
    return Table("liability", _l("Outstanding points by tier"), columns, rows,
                 Chart("liability-chart", "bar", "tier_key", ["points", "expiring"]))


def liability_history(result: dict) -> Table:
    columns = [Column("month", _l("Month"), MONTH), Column("points", _l("Outstanding points at month end"), INT)]
    return Table("liability-history", _l("Outstanding points over time"), columns, result["history"],
                 Chart("liability-history-chart", "line", "month", ["points"]))


def expiry_schedule(result: dict) -> Table:
    columns = [Column("month", _l("Month"), MONTH), Column("points", _l("Points expiring"), INT)]
    return Table("expiry", _l("Points expiring in each coming month"), columns, result["schedule"],
                 Chart("expiry-chart", "bar", "month", ["points"]),
                 note=_l("Assumes no one earns or spends points meanwhile."))


def birthday_counts(rows: list[dict]) -> Table:
    columns = [Column("date", _l("Date"), DATE), Column("members", _l("Birthdays"), INT)]
    return Table("birthday-days", _l("Birthdays per day"), columns, rows,
                 Chart("birthday-chart", "bar", "date", ["members"]))


def birthday_list(rows: list[dict], names: dict) -> Table:
    columns = [Column("date", _l("Date"), DATE), Column("age", _l("Turns"), INT),
               Column("member_no", _l("Member number")), Column("name", _l("Name")), _tier_column(names),
               Column("phone_masked", _l("Phone")), Column("contact_channel", _l("Preferred contact"), labels=CHANNELS)]
    return Table("birthdays", _l("Members with a birthday"), columns, rows)


def follow_up_days(summary: dict) -> Table:
    rows = [{**d, "label": d["day"] or "__earlier__"} for d in summary["days"]]
    columns = [Column("label", _l("Due"), DATE, labels={"__earlier__": _l("Before today")}),
               Column("open", _l("Open"), INT), Column("in_progress", _l("In progress"), INT),
               Column("total", _l("Total"), INT)]
    return Table("follow-up-days", _l("Follow-up calls by the day they are due"), columns, rows,
                 Chart("follow-up-chart", "bar", "label", ["open", "in_progress"], stacked=True))


def follow_up_list(rows) -> Table:
    columns = [Column("due_at", _l("Due"), DATETIME), Column("overdue", _l("Overdue"), BOOL),
               Column("request_no", _l("Request")), Column("subject", _l("Subject")),
               Column("status", _l("Status"), labels=REQUEST_STATUS), Column("member_no", _l("Member number")),
               Column("name", _l("Name")), Column("channel", _l("Channel"), labels=CHANNELS),
               Column("assignee", _l("Assigned to"))]
    return Table("follow-ups", _l("Follow-up calls to make"), columns, rows)
