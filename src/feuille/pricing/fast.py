"""The compiled fast path of the pricing contract: same output document, in exact integer cents.

The reference is ``read_invoice`` → ``price`` → ``result_to_json``: every check, every message, in
``Decimal``. This module gives byte for byte the same output document for the documents it knows and
returns ``None`` for any other, which the reference then prices (``price_document``). It knows a
document when the reference has already read and remembered each of its objects without a warning
(``memo``), its tariffs and rate decisions are in ``Lookups``, and its acts follow the usual rules;
errors, ignored keys, first sightings, grouping, CCAM modifiers and supplements, CCAM prices from the
imported table and NGAP acts carrying CCAM fields all go to the reference. It never raises a
``ValidationError`` of its own, and the only French words here are the skeletons of the trace lines
(the rest comes ready-made from ``Lookups``). ``tests/pricing/test_fast.py`` compares the two paths.

Amounts are integers of cents, rates and percentages scaled to integers, so every product is exact
like the ``Decimal`` one and each rounding to the cent is ROUND_HALF_UP done by integer division. The
spread of a fixed AMC amount reproduces the 28-digit ``Decimal`` quotients of ``amc.spread`` with
Python integers, so that the cents left go to the same lines.

Cython compiles this file into C (``setup.py``; ``cython.compiled`` says which one runs). As plain
Python it gives the same results, slowly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import cython

from feuille.nomenclature.rates import default_rates
from feuille.pricing.cents import spread, typed_cents
from feuille.pricing.contract import _DATES, OVERRIDE_KEYS, TOP_KEYS, TP_KEYS
from feuille.pricing.fees import OVERRUN_QUALIFIERS, is_ccam
from feuille.pricing.lookups import LIMIT, Lookups, fr_date, lookups_for
from feuille.pricing.memo import memos_for, remember
from feuille.pricing.model import ONE

COMPILED: bool = cython.compiled
TEXTS = 200_000  # amounts up to 1,999.99 have their text kept in ``_TEXTS``
_TEXTS: list[str | None] = [None] * TEXTS
_EMPTY: dict[str, Any] = {}
_MISS = object()
_DAYS: dict[object, tuple[date, str]] = {}  # "2025-01-01" -> (its date, "01/01/2025")
_ACTS: dict[tuple[object, ...], _Act] = {}  # the reference's act memo key -> the act in cents
_UNITS: dict[tuple[object, ...], tuple[int, str, bool]] = {}  # Lookups.units in cents
_AMCS: dict[int, tuple[object, object, int, int]] = {}  # id(contract) -> (contract, Formula, percent, fixed)
_TYPED: dict[str, int] = {}  # "19.00" -> 1900 (-1: not in the fast path's form)
_TABLES: list[Any] = []  # (Lookups, Memos) of the shipped tables


@cython.cclass
class _Act:
    """An act as the reference remembered it, its amounts in cents (-1: not given) and its fixed words."""

    supported: cython.bint
    ccam: cython.bint
    code: str
    day: object  # its own date, None for the invoice's
    day_text: object
    quantity: cython.longlong
    coefficient: cython.longlong  # hundredths
    coefficient_text: str
    unit: cython.longlong
    unit_text: str
    total: cython.longlong
    base: cython.longlong
    finish: cython.bint  # a manual total, a base or a qualifier: ``fees.finish`` applies
    qualifier: cython.int  # 0: none, 1: free (G), 2: not reimbursed (N), 3: reimbursed (E, A)
    qualifier_note: str
    overrun_ok: cython.bint
    exoneration: object
    share: cython.longlong  # CCAM association, percent
    ccam_words: str


@cython.cclass
class _Line:
    act: _Act
    number: cython.longlong
    total: cython.longlong
    base: cython.longlong
    amo: cython.longlong
    amc: cython.longlong
    reimbursed: cython.bint
    majoration: cython.bint
    rate: Any  # lookups.Rate
    notes: list[str]


@cython.cfunc
@cython.inline
def _round(n: cython.longlong, d: cython.longlong) -> cython.longlong:
    """n / d rounded half-up (away from zero on a tie), as ``quantize(CENT, ROUND_HALF_UP)``."""
    if n >= 0:
        return (2 * n + d) // (2 * d)
    return -((-2 * n + d) // (2 * d))


@cython.cfunc
def _text(cents: cython.longlong) -> str:
    """An amount as ``str(Decimal)`` writes a value rounded to the cent: ``23.00``, ``-2.90``.

    The texts of amounts under ``TEXTS`` cents are kept in a list, written on first use (most amounts of a
    practice are small and recur: an index costs far less than formatting).
    """
    if cents < 0:
        return "-" + _text(-cents)
    if cents >= TEXTS:
        return f"{cents // 100}.{cents % 100:02d}"
    found = _TEXTS[cents]
    if found is None:
        found = _TEXTS[cents] = f"{cents // 100}.{cents % 100:02d}"
    return found


def _cents(value: Decimal) -> int:
    """A ``Decimal`` with at most two decimals, in hundredths (exact)."""
    return int(value.scaleb(2))


@cython.cfunc
def _typed_cents(value: object) -> cython.longlong:
    """An amount typed as a JSON string (``cents.typed_cents``), remembered; -1 for any other form."""
    if type(value) is not str:
        return -1
    found = _TYPED.get(value)
    if found is None:
        found = typed_cents(value)
        remember(_TYPED, value, found, LIMIT)
    return found


@cython.cfunc
def _key(raw: dict[Any, Any]) -> tuple[object, ...]:
    """The reference's memo key of a JSON object: its keys, its values, the types of its values (``memo``)."""
    size: cython.Py_ssize_t = len(raw)
    parts: list[object] = [None] * (3 * size)
    i: cython.Py_ssize_t
    for i, (name, value) in enumerate(raw.items()):
        parts[i] = name
        parts[size + i] = value
        parts[2 * size + i] = type(value)
    return tuple(parts)


