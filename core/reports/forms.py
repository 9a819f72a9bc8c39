"""The reports' period and as-of selectors: GET forms read from the query string (no CSRF: they
change nothing). A bad value is shown beside its field and the page answers 400."""
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, MonthField
from wtforms.validators import NumberRange, Optional, ValidationError

from core.reports.services import FIRST_MONTH, LAST_MONTH


def _month_in_range(form, field):
    if field.data is not None and not FIRST_MONTH <= field.data <= LAST_MONTH:
        raise ValidationError(_l("Choose a month between 1970-01 and 2100-12."))


def _number(label, low, high, default):
    return IntegerField(label, default=default, validators=[Optional(), NumberRange(min=low, max=high)])


class ReportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    def __init__(self, **kwargs):
        super().__init__(formdata=request.args, **kwargs)

    def value(self, name):
        """The field's value, or its default when left empty."""
        field = getattr(self, name)
        return field.data if field.data is not None else field.default


def _month(label):
    return MonthField(label, validators=[Optional(), _month_in_range],
                      render_kw={"placeholder": "2026-01", "pattern": r"\d{4}-\d{2}"})


class MonthsForm(ReportForm):
    month = _month(_l("Up to month"))
    months = _number(_l("Months"), 1, 24, 12)


class TopMembersForm(ReportForm):
    month = _month(_l("Month"))
    limit = _number(_l("How many members"), 1, 100, 10)


class TrackingForm(ReportForm):
    month = _month(_l("Period ends with month"))
    months = _number(_l("Months in a period"), 1, 12, 6)
    size = _number(_l("Size of the top list"), 10, 1000, 500)


class DormantForm(ReportForm):
    months = _number(_l("No purchase for (months)"), 1, 36, 6)
    page = _number(_l("Page"), 1, 1_000_000, 1)


class LiabilityForm(ReportForm):
    months = _number(_l("Months of history"), 1, 24, 12)


class BirthdaysForm(ReportForm):
    days = _number(_l("Days ahead"), 1, 31, 7)


class FollowUpsForm(ReportForm):
    days = _number(_l("Due within (days)"), 1, 31, 7)
    page = _number(_l("Page"), 1, 1_000_000, 1)
