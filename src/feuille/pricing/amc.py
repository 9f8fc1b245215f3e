"""The complementary (AMC) part: the seven formulas of the tiers-payant card, or a fixed amount.

With DR the fee, TR the base and MRO the AMO part, TM = TR − MRO, every result is capped at
DR − MRO and never below zero, so that the AMC never pays more than what the AMO left.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal

from feuille.money import CENT, ZERO, round_cents
from feuille.nomenclature.rates import AmcFormula
from feuille.pricing.trace import coefficient, fr

HUNDRED = Decimal(100)


def formula_amount(formula: AmcFormula, percent: Decimal | None, dr: Decimal, tr: Decimal,
                   mro: Decimal) -> tuple[Decimal, Decimal]:
    """The AMC part of one line under a formula, and the share it comes from (before the ceiling, unrounded).

    ``percent``: the contract's own (None for formulas without one).
    """
    of = {"DR": dr, "TR": tr, "TM": tr - mro}[formula.of]
    share = of if percent is None else of * percent / HUNDRED
    if formula.minus_mro:
        share -= mro
    return round_cents(max(ZERO, min(dr - mro, share))), share


def formula_trace(code: str, formula: AmcFormula, percent: Decimal | None, dr: Decimal, mro: Decimal,
                  share: Decimal, amc: Decimal) -> str:
    """``C AMC formule 052 (100 % TM) : min(DR − MRO 6,90 ; 100 % TM 6,90) = 6,90``."""
    shown = "100" if percent is None else coefficient(percent)
    minus = " − MRO" if formula.minus_mro else ""
    return (f"{code} AMC formule {formula.code} ({formula.label}) : min(DR − MRO {fr(dr - mro)} ; "
            f"{shown} % {formula.of}{minus} {fr(round_cents(share))}) = {fr(amc)}")


def spread(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``, to the cent, the parts summing exactly to it.

    Each part is first rounded down to the cent; the cents left go to the largest remainders
    (earlier lines first on a tie). Zero weights get nothing.
    """
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