@cython.cfunc
def _remembered(raw: object, store: dict[Any, Any]) -> object:
    """What the reference remembered for the JSON object ``raw`` without a warning (``memo``), else _MISS."""
    if type(raw) is not dict:
        return _MISS
    try:
        found = store.get(_key(raw))
    except TypeError:  # a list inside
        return _MISS
    if found is None or found[1]:
        return _MISS
    return found[0]


@cython.cfunc
def _day(raw: object) -> object:
    if type(raw) is not str:
        return None
    found = _DAYS.get(raw)
    if found is None:
        on = _DATES.get(raw)  # the dates the reference has read
        if on is None:
            return None
        found = (on, fr_date(on))
        remember(_DAYS, raw, found, LIMIT)
    return found


def _read_act(code: str, on: date | None, rest: tuple[Any, ...], lookups: Lookups) -> _Act:
    """The act in cents, with ``supported`` False for what only the reference prices."""
    (quantity, coefficient, unit_price, total, base, qualifier, activity, phase, association, modifiers, supplement,
     exoneration) = rest
    act = _Act()
    act.code = code
    act.ccam = is_ccam(code)
    # CCAM: a typed price, no modifier nor supplement; NGAP: no CCAM field (the reference warns about them).
    act.supported = (unit_price is not None and not modifiers and not supplement if act.ccam
                     else not modifiers and association is None)
    act.day = on
    act.day_text = None if on is None else fr_date(on)
    act.quantity = quantity
    act.coefficient = _cents(coefficient)
    act.coefficient_text = "1" if coefficient is ONE else str(coefficient)
    act.unit = -1 if unit_price is None else _cents(unit_price)
    act.unit_text = "" if unit_price is None else str(unit_price)
    act.total = -1 if total is None else _cents(total)
    act.base = -1 if base is None else _cents(base)
    act.finish = total is not None or base is not None or qualifier is not None
    act.overrun_ok = qualifier in OVERRUN_QUALIFIERS
    act.qualifier = 0
    act.qualifier_note = ""
    if qualifier is not None:
        found = lookups.rates.qualifiers[qualifier]
        act.qualifier = 1 if found.free else 2 if not found.reimbursed else 3
        end = ", rien n'est facturé" if found.free else ", rien n'est remboursé" if not found.reimbursed else ""
        act.qualifier_note = f"{code} : qualificatif {found.code} ({found.label}){end}"
    act.exoneration = exoneration
    act.share = 0
    act.ccam_words = ""
    if act.ccam and act.supported:
        code_association = association or "1"
        act.share = lookups.rates.associations[code_association]
        act.ccam_words = (f" (prix saisi), activité {activity or '1'}, phase {phase or '0'}, "
                          f"association {code_association} ({act.share} %) = ")
    return act


