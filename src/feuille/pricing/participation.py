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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Protocol

from feuille.domain.identifiers import is_ccam_code
from feuille.errors import ValidationError
from feuille.money import ZERO, total
from feuille.nomenclature.rates import FlatParticipation, FlatPeriod, RateTable
from feuille.pricing.context import Rate, fr_date
from feuille.pricing.model import Act


class PricedSoFar(Protocol):
    """What this stage reads and changes on a line of the engine."""

    act: Act
    base: Decimal
    reimbursed: bool
    majoration: bool
    rate: Rate
    amo: Decimal
    participation: Decimal | None
    trace: list[str]


def apply_flat_participation(rates: RateTable, lines: Sequence[PricedSoFar], trace: list[str]) -> None:
    """Replace the ticket modérateur of the heavy acts of each date of care by the flat participation."""
    rule = rates.flat_participation
    for day, group in _by_date(rates, lines).items():
        tariff = total([line.base for line in group if not line.majoration])
        coefficient = sum((line.act.coefficient * line.act.quantity for line in group
                           if not line.majoration and not is_ccam_code(line.act.code)), Decimal(0))
        declared = any(rates.exonerations[line.rate.exoneration].flat_participation for line in group)
        period = rule.period_on(day)
        if period is None:
            if declared or not rule.below_floor(tariff, coefficient):
                _refuse_unknown_date(rule, group, day, tariff)
            continue
        if not declared and not period.reached(tariff, coefficient):
            continue
        _check_rules(rule, period, group)
        trace.append(f"participation forfaitaire du {fr_date(day)} : actes {tariff!s} €, coefficient "
                     f"{coefficient.normalize():f}, seuils {period.tariff_threshold!s} € ou coefficient "
                     f"{period.coefficient_threshold} (période du {fr_date(period.valid_from)}) : le ticket "
                     f"modérateur est remplacé par {period.amount!s} € (exonération {rule.exoneration})")
        _replace_ticket(rule, period, group)


def _refuse_unknown_date(rule: FlatParticipation, group: Sequence[PricedSoFar], day: date,
                         tariff: Decimal) -> None:
    first = group[0].act.position
    raise ValidationError(
        f"acts[{first}] : actes du {fr_date(day)} ({tariff!s} €) : la participation forfaitaire sur les actes "
        f"coûteux n'est connue qu'à partir du {fr_date(rule.first_date)} ; son montant au {fr_date(day)} "
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
                f"acts[{line.act.position}] : la participation forfaitaire de {period.amount} € (actes ≥ "
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
        line.trace.append(f"{line.act.code} {line.base!s} × 100 % − participation forfaitaire "
                          f"{share!s} ({why}) = {line.amo!s} (exonération {rule.exoneration})")
