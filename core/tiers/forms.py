"""The scheme editor's forms: a tier per block, its conditions as rows, the policies below.

Field names are those ``core.tiers.editor`` maps document errors onto (``tiers-0-conditions-1-months``).
Subforms are plain ``wtforms.Form`` (one CSRF token for the page, on the outer ``FlaskForm``).
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DecimalField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.identity.forms import choices


def _pct(label):
    return DecimalField(label, places=None, validators=[Optional(), NumberRange(min=0, max=100)])


class ConditionForm(Form):
    kind = SelectField(_l("Condition"), choices=choices([
        ("single", _l("A single purchase of at least")), ("spend", _l("Paid within the last N months at least")),
        ("assets", _l("Assets of at least"))]))
    amount = DecimalField(_l("Amount (yuan)"), places=None, validators=[Optional(), NumberRange(min=0)])
    months = IntegerField(_l("Months"), validators=[Optional(), NumberRange(min=1, max=120)])


class TierForm(Form):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=100)])
    qualify_mode = SelectField(_l("Reached when"), validate_choice=False, choices=choices([
        ("none", _l("never by purchases (entry tier, or a manager's decision)")),
        ("any", _l("any of the conditions is met")), ("all", _l("all of the conditions are met")),
        ("kept", _l("the rule set through the API (kept as it is)"))]))
    qualify_kept = HiddenField()
    conditions = FieldList(FormField(ConditionForm), min_entries=0)
    requires_tier = SelectField(_l("Only for holders of"), validate_choice=False)
    manual_review = BooleanField(_l("A person approves (the rule only proposes)"))
    discount_pct = _pct(_l("Pays on regular-price items (%)"))
    birthday_enabled = BooleanField(_l("Birthday benefit"))
    birthday_scope = SelectField(_l("When"), choices=choices([("day", _l("On the birthday")),
                                                              ("month", _l("Within the birthday month"))]))
    birthday_pct = _pct(_l("Pays on the birthday (%)"))
    birthday_max_items = IntegerField(_l("At most items a year"), validators=[Optional(), NumberRange(min=1)])
    birthday_id_check = BooleanField(_l("Original ID card must be shown"))
    birthday_once_per_year = BooleanField(_l("Once a year"))
    points_per_unit = DecimalField(_l("Points per yuan paid"), places=None, validators=[Optional(), NumberRange(min=0)])
    points_multiplier = DecimalField(_l("Points multiplier"), places=None, validators=[Optional(), NumberRange(min=0)])
    parking_hours = IntegerField(_l("Free parking hours"), validators=[Optional(), NumberRange(min=0)])
    alliance_pct = _pct(_l("Pays at alliance merchants (%)"))
    priority = IntegerField(_l("Service priority (1 highest, 5 lowest)"), validators=[Optional(), NumberRange(min=1, max=5)])
    response_minutes = IntegerField(_l("Response time (working minutes)"), validators=[Optional(), NumberRange(min=1)])
    client_manager = BooleanField(_l("Dedicated client manager"))
    perks = TextAreaField(_l("Other perks (one per line)"), validators=[Optional(), Length(max=4000)])


class SchemeEditorForm(FlaskForm):
    name = StringField(_l("Scheme name"), validators=[DataRequired(), Length(max=200)])
    tiers = FieldList(FormField(TierForm), min_entries=1)
    downgrade_kind = SelectField(_l("Downgrade review"), choices=choices([
        ("none", _l("No automatic downgrade")), ("yearly", _l("Every 1 January")),
        ("years_below", _l("After N years below the standard")),
        ("inactive_months", _l("After N months without a purchase")),
        ("monthly_review", _l("Month-end review list for a manager"))]))
    downgrade_years = IntegerField(_l("Years"), validators=[Optional(), NumberRange(min=1)])
    downgrade_months = IntegerField(_l("Months"), validators=[Optional(), NumberRange(min=1)])
    validity_kind = SelectField(_l("Card validity"), choices=choices([
        ("none", _l("Cards do not expire")), ("days_from_issue", _l("N days from issue")),
        ("december_renewal", _l("Renewed each December"))]))
    validity_days = IntegerField(_l("Days"), validators=[Optional(), NumberRange(min=1)])
    expiry_kind = SelectField(_l("Points expiry"), choices=choices([
        ("never", _l("Never")), ("calendar_year", _l("On the 1 January after the year earned")),
        ("rolling_months", _l("N months after earned"))]))
    expiry_months = IntegerField(_l("Months"), validators=[Optional(), NumberRange(min=1)])
    accumulation_card_days = IntegerField(_l("Accumulation card valid (days)"),
                                          validators=[DataRequired(), NumberRange(min=1)])
    registration_days = IntegerField(_l("Days to complete online registration"),
                                     validators=[Optional(), NumberRange(min=1)])

    def set_tier_choices(self) -> None:
        keys = [(t.form.key.data or "").strip() for t in self.tiers]
        for entry in self.tiers:
            own = (entry.form.key.data or "").strip()
            entry.form.requires_tier.choices = choices([("", _l("anyone"))] + [(k, k) for k in keys if k and k != own])

    def field_named(self, name: str):
        """The field WTForms calls ``name`` (``tiers-0-conditions-1-months``), or None."""
        def walk(form):
            for f in form:
                if f.name == name:
                    return f
                if f.type == "FieldList":
                    for entry in f:
                        hit = walk(entry.form) if entry.type == "FormField" else (entry if entry.name == name else None)
                        if hit is not None:
                            return hit
                elif f.type == "FormField":
                    hit = walk(f.form)
                    if hit is not None:
                        return hit
            return None
        return walk(self)


class NewDraftForm(FlaskForm):
    start = SelectField(_l("Start from"), validate_choice=False)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class PublishForm(FlaskForm):
    note = StringField(_l("What changes and why"), validators=[DataRequired(), Length(max=500)])


class SimulateForm(FlaskForm):
    pass
