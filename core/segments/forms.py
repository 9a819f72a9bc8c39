from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.identity.forms import MultiCheckboxField, choices


class SegmentForm(FlaskForm):
    name = StringField(_l("Segment name"), validators=[DataRequired(), Length(max=120)])
    tiers = MultiCheckboxField(_l("Tier is any of"), choices=[], validate_choice=False)
    spend_min = DecimalField(_l("Paid at least (yuan)"), places=None, validators=[Optional(), NumberRange(min=0)])
    spend_max = DecimalField(_l("Paid at most (yuan)"), places=None, validators=[Optional(), NumberRange(min=0)])
    spend_months = IntegerField(_l("…within the last months"), default=12,
                                validators=[Optional(), NumberRange(min=1, max=120)])
    bought_category = StringField(_l("Bought category"), validators=[Optional(), Length(max=40)])
    bought_size = StringField(_l("in size"), validators=[Optional(), Length(max=20)])
    bought_colour = StringField(_l("in colour"), validators=[Optional(), Length(max=20)])
    bought_months = IntegerField(_l("…within the last months"), default=12,
                                 validators=[Optional(), NumberRange(min=1, max=120)])
    last_purchase_after = DateField(_l("Last purchase on or after"), validators=[Optional()])
    last_purchase_before = DateField(_l("Last purchase before"), validators=[Optional()])
    birthday_month = SelectField(_l("Birthday month"), validate_choice=True, choices=choices(
        [("", _l("any"))] + [(str(m), str(m)) for m in range(1, 13)]))


class NoticeForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices([("promotion", _l("Promotion: only members who agreed")),
                                                    ("service", _l("Service notice: everyone"))]))
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=2000)])
