"""Reimbursement rates, labels and pricing constants, read from ``data/rates.json``.

Everything DOMAIN.md marks *(verify)* lives in that file so that it can be corrected in one place:
rates by profession, nature, exoneration, care pathway and local regime, the order in which those
rules win over each other, the CCAM association factors and modifiers, and the AMC formulas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
class Modifier:
    code: str
    label: str
    amount: Decimal | None
    percent: Decimal | None


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
    services_amo: Mapping[str, Labelled]
    qualifiers: Mapping[str, Qualifier]
    associations: Mapping[str, int]
    activities: frozenset[str]
    phases: frozenset[str]
    modifiers: Mapping[str, Modifier]
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
            services_amo={code: _labelled(code, raw) for code, raw in _dict(doc, "services_amo").items()},
            qualifiers={code: _qualifier(code, raw) for code, raw in _dict(doc, "qualifiers").items()},
            associations={code: _rate(v, f"association {code}") for code, v in _dict(ccam, "associations").items()},
            activities=frozenset(_list(ccam, "activities")),
            phases=frozenset(_list(ccam, "phases")),
            modifiers={code: _modifier(code, raw) for code, raw in _dict(ccam, "modifiers").items()},
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
    return Labelled(code, _label(raw, code), _optional_rate(raw, code))


def _nature(code: str, raw: Mapping[str, Any]) -> Nature:
    requires = raw.get("requires", [])
    b2 = raw.get("code")
    return Nature(code, _label(raw, code), None if b2 is None else str(b2), _optional_rate(raw, code),
                  tuple(str(r) for r in requires))


def _qualifier(code: str, raw: Mapping[str, Any]) -> Qualifier:
    return Qualifier(code, _label(raw, code), bool(raw.get("reimbursed")), bool(raw.get("free")))


def _modifier(code: str, raw: Mapping[str, Any]) -> Modifier:
    try:
        amount = None if raw.get("amount") is None else parse_amount(raw["amount"])
        percent = None if raw.get("percent") is None else parse_amount(raw["percent"])
    except MoneyError as exc:
        raise TableError(f"rates: modifier {code}: {exc}") from exc
    return Modifier(code, _label(raw, code), amount, percent)


def _formula(code: str, raw: Mapping[str, Any]) -> AmcFormula:
    of = raw.get("of")
    if of not in AMC_BASES:
        raise TableError(f"rates: formula {code}: 'of' must be one of {sorted(AMC_BASES)}")
    return AmcFormula(code, _label(raw, code), str(of), bool(raw.get("percent")), bool(raw.get("minus_mro")))


@lru_cache(maxsize=1)
def default_rates() -> RateTable:
    """The rate table shipped with feuille (read once)."""
    return RateTable.from_document(load_document("rates.json"))
