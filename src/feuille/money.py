"""The one place where amounts are made and rounded.

Money is a ``Decimal`` of euros. Every amount that leaves a computation is rounded
half-up to the cent by :func:`round_cents`; floats are refused outright because a
billing system that lets a binary float in will, sooner or later, lose a cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    """An amount that cannot be read as euros and cents."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        try:
            shown = repr(value)[:60]
        except ValueError:  # an int past Python's int-to-text limit
            shown = f"<{type(value).__name__}>"
        super().__init__(f"invalid amount {shown}: {reason}")


def round_cents(value: Decimal) -> Decimal:
    """Round half-up to the cent (the only rounding rule of feuille)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value: object, *, allow_negative: bool = False) -> Decimal:
    """Read an amount typed by a user or found in a file.

    Accepts ``Decimal``, ``int`` and strings such as ``"23"``, ``"23.00"`` or the French
    ``"23,00"``. Refuses floats, empty strings, more than two decimals and non-finite values.
    """
    if isinstance(value, (bool, float)):
        raise MoneyError(value, "floats are not accepted for money")
    if isinstance(value, int):
        if abs(value) >= 10**30:  # past any amount, and before Decimal() meets Python's int-to-text limit
            raise MoneyError(value, "too many digits")
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = value.strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
        if not text:
            raise MoneyError(value, "empty amount")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(value, "not a number") from exc
    else:
        raise MoneyError(value, f"unsupported type {type(value).__name__}")
    if not number.is_finite():
        raise MoneyError(value, "not a finite number")
    try:
        cents = number.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # more digits than the decimal context holds
        raise MoneyError(value, "too many digits") from exc
    if number != cents:
        raise MoneyError(value, "more than two decimals")
    if number < 0 and not allow_negative:
        raise MoneyError(value, "negative amount")
    return cents


def total(values: Iterable[Decimal]) -> Decimal:
    """Sum amounts that are already rounded to the cent."""
    return sum(values, ZERO).quantize(CENT)


def format_amount(value: Decimal) -> str:
    """Two decimals with a point, as in the JSON contracts (``"23.00"``)."""
    return f"{round_cents(value):.2f}"


def format_euros_fr(value: Decimal) -> str:
    """French display: ``1 234,50 €``."""
    text = f"{round_cents(value):,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text} €"


def format_amount_fr(value: Decimal) -> str:
    """Two decimals with a comma, for French text such as the pricing trace (``21,00``, ``-2,90``)."""
    return format_amount(value).replace(".", ",")


def format_number_fr(value: Decimal) -> str:
    """A quantity in French, without the zeros after its last significant decimal (``12``, ``12,5``)."""
    # normalize() alone writes 12.00 as 1.2E+1: a whole number is quantized to the unit instead
    text = format(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize(), "f")
    return text.replace(".", ",")


def to_cents(value: Decimal) -> int:
    """Amount in whole cents, for fixed-width files and integer storage."""
    return int(round_cents(value) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)
