"""What the engine looks up in the tables for an invoice: tariffs of NGAP acts, AMO rates, trace words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError
from feuille.nomenclature.ngap import NgapAct, NgapTable
from feuille.nomenclature.rates import RateTable
from feuille.nomenclature.tariffs import CcamTariffs
from feuille.pricing.amo import decide_rate, effective_exoneration
from feuille.pricing.model import Act, Coverage, Professional
from feuille.pricing.trace import fr


class Tables(NamedTuple):
    ngap: NgapTable
    rates: RateTable
    ccam: CcamTariffs


@dataclass(frozen=True, slots=True)
class Rate:
    """The AMO rate of a line, the exoneration written on it, and the reasons shown in the trace."""

    rate: int
    exoneration: str
    reasons: str
    rule: str  # the rule of ``amo.RULES`` that set the rate


def fr_date(value: date) -> str:
    """``01/01/2025``."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def field(act: Act, name: str) -> str:
    """The input field of an act, as error messages name it: ``acts[0].code``."""
    return f"acts[{act.position}].{name}"


def line_rate(rates: RateTable, profession: str, coverage: Coverage, act: Act) -> Rate:
    """The AMO rate of the act's line. An exoneration the tables refuse (2, reserved to establishments; 6, whose
    rate no public table gives) is refused unless the rate was chosen by hand."""
    exoneration = effective_exoneration(rates, coverage, act.exoneration)
    refused = rates.exonerations[exoneration].refused
    if refused and coverage.rate is None:
        name = field(act, "exoneration") if act.exoneration is not None else "coverage.exoneration"
        raise ValidationError(f"{named(name)} : {refused}", code="exoneration_refused", field=name)
    decision = decide_rate(rates, profession, coverage, exoneration)
    return Rate(decision.rate, decision.exoneration, decision.reasons, decision.rule)


def header(professional: Professional, coverage: Coverage, rates: RateTable) -> str:
    """What the first trace line says after its date: ``, médecin, secteur 1, maladie, ...``."""
    parts = ["", rates.professions[professional.profession].label]
    if professional.specialty:
        parts.append(f"spécialité {professional.specialty}")
    parts += [f"secteur {professional.sector}", rates.natures[coverage.nature].label,
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
        parts.append(f"prise en charge SMG {fr(coverage.smg_amount)}")
    return ", ".join(parts)


def ngap_unit(act: Act, profession: str, tables: Tables, warnings: list[str]) -> tuple[Decimal, str, bool]:
    """(unit price, the price and where it came from for the trace, is a majoration) of an NGAP / COx act.

    A price typed with the act wins over the table; without one, the tariff valid on the date of care. A code
    no table knows is priced only with a typed price, and a warning says so (the user vouches for that price)
    unless the profession bills no NGAP code at all (an optician's LPP codes are always typed).
    """
    entry = _entry(act, profession, tables)
    if act.unit_price is not None:
        if entry is None and tables.ngap.bills_ngap(profession):
            warnings.append(f"acte {act.position + 1} ({act.code}) : code absent des tables NGAP et COx, "
                            f"prix saisi {act.unit_price!s} retenu sans contrôle.")
        if entry is None:
            return act.unit_price, f"{fr(act.unit_price)} (prix saisi, code hors tables)", False
        return act.unit_price, f"{fr(act.unit_price)} (prix saisi)", entry.is_majoration
    if entry is None:
        raise ValidationError(
            f"{named(field(act, 'unit_price'))} : le code {act.code} est absent des tables NGAP et COx, "
            "le prix unitaire est obligatoire.", code="unit_price_required", field=field(act, "unit_price"))
    tariff = entry.tariff_on(act.date)
    if tariff is None:
        raise ValidationError(
            f"{named(field(act, 'unit_price'))} : pas de tarif de {act.code} au {fr_date(act.date)} dans la table "
            f"{entry.table.upper()} ({entry.missing_tariff(act.date)}), le prix unitaire est obligatoire.",
            code="unit_price_required", field=field(act, "unit_price"))
    return tariff, f"{fr(tariff)} (tarif {entry.table.upper()} au {fr_date(act.date)})", entry.is_majoration


def _entry(act: Act, profession: str, tables: Tables) -> NgapAct | None:
    """The table entry of the act for the profession; None for a code no table knows."""
    entry = tables.ngap.find(act.code, profession)
    if entry is None and tables.ngap.knows(act.code):
        label = tables.rates.professions[profession].label
        raise ValidationError(f"{named(field(act, 'code'))} : l'acte {act.code} n'est pas autorisé pour un {label}.",
                              code="act_not_allowed", field=field(act, "code"))
    return entry
