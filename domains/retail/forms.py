from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DecimalField, FieldList, Form, FormField, HiddenField, IntegerField,
                     SelectField, StringField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from core.identity.forms import choices

PRICE_TYPE_CHOICES = [("regular", _l("Regular price")), ("promotional", _l("Promotion")),
                      ("special", _l("Special price"))]


class LineForm(Form):
    sku = StringField(_l("SKU or description"), validators=[Optional(), Length(max=64)])
    price = DecimalField(_l("Price (yuan)"), places=None, validators=[Optional(), NumberRange(min=0, max=10**8)])
    quantity = IntegerField(_l("Qty"), default=1, validators=[Optional(), NumberRange(min=1, max=999)])
    price_type = SelectField(_l("Price type"), default="regular", choices=choices(PRICE_TYPE_CHOICES))
    category = StringField(_l("Category"), validators=[Optional(), Length(max=40)])
    size = StringField(_l("Size"), validators=[Optional(), Length(max=20)])
    colour = StringField(_l("Colour"), validators=[Optional(), Length(max=20)])


class TillForm(FlaskForm):
    store_id = SelectField(_l("Store"), coerce=int, validate_choice=False)
    member_id = HiddenField()
    receipt_no = HiddenField()
    new_phone = StringField(_l("New customer's phone"), validators=[Optional(), Length(max=20)])
    new_name = StringField(_l("New customer's name"), validators=[Optional(), Length(max=80)])
    lines = FieldList(FormField(LineForm), min_entries=5, max_entries=50)
    id_checked = BooleanField(_l("ID card checked (birthday price)"))


class VipRegistrationForm(FlaskForm):
    card_number = StringField(_l("VIP card number"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=20)])
    birthday = DateField(_l("Birthday"), validators=[Optional()])
    gender = SelectField(_l("Gender"), choices=choices([("unspecified", _l("Not given")), ("female", _l("Female")),
                                                        ("male", _l("Male"))]))
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=32)])
    welcome_gift = BooleanField(_l("Welcome gift handed over"))
    handbook = BooleanField(_l("Member handbook handed over"))


class OnlineRegistrationForm(FlaskForm):
    email = StringField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not an e-mail address."))])
    contact_channel = SelectField(_l("How should we reach you?"), choices=choices([
        ("sms", _l("SMS")), ("wechat", _l("WeChat")), ("call", _l("Phone call")), ("email", _l("E-mail"))]))
    promotions_consent = BooleanField(_l("Tell me about member sales and new arrivals"))


class StoreForm(FlaskForm):
    code = StringField(_l("Store code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=120)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])


class StoreStaffForm(FlaskForm):
    membership_id = SelectField(_l("Staff member"), coerce=int, validate_choice=False)
