"""The JSON contract of ``feuille tarifer``: reading the input document, writing the result.

Reading refuses what cannot be priced with a French ``ValidationError`` naming the field
(``acts[1].unit_price``); keys it does not know are ignored with a warning so that a typo is seen.
The document is expected as ``json.loads(text, parse_float=Decimal)`` returns it, so that no amount
ever goes through a binary float.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

from feuille.errors import ValidationError, quoted
from feuille.money import ZERO, MoneyError, format_amount, parse_amount
from feuille.nomenclature.rates import RateTable, default_rates
from feuille.pricing.memo import ActFields, ActRest, memos_for, remember
from feuille.pricing.model import (
    ONE,
    Act,
    AmcContract,
    Coverage,
    Invoice,
    Override,
    PricingResult,
    Professional,
    TiersPayant,
)

TOP_KEYS = frozenset({"date", "professional", "coverage", "amc", "acts", "overrides", "tiers_payant",
                      "group_identical"})
PRO_KEYS = frozenset({"profession", "specialty", "sector"})
COVERAGE_KEYS = frozenset({"nature", "exoneration", "ald_related", "regime_local", "parcours", "rate",
                           "service_amo", "maternity_date", "accident_date", "smg_amount"})
AMC_KEYS = frozenset({"formula", "percent", "amount"})
OVERRIDE_KEYS = frozenset({"line", "amo", "amc"})
TP_KEYS = frozenset({"amo", "amc"})
CODE = re.compile(r"[A-Z0-9]{1,13}")
MODIFIER = re.compile(r"[A-Z0-9]")
MAX_COEFFICIENT = Decimal("9999.99")
MAX_AMOUNT = Decimal("99999.99")
R = TypeVar("R")
LIMIT = 4096  # dates remembered
_DATES: dict[str, date] = {}
_EMPTY: dict[str, Any] = {}
_ZERO_TEXT = str(ZERO)
_TIERS_PAYANT = {(amo, amc): TiersPayant(amo, amc) for amo in (False, True) for amc in (False, True)}
_new = tuple.__new__  # builds a NamedTuple without its Python-level ``__new__``


@lru_cache(maxsize=8192, typed=True)
def _amount(value: str | int | Decimal) -> Decimal:
    """``parse_amount`` remembered: the same few amounts ("23.00", "50.56") come back on every invoice."""
    return parse_amount(value)


def _error(field: str, message: str, code: str = "validation") -> ValidationError:
    return ValidationError(f"{field} : {message}", code=code, field=field)


class _Reader:
    """Reads the objects of one document, collecting the warnings about ignored keys into ``notes``."""

    def __init__(self, rates: RateTable, notes: list[str]) -> None:
        self.rates = rates
        self.notes = notes

    def obj(self, value: object, field: str, keys: frozenset[str]) -> Mapping[str, Any]:
        return _obj(value, field, keys, self.notes)

    def date(self, value: object, field: str) -> date:
        found = _DATES.get(value) if isinstance(value, str) else None
        if found is not None:
            return found
        if isinstance(value, str):
            try:
                found = date.fromisoformat(value)
            except ValueError:
                pass
            else:
                remember(_DATES, value, found, LIMIT)
                return found
        raise _error(field, f"date invalide {quoted(value)} (format attendu AAAA-MM-JJ).")

    def amount(self, value: object, field: str) -> Decimal:
        try:
            number = _amount(value) if isinstance(value, (str, int, Decimal)) else parse_amount(value)
        except (MoneyError, TypeError):
            raise _error(field, f"montant invalide {quoted(value)} (positif, deux décimales au plus).") from None
        if number > MAX_AMOUNT:
            raise _error(field, f"montant trop grand ({format_amount(number)}).")
        return number

    def choice(self, value: object, field: str, allowed: Mapping[str, object] | frozenset[str], what: str) -> str:
        text = value if isinstance(value, str) else str(value) if isinstance(value, int) and value >= 0 else None
        if text is None or text not in allowed:
            raise _error(field, f"{what} inconnu(e) {quoted(value)} (valeurs admises : {', '.join(sorted(allowed))}).")
        return text

    def flag(self, value: object, field: str) -> bool:
        if not isinstance(value, bool):
            raise _error(field, "true ou false est attendu.")
        return value

    def integer(self, value: object, field: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _error(field, f"un entier de {low} à {high} est attendu, reçu {quoted(value)}.")
        return value

    def percent(self, value: object, field: str) -> Decimal:
        try:
            number = Decimal(value) if isinstance(value, (int, str, Decimal)) and not isinstance(value, bool) \
                else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not 0 <= number <= 1000:
            raise _error(field, f"pourcentage invalide {quoted(value)} (de 0 à 1000).")
        return number


def read_invoice(document: object, rates: RateTable | None = None) -> Invoice:
    """Turn the JSON document of the contract into an ``Invoice`` (French errors naming the field).

    The checks run in a fixed order, so that a document with several faults is always refused for the
    same one: top-level keys, date, professional, coverage, acts, overrides, tiers payant keys, AMC,
    tiers payant flags, grouping. The usual document is read from the memos (see ``memo``) without
    building a ``_Reader``: one is made only for an object seen for the first time.
    """
    table = rates or default_rates()
    memos = memos_for(table)
    notes: list[str] = []
    doc = _obj(document, "", TOP_KEYS, notes)
    if "date" not in doc:
        raise _error("date", "la date de la facture est obligatoire.")
    raw_date = doc["date"]
    invoice_date = _DATES.get(raw_date) if raw_date.__class__ is str else None
    if invoice_date is None:
        invoice_date = _Reader(table, notes).date(raw_date, "date")
    professional = _memo(_professional, doc.get("professional"), memos.professionals, table, notes)
    coverage = _memo(_coverage, doc.get("coverage") or _EMPTY, memos.coverages, table, notes)
    raw_acts = doc.get("acts")
    if not isinstance(raw_acts, list) or not raw_acts:
        raise _error("acts", "au moins un acte est attendu (une liste).")
    if len(raw_acts) > 999:
        raise _error("acts", "une facture compte au plus 999 actes.")
    acts = _acts(raw_acts, invoice_date, memos.acts, table, notes)
    raw_overrides = doc.get("overrides")
    overrides = _overrides(_Reader(table, notes), raw_overrides) if raw_overrides else ()
    tp = doc.get("tiers_payant") or _EMPTY
    if tp.__class__ is not dict or not tp.keys() <= TP_KEYS:
        tp = _obj(tp, "tiers_payant", TP_KEYS, notes)
    raw_amc = doc.get("amc")
    if raw_amc is None:
        amc = None
    elif isinstance(raw_amc, dict) and isinstance(raw_amc.get("percent"), Decimal):
        amc = _amc(_Reader(table, notes), raw_amc)  # kept as written (150.0 and 150.00 are equal keys): not remembered
    else:
        amc = _memo(_amc, raw_amc, memos.amcs, table, notes)
    tp_amo, tp_amc = tp.get("amo", False), tp.get("amc", False)
    if tp_amo.__class__ is bool and tp_amc.__class__ is bool:
        tiers_payant = _TIERS_PAYANT[tp_amo, tp_amc]
    else:
        reader = _Reader(table, notes)
        tiers_payant = TiersPayant(reader.flag(tp_amo, "tiers_payant.amo"), reader.flag(tp_amc, "tiers_payant.amc"))
    group = doc.get("group_identical", False)
    if group is not True and group is not False:
        _Reader(table, notes).flag(group, "group_identical")
    return _new(Invoice, (invoice_date, professional, acts, coverage, amc, overrides, tiers_payant, group,
                          tuple(notes)))


def _obj(value: object, field: str, keys: frozenset[str], notes: list[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _error(field or "(document)", "un objet JSON est attendu.")
    if not value.keys() <= keys:
        for key in sorted(value.keys() - keys):
            notes.append(f"champ inconnu ignoré : {field + '.' if field else ''}{key}")
    return value


def _memo(read: Callable[[_Reader, object], R], raw: object,
          store: dict[tuple[object, ...], tuple[Any, tuple[str, ...]]], rates: RateTable, notes: list[str]) -> R:
    """``read(reader, raw)``, remembered with the warnings it gave (errors are never remembered).

    The key is the one described in ``memo``, built inline: this runs for three or four objects of every invoice.
    """
    key: tuple[object, ...] | None = None
    found = None
    if isinstance(raw, dict):
        values = raw.values()
        key = (*raw, *values, *map(type, values))
        try:
            found = store.get(key)
        except TypeError:  # a list inside: read each time
            key = None
    if found is None:
        before = len(notes)
        value = read(_Reader(rates, notes), raw)
        found = (value, tuple(notes[before:]))
        remember(store, key, found)
    elif found[1]:
        notes += found[1]
    result: R = found[0]
    return result


def _professional(reader: _Reader, raw: object) -> Professional:
    if raw is None:
        raise _error("professional", "le professionnel (profession, secteur) est obligatoire.")
    pro = reader.obj(raw, "professional", PRO_KEYS)
    if "profession" not in pro:
        raise _error("professional.profession", "la profession est obligatoire.")
    profession = reader.choice(_lower(pro["profession"]), "professional.profession", reader.rates.professions,
                               "profession")
    sector = pro.get("sector", 1)
    if isinstance(sector, str) and sector.isdigit():
        sector = int(sector)
    if sector not in reader.rates.sectors or isinstance(sector, bool):
        raise _error("professional.sector", f"secteur inconnu {quoted(sector)} (1, 2 ou 3).")
    specialty = pro.get("specialty")
    if specialty is not None and (not isinstance(specialty, str) or not re.fullmatch(r"[0-9]{1,2}", specialty)):
        raise _error("professional.specialty", f"code de spécialité invalide {quoted(specialty)} (deux chiffres).")
    return Professional(profession, int(sector), specialty)


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _coverage(reader: _Reader, raw: object) -> Coverage:
    cov = reader.obj(raw, "coverage", COVERAGE_KEYS)
    rates = reader.rates
    nature = reader.choice(_lower(cov.get("nature") or "maladie"), "coverage.nature", rates.natures,
                           "nature d'assurance")
    required = rates.natures[nature].requires
    for name in required:
        if cov.get(name) is None:
            raise _error(f"coverage.{name}", f"obligatoire pour la nature {rates.natures[nature].label}.")
    exoneration = reader.choice(_upper(cov.get("exoneration") or "0"), "coverage.exoneration", rates.exonerations,
                                "exonération")
    parcours = _upper(cov.get("parcours"))
    rate = cov.get("rate")
    service = _upper(cov.get("service_amo"))
    return Coverage(
        nature=nature,
        exoneration=exoneration,
        ald_related=None if cov.get("ald_related") is None else reader.flag(cov["ald_related"],
                                                                             "coverage.ald_related"),
        regime_local=reader.flag(cov.get("regime_local", False), "coverage.regime_local"),
        parcours=None if parcours in (None, "") else reader.choice(parcours, "coverage.parcours", rates.parcours,
                                                                   "parcours de soins"),
        rate=None if rate is None else _rate(rate, "coverage.rate"),
        service_amo=None if service in (None, "") else reader.choice(service, "coverage.service_amo",
                                                                     rates.services_amo, "service AMO"),
        maternity_date=_optional_date(reader, cov, "maternity_date"),
        accident_date=_optional_date(reader, cov, "accident_date"),
        smg_amount=None if cov.get("smg_amount") is None else reader.amount(cov["smg_amount"],
                                                                            "coverage.smg_amount"),
    )


def _rate(value: object, field: str) -> int:
    """A whole percentage typed by hand: 70, "70" or 70.0 (JSON numbers arrive as Decimal)."""
    number: object = value
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit():
        number = int(text)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 100:
        raise _error(field, f"un taux entier de 0 à 100 est attendu, reçu {quoted(value)}.")
    return number


def _optional_date(reader: _Reader, cov: Mapping[str, Any], name: str) -> date | None:
    value = cov.get(name)
    return None if value is None else reader.date(value, f"coverage.{name}")


def _amc(reader: _Reader, raw: object) -> AmcContract | None:
    if raw is None:
        return None
    amc = reader.obj(raw, "amc", AMC_KEYS)
    formula, percent, amount = amc.get("formula"), amc.get("percent"), amc.get("amount")
    if amount is not None:
        if formula is not None:
            raise _error("amc.amount", "une formule ou un montant fixe, pas les deux.")
        return AmcContract(amount=reader.amount(amount, "amc.amount"))
    if formula is None:
        if percent is None:
            return None  # {"formula": null, "percent": null, "amount": null}: no complementary
        raise _error("amc.formula", "une formule (012, 020, 021, 029, 02A, 050, 052) ou un montant est attendu.")
    code = reader.choice(formula.upper() if isinstance(formula, str) else formula, "amc.formula",
                         reader.rates.amc_formulas, "formule AMC")
    if reader.rates.amc_formulas[code].needs_percent:
        if percent is None:
            raise _error("amc.percent", f"la formule {code} demande son pourcentage.")
        return AmcContract(formula=code, percent=reader.percent(percent, "amc.percent"))
    return AmcContract(formula=code)


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _read_code(reader: _Reader, value: object, field: str) -> str:
    code = _code(value) if isinstance(value, str) else None
    if code is None:
        raise _error(field, f"code d'acte invalide {quoted(value)}.")
    return code


@lru_cache(maxsize=4096)
def _code(value: str) -> str | None:
    code = value.strip().upper()
    return code if CODE.fullmatch(code) else None


def _read_choice(table: str, what: str) -> _Handler:
    def read(reader: _Reader, value: object, field: str) -> str | None:
        value = _upper(value)
        if value == "":
            return None
        allowed: Mapping[str, object] | frozenset[str] = getattr(reader.rates, table)
        return reader.choice(value, field, allowed, what)
    return read


def _read_quantity(reader: _Reader, value: object, field: str) -> int:
    return reader.integer(value, field, 1, 99)


_Handler = Callable[[_Reader, object, str], object]

# One reader per act key; only the keys present in an act are visited (most acts carry two or three).
ACT_FIELDS: dict[str, _Handler] = {
    "code": _read_code,
    "date": _Reader.date,
    "quantity": _read_quantity,
    "coefficient": lambda reader, value, field: _read_coefficient(value, field),
    "unit_price": _Reader.amount,
    "total": _Reader.amount,
    "base": _Reader.amount,
    "supplement": _Reader.amount,
    "qualifier": _read_choice("qualifiers", "qualificatif de dépense"),
    "activity": _read_choice("activities", "code activité"),
    "phase": _read_choice("phases", "phase"),
    "association": _read_choice("associations", "code association"),
    "exoneration": _read_choice("exonerations", "exonération"),
    "modifiers": lambda reader, value, field: _modifiers(value, field),
}
ACT_KEYS = frozenset(ACT_FIELDS)


def _act_fields(reader: _Reader, raw: object, index: int) -> ActFields:
    """The act read and checked: (code, date or None, the other fields in ``Act`` order, unknown keys)."""
    if not isinstance(raw, dict):
        raise _error(f"acts[{index}]", "un objet JSON est attendu.")
    values: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        handler = ACT_FIELDS.get(key)
        if handler is None:
            unknown.append(key)
        elif value is not None:
            values[key] = handler(reader, value, f"acts[{index}].{key}")
    get = values.get
    code = get("code")
    if code is None:
        raise _error(f"acts[{index}].code", "le code de l'acte est obligatoire.")
    rest: ActRest = (get("quantity", 1), get("coefficient", ONE), get("unit_price"), get("total"), get("base"),
            get("qualifier"), get("activity"), get("phase"), get("association"), get("modifiers", ()),
            get("supplement"), get("exoneration"))
    return code, get("date"), rest, tuple(unknown)


def _acts(raw_acts: list[Any], invoice_date: date, store: dict[tuple[object, ...], ActFields], rates: RateTable,
          notes: list[str]) -> tuple[Act, ...]:
    """The acts, each read once per distinct JSON object (key: see ``memo``; hot loop)."""
    acts: list[Act] = []
    for index, raw in enumerate(raw_acts):
        key: tuple[object, ...] | None = None
        found = None
        if isinstance(raw, dict):
            values = raw.values()
            key = (*raw, *values, *map(type, values))
            try:
                found = store.get(key)
            except TypeError:  # a list inside (modifiers): read each time
                key = None
        if found is None:
            found = _act_fields(_Reader(rates, notes), raw, index)
            remember(store, key, found)
        code, on, rest, unknown = found
        if unknown:
            notes += [f"champ inconnu ignoré : acts[{index}].{name}" for name in unknown]
        acts.append(_new(Act, (code, invoice_date if on is None else on, *rest, index)))
    return tuple(acts)


def _read_coefficient(value: object, field: str) -> Decimal:
    try:
        coefficient = _coefficient(value) if isinstance(value, (str, int, Decimal)) else None
    except TypeError:  # an unhashable signalling NaN
        coefficient = None
    if coefficient is None:
        raise _error(field, f"coefficient invalide {quoted(value)} (plus de 0, au plus 9999,99, deux décimales au "
                            "plus).")
    return coefficient


@lru_cache(maxsize=1024, typed=True)
def _coefficient(value: str | int | Decimal) -> Decimal | None:
    try:
        number = parse_amount(value)
    except MoneyError:
        return None
    if not 0 < number <= MAX_COEFFICIENT:
        return None
    if number == ONE:
        return ONE  # the very object the engine tests for (``is ONE``): a coefficient of 1 is the usual case
    return number.quantize(ONE) if number == number.to_integral_value() else number


def _modifiers(value: object, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 4:
        raise _error(field, "une liste d'au plus quatre modificateurs est attendue.")
    codes: list[str] = []
    for item in value:
        code = _upper(item)
        if not isinstance(code, str) or not MODIFIER.fullmatch(code):
            raise _error(field, f"modificateur invalide {quoted(item)} (une lettre ou un chiffre).")
        codes.append(code)
    return tuple(codes)


def _overrides(reader: _Reader, raw: object) -> tuple[Override, ...]:
    if not isinstance(raw, list):
        raise _error("overrides", "une liste est attendue.")
    result: list[Override] = []
    for i, item in enumerate(raw):
        field = f"overrides[{i}]"
        over = reader.obj(item, field, OVERRIDE_KEYS)
        line = reader.integer(over.get("line"), f"{field}.line", 0, 998)
        amo = None if over.get("amo") is None else reader.amount(over["amo"], f"{field}.amo")
        amc = None if over.get("amc") is None else reader.amount(over["amc"], f"{field}.amc")
        if amo is None and amc is None:
            raise _error(field, "indiquez amo et/ou amc.")
        result.append(Override(line, amo, amc))
    return tuple(result)


def result_to_json(result: PricingResult) -> dict[str, Any]:
    """The output document: amounts as strings with two decimals, rates as whole percents.

    The engine's amounts are all rounded to the cent already, so ``str()`` gives their two decimals.
    Lines are unpacked rather than read field by field: this runs once per line of every invoice. The
    engine often hands the very same object for two amounts (a base equal to the fee, the AMO part of a
    line at 100 %, the part due by the AMO): it is then written once.
    """
    t = result.totals
    amo_text, amc_text = str(t.amo), str(t.amc)
    return {
        "lines": [{"code": code, "total": (fee := str(total)), "base": (tr := fee if base is total else str(base)),
                   "rate": rate, "amo": tr if amo is base else str(amo),
                   "amc": _ZERO_TEXT if amc is ZERO else str(amc), "patient": str(patient)}
                  for code, _, _, total, base, rate, amo, amc, patient, _, _ in result.lines],
        "totals": {"total": str(t.total), "amo": amo_text, "amc": amc_text, "patient": str(t.patient),
                   "due_by_amo": amo_text if t.due_by_amo is t.amo else str(t.due_by_amo),
                   "due_by_amc": amc_text if t.due_by_amc is t.amc else str(t.due_by_amc),
                   "due_by_patient": str(t.due_by_patient)},
        "warnings": list(result.warnings),
        "trace": list(result.trace),
    }


def parse_text(text: str) -> object:
    """Parse the JSON text of the contract (decimals as ``Decimal``), French error when malformed."""
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"(document) : JSON invalide, ligne {exc.lineno}, colonne {exc.colno}.",
                              code="malformed_json", field="(document)") from None
