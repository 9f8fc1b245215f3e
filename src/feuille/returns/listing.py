"""What the transfer, one-off and report lists share: the period a user asks for, an internal number typed on the
command line, and sums of money computed by the database without losing a cent.

Sums go through whole cents (``ROUND(x * 100)`` cast to an integer): SQLite keeps a ``NUMERIC`` with decimals as
a binary float, and half a million of them summed as floats could drift; whole cents add exactly on both
databases, and :func:`from_cents` makes the ``Decimal`` back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, cast, func

from feuille.domain.fields import check_period, clean_text, parse_date
from feuille.errors import ValidationError, quoted
from feuille.money import CENT, ZERO

DEFAULT_DAYS = 30   # « Recherche 29/04/2024 29/05/2024 »: the manual's lists open on the last 30 days
MAX_ROWS = 100_000  # a list shown or exported at once; a wider one is narrowed by its dates


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def to_json(self) -> dict[str, str]:
        return {"du": self.start.isoformat(), "au": self.end.isoformat()}

    def label(self) -> str:
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"


def period(today: date, start: object = None, end: object = None, *, days: int = DEFAULT_DAYS) -> Period:
    """The dates a user typed (JJ/MM/AAAA or AAAA-MM-JJ), each defaulting to the last ``days`` days to today."""
    first = parse_date(start, "du", "Date de début")
    last = parse_date(end, "au", "Date de fin")
    last = last or today
    first = first or last - timedelta(days=days)
    check_period(first, last, "au", "Période")
    return Period(first, last)


def organism_filter(value: object) -> str | None:
    """A paying organism as typed (« 01349000 », « 01 349 »): spaces are not significant in the codes."""
    text = clean_text(value, "organisme", "Organisme", max_length=32)
    return None if text is None else text.replace(" ", "")


def internal_id(value: object, field: str, label: str) -> int:
    """A number of the lists' « n° » column."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or len(text) > 12 or int(text) == 0:
        raise ValidationError(f"{label} : numéro interne attendu (colonne n° de la liste), {quoted(value)} reçu.",
                              code="validation", field=field)
    return int(text)


def limit(value: int | None) -> int:
    if value is None:
        return MAX_ROWS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROWS:
        raise ValidationError(f"Limite : nombre de lignes entre 1 et {MAX_ROWS} attendu, {quoted(value)} reçu.",
                              code="validation", field="limite")
    return value


def cents(amount: Any) -> ColumnElement[int]:
    """An amount column or expression as whole cents (exact on SQLite and PostgreSQL)."""
    return cast(func.round(amount * 100), BigInteger)


def cents_sum(amount: Any) -> ColumnElement[int]:
    """The exact sum in cents of an amount over the rows (0 when there is none)."""
    return func.coalesce(func.sum(cents(amount)), 0)


def from_cents(value: object) -> Decimal:
    """A sum of :func:`cents_sum` back as euros (``None``, no row, is zero)."""
    if value is None:
        return ZERO
    return (Decimal(str(value)) / 100).quantize(CENT)


def stored_details(text: str | None) -> list[dict[str, str]]:
    """The 262 details of a one-off payment as the integration stored them (a JSON list of objects), each value
    as text; anything else (empty, unreadable) is no detail: a list never fails on one bad row."""
    try:
        data = json.loads(text or "[]")
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    return [{str(k): "" if v is None else str(v) for k, v in item.items()} for item in data if isinstance(item, dict)]
