from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from core.identity.forms import choices
from core.imports.reading import FIELD_LABELS, FIELDS
from core.imports.services import NO_TIER

UPLOAD_EXTENSIONS = ["xlsx", "xlsm", "xls", "csv", "txt", "tsv"]  # .xls gets its own answer from the service


class UploadForm(FlaskForm):
    file = FileField(_l("Member file (.xlsx or CSV)"), validators=[
        FileRequired(message=_l("Choose a file to upload.")),
        FileAllowed(UPLOAD_EXTENSIONS, message=_l("Upload an Excel .xlsx or a CSV file."))])


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


def mapping_form(batch, **kwargs) -> FlaskForm:
    """One select per member field, listing the file's columns by letter and header."""
    columns = [("", _l("— not imported —"))] + [
        (str(i), f"{column_letter(i)} · {h}" if h else column_letter(i)) for i, h in enumerate(batch.headers or [])]

    class MappingForm(FlaskForm):
        pass

    current = batch.mapping or {}
    for f in FIELDS:
        setattr(MappingForm, f, SelectField(FIELD_LABELS[f], choices=choices(columns),
                                            default=str(current[f]) if f in current else ""))
    return MappingForm(**kwargs)


FORMAT_CHOICES = [("csv", _l("CSV (opens in Excel)")), ("xlsx", _l("Excel (.xlsx)"))]


class ExportForm(FlaskForm):
    """A GET form: the filters and format of a member list download."""

    class Meta:
        csrf = False  # a download changes nothing but the audit trail

    format = SelectField(_l("Format"), choices=choices(FORMAT_CHOICES), default="csv")
    tier = SelectField(_l("Tier"), choices=[], default="")
    q = StringField(_l("Name or phone contains"), validators=[Optional(), Length(max=80)])


def tier_choices(scheme) -> list:
    """All, no tier, then the live scheme's tiers by their name in the reader's language."""
    from flask_babel import get_locale
    english = get_locale() is not None and get_locale().language == "en"
    pairs = [("", _l("All members")), (NO_TIER, _l("No tier"))]
    for t in (scheme.tiers if scheme is not None else ()):
        pairs.append((t.key, (t.name_en if english and t.name_en else t.name)))
    return choices(pairs)
