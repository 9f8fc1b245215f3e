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
from typing import Any

from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError, quoted
from feuille.money import MoneyError, format_amount, parse_amount
from feuille.nomenclature.rates import RateTable, default_rates
from feuille.nomenclature.tariffs import normal_exo_tm
from feuille.pricing.model import (
    ONE,
    Act,
    AmcContract,
    Coverage,
    Invoice,
    Override,
    PricedLine,
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


def _error(field: str, message: str, code: str = "validation") -> ValidationError:
    return ValidationError(f"{named(field)} : {message}", code=code, field=field)


class _Reader:
    """Reads the objects of one document, collecting the warnings about ignored keys into ``notes``."""

    def __init__(self, rates: RateTable, notes: list[str]) -> None:
        self.rates = rates
        self.notes = notes

    def obj(self, value: object, field: str, keys: frozenset[str]) -> Mapping[str, Any]:
        return _obj(value, field, keys, self.notes)

    def date(self, value: object, field: str) -> date:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise _error(field, f"date invalide {quoted(value)} (format attendu AAAA-MM-JJ).")

    def amount(self, value: object, field: str) -> Decimal:
        try:
            number = parse_amount(value)
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
    tiers payant flags, grouping.
    """
    notes: list[str] = []
    reader = _Reader(rates or default_rates(), notes)
    doc = reader.obj(document, "", TOP_KEYS)
    if "date" not in doc:
        raise _error("date", "la date de la facture est obligatoire.")
    invoice_date = reader.date(doc["date"], "date")
    professional = _professional(reader, doc.get("professional"))
    coverage = _coverage(reader, doc.get("coverage") or {})
    raw_acts = doc.get("acts")
    if not isinstance(raw_acts, list) or not raw_acts:
        raise _error("acts", "au moins un acte est attendu (une liste).")
    if len(raw_acts) > 999:
        raise _error("acts", "une facture compte au plus 999 actes.")
    acts = tuple(_act(reader, raw, index, invoice_date) for index, raw in enumerate(raw_acts))
    raw_overrides = doc.get("overrides")
    overrides = _overrides(reader, raw_overrides) if raw_overrides else ()
    tp = reader.obj(doc.get("tiers_payant") or {}, "tiers_payant", TP_KEYS)
    amc = _amc(reader, doc.get("amc"))
    tiers_payant = TiersPayant(reader.flag(tp.get("amo", False), "tiers_payant.amo"),
                               reader.flag(tp.get("amc", False), "tiers_payant.amc"))
    group = reader.flag(doc.get("group_identical", False), "group_identical")
    return Invoice(invoice_date, professional, acts, coverage, amc, overrides, tiers_payant, group, tuple(notes))


def _obj(value: object, field: str, keys: frozenset[str], notes: list[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _error(field or "(document)", "un objet JSON est attendu.")
    if not value.keys() <= keys:
        for key in sorted(value.keys() - keys):
            notes.append(f"champ inconnu ignoré : {field + '.' if field else ''}{key}")
    return value


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
    "exo_tm": lambda reader, value, field: _exo_tm(value, field),
}
ACT_KEYS = frozenset(ACT_FIELDS)


def _act(reader: _Reader, raw: object, index: int, invoice_date: date) -> Act:
    """The act at ``index`` read and checked; its date is the invoice's unless it has its own."""
    if not isinstance(raw, dict):
        raise _error(f"acts[{index}]", "un objet JSON est attendu.")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        handler = ACT_FIELDS.get(key)
        if handler is None:
            reader.notes.append(f"champ inconnu ignoré : acts[{index}].{key}")
        elif value is not None:
            values[key] = handler(reader, value, f"acts[{index}].{key}")
    if values.get("code") is None:
        raise _error(f"acts[{index}].code", "le code de l'acte est obligatoire.")
    return Act(values.pop("code"), values.pop("date", invoice_date), position=index, **values)


def _read_coefficient(value: object, field: str) -> Decimal:
    coefficient = _coefficient(value) if isinstance(value, (str, int, Decimal)) else None
    if coefficient is None:
        raise _error(field, f"coefficient invalide {quoted(value)} (plus de 0, au plus 9999,99, deux décimales au "
                            "plus).")
    return coefficient


def _coefficient(value: str | int | Decimal) -> Decimal | None:
    try:
        number = parse_amount(value)
    except MoneyError:
        return None
    if not 0 < number <= MAX_COEFFICIENT:
        return None
    return number.quantize(ONE) if number == number.to_integral_value() else number


def _exo_tm(value: object, field: str) -> str | None:
    """The CCAM listing's "Exo TM" category of the act (``1``, ``2``, ``5``, ``1-7`` ...); blank: not known."""
    if isinstance(value, str) and not value.strip():
        return None
    category = normal_exo_tm(value) if isinstance(value, str) and len(value) <= 16 else None
    if category is None or any(char not in "0123456789- " for char in str(value)):
        raise _error(field, f"catégorie Exo TM invalide {value!r} (la colonne « Exo. TM » de la CCAM : "
                            "1, 2, 5, 7, 1-7 …).")
    return category


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

    A line under the flat participation also says its exoneration and the participation left on it; an
    invoice whose complementary stands for an AMO service (C2S) says its contract type.
    """
    t = result.totals
    document = {
        "lines": [_line_json(line) for line in result.lines],
        "totals": {"total": str(t.total), "amo": str(t.amo), "amc": str(t.amc), "patient": str(t.patient),
                   "due_by_amo": str(t.due_by_amo), "due_by_amc": str(t.due_by_amc),
                   "due_by_patient": str(t.due_by_patient)},
        "warnings": list(result.warnings),
        "trace": list(result.trace),
    }
    if result.amc_contract_type is not None:
        document["amc_contract_type"] = result.amc_contract_type
    return document


def _line_json(line: PricedLine) -> dict[str, Any]:
    out: dict[str, Any] = {"code": line.code, "total": str(line.total), "base": str(line.base), "rate": line.rate,
                           "amo": str(line.amo), "amc": str(line.amc), "patient": str(line.patient)}
    if line.participation is not None:
        out.update(exoneration=line.exoneration, participation=str(line.participation))
    return out


def parse_text(text: str) -> object:
    """Parse the JSON text of the contract (decimals as ``Decimal``), French error when malformed."""
    # A UTF-8 byte order mark (Windows editors write one) is not part of the JSON: json.loads refuses it.
    text = text.removeprefix("\ufeff")
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"(document) : JSON invalide, ligne {exc.lineno}, colonne {exc.colno}.",
                              code="malformed_json", field="(document)") from None
    except RecursionError:  # nesting deeper than Python's stack: no invoice is shaped like that
        raise ValidationError("(document) : JSON invalide, trop imbriqué (listes ou objets).", code="malformed_json",
                              field="(document)") from None
