"""Small validators of typed fields that every record shares (text, names for search, dates, phones...).

Pure: each takes the raw value a user typed (or a file held) and returns the normalised value, or raises a
:class:`~feuille.errors.ValidationError` whose French message names the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from typing import ParamSpec, TypeVar

from feuille.domain.validators import excerpt, require_mapping, validator
from feuille.errors import Problems, ValidationError

P = ParamSpec("P")
T = TypeVar("T")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_KEY_DROP = re.compile(r"[^A-Z0-9 '\-]")


@validator
def clean_text(value: object, field: str, label: str, *, max_length: int, required: bool = False) -> str | None:
    """Trimmed text (``None`` when empty and optional); no control characters, a maximum length."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{label} : champ obligatoire.", code="required", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{label} : texte attendu.", code="format", field=field)
    text = " ".join(value.split())
    if _CONTROL.search(text):
        raise ValidationError(f"{label} : caractères de contrôle interdits.", code="format", field=field)
    if len(text) > max_length:
        raise ValidationError(f"{label} : {max_length} caractères au plus ({len(text)} reçus).",
                              code="too_long", field=field)
    return text


def search_key(text: str) -> str:
    """Upper case, accents removed, only A–Z, digits, space, apostrophe and hyphen: the searchable form.

    ``"Élodie  d'Aubigné"`` → ``"ELODIE D'AUBIGNE"``. Byte order of the result equals alphabetical order,
    which is what lets a plain B-tree index answer prefix searches on SQLite and PostgreSQL (collation C).
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("œ", "oe").replace("Œ", "OE")
                                       .replace("æ", "ae").replace("Æ", "AE"))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(_KEY_DROP.sub(" ", ascii_text).split())


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (for a range scan)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


_DATE_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@validator
def parse_date(value: object, field: str, label: str, *, required: bool = False) -> date | None:
    """A calendar date: ``date``, ``JJ/MM/AAAA`` or ``AAAA-MM-JJ``; impossible dates are refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{label} : champ obligatoire.", code="required", field=field)
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValidationError(f"{label} : date attendue (JJ/MM/AAAA).", code="date_format", field=field)
    text = value.strip()
    found = _DATE_FR.match(text)
    parts: tuple[str, str, str] | None = None
    if found:
        parts = (found.group(3), found.group(2), found.group(1))
    else:
        iso = _DATE_ISO.match(text)
        if iso:
            parts = (iso.group(1), iso.group(2), iso.group(3))
    if parts is None:
        raise ValidationError(f"{label} : date attendue au format JJ/MM/AAAA, « {excerpt(text)} » reçu.",
                              code="date_format", field=field)
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise ValidationError(f"{label} : la date « {excerpt(text)} » n'existe pas.", code="date_impossible",
                              field=field) from None


def check_period(start: date | None, end: date | None, field: str, label: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(f"{label} : la fin ({end:%d/%m/%Y}) précède le début ({start:%d/%m/%Y}).",
                              code="period_order", field=field)


_PHONE_CHARS = re.compile(r"[\s.\-()/]")


@validator
def validate_phone(value: object, field: str, label: str) -> str | None:
    """A French number (10 digits starting with 0) or an international one (+ and 6 to 15 digits)."""
    text = clean_text(value, field, label, max_length=32)
    if text is None:
        return None
    digits = _PHONE_CHARS.sub("", text)
    if digits.startswith("+") and digits[1:].isdigit() and 6 <= len(digits) - 1 <= 15:
        return digits
    if digits.isdigit() and len(digits) == 10 and digits.startswith("0"):
        return digits
    raise ValidationError(f"{label} : numéro à 10 chiffres commençant par 0 (ou +33…) attendu, "
                          f"« {excerpt(text)} » reçu.",
                          code="phone_format", field=field)


@validator
def validate_postcode(value: object, field: str = "postcode", label: str = "Code postal") -> str | None:
    text = clean_text(value, field, label, max_length=10)
    if text is None:
        return None
    text = text.replace(" ", "")
    if len(text) != 5 or not text.isdigit():
        raise ValidationError(f"{label} : 5 chiffres attendus, « {excerpt(text)} » reçu.", code="postcode_format",
                              field=field)
    return text


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@validator
def validate_email(value: object, field: str = "email", label: str = "Email") -> str | None:
    text = clean_text(value, field, label, max_length=254)
    if text is None:
        return None
    if not _EMAIL.match(text):
        raise ValidationError(f"{label} : adresse « {excerpt(text)} » invalide.", code="email_format", field=field)
    return text


@validator
def parse_flag(value: object, field: str, label: str) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"oui", "o", "1", "true", "vrai", "yes"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"non", "n", "0", "false", "faux", "no"}:
        return False
    raise ValidationError(f"{label} : oui ou non attendu.", code="format", field=field)


@validator
def reject_unknown(data: Mapping[str, object], allowed: frozenset[str]) -> None:
    """Refuse what is not a record, and a record with fields this use case does not know."""
    unknown = sorted(str(name) for name in set(require_mapping(data, "data", "Données")) - allowed)
    if unknown:
        raise ValidationError(f"Champ inconnu : {', '.join(unknown)}.", code="unknown_field", field=unknown[0])


def collect(problems: Problems, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """Run a validator, record its error in ``problems`` and return ``None`` instead of raising."""
    try:
        return func(*args, **kwargs)
    except ValidationError as error:
        problems.items.append(error)
        return None


@validator
def choose(value: object, table: Mapping[str, str], field: str, label: str, *, required: bool = False) -> str | None:
    """A code of ``table`` (the code itself, or its label typed in full)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = clean_text(value, field, label, max_length=120, required=required)
    if text is None:
        return None
    if text.upper() in table:
        return text.upper()
    if text.lower() in table:
        return text.lower()
    for code, name in table.items():
        if search_key(name) == search_key(text):
            return code
    choices = ", ".join(f"{k} ({v})" for k, v in table.items())
    raise ValidationError(f"{label} : « {excerpt(text)} » inconnu (choix : {choices}).",
                          code="unknown_code", field=field)
