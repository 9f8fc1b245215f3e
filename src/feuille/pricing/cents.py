"""``amc.spread`` in whole cents, for the fast path (``fast``): the same parts, the same lines get the cents left.

The reference divides ``Decimal``s, rounded half-even to 28 significant digits. Rounding a quotient moves it
by less than 10⁻²⁰ cent, while two different remainders of ``amount × weight ÷ sum`` differ by at least one
``sum``-th of a cent: the parts (rounded down) and the order of the remainders are those of the exact
quotients, computed here with integers. Only equal remainders of different weights may be ordered differently
by the rounding (a longer integer part leaves fewer decimals to the remainder), so then the 28-digit quotients
are rebuilt exactly (``decimal_quotient``) and ordered as the reference orders them.
"""

from __future__ import annotations

import re

TYPED = re.compile(r"([0-9]{1,5})(?:\.([0-9]{1,2}))?")
PRECISION = 28  # digits of the default decimal context, in which the reference divides


def spread(amount: int, weights: list[int]) -> list[int]:
    """Split ``amount`` cents in proportion to ``weights`` (cents): parts rounded down, the cents left to the
    largest remainders, earlier lines first on a tie."""
    weight_sum = sum(weights)
    if weight_sum <= 0 or amount <= 0:
        return [0 for _ in weights]
    parts: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        part, remainder = divmod(amount * weight, weight_sum)
        parts.append(part)
        remainders.append(remainder)
    left = amount - sum(parts)
    if left:
        seen: dict[int, int] = {}  # remainder -> weight (equal weights give equal quotients, rounded or not)
        for remainder, weight in zip(remainders, weights, strict=True):
            if remainder and seen.setdefault(remainder, weight) != weight:
                remainders = _rounded_remainders(amount, weights, weight_sum)
                break
        # The sort is stable, also in reverse, so earlier lines win a tie.
        for i in sorted(range(len(parts)), key=remainders.__getitem__, reverse=True)[:left]:
            parts[i] += 1
    return parts


def _rounded_remainders(amount: int, weights: list[int], weight_sum: int) -> list[int]:
    """The remainders of the reference's rounded quotients, on one common scale."""
    quotients = [decimal_quotient(amount * weight, weight_sum) for weight in weights]
    scale = max(e for _, e in quotients)
    return [(q - (q // 10**e) * 10**e) * 10 ** (scale - e) for q, e in quotients]


def decimal_quotient(n: int, d: int) -> tuple[int, int]:
    """n ÷ d (n ≥ 0, d > 0) as ``Decimal`` divides in the default context: rounded half-even to 28
    significant digits, as (q, e) for the value q × 10⁻ᵉ (e ≥ 0 here: quotients are below 10²⁸)."""
    if n == 0:
        return 0, 0
    e = PRECISION - 1 - (len(str(n)) - len(str(d)))
    while True:
        q, r = divmod(n * 10**e, d)
        if q >= 10**PRECISION:
            e -= 1
        elif q < 10 ** (PRECISION - 1) and r:
            e += 1
        else:
            break
    if 2 * r > d or (2 * r == d and q % 2):
        q += 1
    return q, e


def typed_cents(text: str) -> int:
    """An amount written ``12``, ``12.5`` or ``12.50`` (up to 99999.99), in cents; -1 for any other form.

    Every other form the reference accepts (commas, spaces, JSON numbers) is left to the reference.
    """
    found = TYPED.fullmatch(text)
    if found is None:
        return -1
    whole, decimals = found.groups()
    return int(whole) * 100 + int((decimals or "0").ljust(2, "0"))
