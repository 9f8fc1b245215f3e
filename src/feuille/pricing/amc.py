"""The complementary (AMC) part: the seven formulas of the tiers-payant card, or a fixed amount.

With DR the fee, TR the base and MRO the AMO part, TM = TR − MRO, every result is capped at
DR − MRO and never below zero, so that the AMC never pays more than what the AMO left.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal

from feuille.money import CENT, ZERO, round_cents
from feuille.nomenclature.rates import AmcFormula

HUNDRED = Decimal(100)


def formula_part(formula: AmcFormula, percent: Decimal | None, dr: Decimal, tr: Decimal,
                 mro: Decimal, explain: bool = True) -> tuple[Decimal, str]:
    """The AMC part of one line and how it was found (for the trace). Amounts are already in cents."""
    ceiling = dr - mro
    of = dr if formula.of == "DR" else tr if formula.of == "TR" else tr - mro
    share = of if percent is None else of * percent / HUNDRED
    if formula.minus_mro:
        share -= mro
    amount = round_cents(max(ZERO, min(ceiling, share)))
    if not explain:
        return amount, ""
    shown = "100" if percent is None else f"{percent.normalize():f}"
    minus = " − MRO" if formula.minus_mro else ""
    text = (f"formule {formula.code} ({formula.label}) : min(DR − MRO {ceiling!s} ; "
            f"{shown} % {formula.of}{minus} {round_cents(share)!s}) = {amount!s}")
    return amount, text


def spread(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``, to the cent, the parts summing exactly to it.

    Each part is first rounded down to the cent; the cents left go to the largest remainders
    (earlier lines first on a tie). Zero weights get nothing.
    """
    weight_sum = sum(weights, ZERO)
    if weight_sum <= 0 or amount <= 0:
        return [ZERO for _ in weights]
    exact = [amount * w / weight_sum for w in weights]
    parts = [e.quantize(CENT, rounding=ROUND_FLOOR) for e in exact]
    left = int((amount - sum(parts, ZERO)) / CENT)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += CENT
    return parts
