"""The 24 € flat participation on heavy acts (ameli.fr, "Le forfait à 24 euros").

Acts whose tariff is ≥ 120 € or whose coefficient is ≥ 60 — several acts of the same practitioner in the same
consultation added up (here: the lines of one invoice with the same date of care) — have their ticket
modérateur replaced by a flat participation of 24 € left to the patient: the AMO pays the base less 24 €, and
the lines carry the exoneration code of the table (1). It only replaces a ticket modérateur: a line already at
100 % (ALD-related care, maternity, work accident, exoneration 3, 5, 7, 9 ...) or at a rate chosen by hand has
none, and the C2S (a complementary) pays it like any ticket modérateur. The thresholds, the amount, the code
and the rules it applies under come from ``rates.json`` (``flat_participation``) with their sources.
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
from feuille.nomenclature.rates import FlatParticipation, RateTable
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
        if not declared and tariff < rule.tariff_threshold and coefficient < rule.coefficient_threshold:
            continue
        _check_rules(rule, group)
        trace.append(f"participation forfaitaire du {fr_date(day)} : actes {tariff!s} €, coefficient "
                     f"{coefficient.normalize():f}, seuils {rule.tariff_threshold!s} € ou coefficient "
                     f"{rule.coefficient_threshold} : le ticket modérateur est remplacé par "
                     f"{rule.amount!s} € (exonération {rule.exoneration})")
        _replace_ticket(rule, group)


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


def _check_rules(rule: FlatParticipation, group: Sequence[PricedSoFar]) -> None:
    for line in group:
        if line.rate.rule in rule.refused_with:
            raise ValidationError(
                f"acts[{line.act.position}] : la participation forfaitaire de {rule.amount} € (actes ≥ "
                f"{rule.tariff_threshold} €) hors parcours de soins n'est décrite par aucun texte trouvé : "
                "indiquez le taux à la main (coverage.rate) ou les parts (overrides).",
                code="flat_participation_unsupported", field=f"acts[{line.act.position}]")


def _replace_ticket(rule: FlatParticipation, group: Sequence[PricedSoFar]) -> None:
    """Every line of the group at 100 %, then the flat amount taken back from the AMO part of the largest
    lines first (earlier lines on a tie), unless the AMO pays it too (Alsace-Moselle)."""
    by_amo = any(line.rate.rule in rule.paid_by_amo for line in group)
    left = ZERO if by_amo else rule.amount
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
