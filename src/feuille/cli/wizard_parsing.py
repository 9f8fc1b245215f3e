"""What is typed at the wizard's prompts in the terminal → typed answers: French dates (``JJ/MM/AAAA``), « o/oui »,
a number in a list, a place or a nature typed in short, amounts with a comma, coefficients, quantities, act codes.
Each refuses with a French :class:`ValidationError` naming the field. The questions themselves (which one comes
next, its default, the choices) come from :mod:`feuille.billing.wizard_flow`."""

from __future__ import annotations

from datetime import date, datetime

from feuille.billing.wizard_acts import parse_act_code
from feuille.billing.wizard_acts import parse_coefficient as parse_coefficient  # the act screen's checks, as typed
from feuille.billing.wizard_acts import parse_quantity as parse_quantity
from feuille.billing.wizard_document import NATURE_LABELS, NATURES, PLACES
from feuille.billing.wizard_search import ActQuery
from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError, quoted
from feuille.money import parse_amount

YES = ("o", "oui", "y", "yes")
NO = ("n", "non", "no")


def parse_day(text: object, field_name: str, default: date | None = None) -> date:
    """``14/01/2025``, ``14/01/25``, ``14012025`` or ``2025-01-14``; empty: the default."""
    value = str(text or "").strip()
    if not value and default is not None:
        return default
    for pattern in ("%d/%m/%Y", "%d/%m/%y", "%d%m%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValidationError(f"{field_name} : date invalide {quoted(value, 20)} (format JJ/MM/AAAA).", code="date",
                          field=field_name)


def parse_yes_no(text: object, default: bool | None = None) -> bool:
    value = str(text or "").strip().lower()
    if not value and default is not None:
        return default
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValidationError("réponse : « o » (oui) ou « n » (non) est attendu.", code="yes_no", field="réponse")


def parse_choice(text: object, count: int, field_name: str, default: int | None = None) -> int:
    """A number from 1 to ``count`` typed at a list (0 when the list offers « aucun »); returns it as is."""
    value = str(text or "").strip()
    if not value and default is not None:
        return default
    if value.isdigit() and len(value) < 4 and 0 <= int(value) <= count:
        return int(value)
    raise ValidationError(f"{named(field_name)} : tapez un numéro de la liste (1 à {count}).", code="choice",
                          field=field_name)


def parse_place(text: object) -> str:
    value = str(text or "").strip().lower()
    if not value:
        return "cabinet"
    for place in PLACES:
        if place.startswith(value) or (value in ("à domicile", "a domicile") and place == "domicile"):
            return place
    raise ValidationError("lieu : « cabinet » ou « domicile » est attendu.", code="place", field="place")


def parse_nature(text: object) -> str:
    value = str(text or "").strip().lower()
    if not value:
        return "maladie"
    if value in NATURES:
        return NATURES[value]
    folded = value.replace("é", "e").replace(" ", "")
    for code, label in NATURE_LABELS.items():
        if folded in (code, label.replace("é", "e").replace(" ", "")):
            return code
    raise ValidationError("nature : 1 maladie, 2 maternité, 3 accident du travail, 4 soins médicaux gratuits ou "
                          "5 prévention.", code="nature", field="coverage.nature")


def parse_optional_amount(text: object, field_name: str) -> str | None:
    """An amount typed (``12,50``), or None when left empty; two decimals at most, not negative."""
    value = str(text or "").strip()
    if not value:
        return None
    try:
        amount = parse_amount(value)
    except (ValidationError, ValueError, ArithmeticError):
        raise ValidationError(f"{field_name} : montant invalide {quoted(value, 20)} (ex. 12.50).", code="amount",
                              field=field_name) from None
    return f"{amount:.2f}"


def parse_code(text: object) -> str:
    return parse_act_code(text)


def parse_act_query(text: object) -> ActQuery:
    """The act prompt: « ?AFL » / « ?mots » (a CCAM search), « clé Péri » (a keyword), « favori », or a code."""
    value = str(text or "").strip()
    if value.startswith("?"):
        return ActQuery("ccam", value[1:].strip())
    if value.lower().startswith(("clé ", "cle ")) or value.lower() in ("clé", "cle"):
        return ActQuery("keyword", value.split(" ", 1)[1] if " " in value else "")
    if value.lower() in ("favori", "favoris", "f"):
        return ActQuery("favourite")
    return ActQuery("code", value)