@cython.cfunc
def _act(raw: object, lookups: Lookups, store: dict[Any, Any]) -> object:
    """The act of the JSON object ``raw`` in cents; None when the reference has not read it or must price it."""
    if type(raw) is not dict:
        return None
    key = _key(raw)
    try:
        cached = _ACTS.get(key)
    except TypeError:  # a list inside (modifiers)
        return None
    act: _Act
    if cached is None:
        found = store.get(key)
        if found is None:
            return None
        code, on, rest, unknown = found
        act = _read_act(code, on, rest, lookups)
        act.supported = act.supported and not unknown
        remember(_ACTS, key, act, LIMIT)
    else:
        act = cached
    return act if act.supported else None


@cython.cfunc
def _overrides(raw: object, count: cython.Py_ssize_t) -> object:
    """The parts changed by hand, per line: {line: [(amo, amc), ...]} in cents (-1: unchanged); None to refuse."""
    if not raw:
        return {}
    if type(raw) is not list:
        return None
    changes: dict[int, list[tuple[int, int]]] = {}
    for item in raw:
        if type(item) is not dict:
            return None
        for name in item:
            if name not in OVERRIDE_KEYS:
                return None
        line = item.get("line")
        if type(line) is not int or not 0 <= line < count:
            return None
        amo_raw, amc_raw = item.get("amo"), item.get("amc")
        amo: cython.longlong = -1 if amo_raw is None else _typed_cents(amo_raw)
        amc: cython.longlong = -1 if amc_raw is None else _typed_cents(amc_raw)
        if (amo < 0 and amo_raw is not None) or (amc < 0 and amc_raw is not None) or (amo < 0 and amc < 0):
            return None
        changes.setdefault(line, []).append((amo, amc))
    return changes


@cython.cfunc
def _contract(raw: object, store: dict[Any, Any], lookups: Lookups) -> object:
    """(contract, Formula or None, percent in hundredths or -1, fixed amount in cents or -1); None to refuse."""
    if raw is None:
        return (None, None, -1, -1)
    if type(raw) is not dict or isinstance(raw.get("percent"), Decimal):
        return None  # a JSON decimal percentage is kept as written, not remembered: the reference reads it
    contract = _remembered(raw, store)
    if contract is _MISS:
        return None
    if contract is None:
        return (None, None, -1, -1)
    found = _AMCS.get(id(contract))
    if found is not None and found[0] is contract:
        return found
    formula, percent, fixed = None, -1, -1
    if contract.amount is not None:
        fixed = _cents(contract.amount)
    else:
        code = contract.formula
        given = contract.percent if lookups.rates.amc_formulas[code].needs_percent else None
        if given is not None:
            sign, _, exponent = given.as_tuple()
            if sign or not isinstance(exponent, int) or exponent < -2:
                return None
            percent = _cents(given)
        formula = lookups.formula(code, given)
    found = (contract, formula, percent, fixed)
    if len(_AMCS) >= LIMIT:
        _AMCS.clear()
    _AMCS[id(contract)] = found  # the entry holds the contract: its id cannot be reused while it lives
    return found


