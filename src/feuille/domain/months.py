"""Calendar months as the reports use them: typed as « 2026-12 » (a browser's month field) or « 12/2026 », read
as their first and last days, and shown in French (« déc. 2026 ») instead of « 2026-12 »."""

from __future__ import annotations

import calendar
import re
from datetime import date

from feuille.domain.validators import excerpt, validator
from feuille.errors import ValidationError

#: The usual French abbreviations of the months (as the Imprimerie nationale's lexicon gives them).
SHORT_NAMES = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
_ISO = re.compile(r"(\d{4})-(\d{1,2})")
_FRENCH = re.compile(r"(\d{1,2})/(\d{4})")


@validator
def parse_month(value: object, field: str, label: str) -> date | None:
    """The first day of a month typed as AAAA-MM or MM/AAAA; None when nothing was typed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip() if isinstance(value, str) else ""
    iso, french = _ISO.fullmatch(text), _FRENCH.fullmatch(text)
    year, month = ((int(iso.group(1)), int(iso.group(2))) if iso else
                   (int(french.group(2)), int(french.group(1))) if french else (0, 0))
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        raise ValidationError(f"{label} : mois attendu (MM/AAAA), « {excerpt(value)} » reçu.", code="month_format",
                              field=field)
    return date(year, month, 1)


def last_day(first: date) -> date:
    """The last day of the month of ``first``."""
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_label(key: str) -> str:
    """« déc. 2026 » for the key « 2026-12 » the reports group by; a key of another shape is shown as it is."""
    found = _ISO.fullmatch(key)
    if found is None or not 1 <= int(found.group(2)) <= 12:
        return key
    return f"{SHORT_NAMES[int(found.group(2)) - 1]} {found.group(1)}"
