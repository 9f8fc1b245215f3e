"""The flat participation on heavy acts (ameli.fr, "Le forfait à 24 euros"; 18 € before 2019).

Acts whose tariff is ≥ 120 € or whose coefficient is ≥ 60 — several acts of the same practitioner in the same
consultation added up (here: the lines of one invoice with the same date of care) — have their ticket
modérateur replaced by a flat participation (24 € since 2019-01-01, 18 € before) left to the patient: the AMO
pays the base less that amount, and the lines carry the exoneration code of the table (1). The amount and the
thresholds are those of the period of the date of care; before the first period the table knows, a heavy
group is refused (the amount of that time is not sourced), never priced with a later amount.

It only replaces a ticket modérateur: a line already at 100 % (ALD-related care, maternity, work accident,
exoneration 3, 5, 7, 9 ...) or at a rate chosen by hand has none, and the C2S (a complementary) pays it like
any ticket modérateur. The periods, the code and the rules it applies under come from ``rates.json``
(``flat_participation``) with their sources.

How an act counts towards the threshold is the CCAM listing's "Exo TM" column (snmr.org §8.9): category 1
(therapeutic or invasive diagnostic acts) is added up with the other acts of the consultation, category 2
(non-invasive diagnostic acts: imaging...) is compared to the threshold on its own. The category comes with
the act (``acts[i].exo_tm``) or from the imported CCAM table; unknown, the general rule applies (every act of
the consultation added up) and the trace says so. The other categories (5, 7, 1-7 ...) have no public
definition: they are refused when the date reaches the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple, Protocol

from feuille.domain.identifiers import is_ccam_code
from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError
from feuille.money import ZERO, total
from feuille.nomenclature.rates import FlatParticipation, FlatPeriod, RateTable
from feuille.nomenclature.tariffs import CcamTariffs, normal_exo_tm
from feuille.pricing.context import Rate, Tables, fr_date
from feuille.pricing.model import Act
from feuille.pricing.trace import coefficient as normalized
from feuille.pricing.trace import fr


class PricedSoFar(Protocol):
    """What this stage reads and changes on a line of the engine."""

    act: Act
    base: Decimal
    reimbursed: bool
    majoration: bool
    rate: Rate
    amo: Decimal
    participation: Decimal | None
    exo_tm: str | None
    trace: list[str]


def exo_tm_of(act: Act, sector: int, ccam: CcamTariffs) -> str | None:
    """The act's CCAM "Exo TM" category: the one given with the act, else the imported table's; None when
    neither says (an NGAP act, a CCAM act with no table or a blank cell)."""
    if act.exo_tm is not None or not is_ccam_code(act.code):
        return act.exo_tm
    tariff = ccam.ccam_tariff(act.code, act.date, act.activity or "1", act.phase or "0", sector)
    return None if tariff is None else normal_exo_tm(tariff.exo_tm)


class _Day(NamedTuple):
    """The lines of one date of care sorted by how they count towards the threshold."""

    cumulated: list[PricedSoFar]  # Exo TM 1 and the lines of unknown category (the general rule): added up
    alone: list[PricedSoFar]  # Exo TM 2: each compared to the threshold on its own
    unsourced: list[PricedSoFar]  # a category no public text explains


def apply_flat_participation(tables: Tables, sector: int, lines: Sequence[PricedSoFar], trace: list[str]) -> None:
    """Replace the ticket modérateur of the heavy acts of each date of care by the flat participation.

    The acts of category 1 of the CCAM "Exo TM" column (and those whose category is unknown: the general
    rule) are added up; each act of category 2 is compared to the threshold on its own; the amount is due
    once for every act of the date that reaches it. An act of another category is refused when the date's
    acts reach the threshold (no text says how it counts), and keeps its ticket modérateur below it.
    """
    rates = tables.rates
    rule = rates.flat_participation
    for day, group in _by_date(rates, lines).items():
        tariff, coefficient = _sums(group)
        declared = any(_declared(rates, line) for line in group)
        period = rule.period_on(day)
        if period is None:
            if declared or not rule.below_floor(tariff, coefficient):
                _refuse_unknown_date(rule, group, day, tariff)
            continue
        if not declared and not period.reached(tariff, coefficient):
            continue
        for line in group:  # looked up here only: the CCAM table is not read for light dates
            line.exo_tm = exo_tm_of(line.act, sector, tables.ccam)
        sorted_day = _sort(rule, group)
        if sorted_day.unsourced:
            _refuse_category(period, sorted_day.unsourced[0], day, tariff)
        heavy = _heavy(rates, period, sorted_day)
        if not heavy:
            trace.append(f"participation forfaitaire du {fr_date(day)} : {_counted(sorted_day)} ; seuils "
                         f"{fr(period.tariff_threshold)} € ou coefficient {fr(period.coefficient_threshold)} non "
                         "atteints : le ticket modérateur reste")
            continue
        _check_rules(rule, period, heavy)
        trace.append(f"participation forfaitaire du {fr_date(day)} : {_counted(sorted_day)}"
                     f"{' ; ' if sorted_day.alone else ', '}seuils "
                     f"{fr(period.tariff_threshold)} € ou coefficient {fr(period.coefficient_threshold)} (période du "
                     f"{fr_date(period.valid_from)}) : le ticket modérateur est remplacé par {fr(period.amount)} € "
                     f"(exonération {rule.exoneration}){_unknown(sorted_day)}")
        _replace_ticket(rule, period, heavy)


def _declared(rates: RateTable, line: PricedSoFar) -> bool:
    return rates.exonerations[line.rate.exoneration].flat_participation


def _sums(lines: Iterable[PricedSoFar]) -> tuple[Decimal, Decimal]:
    """The tariffs (bases) and the NGAP coefficients of the lines, majorations left out."""
    acts = [line for line in lines if not line.majoration]
    coefficient = sum((line.act.coefficient * line.act.quantity for line in acts
                       if not is_ccam_code(line.act.code)), Decimal(0))
    return total([line.base for line in acts]), coefficient


def _sort(rule: FlatParticipation, group: Sequence[PricedSoFar]) -> _Day:
    day = _Day([], [], [])
    for line in group:
        category = rule.exo_tm.get(line.exo_tm) if line.exo_tm is not None else None
        if line.exo_tm is not None and category is None:
            day.unsourced.append(line)
        elif category is not None and category.rule == "alone":
            day.alone.append(line)
        else:
            day.cumulated.append(line)
    return day


def _heavy(rates: RateTable, period: FlatPeriod, day: _Day) -> list[PricedSoFar]:
    """The lines of the date the flat participation applies to: the added-up lines when their sum (or one
    declared under exoneration 1) reaches the threshold, and each line compared alone that reaches it."""
    tariff, coefficient = _sums(day.cumulated)
    declared = any(_declared(rates, line) for line in day.cumulated)
    heavy = list(day.cumulated) if declared or period.reached(tariff, coefficient) else []
    heavy += [line for line in day.alone if _declared(rates, line)
              or (not line.majoration and line.base >= period.tariff_threshold)]
    return heavy


def _counted(day: _Day) -> str:
    """How the acts of the date were counted, for the trace."""
    parts = []
    if day.cumulated:
        tariff, coefficient = _sums(day.cumulated)
        cumulated = "actes cumulés (Exo TM 1 ou règle générale) " if day.alone else "actes "
        parts.append(f"{cumulated}{fr(tariff)} €, coefficient {normalized(coefficient)}")
    if day.alone:
        each = ", ".join(f"{line.act.code} {fr(line.base)} €" for line in day.alone)
        parts.append(f"actes comparés un à un au seuil (Exo TM 2, acte diagnostique non invasif) : {each}")
    return " ; ".join(parts)


def _unknown(day: _Day) -> str:
    codes = [line.act.code for line in day.cumulated if line.exo_tm is None and is_ccam_code(line.act.code)]
    if not codes:
        return ""
    return (f" ; catégorie Exo TM inconnue pour {', '.join(codes)} (ni donnée avec l'acte ni dans une table "
            "CCAM importée) : règle générale, actes de la consultation cumulés")


def _refuse_category(period: FlatPeriod, line: PricedSoFar, day: date, tariff: Decimal) -> None:
    position = line.act.position
    raise ValidationError(
        f"{named(f'acts[{position}].exo_tm')} : l'acte {line.act.code} est de catégorie Exo TM {line.exo_tm} ; "
        f"les actes du {fr_date(day)} ({tariff!s} €) atteignent le seuil de la participation forfaitaire "
        f"({period.tariff_threshold!s} €) et aucun texte trouvé ne dit comment cette catégorie y est comptée : "
        "indiquez le taux à la main (coverage.rate) ou les parts (overrides).",
        code="flat_participation_category_unknown", field=f"acts[{position}].exo_tm")


def _refuse_unknown_date(rule: FlatParticipation, group: Sequence[PricedSoFar], day: date,
                         tariff: Decimal) -> None:
    first = group[0].act.position
    raise ValidationError(
        f"{named(f'acts[{first}]')} : actes du {fr_date(day)} ({tariff!s} €) : la participation forfaitaire sur les "
        f"actes coûteux n'est connue qu'à partir du {fr_date(rule.first_date)} ; son montant au {fr_date(day)} "
        "n'est donné par aucune source trouvée : indiquez le taux à la main (coverage.rate) ou les parts "
        "(overrides).", code="flat_participation_unknown_date", field=f"acts[{first}].date")


def _by_date(rates: RateTable, lines: Iterable[PricedSoFar]) -> dict[date, list[PricedSoFar]]:
    """The lines that leave a ticket modérateur the flat participation may replace, by date of care."""
    rule = rates.flat_participation
    concerned = rule.replaces | rule.paid_by_amo | rule.refused_with
    groups: dict[date, list[PricedSoFar]] = {}
    for line in lines:
        declared = rates.exonerations[line.rate.exoneration].flat_participation
        if line.reimbursed and (declared or line.rate.rule in concerned):
            groups.setdefault(line.act.date, []).append(line)
    return groups


def _check_rules(rule: FlatParticipation, period: FlatPeriod, group: Sequence[PricedSoFar]) -> None:
    for line in group:
        if line.rate.rule in rule.refused_with:
            raise ValidationError(
                f"{named(f'acts[{line.act.position}]')} : la participation forfaitaire de {period.amount} € (actes ≥ "
                f"{period.tariff_threshold} €) hors parcours de soins n'est décrite par aucun texte trouvé : "
                "indiquez le taux à la main (coverage.rate) ou les parts (overrides).",
                code="flat_participation_unsupported", field=f"acts[{line.act.position}]")


def _replace_ticket(rule: FlatParticipation, period: FlatPeriod, group: Sequence[PricedSoFar]) -> None:
    """Every line of the group at 100 %, then the flat amount taken back from the AMO part of the largest
    lines first (earlier lines on a tie), unless the AMO pays it too (Alsace-Moselle)."""
    by_amo = any(line.rate.rule in rule.paid_by_amo for line in group)
    left = ZERO if by_amo else period.amount
    for line in sorted(group, key=lambda item: item.base, reverse=True):
        share = min(left, line.base)
        line.participation, left = share, left - share
    for line in group:
        share = line.participation or ZERO
        line.rate = replace(line.rate, rate=100, exoneration=rule.exoneration)
        line.amo = line.base - share
        why = "prise en charge par le régime local" if by_amo else "laissée au patient"
        line.trace.append(f"{line.act.code} {fr(line.base)} × 100 % − participation forfaitaire "
                          f"{fr(share)} ({why}) = {fr(line.amo)} (exonération {rule.exoneration})")
