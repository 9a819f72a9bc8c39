from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from core.identity.services import MIN_PASSWORD


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices(pairs):
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


ROLE_CHOICES = [("staff", _l("Staff")), ("manager", _l("Manager")), ("admin", _l("Admin")),
                ("owner", _l("Owner"))]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class StaffForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES), default="staff")
    positions = MultiCheckboxField(_l("Positions"), choices=[])


class MembershipForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES))
    positions = MultiCheckboxField(_l("Positions"), choices=[])
    active = BooleanField(_l("Active (may sign in to this business)"))


class ApiKeyForm(FlaskForm):
    name = StringField(_l("What the key is for"), validators=[DataRequired(), Length(max=80)])
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES[:3]), default="staff")
