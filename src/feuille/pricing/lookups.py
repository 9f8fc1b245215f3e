"""Table look-ups the engine repeats on every invoice, remembered per pair of tables.

A practice prices the same few acts, for the same professional and coverages, on a few hundred dates:
the NGAP tariff of (code, profession, date), the AMO rate decision of (profession, coverage, exoneration),
the header of the trace and the fixed words of an AMC formula are found once and then read from a dict.
Only look-ups are remembered, never a priced amount; errors are never remembered (a refused act is looked
up, and refused, each time). Each store stops growing at ``LIMIT`` entries.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from feuille.errors import ValidationError
from feuille.money import ZERO
from feuille.nomenclature.ngap import NgapTable
from feuille.nomenclature.rates import AmcFormula, RateTable
from feuille.pricing.amo import decide_rate, effective_exoneration
from feuille.pricing.model import Act, Coverage, Professional

LIMIT = 10_000
HUNDRED = Decimal(100)

_FR_DATES: dict[date, str] = {}


def fr_date(value: date) -> str:
    """``01/01/2025`` (remembered: an invoice repeats its dates on every line)."""
    text = _FR_DATES.get(value)
    if text is None:
        text = f"{value.day:02d}/{value.month:02d}/{value.year}"
        if len(_FR_DATES) < LIMIT:
            _FR_DATES[value] = text
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

    __slots__ = ("formula", "head", "middle")

    def __init__(self, formula: AmcFormula, percent: Decimal | None) -> None:
        self.formula = formula
        shown = "100" if percent is None else f"{percent.normalize():f}"
        minus = " − MRO" if formula.minus_mro else ""
        self.head = f" AMC formule {formula.code} ({formula.label}) : min(DR − MRO "
        self.middle = f" ; {shown} % {formula.of}{minus} "


class Lookups:
    """The remembered look-ups of one NGAP table and one rate table."""

    def __init__(self, ngap: NgapTable, rates: RateTable) -> None:
        self.ngap = ngap
        self.rates = rates
        self.units: dict[tuple[str, str, date | None], tuple[Decimal | None, str, bool]] = {}
        self.decisions: dict[tuple[str, Coverage, str | None], Rate] = {}
        self.headers: dict[tuple[Professional, Coverage], str] = {}
        self.formulas: dict[tuple[str, Decimal | None], Formula] = {}
        self.associations: dict[str, tuple[Decimal, Decimal, str]] = {}

    def ngap_unit(self, act: Act, profession: str) -> tuple[Decimal, str, bool]:
        """(unit price, the price and where it came from for the trace, is a majoration) of an NGAP / COx act.

        For a table tariff the trace words (``30.00 (tarif NGAP au 01/01/2025)``) are remembered too.
        """
        typed = act.unit_price
        key = (act.code, profession, act.date if typed is None else None)
        found = self.units.get(key)
        if found is None:
            found = self._ngap_unit(act, profession)
            if len(self.units) < LIMIT:
                self.units[key] = found
        unit, shown, majoration = found
        if unit is not None:
            return unit, shown, majoration
        assert typed is not None  # None is only remembered for a price typed with the act (key without date)
        return typed, f"{typed!s} ({shown})", majoration

    def _ngap_unit(self, act: Act, profession: str) -> tuple[Decimal | None, str, bool]:
        """As ``ngap_unit``; for a price typed with the act, None and only where it came from."""
        entry = self.ngap.find(act.code, profession)
        if entry is None:
            if self.ngap.knows(act.code):
                label = self.rates.professions[profession].label
                raise ValidationError(f"{_field(act, 'code')} : l'acte {act.code} n'est pas autorisé pour un "
                                      f"{label}.", code="act_not_allowed", field=_field(act, "code"))
            if act.unit_price is None:
                raise ValidationError(
                    f"{_field(act, 'unit_price')} : le code {act.code} est absent des tables NGAP et COx, "
                    "le prix unitaire est obligatoire.", code="unit_price_required", field=_field(act, "unit_price"))
            return None, "prix saisi, code hors tables", False
        if act.unit_price is not None:
            return None, "prix saisi", entry.is_majoration
        tariff = entry.tariff_on(act.date)
        if tariff is None:
            raise ValidationError(
                f"{_field(act, 'unit_price')} : pas de tarif de {act.code} au {fr_date(act.date)} dans la table "
                f"{entry.table.upper()}, le prix unitaire est obligatoire.",
                code="unit_price_required", field=_field(act, "unit_price"))
        return tariff, f"{tariff!s} (tarif {entry.table.upper()} au {fr_date(act.date)})", entry.is_majoration

    def association(self, code: str) -> tuple[Decimal, Decimal, str]:
        """(factor, amount added, trace text) of a CCAM act without modifiers or supplement."""
        found = self.associations.get(code)
        if found is None:
            share = self.rates.associations[code]
            found = (Decimal(share) / HUNDRED, ZERO, f"association {code} ({share} %)")
            if len(self.associations) < LIMIT:
                self.associations[code] = found
        return found

    def decision(self, profession: str, coverage: Coverage, act_exoneration: str | None) -> Rate:
        key = (profession, coverage, act_exoneration)
        found = self.decisions.get(key)
        if found is None:
            exoneration = effective_exoneration(self.rates, coverage, act_exoneration)
            decision = decide_rate(self.rates, profession, coverage, exoneration)
            found = Rate(decision.rate, decision.exoneration, decision.reasons)
            if len(self.decisions) < LIMIT:
                self.decisions[key] = found
        return found

    def header(self, professional: Professional, coverage: Coverage) -> str:
        """The first trace line after its date: ``, médecin, secteur 1, maladie, ...``."""
        key = (professional, coverage)
        found = self.headers.get(key)
        if found is None:
            found = _header(professional, coverage, self.rates)
            if len(self.headers) < LIMIT:
                self.headers[key] = found
        return found

    def formula(self, code: str, percent: Decimal | None) -> Formula:
        key = (code, percent)
        found = self.formulas.get(key)
        if found is None:
            found = Formula(self.rates.amc_formulas[code], percent)
            if len(self.formulas) < LIMIT:
                self.formulas[key] = found
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


def lookups_for(ngap: NgapTable, rates: RateTable) -> Lookups:
    found = _LOOKUPS.get((id(ngap), id(rates)))
    if found is None or found.ngap is not ngap or found.rates is not rates:
        found = _LOOKUPS[(id(ngap), id(rates))] = Lookups(ngap, rates)
    return found
