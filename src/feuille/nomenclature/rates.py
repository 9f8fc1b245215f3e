"""Reimbursement rates, labels and pricing constants, read from ``data/rates.json``.

Every value there carries its public source next to it, so that it can be checked and corrected in one
place: rates by profession, nature, exoneration, care pathway and local regime, the order in which those
rules win over each other, the flat participation on heavy acts (dated periods), the CCAM association factors
and the AMC formulas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from feuille.money import MoneyError, parse_amount
from feuille.nomenclature.ngap import PROFESSIONS, TableError, load_document

RULES = frozenset({"manual", "nature", "service_amo", "exoneration", "hors_parcours", "regime_local", "profession"})
AMC_BASES = frozenset({"DR", "TR", "TM"})


@dataclass(frozen=True, slots=True)
class Labelled:
    """A code with its French label and, when it sets one, its AMO rate (percent)."""

    code: str
    label: str
    rate: int | None
    refused: str | None = None  # a code that cannot be billed here: the French message that says why
    flat_participation: bool = False  # exoneration 1: the 24 € flat participation replaces the ticket modérateur


@dataclass(frozen=True, slots=True)
class ServiceAmo:
    """An AMO service (C2S): its rate if it sets one, and the complementary it stands for."""

    code: str
    label: str
    rate: int | None
    contract_type: str | None  # B2 contract type of the complementary it stands for (89 for the C2S)
    formula: str | None  # the AMC formula of that complementary


EXO_TM_RULES = frozenset({"cumulated", "alone"})


@dataclass(frozen=True, slots=True)
class ExoTmCategory:
    """A value of the CCAM listing's "Exo TM" column: how its acts count towards the flat participation's
    threshold (``cumulated``: added up with the other acts of the consultation; ``alone``: each on its own)."""

    code: str
    label: str
    rule: str


@dataclass(frozen=True, slots=True)
class FlatPeriod:
    """One dated value of the flat participation: its amount and the thresholds that trigger it."""

    valid_from: date
    valid_to: date | None  # inclusive; None: still in force
    amount: Decimal
    tariff_threshold: Decimal
    coefficient_threshold: Decimal

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def reached(self, tariff: Decimal, coefficient: Decimal) -> bool:
        return tariff >= self.tariff_threshold or coefficient >= self.coefficient_threshold


@dataclass(frozen=True, slots=True)
class FlatParticipation:
    """The flat participation left to the patient on heavy acts, replacing the ticket modérateur.

    Its amount and thresholds changed on dates (``periods``, in order, the last one open). Before the first
    period only the lowest thresholds that ever applied are known (``floor``): below them no flat
    participation existed; at or above them the amount is not known and the engine refuses.
    """

    periods: tuple[FlatPeriod, ...]
    floor_tariff: Decimal
    floor_coefficient: Decimal
    exoneration: str  # the exoneration code written on the lines concerned
    replaces: frozenset[str]  # rate rules whose ticket modérateur it replaces
    paid_by_amo: frozenset[str]  # rate rules under which the AMO pays it too (Alsace-Moselle)
    refused_with: frozenset[str]  # rate rules under which no source says how it applies
    exo_tm: Mapping[str, ExoTmCategory]  # the CCAM "Exo TM" values a public text explains

    def period_on(self, on: date) -> FlatPeriod | None:
        return next((period for period in self.periods if period.covers(on)), None)

    @property
    def first_date(self) -> date:
        return self.periods[0].valid_from

    def below_floor(self, tariff: Decimal, coefficient: Decimal) -> bool:
        return tariff < self.floor_tariff and coefficient < self.floor_coefficient


@dataclass(frozen=True, slots=True)
class Nature:
    code: str
    label: str
    b2_code: str | None
    rate: int | None
    requires: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Qualifier:
    code: str
    label: str
    reimbursed: bool
    free: bool


@dataclass(frozen=True, slots=True)
class AmcFormula:
    code: str
    label: str
    of: str  # DR, TR or TM
    needs_percent: bool
    minus_mro: bool


@dataclass(frozen=True, slots=True)
class RateTable:
    version: str
    precedence: tuple[str, ...]
    professions: Mapping[str, Labelled]
    ccam_professions: frozenset[str]
    sectors: frozenset[int]
    natures: Mapping[str, Nature]
    regime_local: Labelled
    exonerations: Mapping[str, Labelled]
    ald_exonerations: frozenset[str]
    parcours: Mapping[str, str]
    hors_parcours_letters: frozenset[str]
    hors_parcours_professions: frozenset[str]
    hors_parcours_rate: int
    services_amo: Mapping[str, ServiceAmo]
    flat_participation: FlatParticipation
    qualifiers: Mapping[str, Qualifier]
    associations: Mapping[str, int]
    activities: frozenset[str]
    phases: frozenset[str]
    amc_formulas: Mapping[str, AmcFormula]

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> RateTable:
        precedence = tuple(_list(doc, "precedence"))
        if set(precedence) != RULES or len(precedence) != len(RULES):
            raise TableError(f"precedence must list each of {sorted(RULES)} once")
        professions = {code: _labelled(code, raw) for code, raw in _dict(doc, "professions").items()}
        if set(professions) != PROFESSIONS:
            raise TableError("rates: every profession needs a rate")
        hors = _dict(doc, "hors_parcours")
        ccam = _dict(doc, "ccam")
        exonerations = _dict(doc, "exonerations")
        return cls(
            version=str(doc.get("version", "")),
            precedence=precedence,
            professions=professions,
            ccam_professions=frozenset(c for c, raw in _dict(doc, "professions").items() if raw.get("ccam")),
            sectors=frozenset(int(s) for s in _list(doc, "sectors")),
            natures={code: _nature(code, raw) for code, raw in _dict(doc, "natures").items()},
            regime_local=_labelled("regime_local", _dict(doc, "regime_local")),
            exonerations={code: _labelled(code, raw) for code, raw in exonerations.items()},
            ald_exonerations=frozenset(c for c, raw in exonerations.items() if raw.get("ald")),
            parcours={str(k): str(v) for k, v in _dict(doc, "parcours").items()},
            hors_parcours_letters=frozenset(_list(hors, "parcours")),
            hors_parcours_professions=frozenset(_list(hors, "professions")),
            hors_parcours_rate=_rate(hors.get("rate"), "hors_parcours"),
            services_amo={code: _service(code, raw) for code, raw in _dict(doc, "services_amo").items()},
            flat_participation=_flat(_dict(doc, "flat_participation")),
            qualifiers={code: _qualifier(code, raw) for code, raw in _dict(doc, "qualifiers").items()},
            associations={code: _rate(v, f"association {code}") for code, v in _dict(ccam, "associations").items()},
            activities=frozenset(_list(ccam, "activities")),
            phases=frozenset(_list(ccam, "phases")),
            amc_formulas={code: _formula(code, raw) for code, raw in _dict(doc, "amc_formulas").items()},
        )


def _dict(doc: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    if not isinstance(value, dict):
        raise TableError(f"rates: {key!r} must be an object")
    return value


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        raise TableError(f"rates: {key!r} must be a list")
    return value


def _rate(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise TableError(f"rates: {what}: a percentage from 0 to 100 is expected, got {value!r}")
    return value


def _optional_rate(raw: Mapping[str, Any], what: str) -> int | None:
    value = raw.get("rate")
    return None if value is None else _rate(value, what)


def _label(raw: Mapping[str, Any], what: str) -> str:
    label = raw.get("label")
    if not isinstance(label, str) or not label:
        raise TableError(f"rates: {what} needs a label")
    return label


def _labelled(code: str, raw: object) -> Labelled:
    if not isinstance(raw, dict):
        raise TableError(f"rates: {code} must be an object")
    refused = raw.get("refused")
    return Labelled(code, _label(raw, code), _optional_rate(raw, code), None if refused is None else str(refused),
                    bool(raw.get("flat_participation")))


def _service(code: str, raw: Mapping[str, Any]) -> ServiceAmo:
    complementary = raw.get("complementary") or {}
    contract, formula = complementary.get("contract_type"), complementary.get("formula")
    return ServiceAmo(code, _label(raw, code), _optional_rate(raw, code),
                      None if contract is None else str(contract), None if formula is None else str(formula))


def _flat(raw: Mapping[str, Any]) -> FlatParticipation:
    periods = tuple(_flat_period(item) for item in _list(raw, "periods"))
    if not periods or periods[-1].valid_to is not None:
        raise TableError("rates: flat_participation: the periods must end with an open one")
    floor = _dict(raw, "before_first_period")
    rules = {key: frozenset(_list(raw, key)) for key in ("replaces", "paid_by_amo", "refused_with")}
    if not all(names <= RULES for names in rules.values()):
        raise TableError("rates: flat_participation names an unknown rule")
    return FlatParticipation(periods, _amount(floor, "tariff_threshold"),
                             Decimal(_rate(floor.get("coefficient_threshold"), "coefficient")),
                             str(raw.get("exoneration")), rules["replaces"], rules["paid_by_amo"],
                             rules["refused_with"], _exo_tm(_dict(raw, "exo_tm")))


def _exo_tm(raw: Mapping[str, Any]) -> dict[str, ExoTmCategory]:
    categories: dict[str, ExoTmCategory] = {}
    for code, item in raw.items():
        if not isinstance(item, dict) or not item.get("source") or item.get("rule") not in EXO_TM_RULES:
            raise TableError(f"rates: flat_participation: exo_tm {code}: a rule among {sorted(EXO_TM_RULES)} "
                             "and its source are expected")
        categories[str(code)] = ExoTmCategory(str(code), _label(item, str(code)), str(item["rule"]))
    return categories


def _flat_period(raw: object) -> FlatPeriod:
    if not isinstance(raw, dict) or not raw.get("source"):
        raise TableError("rates: flat_participation: each period is an object with its source")
    end = raw.get("to")
    return FlatPeriod(_day(raw.get("from")), None if end is None else _day(end), _amount(raw, "amount"),
                      _amount(raw, "tariff_threshold"),
                      Decimal(_rate(raw.get("coefficient_threshold"), "coefficient")))


def _amount(raw: Mapping[str, Any], key: str) -> Decimal:
    try:
        return parse_amount(raw.get(key))
    except MoneyError as exc:
        raise TableError(f"rates: flat_participation: {key}: {exc}") from exc


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise TableError(f"rates: flat_participation: a date AAAA-MM-JJ is expected, got {value!r}") from exc


def _nature(code: str, raw: Mapping[str, Any]) -> Nature:
    requires = raw.get("requires", [])
    b2 = raw.get("code")
    return Nature(code, _label(raw, code), None if b2 is None else str(b2), _optional_rate(raw, code),
                  tuple(str(r) for r in requires))


def _qualifier(code: str, raw: Mapping[str, Any]) -> Qualifier:
    return Qualifier(code, _label(raw, code), bool(raw.get("reimbursed")), bool(raw.get("free")))


def _formula(code: str, raw: Mapping[str, Any]) -> AmcFormula:
    of = raw.get("of")
    if of not in AMC_BASES:
        raise TableError(f"rates: formula {code}: 'of' must be one of {sorted(AMC_BASES)}")
    return AmcFormula(code, _label(raw, code), str(of), bool(raw.get("percent")), bool(raw.get("minus_mro")))


@lru_cache(maxsize=1)
def default_rates() -> RateTable:
    """The rate table shipped with feuille (read once)."""
    return RateTable.from_document(load_document("rates.json"))
