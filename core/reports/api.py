"""The reports as JSON (``/api/v1/t/<tenant>/reports/...``), for managers and their systems.

The same service functions as the pages, the raw numbers: integer fen, UTC instants, months in
the tenant's time zone (named in each answer with the currency)."""
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask import g

from core.api import api_blueprint
from core.identity.permissions import requires
from core.models import utcnow
from core.reports import schemas, services

blp = api_blueprint("reports_api", __name__, description="Reports (报表): tiers over time, VIP share and the "
                                                          "80/20 curve, top members, dormant cards, points "
                                                          "liability, birthdays, follow-ups due")


def _frame() -> tuple[ZoneInfo, dict]:
    return ZoneInfo(g.tenant.timezone), {"timezone": g.tenant.timezone, "currency": g.tenant.currency}


def _scheme():
    from core.tiers.services import live_scheme, scheme_of
    row = live_scheme()
    return scheme_of(row) if row is not None else None


@blp.route("/reports/tier-distribution", methods=["GET"])
@requires("manager")
@blp.arguments(schemas.ReportMonthsArgsSchema, location="query")
@blp.response(200, schemas.ReportTierDistributionSchema)
def tier_distribution(args):
    """Members holding each tier at each month end (the current month: now), from the tier history."""
    tz, frame = _frame()
    now = utcnow()
    month = args.get("month") or services.current_month(now, tz)
    scheme = _scheme()
    return {**frame, "tiers": list(scheme.tiers) if scheme else [],
            "months": services.tier_distribution(tz, month, args["months"], as_of=now)}


@blp.route("/reports/vip-share", methods=["GET"])
@requires("manager")
@blp.arguments(schemas.ReportMonthsArgsSchema, location="query")
@blp.response(200, schemas.ReportVipShareSchema)
def vip_share(args):
    """Paid sales per month by VIPs and by others, and the 80/20 curve over the same months (二八定律)."""
    tz, frame = _frame()
    month = args.get("month") or services.current_month(utcnow(), tz)
    scheme = _scheme()
    entry = scheme.entry_tier.key if scheme is not None and scheme.entry_tier is not None else None
    return {**frame, "entry_tier": entry,
            "months": services.vip_sales_share(tz, month, args["months"], entry_tier=entry),
            "pareto": services.pareto(tz, month, args["months"])}


@blp.route("/reports/top-members", methods=["GET"])
@requires("manager")
@blp.arguments(schemas.ReportTopMembersArgsSchema, location="query")
@blp.response(200, schemas.ReportTopMembersSchema)
def top_members(args):
    """The month's top members by paid spend (消费前十名, 001 星级酒店 §四.10)."""
    tz, frame = _frame()
    month = args.get("month") or services.current_month(utcnow(), tz) - relativedelta(months=1)
    return {**frame, "month": month.strftime("%Y-%m"), "members": services.top_members(tz, month, args["limit"])}


@blp.route("/reports/top-tracking", methods=["GET"])
@requires("manager")
@blp.arguments(schemas.ReportTrackingArgsSchema, location="query")
@blp.response(200, schemas.ReportTrackingSchema)
def top_tracking(args):
    """This period's top list against the previous period's (VIP top500 跟踪, 003 篇6)."""
    tz, frame = _frame()
    month = args.get("month") or services.current_month(utcnow(), tz)
    result = services.top_tracking(tz, month, args["months"], args["size"])
    return {**frame, **result, "summary": services.tracking_summary(result["rows"])}


@blp.route("/reports/dormant", methods=["GET"])
@requires("manager")
@blp.arguments(schemas.ReportDormantArgsSchema, location="query")
@blp.response(200, schemas.ReportDormantSchema)
def dormant(args):
    """Dormant cards (休眠卡) by tier and last purchase, and a page of the members."""
    tz, frame = _frame()
    now = utcnow()
    by_tier = services.dormant_summary(tz, now, args["months"])
    size = args["page_size"]
    members = list(services.dormant_members(tz, now, args["months"], offset=(args["page"] - 1) * size, limit=size))
    return {**frame, "months": args["months"], "cutoff": services.dormant_cutoff(now, args["months"], tz),
            "total": sum(r["total"] for r in by_tier), "by_tier": by_tier, "members": members}


@blp.route("/reports/points-liability", methods=["GET"])
@requires("manager")
@blp.arguments(schemas.ReportLiabilityArgsSchema, location="query")
@blp.response(200, schemas.ReportLiabilitySchema)
def points_liability(args):
    """Outstanding points by tier and over time, and what expires next under the live scheme's policy."""
    tz, frame = _frame()
    scheme = _scheme()
    kind = scheme.policies.points_expiry.kind if scheme is not None else "never"
    return {**frame, **services.points_liability(tz, utcnow(), kind, args["months"])}


@blp.route("/reports/birthdays", methods=["GET"])
@requires("manager")
@blp.arguments(schemas.ReportBirthdaysArgsSchema, location="query")
@blp.response(200, schemas.ReportBirthdaysSchema)
def birthdays(args):
    """Members whose birthday falls in the coming days (tenant dates; 29 February on 28 February)."""
    tz, frame = _frame()
    return {**frame, "days": args["days"], "members": services.birthdays(tz, utcnow(), args["days"])}


@blp.route("/reports/follow-ups", methods=["GET"])
@requires("manager")
@blp.arguments(schemas.ReportFollowUpsArgsSchema, location="query")
@blp.response(200, schemas.ReportFollowUpsSchema)
def follow_ups(args):
    """Follow-up calls still to make, by the day they are due, and a page of them."""
    tz, frame = _frame()
    now = utcnow()
    summary = services.follow_ups_summary(tz, now, args["days"])
    size = args["page_size"]
    rows = list(services.follow_ups_due(tz, now, args["days"], offset=(args["page"] - 1) * size, limit=size))
    return {**frame, **summary, "requests": rows}
