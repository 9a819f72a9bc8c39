from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ApplicationForm(FlaskForm):
    member = StringField(_l("Member number or phone"), validators=[DataRequired(), Length(max=40)])
    tier_key = SelectField(_l("Tier applied for"), validate_choice=False, validators=[DataRequired()])
    spending_power = TextAreaField(_l("Spending power"), validators=[DataRequired(), Length(max=2000)])
    potential = TextAreaField(_l("Spending potential"), validators=[DataRequired(), Length(max=2000)])
    need = TextAreaField(_l("Why the customer needs the tier"), validators=[DataRequired(), Length(max=2000)])


class DecisionForm(FlaskForm):
    opinion = TextAreaField(_l("Opinion (to approve)"), validators=[Optional(), Length(max=2000)])
    reason = StringField(_l("Reason (to reject)"), validators=[Optional(), Length(max=500)])
    announcer = StringField(_l("Who tells the customer (to approve)"), validators=[Optional(), Length(max=120)])


class RevokeForm(FlaskForm):
    member_id = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason for revoking"), validators=[DataRequired(), Length(max=500)])
