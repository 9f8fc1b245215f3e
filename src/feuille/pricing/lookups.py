"""Table look-ups the engine repeats on every invoice, remembered per pair of tables.

A practice prices the same few acts, for the same professional and coverages, on a few hundred dates:
the NGAP tariff of (code, profession, date), the AMO rate decision of (profession, coverage, exoneration),
the header of the trace and the fixed words of an AMC formula are found once and then read from a dict.
Only look-ups are remembered, never a priced amount; errors are never remembered (a refused act is looked
up, and refused, each time). A store that reaches ``LIMIT`` entries is emptied and starts again (``memo.remember``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from feuille.errors import ValidationError
from feuille.money import ZERO
from feuille.nomenclature.ngap import NgapAct, NgapTable, default_table
from feuille.nomenclature.rates import AmcFormula, RateTable, default_rates
from feuille.nomenclature.tariffs import CcamTariffs, NoCcamTariffs
from feuille.pricing.amo import decide_rate, effective_exoneration
from feuille.pricing.memo import remember
from feuille.pricing.model import Act, Coverage, Professional

LIMIT = 10_000
HUNDRED = Decimal(100)
# How a formula reads its base (``Formula.of``): the fee, the base, or the ticket modérateur (base − AMO).
OF_DR, OF_TR, OF_TM = 0, 1, 2

_FR_DATES: dict[date, str] = {}


class Tables(NamedTuple):
    ngap: NgapTable
    rates: RateTable
    ccam: CcamTariffs


def fr_date(value: date) -> str:
    """``01/01/2025`` (remembered: an invoice repeats its dates on every line)."""
    text = _FR_DATES.get(value)
    if text is None:
        text = f"{value.day:02d}/{value.month:02d}/{value.year}"
        remember(_FR_DATES, value, text, LIMIT)
    return text


def _field(act: Act, name: str) -> str:
    return f"acts[{act.position}].{name}"


class Rate:
    """The AMO rate of a line with the fixed words of its trace line."""

    __slots__ = ("exoneration", "factor", "rate", "reasons", "shown")

    def __init__(self, rate: int, exoneration: str, reasons: str) -> None:
        self.rate = rate
        self.factor = Decimal(rate) / 100  # 70 -> 0.7, as the AMO part has always been computed
        self.exoneration = exoneration
        self.shown = f" × {rate} % = "
        self.reasons = f": {reasons}"


class Formula:
    """An AMC formula and the fixed words of its trace line, which show its percentage."""

    __slots__ = ("formula", "head", "middle", "minus_mro", "of")

    def __init__(self, formula: AmcFormula, percent: Decimal | None) -> None:
        self.formula = formula
        self.of = OF_DR if formula.of == "DR" else OF_TR if formula.of == "TR" else OF_TM
        self.minus_mro = formula.minus_mro
        shown = "100" if percent is None else f"{percent.normalize():f}"
        minus = " − MRO" if formula.minus_mro else ""
        self.head = f" AMC formule {formula.code} ({formula.label}) : min(DR − MRO "
        self.middle = f" ; {shown} % {formula.of}{minus} "


class Context:
    """What one professional and one coverage decide for every line: the trace header and the AMO rates.

    ``read_invoice`` gives the very same ``Professional`` and ``Coverage`` objects for the same input
    objects, so a context is found by their identities (a cheap key) rather than by hashing their ten fields.
    """

    __slots__ = ("ccam_allowed", "coverage", "header", "lookups", "profession", "professional", "rates", "sector",
                 "usual")

    def __init__(self, lookups: Lookups, professional: Professional, coverage: Coverage) -> None:
        self.lookups = lookups
        self.professional = professional
        self.coverage = coverage
        self.profession = professional.profession
        self.sector = professional.sector
        self.ccam_allowed = professional.profession in lookups.rates.ccam_professions
        self.header = lookups.header(professional, coverage)
        self.usual = lookups.decision(self.profession, coverage, None)  # the rate of an act without exoneration
        self.rates: dict[str, Rate] = {}  # the rate of an act with its own exoneration, per exoneration

    def rate(self, exoneration: str | None) -> Rate:
        if exoneration is None:
            return self.usual
        found = self.rates.get(exoneration)
        if found is None:
            found = self.lookups.decision(self.profession, self.coverage, exoneration)
            remember(self.rates, exoneration, found, LIMIT)
        return found


class Lookups:
    """The remembered look-ups of one NGAP table and one rate table."""

    def __init__(self, ngap: NgapTable, rates: RateTable) -> None:
        self.ngap = ngap
        self.rates = rates
        self.units: dict[tuple[str, str, date], tuple[Decimal, str, bool]] = {}
        self.typed: dict[tuple[str, str], tuple[str, bool]] = {}
        self.decisions: dict[tuple[str, Coverage, str | None], Rate] = {}
        self.headers: dict[tuple[Professional, Coverage], str] = {}
        self.formulas: dict[tuple[str, Decimal | None], Formula] = {}
        self.associations: dict[str, tuple[Decimal, Decimal, str]] = {}
        self.contexts: dict[tuple[int, int], Context] = {}
        self.tables = Tables(ngap, rates, NoCcamTariffs())  # the tables when no CCAM table was imported

    def context(self, professional: Professional, coverage: Coverage) -> Context:
        # Keyed by identity: each entry holds its two objects, so their ids cannot be reused while it lives.
        key = (id(professional), id(coverage))
        found = self.contexts.get(key)
        if found is None or found.professional is not professional or found.coverage is not coverage:
            found = Context(self, professional, coverage)
            if len(self.contexts) >= LIMIT:
                self.contexts.clear()  # objects built by hand, or beyond the reading memos: start again
            self.contexts[key] = found
        return found

    def ngap_unit(self, act: Act, profession: str) -> tuple[Decimal, str, bool]:
        """(unit price, the price and where it came from for the trace, is a majoration) of an NGAP / COx act.

        For a table tariff the trace words (``30.00 (tarif NGAP au 01/01/2025)``) are remembered whole, per
        (code, profession, date); for a price typed with the act, where it came from, per (code, profession).
        """
        typed = act.unit_price
        if typed is None:
            key = (act.code, profession, act.date)
            found = self.units.get(key)
            if found is None:
                found = self._tariff(act, profession)
                remember(self.units, key, found, LIMIT)
            return found
        words = self.typed.get((act.code, profession))
        if words is None:
            words = self._typed(act, profession)
            remember(self.typed, (act.code, profession), words, LIMIT)
        source, majoration = words
        return typed, f"{typed!s} ({source})", majoration

    def _entry(self, act: Act, profession: str) -> NgapAct | None:
        """The table entry of the act for the profession; None for a code no table knows."""
        entry = self.ngap.find(act.code, profession)
        if entry is None and self.ngap.knows(act.code):
            label = self.rates.professions[profession].label
            raise ValidationError(f"{_field(act, 'code')} : l'acte {act.code} n'est pas autorisé pour un "
                                  f"{label}.", code="act_not_allowed", field=_field(act, "code"))
        return entry

    def _tariff(self, act: Act, profession: str) -> tuple[Decimal, str, bool]:
        """As ``ngap_unit``, for an act without a typed price: the tariff valid on the date of care."""
        entry = self._entry(act, profession)
        if entry is None:
            raise ValidationError(
                f"{_field(act, 'unit_price')} : le code {act.code} est absent des tables NGAP et COx, "
                "le prix unitaire est obligatoire.", code="unit_price_required", field=_field(act, "unit_price"))
        tariff = entry.tariff_on(act.date)
        if tariff is None:
            raise ValidationError(
                f"{_field(act, 'unit_price')} : pas de tarif de {act.code} au {fr_date(act.date)} dans la table "
                f"{entry.table.upper()}, le prix unitaire est obligatoire.",
                code="unit_price_required", field=_field(act, "unit_price"))
        return tariff, f"{tariff!s} (tarif {entry.table.upper()} au {fr_date(act.date)})", entry.is_majoration

    def _typed(self, act: Act, profession: str) -> tuple[str, bool]:
        """(where a typed price came from, is a majoration) for an act with its price."""
        entry = self._entry(act, profession)
        if entry is None:
            return "prix saisi, code hors tables", False
        return "prix saisi", entry.is_majoration

    def association(self, code: str) -> tuple[Decimal, Decimal, str]:
        """(factor, amount added, trace text) of a CCAM act without modifiers or supplement."""
        found = self.associations.get(code)
        if found is None:
            share = self.rates.associations[code]
            found = (Decimal(share) / HUNDRED, ZERO, f"association {code} ({share} %)")
            remember(self.associations, code, found, LIMIT)
        return found

    def decision(self, profession: str, coverage: Coverage, act_exoneration: str | None) -> Rate:
        key = (profession, coverage, act_exoneration)
        found = self.decisions.get(key)
        if found is None:
            exoneration = effective_exoneration(self.rates, coverage, act_exoneration)
            decision = decide_rate(self.rates, profession, coverage, exoneration)
            found = Rate(decision.rate, decision.exoneration, decision.reasons)
            remember(self.decisions, key, found, LIMIT)
        return found

    def header(self, professional: Professional, coverage: Coverage) -> str:
        """The first trace line after its date: ``, médecin, secteur 1, maladie, ...``."""
        key = (professional, coverage)
        found = self.headers.get(key)
        if found is None:
            found = _header(professional, coverage, self.rates)
            remember(self.headers, key, found, LIMIT)
        return found

    def formula(self, code: str, percent: Decimal | None) -> Formula:
        key = (code, percent)
        found = self.formulas.get(key)
        if found is None:
            found = Formula(self.rates.amc_formulas[code], percent)
            remember(self.formulas, key, found, LIMIT)
        return found


def _header(pro: Professional, coverage: Coverage, rates: RateTable) -> str:
    parts = ["", rates.professions[pro.profession].label]
    if pro.specialty:
        parts.append(f"spécialité {pro.specialty}")
    parts += [f"secteur {pro.sector}", rates.natures[coverage.nature].label,
              rates.exonerations[coverage.exoneration].label]
    if coverage.parcours:
        parts.append(f"parcours {coverage.parcours} ({rates.parcours[coverage.parcours]})")
    if coverage.regime_local:
        parts.append(rates.regime_local.label)
    if coverage.service_amo:
        parts.append(f"service AMO {coverage.service_amo}")
    if coverage.maternity_date is not None:
        parts.append(f"maternité du {fr_date(coverage.maternity_date)}")
    if coverage.accident_date is not None:
        parts.append(f"accident du {fr_date(coverage.accident_date)}")
    if coverage.smg_amount is not None:
        parts.append(f"prise en charge SMG {coverage.smg_amount}")
    return ", ".join(parts)


_LOOKUPS: dict[tuple[int, int], Lookups] = {}
_DEFAULT: list[Lookups] = []  # the look-ups of the shipped tables, found without building a key


def lookups_for(ngap: NgapTable | None, rates: RateTable | None) -> Lookups:
    """The look-ups of a pair of tables (None: the shipped one)."""
    if ngap is None and rates is None and _DEFAULT:
        return _DEFAULT[0]
    ngap_table, rate_table = ngap or default_table(), rates or default_rates()
    found = _LOOKUPS.get((id(ngap_table), id(rate_table)))
    if found is None or found.ngap is not ngap_table or found.rates is not rate_table:
        found = _LOOKUPS[(id(ngap_table), id(rate_table))] = Lookups(ngap_table, rate_table)
    if ngap is None and rates is None:
        _DEFAULT.append(found)
    return found