def price_document(document: object) -> dict[str, Any] | None:
    """The output document of the contract for ``document`` (as ``json.loads(..., parse_float=Decimal)``
    gives it), or None when the reference must price it."""
    if type(document) is not dict:
        return None
    doc: dict[str, Any] = document
    for name in doc:
        if name not in TOP_KEYS:
            return None
    day = _day(doc.get("date"))
    raw_acts = doc.get("acts")
    if day is None or type(raw_acts) is not list or not 0 < len(raw_acts) <= 999:
        return None
    group = doc.get("group_identical", False)
    tp = doc.get("tiers_payant") or _EMPTY
    if group is not False or type(tp) is not dict:
        return None
    for name in tp:
        if name not in TP_KEYS:
            return None
    tp_amo, tp_amc = tp.get("amo", False), tp.get("amc", False)
    if type(tp_amo) is not bool or type(tp_amc) is not bool:
        return None
    if not _TABLES:  # the shipped tables, as the reference pins them in ``lookups_for``
        _TABLES.extend((lookups_for(None, None), memos_for(default_rates())))
    lookups: Lookups = _TABLES[0]
    memos = _TABLES[1]
    professional = _remembered(doc.get("professional"), memos.professionals)
    coverage = _remembered(doc.get("coverage") or _EMPTY, memos.coverages)
    amc = _contract(doc.get("amc"), memos.amcs, lookups)
    changes = _overrides(doc.get("overrides"), len(raw_acts))
    if professional is _MISS or coverage is _MISS or amc is None or changes is None:
        return None
    acts = []
    for raw in raw_acts:
        act = _act(raw, lookups, memos.acts)
        if act is None:
            return None
        acts.append(act)
    # ``Lookups.context``, inlined for the usual case (a Python-level call costs as much as the rest of a line).
    context = lookups.contexts.get((id(professional), id(coverage)))
    if context is None or context.professional is not professional or context.coverage is not coverage:
        context = lookups.context(professional, coverage)
    return _price(day, context, lookups, acts, amc, changes, tp_amo, tp_amc)


@cython.cfunc
def _price(day: tuple[date, str], context: Any, lookups: Lookups, acts: list[_Act],
           amc: tuple[object, Any, int, int], changes: dict[int, list[tuple[int, int]]], tp_amo: bool,
           tp_amc: bool) -> object:
    """``engine.price`` and ``result_to_json`` in cents: fees and AMO parts, AMC, parts changed by hand, patient."""
    contract, formula, percent, fixed = amc
    trace: list[str] = [f"facture du {day[1]}{context.header}"]
    if contract is None:
        trace.append("pas de complémentaire : AMC 0.00")
    warnings: list[str] = []
    lines: list[_Line] = []
    act: _Act
    line: _Line
    only_majorations: cython.bint = True
    number: cython.longlong
    for number, act in enumerate(acts, start=1):
        found = _fee(act, number, day, context, lookups, warnings)
        if found is None:
            return None
        line = found
        if not line.majoration:
            only_majorations = False
        _amo(line, context, formula, percent)
        lines.append(line)
    if only_majorations:
        codes = [line.act.code for line in lines]
        warnings.append(f"la facture ne contient que des majorations ou indemnités ({', '.join(codes)}) "
                        "sans acte principal.")
    if fixed >= 0:
        _fixed_amc(fixed, lines, trace, warnings)
    return _settle(lines, changes, trace, warnings, tp_amo, tp_amc)


