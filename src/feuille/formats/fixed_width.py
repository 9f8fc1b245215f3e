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

Speed (a return file holds hundreds of thousands of records): each layout is compiled once, on first use, into
a :class:`Plan` cached on it: one ``%`` template with the blank columns in place and one encoder per field for
writing; one regular expression of the whole record for reading, its groups converted by kind. The encoders
take a short path for the common values (ASCII text, ``int``, ``Decimal``, ``date``) and hand everything else,
errors included, to :func:`_encode`, the field-by-field rule above; a record the expression refuses is read
again field by field (:func:`_read_fields`) for the message naming the first bad field.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cached_property, lru_cache

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

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        """Layouts key caches record after record: their hash is computed once (they are frozen)."""
        return hash((self.name, self.length, self.fields))

    @cached_property
    def plan(self) -> Plan:
        """The layout compiled for :func:`write` and :func:`read` (computed once, kept on the layout)."""
        return _compile(self)


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


_ALPHA_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
_PATTERN_OF = {Kind.NUMERIC: "[0-9]", Kind.DATE: "[0-9]", Kind.AMOUNT: "[0-9]", Kind.ALPHA: "[A-Z0-9 ]",
               Kind.TEXT: "[\\x20-\\x7e]"}
Encoder = Callable[[object], str]


@lru_cache(maxsize=4096)  # amounts recur (zeros, tariffs): a Decimal is immutable, one object serves them all
def _euros(cents: str) -> Decimal:
    return Decimal(cents).scaleb(-2)  # exact: the digits are kept, the exponent moves


#: What :func:`read` gives for a field's characters, once checked: digits as read (``str`` of a ``str`` is
#: itself), text without its padding, amounts in euros.
_READERS: dict[Kind, Callable[[str], object]] = {
    Kind.NUMERIC: str, Kind.DATE: str, Kind.ALPHA: str.rstrip, Kind.TEXT: str.rstrip, Kind.AMOUNT: _euros}


@dataclass(frozen=True)
class Plan:
    """A layout compiled: what :func:`write` and :func:`read` do per record, worked out once per layout."""

    names: frozenset[str]
    template: str                                        # "%s" per field, blank columns as spaces
    writers: tuple[tuple[str, Encoder, str | None], ...]  # name, encoder, constant, in column order
    pattern: re.Pattern[str]                             # the whole record, one group per field
    fields: tuple[str, ...]                              # the groups' names
    readers: tuple[Callable[[str], object], ...]         # each group's value, by kind
    gaps: tuple[tuple[int, int], ...]                    # columns no field covers (1-based, end exclusive)
    by_kind: Mapping[Kind, tuple[Field, ...]]            # the fields of each kind, in column order


def _compile(layout: Layout) -> Plan:
    template: list[str] = []
    pattern: list[str] = []
    gaps: list[tuple[int, int]] = []
    column = 1
    for f in layout.fields:
        if f.start > column:
            gaps.append((column, f.start))
            pattern.append(f".{{{f.start - column}}}")
        template.append(" " * (f.start - column) + "%s")
        pattern.append(f"({re.escape(_encode(layout, f, f.constant))})" if f.constant is not None
                       else f"({_PATTERN_OF[f.kind]}{{{f.length}}})")
        column = f.end
    if column <= layout.length:
        gaps.append((column, layout.length + 1))
        pattern.append(f".{{{layout.length + 1 - column}}}")
    template.append(" " * (layout.length + 1 - column))
    fields = layout.fields
    return Plan(
        names=frozenset(f.name for f in fields), template="".join(template),
        writers=tuple((f.name, _encoder(layout, f), f.constant) for f in fields),
        pattern=re.compile("".join(pattern), re.DOTALL), fields=tuple(f.name for f in fields),
        readers=tuple(_READERS[f.kind] for f in fields), gaps=tuple(gaps),
        by_kind={kind: tuple(f for f in fields if f.kind is kind) for kind in Kind})


