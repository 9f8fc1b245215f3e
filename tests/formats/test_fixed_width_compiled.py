"""The compiled engine (a plan per layout: template, encoders, one expression) against a straightforward reading
of the layout table, written here from the rules of ``fixed_width``'s docstring, for random layouts and values.

The reference checks each field on its own, in column order, and says which error code the first bad field
gives; the engine must give the same characters, the same values, or a ValidationError with that code.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.errors import ValidationError
from feuille.formats import b2, noemie
from feuille.formats.fixed_width import Field, Kind, Layout, read, write
from feuille.money import MoneyError, parse_amount

ALPHA = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")
DIGITS = set("0123456789")
PRINTABLE = {chr(c) for c in range(0x20, 0x7F)}


@dataclass
class Refused(Exception):
    code: str


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fit(text: str, length: int) -> str:
    if len(text) > length:
        raise Refused("too_long")
    return text


def ref_field(f: Field, value: object) -> str:
    """One field as the table says it is written."""
    if value is None or value == "":
        return (" " if f.kind in (Kind.ALPHA, Kind.TEXT) else "0") * f.length
    if f.kind in (Kind.ALPHA, Kind.TEXT):
        allowed, code = (ALPHA, "format_alpha") if f.kind is Kind.ALPHA else (PRINTABLE, "format_text")
        if not isinstance(value, str):
            raise Refused(code)
        text = _fold(value).upper() if f.kind is Kind.ALPHA else _fold(value)
        if not set(text) <= allowed:
            raise Refused(code)
        return _fit(text, f.length).ljust(f.length)
    if f.kind is Kind.DATE:
        if not isinstance(value, date):
            raise Refused("format_date")
        return value.strftime("%y%m%d")
    if f.kind is Kind.AMOUNT:
        try:
            cents = int(parse_amount(value) * 100)
        except MoneyError:
            raise Refused("format_amount") from None
        return _fit(str(cents), f.length).rjust(f.length, "0")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if value >= 10 ** f.length:
            raise Refused("too_long")
        return str(value).rjust(f.length, "0")
    if not isinstance(value, str) or not set(value) <= DIGITS:
        raise Refused("format_numeric")
    return _fit(value, f.length).rjust(f.length, "0")


def ref_write(layout: Layout, values: dict[str, object]) -> str:
    names = {f.name for f in layout.fields}
    if set(values) - names:
        raise Refused("unknown_field")
    line = [" "] * layout.length
    for f in layout.fields:
        line[f.start - 1:f.end - 1] = ref_field(f, values.get(f.name, f.constant))
    return "".join(line)


def ref_read(layout: Layout, line: str) -> dict[str, object]:
    if len(line) != layout.length:
        raise Refused("record_length")
    out: dict[str, object] = {}
    for f in layout.fields:
        raw = line[f.start - 1:f.end - 1]
        if f.kind in (Kind.ALPHA, Kind.TEXT):
            allowed, code = (ALPHA, "format_alpha") if f.kind is Kind.ALPHA else (PRINTABLE, "format_text")
            if not set(raw) <= allowed:
                raise Refused(code)
            out[f.name] = raw.rstrip()
        elif not set(raw) <= DIGITS:
            raise Refused("format_numeric")
        else:
            out[f.name] = (Decimal(int(raw)) / 100).quantize(Decimal("0.01")) if f.kind is Kind.AMOUNT else raw
        if f.constant is not None and raw != ref_field(f, f.constant):
            raise Refused("record_constant")
    return out


def same(engine: object, reference: object) -> None:
    """The engine's outcome (a result or a ValidationError) is the reference's."""
    if isinstance(reference, Refused):
        assert isinstance(engine, ValidationError), (engine, reference)
        assert engine.code == reference.code, (engine.code, reference.code, engine.message)
    else:
        assert not isinstance(engine, Exception), (engine, reference)
        assert engine == reference
        assert repr(engine) == repr(reference)  # Decimals too: same digits, same exponent


def outcome(function: object, *args: object) -> object:
    try:
        return function(*args)  # type: ignore[operator]
    except (ValidationError, Refused) as error:
        return error


KINDS = list(Kind)
CONSTANT = {Kind.NUMERIC: st.text("0123456789", min_size=1, max_size=3), Kind.ALPHA: st.text("AZ09 ", max_size=3),
            Kind.TEXT: st.text("@aZ-!", max_size=3), Kind.DATE: st.none(), Kind.AMOUNT: st.none()}


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    fields, column = [], 1
    for n in range(draw(st.integers(1, 8))):
        column += draw(st.integers(0, 3))
        kind = draw(st.sampled_from(KINDS))
        length = 6 if kind is Kind.DATE else draw(st.integers(1, 12))
        constant = draw(st.none() | CONSTANT[kind].filter(lambda c, n=length: c is None or len(c) <= n))
        fields.append(Field(f"f{n}", column, length, kind, constant=constant or None))
        column += length
    return Layout("x", column - 1 + draw(st.integers(0, 3)), tuple(fields))


SIZED = st.integers(1, 14).flatmap(lambda k: st.integers(10 ** (k - 1), 10**k - 1))  # every width, its edges
VALUES = st.one_of(
    st.none(), st.just(""), st.integers(-5, 10**13), SIZED, st.booleans(), st.floats(allow_nan=True),
    st.text("0123456789", min_size=1, max_size=14), SIZED.map(str),
    st.text("abcXYZ09 -'éÉçœ\t€😴", max_size=14), st.text("aZ 9~\t\x00\x7f", max_size=14),
    st.text(st.characters(max_codepoint=0x17F), max_size=14),
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    (SIZED | st.integers(-10**13, 0)).flatmap(lambda n: st.sampled_from(
        [Decimal(n) / 100, Decimal(n) / 1000, Decimal(n).scaleb(-2), Decimal(n), Decimal(n).scaleb(-3)])),
    st.dates(), st.datetimes().map(datetime.date), st.datetimes(), st.just(Decimal("-0.00")),
    st.text("0123456789,. ", min_size=1, max_size=8))


@given(layout=layouts(), data=st.data())
@settings(max_examples=400)
def test_writing_matches_the_table(layout: Layout, data: st.DataObject) -> None:
    names = [f.name for f in layout.fields]
    values = data.draw(st.dictionaries(st.sampled_from([*names, "other"]), VALUES, max_size=len(names)))
    if "other" in values and data.draw(st.booleans()):
        del values["other"]
    same(outcome(write, layout, values), outcome(ref_write, layout, values))


def _raw(f: Field) -> st.SearchStrategy[str]:
    good = {Kind.ALPHA: "AZ09 ", Kind.TEXT: "aZ @~-"}.get(f.kind, "0123456789")
    return st.text(good, min_size=f.length, max_size=f.length) | st.text(
        good + "a é\x00\x7f:", min_size=f.length, max_size=f.length)


@given(layout=layouts(), data=st.data())
@settings(max_examples=400)
def test_reading_matches_the_table(layout: Layout, data: st.DataObject) -> None:
    line = [data.draw(st.text(" x", min_size=layout.length, max_size=layout.length))]
    chars = list(line[0])
    for f in layout.fields:
        use_constant = f.constant is not None and data.draw(st.booleans())
        chars[f.start - 1:f.end - 1] = ref_field(f, f.constant) if use_constant else data.draw(_raw(f))
    text = "".join(chars)
    if data.draw(st.integers(0, 9)) == 0:
        text = text[:-1] if data.draw(st.booleans()) else text + " "
    same(outcome(read, layout, text), outcome(ref_read, layout, text))


REAL = [*b2.LAYOUTS.values(), b2.SIGNATURE_HEAD, b2.SIGNATURE_DATA, *noemie.ENTITIES.values(), noemie.HEADER,
        noemie.TRAILER]


@pytest.mark.parametrize("layout", REAL, ids=lambda layout: layout.name)
@given(data=st.data())
@settings(max_examples=30)
def test_the_real_layouts_write_and_read_as_their_table_says(layout: Layout, data: st.DataObject) -> None:
    values = data.draw(st.fixed_dictionaries({}, optional={f.name: VALUES for f in layout.fields}))
    written = outcome(write, layout, values)
    same(written, outcome(ref_write, layout, values))
    if isinstance(written, str):
        same(outcome(read, layout, written), outcome(ref_read, layout, written))


def _edge_values(kind: Kind, width: int) -> st.SearchStrategy[object]:
    """Values of about the field's width: one short, exact, one over."""
    count = st.sampled_from([max(width - 1, 1), width, width + 1])
    digits = count.flatmap(lambda k: st.integers(10 ** (k - 1), 10**k - 1))
    if kind is Kind.AMOUNT:
        return digits.map(lambda n: Decimal(n).scaleb(-2)) | digits.map(lambda n: Decimal(n) / 10)
    if kind is Kind.NUMERIC:
        return digits | digits.map(str) | count.map(lambda k: "0" * k)
    letters = "Ab 9" if kind is Kind.ALPHA else "Ab 9-'\x7f"
    return count.flatmap(lambda k: st.text(letters, min_size=k, max_size=k))


@given(kind=st.sampled_from([Kind.NUMERIC, Kind.ALPHA, Kind.TEXT, Kind.AMOUNT]), width=st.integers(1, 12),
       gap=st.integers(0, 2), data=st.data())
def test_values_at_the_edge_of_their_width(kind: Kind, width: int, gap: int, data: st.DataObject) -> None:
    layout = Layout("x", gap + width + gap, (Field("f", gap + 1, width, kind),))
    values = {"f": data.draw(_edge_values(kind, width))}
    written = outcome(write, layout, values)
    same(written, outcome(ref_write, layout, values))
    if isinstance(written, str):
        same(outcome(read, layout, written), outcome(ref_read, layout, written))