@cython.cfunc
def _fee(act: _Act, number: cython.longlong, day: tuple[date, str], context: Any, lookups: Lookups,
         warnings: list[str]) -> object:
    """The line of ``act`` with its fee and base (``fees.line_fee``), or None when the reference must price it."""
    line = _Line()
    line.act = act
    line.number = number
    line.notes = []
    line.reimbursed = True
    on = day[0] if act.day is None else act.day
    shown_day = day[1] if act.day is None else act.day_text
    total: cython.longlong
    base: cython.longlong
    if act.ccam:
        if not context.ccam_allowed:
            return None
        scale: cython.longlong = act.coefficient * act.quantity * act.share  # over 10,000
        total = _round(act.unit * scale, 10000)
        base = total if act.base < 0 else _round(act.base * scale, 10000)
        line.majoration = False
        line.notes.append(f"ligne {number} {act.code} du {shown_day} : {act.unit_text}{act.ccam_words}{_text(total)}")
    else:
        unit: cython.longlong
        if act.unit < 0:
            key = (act.code, context.profession, on)
            found = _UNITS.get(key)
            if found is None:
                tariff = lookups.units.get(key)  # type: ignore[arg-type]
                if tariff is None:
                    return None
                found = (_cents(tariff[0]), tariff[1], tariff[2])
                remember(_UNITS, key, found, LIMIT)
            unit, shown, line.majoration = found
        else:
            words = lookups.typed.get((act.code, context.profession))
            if words is None:
                return None
            unit, shown, line.majoration = act.unit, f"{act.unit_text} ({words[0]})", words[1]
        scale = act.coefficient * act.quantity  # over 100
        total = unit if scale == 100 else _round(unit * scale, 100)
        base = total if act.base < 0 else _round(act.base * scale, 100)
        line.notes.append(f"ligne {number} {act.code} du {shown_day} : {shown} × coefficient "
                          f"{act.coefficient_text} × {act.quantity} = {_text(total)}")
    line.total = total
    line.base = base
    if act.finish:
        _finish(line, context.sector, warnings)
    return line


@cython.cfunc
def _finish(line: _Line, sector: cython.longlong, warnings: list[str]) -> cython.void:
    """Manual total, explicit base and qualifier (``fees.finish``)."""
    act = line.act
    notes = line.notes
    if act.total >= 0:
        notes.append(f"{act.code} : total saisi {_text(act.total)} (calculé {_text(line.total)})")
        if act.total > line.base and sector == 1 and not act.overrun_ok:
            warnings.append(f"acte {line.number} ({act.code}) : dépassement de {_text(act.total - line.base)} "
                            "en secteur 1 sans qualificatif E ou A.")
        line.total = act.total
    if act.base >= 0:
        notes.append(f"{act.code} : base de remboursement {_text(line.base)} (tarif de responsabilité)")
    if line.base > line.total:
        notes.append(f"{act.code} : base ramenée au total {_text(line.total)}")
        line.base = line.total
    if act.qualifier:
        notes.append(act.qualifier_note)
    if act.qualifier == 1:
        line.total = line.base = 0
        line.reimbursed = False
    elif act.qualifier == 2:
        line.base = 0
        line.reimbursed = False


@cython.cfunc
def _amo(line: _Line, context: Any, formula: Any, percent: cython.longlong) -> cython.void:
    """The AMO part of the line and, under a formula, its AMC part (``engine._price_lines``)."""
    act = line.act
    rate = context.usual if act.exoneration is None else context.rates.get(act.exoneration)
    if rate is None:
        rate = context.rate(act.exoneration)
    line.rate = rate
    value: cython.longlong = rate.rate
    line.amo = 0 if not line.reimbursed else line.base if value == 100 else _round(line.base * value, 100)
    line.notes.append(f"{act.code} {_text(line.base)}{rate.shown}{_text(line.amo)}{rate.reasons}")
    line.amc = 0
    if formula is None:
        return
    if not line.reimbursed:
        line.notes.append(f"{act.code} AMC 0.00 : acte non remboursable")
        return
    of: cython.longlong = line.total if formula.of == 0 else line.base if formula.of == 1 else line.base - line.amo
    share: cython.longlong = of * 10000 if percent < 0 else of * percent  # over 10,000
    if formula.minus_mro:
        share -= line.amo * 10000
    ceiling: cython.longlong = (line.total - line.amo) * 10000
    chosen: cython.longlong = ceiling if ceiling <= share else share
    line.amc = _round(chosen, 10000) if chosen > 0 else 0
    line.notes.append(f"{act.code}{formula.head}{_text(line.total - line.amo)}{formula.middle}"
                      f"{_text(_round(share, 10000))}) = {_text(line.amc)}")


