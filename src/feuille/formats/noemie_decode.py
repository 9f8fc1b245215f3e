"""Decoding one NOEMIE entity into what the models hold: the one place where an entity's text becomes values.

Each layout of ``formats/noemie.py`` is compiled once into a **strict** regular expression (its constants, its level
``noemie.LEVELS``, the header's record length ``128``, the sign characters ``N``/``P`` and the blank columns written
in, one group per other field, of its kind's characters) and a **builder**: a function generated from the table
below (model attribute ← layout field, conversion), which turns the groups into the model in one call. Positions
exist only in the layouts; the builders only name fields.

Speed: a return holds a million entities. The builders are generated Python (as ``dataclasses`` does), without a
per-field dispatch; amounts and dates are cached (they recur); the frozen models are made without their
``__init__`` (:func:`make`: a frozen dataclass of 25 fields costs 5 µs to build through ``object.__setattr__``,
filling its ``__dict__`` 0.6 µs; every field is given, and ``tests/formats/test_noemie_stream.py`` checks the
models made so equal those built normally).

An entity the strict expression refuses, or whose date does not exist, is read again by :func:`explain`, field by
field (``noemie.decode``), for the French message naming the first bad field.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from feuille.errors import ValidationError, quoted
from feuille.formats.fixed_width import Kind, Layout
from feuille.formats.noemie import (
    ENTITIES,
    HEADER,
    LABELS,
    LEVELS,
    NEGATIVE,
    POSITIVE,
    RECORD,
    TRAILER,
    decode,
    field_problem,
    join_sign,
    read_date,
)
from feuille.formats.noemie_file import (
    Act,
    AmcShare,
    Beneficiary,
    Header,
    Insured,
    Message,
    Movement,
    OneOffDetail,
    Patient,
    RejectLine,
    Share,
    Transfer,
)

SIGNED = {"198": "paid", "199": "paid", "210": "reimbursed", "250": "amount", "990": "total", "999": "total"}
_PATTERN_OF = {Kind.NUMERIC: "[0-9]", Kind.DATE: "[0-9]", Kind.AMOUNT: "[0-9]", Kind.ALPHA: "[A-Z0-9 ]",
               Kind.TEXT: "[\\x20-\\x7e]"}


class BadEntity(Exception):
    """The strict reading failed: :func:`explain` says why."""


def make(cls: type, values: dict[str, object]) -> Any:
    """A frozen dataclass from all its field values, without its ``__init__`` (see the module's docstring)."""
    made: Any = object.__new__(cls)
    made.__dict__.update(values)
    return made


class _Cache(dict[str, Any]):
    """Values read before, by their characters: amounts, dates and codes recur in a return (the same tariffs,
    the same days); a miss computes the value (:meth:`__missing__`), a file of all different ones empties it."""

    def __init__(self, compute: Callable[[str], Any]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, text: str) -> Any:
        if len(self) > 50_000:
            self.clear()
        value = self[text] = self.compute(text)
        return value


def _day(text: str) -> date | None:
    """AAMMJJ in the 2000s (``noemie.read_date``); zeros are no date; one that does not exist is refused."""
    if text == "000000":
        return None
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise BadEntity from None


def _optional(text: str) -> str:
    """A numeric code that may be absent: all zeros is absent."""
    return "" if text.strip("0") == "" else text


EUROS = _Cache(lambda cents: Decimal(cents).scaleb(-2))
DAYS = _Cache(_day)
OPTIONAL = _Cache(_optional)


#: What each entity decodes to: a model (class, attribute → (field, conversion)) or one value (field,
#: conversion), several giving a tuple. Conversions: s text as read (A and T without their padding, N digits as
#: read), i int, o optional code, m amount, g signed amount (its ``sign`` field), d date or None.
Out = tuple[type, dict[str, tuple[str, str]]] | tuple[str, str]


def _model(cls: type, conversions: str, **renamed: str) -> Out:
    """``conversions``: ``attribute:conversion`` words, in any order; ``renamed``: attribute=field."""
    pairs = (word.split(":") for word in conversions.split())
    return cls, {name: (renamed.get(name, name), conv) for name, conv in pairs}


def _values(conversions: str) -> tuple[Out, ...]:
    """Values without a model: ``field:conversion`` words, in this order."""
    return tuple((name, conv) for name, conv in (word.split(":") for word in conversions.split()))


_ENVELOPE = ("emitter_type:s emitter_number:s emitter_program:s recipient_type:s recipient_number:s "
             "recipient_program:s application:s file_id:s")
SPECS: dict[str, tuple[Out, ...]] = {
    "000": (_model(Header, _ENVELOPE + " created:d reference:s version:s compression:s encryption:s currency:s "
                   "flow:s message:s"),),
    "999": _values(_ENVELOPE + " record_count:i flow:s lot_count:i total:g"),
    "020": (("payee", "s"),), "040": (("payee", "s"),), "070": (("date", "d"),),
    "071": (("date", "d"), _model(Transfer, "label_1:s label_2:s paying_organism:s")),
    "080": (("lot_date", "d"), ("lot_number", "i")), "081": (("kind", "s"), ("place", "s")),
    "100": (("invoice_number", "s"),),
    "102": _values("invoice_number:s number_complement:s lot_number:s lot_date:d invoice_type:s invoice_date:d "
                   "amc_processing:s insurance_nature:s"),
    "103": (_model(Beneficiary, "nir:s nir_key:o birth_name:s usual_name:s first_name:s patient_nir:s "
                   "patient_nir_key:o birth_date:o rank:o patient_name:s patient_first_name:s management_unit:o"),),
    "110": (_model(Insured, "nir:s nir_key:o name_type:s name:s first_name:s"),),
    "120": (_model(Patient, "birth_date:o rank:s name:s first_name:s management_unit:s"),),
    "150": (("nature", "s"),), "160": (("archive_number", "o"),),
    "198": (_model(Share, "claimed:m status:s paid:g"),),
    "199": (_model(AmcShare, "claimed:m status:s paid:g amc_number:o member_id:s"),),
    "210": (_model(Act, "line:i act_code:s reimbursed:g base:m unit_price:m rate:i quantity:i coefficient:o "
                   "count:i complement:s management_code:o exoneration:s processing_mode:o discipline:o "
                   "prescription_date:d care_start:d care_end:d expense:m expense_qualifier:s local_rate:i "
                   "local_amount:m amc_rate:i amc_amount:m amc_base:m"),),
    "250": (_model(Movement, "line:i debt_reference:s debt_nature:s operation:s amount:g debt_date:d remaining:m"),),
    "261": (("code", "s"), ("amount", "m")),
    "262": (_model(OneOffDetail, "code:s label:s nir:s nir_key:o birth_date:o rank:o period:s start:d end:d "
                   "amount:m", end="end_date"),),
    "290": (_model(Message, "line:i code:s label:s"),),
    "294": (_model(RejectLine, "code:s label:s reject_level:s share:s act:s care_date:d performer:o line:i "
                   "rank:i information:s"),),
    "990": (("closes", "s"), ("count", "i"), ("total", "g")),
}


def _strict(layout: Layout) -> tuple[re.Pattern[str], dict[str, int]]:
    """The layout's strict expression and the group index of each field read from it."""
    pattern: list[str] = []
    groups: dict[str, int] = {}
    column = 1
    for f in layout.fields:
        if f.start > column:
            pattern.append(f" {{{f.start - column}}}")
        fixed = f.constant if f.constant is not None else (
            LEVELS[layout.name] if f.name == "level" and layout.name in LEVELS
            else str(RECORD) if layout is HEADER and f.name == "record_length" else None)
        if fixed is not None:
            pattern.append(re.escape(fixed))
        elif f.name == "sign":
            groups[f.name] = len(groups)
            pattern.append(f"([{NEGATIVE}{POSITIVE}])")
        else:
            groups[f.name] = len(groups)
            pattern.append(f"({_PATTERN_OF[f.kind]}{{{f.length}}})")
        column = f.end
    if column <= layout.length:
        pattern.append(f" {{{layout.length + 1 - column}}}")
    return re.compile("".join(pattern), re.DOTALL), groups


def _expression(layout: Layout, groups: dict[str, int], field: str, conversion: str) -> str:
    g = f"g[{groups[field]}]"
    kind = next(f.kind for f in layout.fields if f.name == field)
    sign = f"g[{groups.get('sign', -1)}]"
    return {"s": f"{g}.rstrip()" if kind in (Kind.ALPHA, Kind.TEXT) else g, "i": f"int({g})",
            "o": f"O[{g}]", "m": f"E[{g}]", "g": f"(-E[{g}] if {sign} == {NEGATIVE!r} else E[{g}])",
            "d": f"D[{g}]"}[conversion]


def _builder(layout: Layout, outs: tuple[Out, ...]) -> Callable[[str], Any]:
    """The generated function: entity text → its values (see ``SPECS``); raises :class:`BadEntity`."""
    pattern, groups = _strict(layout)
    parts = []
    names: dict[str, object] = {"match": pattern.fullmatch, "BadEntity": BadEntity, "make": make,
                                "new": object.__new__, "E": EUROS, "D": DAYS, "O": OPTIONAL}
    for out in outs:
        if isinstance(out[0], str):
            parts.append(_expression(layout, groups, out[0], str(out[1])))
        else:
            cls, fields = out
            assert isinstance(cls, type) and isinstance(fields, dict)
            assert set(fields) == {f.name for f in dataclasses.fields(cls)}, cls   # every field given (make)
            names[cls.__name__] = cls
            items = ", ".join(f"{name!r}: {_expression(layout, groups, field, conv)}"
                              for name, (field, conv) in fields.items())
            parts.append(f"make({cls.__name__}, {{{items}}})")
    value = parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
    if len(parts) == 1 and value.startswith("make("):   # one model: made here, one call less per entity
        cls_name, items = value[5:-1].split(", ", 1)
        value = f"new({cls_name})\n    o.__dict__.update({items})"
        body = f"    o = {value}\n    return o\n"
    else:
        body = f"    return {value}\n"
    source = (f"def build_{layout.name}(text):\n    m = match(text)\n    if m is None:\n        raise BadEntity\n"
              f"    g = m.groups()\n{body}")
    exec(source, names)
    built = names[f"build_{layout.name}"]
    assert callable(built)
    return built


LAYOUTS: dict[str, Layout] = {**ENTITIES, "000": HEADER, "999": TRAILER}
BUILDERS: dict[str, Callable[[str], Any]] = {kind: _builder(LAYOUTS[kind], outs) for kind, outs in SPECS.items()}


def explain(kind: str, text: str, number: int) -> ValidationError:
    """Why the entity ``text`` of type ``kind`` does not read: the first bad field, in French."""
    layout = LAYOUTS[kind]
    try:
        values = decode(layout, text, number)
        _check_level(layout, values, number)
        for f in layout.plan.by_kind[Kind.DATE]:
            read_date(layout.name, f.name, values[f.name], number)
        if (amount := SIGNED.get(layout.name)) is not None:
            join_sign(layout.name, values[amount], values["sign"], number)
    except ValidationError as error:
        return error
    return field_problem(kind, None, "noemie_entity", entity=number)   # the strict reading is stricter: a bug


def _check_level(layout: Layout, values: dict[str, object], number: int) -> None:
    """The level each entity is written with (``noemie.LEVELS``), and the header's record length."""
    expected = LEVELS.get(layout.name, values.get("level"))
    if layout is HEADER and values["record_length"] != str(RECORD):
        expected, values = str(RECORD), {"level": values["record_length"]}
    if values.get("level") != expected:
        name = "record_length" if layout is HEADER else "level"
        raise ValidationError(f"NOEMIE, entité {number} ({layout.name}), {LABELS[name]} : "
                              f"{quoted(values.get('level'))} lu, « {expected} » attendu.",
                              code="noemie_level", field=name)
