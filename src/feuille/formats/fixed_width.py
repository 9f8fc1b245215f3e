"""The fixed-width record engine: one layout table per record, read by :func:`write` and :func:`read` alike.

A :class:`Layout` lists its :class:`Field` s (name, 1-based start column, length, kind); the padding rules are
those of the B2 norm as DOMAIN.md "B2 invoice file" gives them (public FIDES specification, GIE SESAM-Vitale):

- ``N`` numeric: digits, right-aligned, zero-padded; empty is zeros;
- ``A`` alphanumeric: upper case without accents, left-aligned, space-padded; empty is spaces;
- ``D`` date ``AAMMJJ`` (6 digits); empty is zeros;
- ``M`` amount in cents without separator, right-aligned, zero-padded ("5+2" is 7 digits); empty is zeros;
- ``T`` free text (names, transfer labels written by an insurer: « VIR AMO LIGNE 1-1FR », « JEAN-PIERRE »):
  printable ASCII once accents are folded, case kept, left-aligned, space-padded; empty is spaces.

Columns no field covers are spaces. Nothing is cut or guessed: a value too long, a negative amount, a
character outside ``A-Z 0-9 space`` once accents are folded (punctuation included: how a writer spells a name
such as « D'ARC » is its own choice) is a French :class:`~feuille.errors.ValidationError` naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from feuille.errors import ValidationError
from feuille.money import CENT, MoneyError, parse_amount


class Kind(StrEnum):
    NUMERIC = "N"
    ALPHA = "A"
    DATE = "D"
    AMOUNT = "M"
    TEXT = "T"


_ALPHA = re.compile(r"[A-Z0-9 ]*")
_DIGITS = re.compile(r"[0-9]*")
_TEXT = re.compile(r"[\x20-\x7e]*")


@dataclass(frozen=True)
class Field:
    """One field of a record; ``constant`` is written when the value is absent and checked when read."""

    name: str
    start: int  # 1-based column, as the specifications number them
    length: int
    kind: Kind
    constant: str | None = None

    @property
    def end(self) -> int:
        """The column after the field (exclusive, 1-based)."""
        return self.start + self.length


@dataclass(frozen=True)
class Layout:
    """A record: its name, its length and its fields in column order, without overlap."""

    name: str
    length: int
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        column = 1
        for f in self.fields:
            if f.start < column or f.length < 1 or f.end > self.length + 1:
                raise ValueError(f"layout {self.name}: field {f.name} at {f.start}+{f.length} overlaps or overflows")
            if f.constant is not None:
                _encode(self, f, f.constant)  # a constant must itself fit its field
            column = f.end


def _problem(layout: Layout, f: Field, what: str, code: str) -> ValidationError:
    return ValidationError(f"Enregistrement {layout.name}, {f.name} (colonne {f.start}, {f.length} caractères) : "
                           f"{what}.", code=code, field=f.name)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _encode(layout: Layout, f: Field, value: object) -> str:
    """One field's characters, padded as its kind says."""
    if value is None or value == "":
        return " " * f.length if f.kind in (Kind.ALPHA, Kind.TEXT) else "0" * f.length
    if f.kind is Kind.TEXT:
        text = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)) \
            if isinstance(value, str) else ""
        if not isinstance(value, str) or not _TEXT.fullmatch(text):
            raise _problem(layout, f, "texte imprimable sans accent attendu", "format_text")
        return _fit(layout, f, text.ljust(f.length))
    if f.kind is Kind.ALPHA:
        text = _fold(value) if isinstance(value, str) else ""
        if not isinstance(value, str) or not _ALPHA.fullmatch(text):
            raise _problem(layout, f, "lettres sans accent, chiffres ou espaces attendus", "format_alpha")
        return _fit(layout, f, text.ljust(f.length))
    if f.kind is Kind.DATE:
        if not isinstance(value, date):
            raise _problem(layout, f, "date attendue", "format_date")
        return f"{value:%y%m%d}"
    if f.kind is Kind.AMOUNT:
        try:
            cents = int(parse_amount(value) * 100)
        except MoneyError:
            raise _problem(layout, f, "montant positif en euros attendu (2 décimales au plus)",
                           "format_amount") from None
        return _fit(layout, f, str(cents).rjust(f.length, "0"))
    is_count = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if is_count and value >= 10 ** f.length:  # before str(): huge ints cannot print
        raise _problem(layout, f, f"{f.length} chiffres au plus", "too_long")
    text = str(value) if is_count else value if isinstance(value, str) else ""
    if not (is_count or isinstance(value, str)) or not text or not _DIGITS.fullmatch(text):
        raise _problem(layout, f, "chiffres attendus", "format_numeric")
    return _fit(layout, f, text.rjust(f.length, "0"))


def _fit(layout: Layout, f: Field, text: str) -> str:
    if len(text) > f.length:
        raise _problem(layout, f, f"{len(text)} caractères pour {f.length}", "too_long")
    return text


def write(layout: Layout, values: Mapping[str, object]) -> str:
    """The record as one line of ``layout.length`` characters; unknown names are refused, not ignored."""
    unknown = sorted(set(values) - {f.name for f in layout.fields})
    if unknown:
        raise ValidationError(f"Enregistrement {layout.name} : champ inconnu « {unknown[0]} ».",
                              code="unknown_field", field=unknown[0])
    parts: list[str] = []
    column = 1
    for f in layout.fields:
        parts.append(" " * (f.start - column))
        parts.append(_encode(layout, f, values.get(f.name, f.constant)))
        column = f.end
    parts.append(" " * (layout.length + 1 - column))
    return "".join(parts)


def read(layout: Layout, line: str) -> dict[str, object]:
    """The fields of one record: ``N`` and ``D`` as their digit strings (the century of a date is the reader's
    to decide), ``A`` without its padding, ``M`` as a ``Decimal`` in euros."""
    if not isinstance(line, str) or len(line) != layout.length:
        size = len(line) if isinstance(line, str) else 0
        raise ValidationError(f"Enregistrement {layout.name} : {layout.length} caractères attendus, {size} lus.",
                              code="record_length", field=layout.name)
    out: dict[str, object] = {}
    for f in layout.fields:
        raw = line[f.start - 1:f.end - 1]
        if f.kind is Kind.ALPHA:
            if not _ALPHA.fullmatch(raw):
                raise _problem(layout, f, f"« {raw} » : lettres sans accent, chiffres ou espaces attendus",
                               "format_alpha")
            value: object = raw.rstrip()
        elif f.kind is Kind.TEXT:
            if not _TEXT.fullmatch(raw):
                raise _problem(layout, f, "texte imprimable sans accent attendu", "format_text")
            value = raw.rstrip()
        elif not _DIGITS.fullmatch(raw):
            raise _problem(layout, f, f"« {raw} » : chiffres attendus", "format_numeric")
        else:
            value = (Decimal(int(raw)) * CENT) if f.kind is Kind.AMOUNT else raw
        if f.constant is not None and raw != _encode(layout, f, f.constant):
            raise _problem(layout, f, f"« {raw} » lu, « {f.constant} » attendu", "record_constant")
        out[f.name] = value
    return out
