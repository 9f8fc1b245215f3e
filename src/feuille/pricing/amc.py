"""The complementary (AMC) part: the seven formulas of the tiers-payant card, or a fixed amount.

With DR the fee, TR the base and MRO the AMO part, TM = TR − MRO, every result is capped at
DR − MRO and never below zero, so that the AMC never pays more than what the AMO left.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from feuille.money import CENT, ZERO
from feuille.pricing.lookups import Formula

HUNDRED = Decimal(100)


def formula_amount(contract: Formula, percent: Decimal | None, dr: Decimal, tr: Decimal,
                   mro: Decimal) -> tuple[Decimal, Decimal]:
    """The AMC part of one line under a formula, and the share it comes from (before the ceiling, unrounded).

    ``percent``: the invoice's own (None for formulas without one); ``dr``, ``tr`` and ``mro`` are already
    rounded to the cent; the words of the trace come ready-made with ``contract``.
    """
    formula = contract.formula
    of = dr if formula.of == "DR" else tr if formula.of == "TR" else tr - mro
    share = of if percent is None else of * percent / HUNDRED
    if formula.minus_mro:
        share -= mro
    return max(ZERO, min(dr - mro, share)).quantize(CENT, ROUND_HALF_UP), share  # round_cents, inlined


def spread(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``, to the cent, the parts summing exactly to it.

    Each part is first rounded down to the cent; the cents left go to the largest remainders
    (earlier lines first on a tie). Zero weights get nothing.
    """
    weight_sum = sum(weights, ZERO)
    if weight_sum <= ZERO or amount <= ZERO:
        return [ZERO for _ in weights]
    parts: list[Decimal] = []
    remainders: list[Decimal] = []
    for weight in weights:
        exact = amount * weight / weight_sum
        part = exact.quantize(CENT, ROUND_FLOOR)
        parts.append(part)
        remainders.append(exact - part)
    left = int((amount - sum(parts, ZERO)).scaleb(2))  # whole cents, exactly
    if left:
        # Largest remainder first; the sort is stable, also in reverse, so earlier lines win a tie.
        for i in sorted(range(len(parts)), key=remainders.__getitem__, reverse=True)[:left]:
            parts[i] += CENT
    return parts