@cython.cfunc
def _fixed_amc(amount: cython.longlong, lines: list[_Line], trace: list[str], warnings: list[str]) -> cython.void:
    """A fixed AMC amount spread over the reimbursable lines by their fees (``engine._fixed_amc``)."""
    line: _Line
    weights: list[int] = []
    for line in lines:
        weights.append(line.total if line.reimbursed else 0)
    trace.append(f"AMC montant fixe {_text(amount)} réparti au prorata des honoraires ({_text(sum(weights))})")
    given: cython.longlong = 0
    for line, part in zip(lines, spread(amount, weights), strict=True):
        left: cython.longlong = line.total - line.amo
        ceiling: cython.longlong = left if left > 0 else 0
        line.amc = ceiling if ceiling < part else part
        given += line.amc
        note = f", plafonné à DR − MRO {_text(ceiling)}" if part > ceiling else ""
        line.notes.append(f"{line.act.code} AMC {_text(line.amc)}{note}")
    if given < amount:
        warnings.append(f"montant AMC de {_text(amount)} ramené à {_text(given)} : il dépasse ce que l'AMO "
                        "laisse à payer.")


@cython.cfunc
def _settle(lines: list[_Line], changes: dict[int, list[tuple[int, int]]], trace: list[str], warnings: list[str],
            tp_amo: bool, tp_amc: bool) -> dict[str, Any]:
    """Parts changed by hand, patient parts, totals and the output document (``result_to_json``)."""
    out: list[dict[str, Any]] = []
    fees: cython.longlong = 0
    amo: cython.longlong = 0
    amc: cython.longlong = 0
    late: list[str] = []
    line: _Line
    for line in lines:
        code = line.act.code
        if changes:
            for new_amo, new_amc in changes.get(line.number - 1, ()):
                if new_amo >= 0:
                    line.notes.append(f"{code} AMO modifiée à la main : {_text(new_amo)} (calculée {_text(line.amo)})")
                    line.amo = new_amo
                if new_amc >= 0:
                    line.notes.append(f"{code} AMC modifiée à la main : {_text(new_amc)} (calculée {_text(line.amc)})")
                    line.amc = new_amc
        patient: cython.longlong = line.total - line.amo - line.amc
        total_text, amo_text, amc_text, patient_text = (_text(line.total), _text(line.amo), _text(line.amc),
                                                        _text(patient))
        line.notes.append(f"{code} patient : {total_text} − {amo_text} − {amc_text} = {patient_text}")
        trace += line.notes
        if patient < 0:
            late.append(f"ligne {line.number} ({code}) : la part patient est négative ({patient_text}).")
        out.append({"code": code, "total": total_text, "base": _text(line.base), "rate": line.rate.rate,
                    "amo": amo_text, "amc": amc_text, "patient": patient_text})
        fees += line.total
        amo += line.amo
        amc += line.amc
    warnings += late
    due_amo: cython.longlong = amo if tp_amo else 0
    due_amc: cython.longlong = amc if tp_amc else 0
    patient_text = _text(fees - amo - amc)
    trace.append(f"total {_text(fees)} : AMO {_text(amo)}, AMC {_text(amc)}, patient {patient_text}")
    if fees - amo - amc < 0:
        warnings.append(f"le solde patient est négatif ({patient_text}).")
    return {"lines": out,
            "totals": {"total": _text(fees), "amo": _text(amo), "amc": _text(amc), "patient": patient_text,
                       "due_by_amo": _text(due_amo), "due_by_amc": _text(due_amc),
                       "due_by_patient": _text(fees - due_amo - due_amc)},
            "warnings": warnings, "trace": trace}