def _encoder(layout: Layout, f: Field) -> Encoder:
    """The field's encoder: the short path of its kind for a common value, :func:`_encode` for the rest."""
    blank = (" " if f.kind in (Kind.ALPHA, Kind.TEXT) else "0") * f.length
    length = f.length

    def slow(value: object) -> str:
        return _encode(layout, f, value)

    def numeric(value: object) -> str:
        if type(value) is int and 0 <= value < limit:  # type(): bool and int subclasses take the slow path
            return str(value).rjust(length, "0")
        if type(value) is str and value.isascii() and value.isdigit() and len(value) <= length:
            return value.rjust(length, "0")
        return blank if value is None or value == "" else slow(value)

    def alpha(value: object) -> str:
        if type(value) is str and value and value.isascii():  # ASCII: folding accents is only upper()
            text = value.upper()
            if len(text) <= length and not text.strip(_ALPHA_CHARS):
                return text.ljust(length)
        return blank if value is None or value == "" else slow(value)

    def text(value: object) -> str:
        if type(value) is str and value and value.isascii() and value.isprintable() and len(value) <= length:
            return value.ljust(length)  # printable ASCII is exactly \x20-\x7e
        return blank if value is None or value == "" else slow(value)

    def day(value: object) -> str:
        if type(value) is date:
            return f"{value.year % 100:02d}{value.month:02d}{value.day:02d}"
        return blank if value is None or value == "" else slow(value)

    def amount(value: object) -> str:
        if type(value) is Decimal and value.is_finite():
            digits = _cents(value)
            if digits is not None and len(digits) <= length:
                return digits.rjust(length, "0")
        return blank if value is None or value == "" else slow(value)

    limit = 10 ** length
    return {Kind.NUMERIC: numeric, Kind.ALPHA: alpha, Kind.TEXT: text, Kind.DATE: day, Kind.AMOUNT: amount}[f.kind]


@lru_cache(maxsize=4096)  # amounts recur (zeros, tariffs); equal Decimals have the same cents
def _cents(value: Decimal) -> str | None:
    """A finite ``Decimal`` of euros as its digits of cents; None when it is negative or has more than two
    decimals (or more digits than the context holds): :func:`_encode` then says what is wrong."""
    try:
        cents = value.quantize(CENT)
    except InvalidOperation:
        return None
    return str(int(cents.scaleb(2))) if cents == value and cents >= 0 else None


def write(layout: Layout, values: Mapping[str, object]) -> str:
    """The record as one line of ``layout.length`` characters; unknown names are refused, not ignored."""
    plan = layout.plan
    if not plan.names.issuperset(values):
        unknown = sorted(set(values) - plan.names)
        raise ValidationError(f"Enregistrement {layout.name} : champ inconnu « {unknown[0]} ».",
                              code="unknown_field", field=unknown[0])
    get = values.get
    return plan.template % tuple([encode(get(name, constant)) for name, encode, constant in plan.writers])


def read(layout: Layout, line: str) -> dict[str, object]:
    """The fields of one record: ``N`` and ``D`` as their digit strings (the century of a date is the reader's
    to decide), ``A`` without its padding, ``M`` as a ``Decimal`` in euros."""
    if not isinstance(line, str) or len(line) != layout.length:
        size = len(line) if isinstance(line, str) else 0
        raise ValidationError(f"Enregistrement {layout.name} : {layout.length} caractères attendus, {size} lus.",
                              code="record_length", field=layout.name)
    plan = layout.plan
    match = plan.pattern.fullmatch(line)
    if match is None:
        return _read_fields(layout, line)  # raises, naming the first field that does not read
    return dict(zip(plan.fields, map(operator.call, plan.readers, match.groups()), strict=True))


def _read_fields(layout: Layout, line: str) -> dict[str, object]:
    """The field-by-field reading: what the compiled expression checks at once, one field at a time, so that a
    problem names its field."""
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
