from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from core.identity.forms import MultiCheckboxField, choices

LOCALE_CHOICES = [("zh_CN", "中文（简体）"), ("en", "English")]
COMMON_ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Singapore",
                "Asia/Tokyo", "Europe/London", "Europe/Paris", "America/New_York", "UTC"]


def timezone_choices():
    rest = sorted(z for z in available_timezones() if z not in COMMON_ZONES and "/" in z)
    return choices((z, z) for z in COMMON_ZONES + rest)


class TenantSettingsForm(FlaskForm):
    name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=120)])
    timezone = SelectField(_l("Time zone"))
    currency = StringField(_l("Currency"), validators=[DataRequired(), Length(min=3, max=3)])
    default_locale = SelectField(_l("Default language"), choices=choices(LOCALE_CHOICES))
    enabled_domains = MultiCheckboxField(_l("Industry domains"), choices=[])


class NewTenantForm(TenantSettingsForm):
    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=40)])
    owner_email = StringField(_l("Owner's e-mail"), validators=[DataRequired(), Length(max=254)])
    owner_name = StringField(_l("Owner's full name"), validators=[DataRequired(), Length(max=120)])
