from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.identity.forms import MultiCheckboxField, choices
from core.identity.services import MIN_PASSWORD
from core.tenancy.forms import LOCALE_CHOICES


class SignUpForm(FlaskForm):
    name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=40)])
    enabled_domains = MultiCheckboxField(_l("Industry domains"), choices=[])
    timezone = SelectField(_l("Time zone"))
    default_locale = SelectField(_l("Default language"), choices=choices(LOCALE_CHOICES))
    plan = RadioField(_l("Plan to try"), choices=[])
    owner_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=120)])
    owner_email = EmailField(_l("Your e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class CheckoutForm(FlaskForm):
    plan = HiddenField(validators=[DataRequired(), Length(max=40)])
    interval = HiddenField(validators=[DataRequired(), Length(max=8)])


class PortalForm(FlaskForm):
    """Only the CSRF token: opening Stripe's portal is a POST that creates a session there."""
