"""The AMO rate of a line: a list of rules tried in the order given by the rate table.

Each rule looks at the profession, the coverage and the exoneration of the line and either sets the
rate (with a short French reason for the trace) or passes. The order lives in ``rates.json``
(``precedence``) because it is one of the facts DOMAIN.md asks to verify.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from feuille.nomenclature.rates import RateTable
from feuille.pricing.model import Coverage


@dataclass(frozen=True, slots=True)
class RateDecision:
    rate: int
    reasons: str  # "médecin, maladie, pas d'exonération, parcours T"
    exoneration: str  # the exoneration code written on the line
    rule: str  # the rule that set the rate (a name of ``RULES``)


@dataclass(frozen=True, slots=True)
class _Situation:
    table: RateTable
    profession: str
    coverage: Coverage
    exoneration: str
    ald_unrelated: bool  # exoneration 4 declared but the care is not related to the ALD


Rule = Callable[[_Situation], tuple[int, str] | None]


def _manual(s: _Situation) -> tuple[int, str] | None:
    rate = s.coverage.rate
    return None if rate is None else (rate, "taux choisi à la main")


def _nature(s: _Situation) -> tuple[int, str] | None:
    rate = s.table.natures[s.coverage.nature].rate
    return None if rate is None else (rate, f"taux de la nature {s.table.natures[s.coverage.nature].label}")


def _service_amo(s: _Situation) -> tuple[int, str] | None:
    code = s.coverage.service_amo
    if code is None:
        return None
    service = s.table.services_amo[code]
    return None if service.rate is None else (service.rate, f"service AMO {code} ({service.label})")


def _exoneration(s: _Situation) -> tuple[int, str] | None:
    if s.ald_unrelated:
        return None
    rate = s.table.exonerations[s.exoneration].rate
    return None if rate is None else (rate, "ticket modérateur exonéré")


def _hors_parcours(s: _Situation) -> tuple[int, str] | None:
    table = s.table
    if s.coverage.parcours in table.hors_parcours_letters and s.profession in table.hors_parcours_professions:
        return table.hors_parcours_rate, "hors parcours de soins"
    return None


def _regime_local(s: _Situation) -> tuple[int, str] | None:
    local = s.table.regime_local
    if s.coverage.regime_local and local.rate is not None:
        return local.rate, local.label
    return None


def _profession(s: _Situation) -> tuple[int, str] | None:
    rate = s.table.professions[s.profession].rate
    return None if rate is None else (rate, "")


RULES: dict[str, Rule] = {
    "manual": _manual,
    "nature": _nature,
    "service_amo": _service_amo,
    "exoneration": _exoneration,
    "hors_parcours": _hors_parcours,
    "regime_local": _regime_local,
    "profession": _profession,
}


def effective_exoneration(table: RateTable, coverage: Coverage, act_exoneration: str | None) -> str:
    """The exoneration of a line: the act's own, else the invoice's; ALD-related care takes the ALD code."""
    if act_exoneration is not None:
        return act_exoneration
    if coverage.ald_related and table.exonerations[coverage.exoneration].rate is None and table.ald_exonerations:
        return min(table.ald_exonerations)
    return coverage.exoneration


def decide_rate(table: RateTable, profession: str, coverage: Coverage, exoneration: str) -> RateDecision:
    """The rate of a line and the reasons, in the words of the trace."""
    ald_unrelated = exoneration in table.ald_exonerations and coverage.ald_related is False
    situation = _Situation(table, profession, coverage, exoneration, ald_unrelated)
    parts = [table.professions[profession].label, table.natures[coverage.nature].label,
             table.exonerations[exoneration].label]
    if ald_unrelated:
        parts.append("soins sans rapport avec l'ALD")
    if coverage.parcours is not None:
        parts.append(f"parcours {coverage.parcours}")
    for name in table.precedence:
        found = RULES[name](situation)
        if found is not None:
            rate, why = found
            if why:
                parts.append(why)
            return RateDecision(rate, ", ".join(parts), exoneration, name)
    raise ValueError(f"no rate for {profession}")  # unreachable: every profession has a rate
