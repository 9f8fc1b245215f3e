"""The complementary (AMC) part: the seven formulas of the tiers-payant card, or a fixed amount.

With DR the fee, TR the base and MRO the AMO part, TM = TR − MRO, every result is capped at
DR − MRO and never below zero, so that the AMC never pays more than what the AMO left.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from feuille.money import CENT, ZERO
from feuille.pricing.lookups import OF_DR, OF_TR, Formula

HUNDRED = Decimal(100)


def formula_amount(contract: Formula, percent: Decimal | None, dr: Decimal, tr: Decimal,
                   mro: Decimal) -> tuple[Decimal, Decimal]:
    """The AMC part of one line under a formula, and the share it comes from (before the ceiling, unrounded).

    ``percent``: the invoice's own (None for formulas without one); ``dr``, ``tr`` and ``mro`` are already
    rounded to the cent; the words of the trace come ready-made with ``contract``.
    """
    of = dr if contract.of == OF_DR else tr if contract.of == OF_TR else tr - mro
    share = of if percent is None else of * percent / HUNDRED
    if contract.minus_mro:
        share -= mro
    return max(ZERO, min(dr - mro, share)).quantize(CENT, ROUND_HALF_UP), share  # round_cents, inlined


def spread(amount: Decimal, weights: Sequence[Decimal], weight_sum: Decimal | None = None) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``, to the cent, the parts summing exactly to it.

    Each part is first rounded down to the cent; the cents left go to the largest remainders
    (earlier lines first on a tie). Zero weights get nothing. ``weight_sum``: the sum of the weights
    when the caller has it already.
    """
    if weight_sum is None:
        weight_sum = sum(weights, ZERO)
    if weight_sum <= ZERO or amount <= ZERO:
        return [ZERO for _ in weights]
    exact = [amount * weight / weight_sum for weight in weights]
    parts = [value.quantize(CENT, ROUND_FLOOR) for value in exact]
    left = int((amount - sum(parts, ZERO)).scaleb(2))  # whole cents, exactly
    if left:
        # Largest remainder first; the sort is stable, also in reverse, so earlier lines win a tie.
        remainders = [value - part for value, part in zip(exact, parts, strict=True)]
        for i in sorted(range(len(parts)), key=remainders.__getitem__, reverse=True)[:left]:
            parts[i] += CENT
    return parts
