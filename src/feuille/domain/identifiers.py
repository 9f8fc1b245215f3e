"""Identifiers of the French health-billing world, the python-stdnum way.

Each identifier has ``compact`` (strip spaces), ``validate`` (normalised value or a
:class:`~feuille.errors.ValidationError` with a French message) and ``is_valid`` (never raises).
Numbers read from a card whose key fails are accepted with a warning: the manuals' own test
cards carry such numbers (DOMAIN.md), and refusing the card would block the practice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir

from feuille.domain.validators import excerpt, validator
from feuille.errors import ValidationError

# A CCAM act code: 4 letters and 3 digits, e.g. AFLB001 (DOMAIN.md "Glossary", from the CCAM listing of
# the Assurance Maladie). The one pattern of the project: use ``fullmatch`` or :func:`is_ccam_code`.
CCAM_CODE = re.compile(r"[A-Z]{4}[0-9]{3}")


@validator
def is_ccam_code(code: object) -> bool:
    """True for a well-formed CCAM code (upper case, no spaces); never raises."""
    return isinstance(code, str) and CCAM_CODE.fullmatch(code) is not None


# Record ids are INTEGER columns: PostgreSQL's int4 holds at most 2**31 - 1. A larger number names no record;
# refusing it here keeps it from reaching the driver, which raises OverflowError (SQLite) on it.
MAX_RECORD_ID = 2**31 - 1


@validator
def record_id(value: object, field: str, label: str) -> int:
    """A record's internal number (``12`` or ``"12"``); French ``ValidationError`` (``id_format``) otherwise."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 10:
        number = int(value.strip())
    if number is None or not 0 < number <= MAX_RECORD_ID:
        raise ValidationError(f"{label} : numéro interne attendu (1 à {MAX_RECORD_ID}), « {excerpt(value)} » reçu.",
                              code="id_format", field=field)
    return number


@dataclass(frozen=True)
class Checked:
    """A normalised identifier and the warnings (French) that did not stop it."""

    value: str
    warnings: tuple[str, ...] = ()


@validator
def compact(number: object) -> str:
    if not isinstance(number, str):
        return ""
    return "".join(number.split()).replace(".", "").replace("-", "").upper()


def _digits(number: str, length: int, field: str, label: str) -> None:
    if len(number) != length or not number.isdigit():
        raise ValidationError(
            f"{label} : {length} chiffres attendus, « {excerpt(number)} » reçu.",
            code=f"{field}_format", field=field,
        )


@validator
def validate_nir(number: object, *, field: str = "nir", from_card: bool = False) -> Checked:
    """A 15-character NIR (13 + 2-digit key). 2A/2B Corsican departments accepted."""
    text = compact(number)
    if len(text) != 15 or not text[:5].isdigit() or not text[7:].isdigit():
        raise ValidationError(
            f"NIR : 15 caractères attendus (13 + clé de 2 chiffres), « {excerpt(text or number)} » reçu.",
            code="nir_format", field=field,
        )
    warnings: list[str] = []
    try:
        stdnum_nir.validate(text)
    except StdnumError as exc:
        if "checksum" not in type(exc).__name__.lower():
            raise ValidationError(
                f"NIR : « {excerpt(text)} » n'est pas un numéro valide.", code="nir_format", field=field
            ) from exc
        message = f"NIR : la clé de « {text[:13]} {text[13:]} » est fausse (attendue {nir_key(text[:13])})."
        if not from_card:
            raise ValidationError(message, code="nir_key", field=field) from exc
        warnings.append(message)
    if text[0] not in "12378":
        warnings.append(f"NIR : premier chiffre « {text[0]} » inhabituel (1, 2, 3, 4, 7 ou 8 attendu).")
    month = int(text[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        warnings.append(f"NIR : mois de naissance « {text[3:5]} » inhabituel.")
    return Checked(text, tuple(warnings))


def nir_key(first13: str) -> str:
    """Key of a 13-character NIR: 97 - (n mod 97), Corsica 2A/2B as 19/18."""
    return str(stdnum_nir.calc_check_digits(first13))


@validator
def split_nir(number: object) -> tuple[str, str]:
    """Validated NIR as (13 characters, 2-digit key)."""
    value = validate_nir(number).value
    return value[:13], value[13:]


def _luhn_number(number: object, length: int, field: str, label: str, from_card: bool) -> Checked:
    text = compact(number)
    _digits(text, length, field, label)
    if luhn.is_valid(text):
        return Checked(text)
    expected = luhn.calc_check_digit(text[:-1])
    message = f"{label} : la clé de « {excerpt(text)} » est fausse (attendue {expected})."
    if not from_card:
        raise ValidationError(message, code=f"{field}_key", field=field)
    return Checked(text, (message,))


@validator
def validate_billing_number(number: object, *, field: str = "billing_number",
                            from_card: bool = False) -> Checked:
    """N° de facturation (n° AM): 8 digits and a Luhn key."""
    return _luhn_number(number, 9, field, "Numéro de facturation", from_card)


@validator
def validate_rpps(number: object, *, field: str = "rpps", from_card: bool = False) -> Checked:
    """RPPS: 11 digits, the last one a Luhn key."""
    return _luhn_number(number, 11, field, "Numéro RPPS", from_card)


@validator
def validate_prescriber_number(number: object, *, field: str = "number") -> Checked:
    """A prescriber is identified by a billing number (9 digits) or an RPPS (11 digits)."""
    text = compact(number)
    if len(text) == 11:
        return validate_rpps(text, field=field)
    return validate_billing_number(text, field=field)


@validator
def is_valid_nir(number: object) -> bool:
    try:
        validate_nir(number)
    except ValidationError:
        return False
    return True


@validator
def is_valid_billing_number(number: object) -> bool:
    try:
        validate_billing_number(number)
    except ValidationError:
        return False
    return True


@validator
def is_valid_rpps(number: object) -> bool:
    try:
        validate_rpps(number)
    except ValidationError:
        return False
    return True


@validator
def validate_amo_organism(regime: object, caisse: object, centre: object) -> tuple[str, str, str]:
    """Régime (2 digits), caisse (3) and centre (4 digits), e.g. 01 349 9881."""
    parts = []
    for value, length, name, label in ((regime, 2, "regime", "Régime"), (caisse, 3, "caisse", "Caisse"),
                                       (centre, 4, "centre", "Centre")):
        text = compact(value)
        if not text:
            raise ValidationError(f"{label} : champ obligatoire.", code="required", field=name)
        _digits(text, length, name, label)
        parts.append(text)
    return parts[0], parts[1], parts[2]


@validator
def validate_amc_number(number: object, *, field: str = "amc_number") -> str:
    """An AMC number: up to 10 alphanumeric characters (8 digits for most mutuelles)."""
    text = compact(number)
    if not text or len(text) > 10 or not text.isalnum():
        raise ValidationError(
            f"Numéro AMC : 1 à 10 caractères alphanumériques attendus, « {excerpt(text)} » reçu.",
            code="amc_number_format", field=field,
        )
    return text
