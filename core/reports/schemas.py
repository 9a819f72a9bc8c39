"""The reports' JSON: query selectors and answers. Money is integer fen, times are ISO 8601 instants,
months are ``YYYY-MM`` in the tenant's time zone (named in every answer)."""
import re
from datetime import date, datetime

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from core.reports.services import FIRST_MONTH, LAST_MONTH


class MonthField(fields.Field):
    """A calendar month as ``YYYY-MM`` (1970-01 to 2100-12)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value)
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
                raise ValueError(text)
            month = datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise ValidationError(_("A month as YYYY-MM, for example 2026-01.")) from None
        if not FIRST_MONTH <= month <= LAST_MONTH:
            raise ValidationError(_("Choose a month between 1970-01 and 2100-12."))
        return month

    def _serialize(self, value, attr, obj, **kwargs):
        return value.strftime("%Y-%m") if isinstance(value, date) else value


def _month(description):
    return MonthField(metadata={"description": description, "example": "2026-01",
                                "type": "string", "pattern": r"^\d{4}-\d{2}$"})


def _int(low, high, default, description):
    return fields.Integer(load_default=default, validate=validate.Range(min=low, max=high),
                          metadata={"description": f"{description} ({low} to {high})", "example": default})


class ReportMonthsArgsSchema(Schema):
    month = _month("The last month reported (tenant time); default: the current month")
    months = _int(1, 24, 12, "How many months, ending with ``month``")


class ReportTopMembersArgsSchema(Schema):
    month = _month("The month (tenant time); default: last month")
    limit = _int(1, 100, 10, "How many members")


class ReportTrackingArgsSchema(Schema):
    month = _month("The period's last month (tenant time); default: the current month")
    months = _int(1, 12, 6, "Months in a period; the previous period is as long")
    size = _int(10, 1000, 500, "Size of the top list")


class ReportDormantArgsSchema(Schema):
    months = _int(1, 36, 6, "No purchase for this many months makes a card dormant")
    page = _int(1, 1_000_000, 1, "Page of the member list")
    page_size = _int(1, 500, 50, "Members per page")


class ReportLiabilityArgsSchema(Schema):
    months = _int(1, 24, 12, "Months of balance history")


class ReportBirthdaysArgsSchema(Schema):
    days = _int(1, 31, 7, "Days ahead, today included")


class ReportFollowUpsArgsSchema(Schema):
    days = _int(1, 31, 7, "Due before the end of this many days, today included")
    page = _int(1, 1_000_000, 1, "Page of the list")
    page_size = _int(1, 500, 50, "Requests per page")


class _Frame(Schema):
    timezone = fields.String(metadata={"example": "Asia/Shanghai"})
    currency = fields.String(metadata={"example": "CNY"})


class ReportTierSchema(Schema):
    key = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class ReportTierMonthSchema(Schema):
    month = fields.String(metadata={"example": "2026-01"})
    at = fields.DateTime(metadata={"description": "The instant counted: the month's end, or now"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"example": {"vip": 120}})
    total = fields.Integer()


class ReportTierDistributionSchema(_Frame):
    tiers = fields.List(fields.Nested(ReportTierSchema),
                        metadata={"description": "The live scheme's tiers, lowest first"})
    months = fields.List(fields.Nested(ReportTierMonthSchema))


class ReportShareMonthSchema(Schema):
    month = fields.String()
    vip_fen = fields.Integer()
    other_fen = fields.Integer()
    total_fen = fields.Integer()
    vip_share = fields.Float(allow_none=True)


class ReportParetoPointSchema(Schema):
    rank = fields.Integer()
    member_share = fields.Float()
    sales_share = fields.Float()


class ReportParetoSchema(Schema):
    members = fields.Integer(metadata={"description": "Members whose net paid spend in the span is above zero"})
    total_fen = fields.Integer()
    members_for_80 = fields.Integer(allow_none=True)
    top_share_for_80 = fields.Float(allow_none=True, metadata={"description": "members_for_80 / members"})
    points = fields.List(fields.Nested(ReportParetoPointSchema))


class ReportVipShareSchema(_Frame):
    entry_tier = fields.String(allow_none=True, metadata={"description": "Held by every member; not a VIP tier"})
    months = fields.List(fields.Nested(ReportShareMonthSchema))
    pareto = fields.Nested(ReportParetoSchema)


class ReportTopMemberSchema(Schema):
    rank = fields.Integer()
    member_id = fields.Integer()
    member_no = fields.String()
    name = fields.String()
    tier_key = fields.String(allow_none=True)
    spend_fen = fields.Integer()
    purchases = fields.Integer()


class ReportTopMembersSchema(_Frame):
    month = fields.String()
    members = fields.List(fields.Nested(ReportTopMemberSchema))


class ReportTrackingRowSchema(Schema):
    member_id = fields.Integer()
    member_no = fields.String()
    name = fields.String()
    tier_key = fields.String(allow_none=True)
    rank = fields.Integer(allow_none=True)
    previous_rank = fields.Integer(allow_none=True)
    movement = fields.Integer(allow_none=True, metadata={"description": "Places moved up (negative: down)"})
    status = fields.String(metadata={"description": "stayed, entered or left"})
    spend_fen = fields.Integer()
    previous_spend_fen = fields.Integer()


class ReportTrackingSchema(_Frame):
    period = fields.List(fields.DateTime(), metadata={"description": "[start, end) of this period"})
    previous = fields.List(fields.DateTime(), metadata={"description": "[start, end) of the previous period"})
    size = fields.Integer()
    summary = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"example": {"up": 120, "down": 200, "same": 30, "entered": 150, "left": 150}})
    rows = fields.List(fields.Nested(ReportTrackingRowSchema))


class ReportDormantTierSchema(Schema):
    tier_key = fields.String(allow_none=True)
    never = fields.Integer()
    under_1y = fields.Integer()
    between_1y_2y = fields.Integer(data_key="1_2y", attribute="1_2y")
    over_2y = fields.Integer()
    total = fields.Integer()


class ReportDormantMemberSchema(Schema):
    member_id = fields.Integer()
    member_no = fields.String()
    name = fields.String()
    tier_key = fields.String(allow_none=True)
    last_purchase_at = fields.DateTime(allow_none=True)
    phone_masked = fields.String(allow_none=True)
    contact_channel = fields.String()
    promotions_consent = fields.Boolean()


class ReportDormantSchema(_Frame):
    months = fields.Integer()
    cutoff = fields.DateTime(metadata={"description": "No purchase at or after this instant"})
    total = fields.Integer()
    by_tier = fields.List(fields.Nested(ReportDormantTierSchema))
    members = fields.List(fields.Nested(ReportDormantMemberSchema))


class ReportLiabilityTierSchema(Schema):
    tier_key = fields.String(allow_none=True)
    members = fields.Integer()
    points = fields.Integer()
    expiring = fields.Integer(metadata={"description": "Of these points, how many expire at next_expiry"})


class ReportPointsAtSchema(Schema):
    month = fields.String()
    at = fields.DateTime()
    points = fields.Integer()


class ReportExpiringSchema(Schema):
    month = fields.String()
    points = fields.Integer()


class ReportLiabilitySchema(_Frame):
    as_of = fields.DateTime()
    total_points = fields.Integer()
    members = fields.Integer()
    by_tier = fields.List(fields.Nested(ReportLiabilityTierSchema))
    history = fields.List(fields.Nested(ReportPointsAtSchema))
    expiry_kind = fields.String(metadata={"description": "calendar_year, rolling_months or never"})
    next_expiry = fields.DateTime(allow_none=True)
    expiring_next = fields.Integer()
    schedule = fields.List(fields.Nested(ReportExpiringSchema))


class ReportBirthdaySchema(Schema):
    date = fields.Date()
    age = fields.Integer()
    member_id = fields.Integer()
    member_no = fields.String()
    name = fields.String()
    tier_key = fields.String(allow_none=True)
    phone_masked = fields.String(allow_none=True)
    contact_channel = fields.String()


class ReportBirthdaysSchema(_Frame):
    days = fields.Integer()
    members = fields.List(fields.Nested(ReportBirthdaySchema))


class ReportFollowUpDaySchema(Schema):
    day = fields.Date(allow_none=True, metadata={"description": "Null: due before today"})
    open = fields.Integer()
    in_progress = fields.Integer()
    total = fields.Integer()


class ReportFollowUpSchema(Schema):
    request_id = fields.Integer()
    request_no = fields.String()
    subject = fields.String()
    status = fields.String()
    priority = fields.Integer()
    channel = fields.String()
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    member_no = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)


class ReportFollowUpsSchema(_Frame):
    total = fields.Integer()
    overdue = fields.Integer()
    days = fields.List(fields.Nested(ReportFollowUpDaySchema))
    requests = fields.List(fields.Nested(ReportFollowUpSchema))
