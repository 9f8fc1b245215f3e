"""What was read from small JSON objects that recur from invoice to invoice.

A practice bills the same professional, a few coverages and the same acts ("G", "C", "AMI 4") all day:
reading and checking them again is most of the reading time. The results are remembered per rate table
(the table decides what is valid). Errors are never remembered: a bad object is read, and refused, each time.

The key of an object is one flat tuple: its keys, then its values, then the types of its values (so that
``true`` is never taken for ``1``). It hashes faster than a tuple of (key, value) pairs, and two objects of
the same size line up position by position. An object with a list inside (modifiers) is unhashable: it is
read each time. The readers in ``contract`` build the key inline, ``(*raw, *values, *map(type, values))``:
it is made for every object of every invoice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from feuille.nomenclature.rates import RateTable

LIMIT = 4096  # entries per store: a full store is emptied and starts again
T = TypeVar("T")
K = TypeVar("K")

# The fields of ``Act`` after code and date, in order: quantity, coefficient, unit_price, total, base,
# qualifier, activity, phase, association, modifiers, supplement, exoneration.
ActRest = tuple[int, Decimal, Decimal | None, Decimal | None, Decimal | None, str | None, str | None, str | None,
                str | None, tuple[str, ...], Decimal | None, str | None]
# (code, date or None, the other fields, keys that are not fields)
ActFields = tuple[str, date | None, ActRest, tuple[str, ...]]


class Memos:
    """The stores of one rate table."""

    def __init__(self, rates: RateTable) -> None:
        self.rates = rates
        self.professionals: dict[tuple[object, ...], tuple[Any, tuple[str, ...]]] = {}
        self.coverages: dict[tuple[object, ...], tuple[Any, tuple[str, ...]]] = {}
        self.acts: dict[tuple[object, ...], ActFields] = {}
        self.amcs: dict[tuple[object, ...], tuple[Any, tuple[str, ...]]] = {}


_MEMOS: dict[int, Memos] = {}


def memos_for(rates: RateTable) -> Memos:
    found = _MEMOS.get(id(rates))
    if found is None or found.rates is not rates:
        found = _MEMOS[id(rates)] = Memos(rates)
    return found


def remember(store: dict[K, T], key: K | None, value: T, limit: int = LIMIT) -> None:
    """Remember ``value`` under ``key`` (None: not to be remembered). A full store is emptied first: a process
    that runs for months keeps meeting new dates and prices, and starting again keeps remembering what recurs,
    where a store that stopped growing would miss every new one for good."""
    if key is not None:
        if len(store) >= limit:
            store.clear()
        store[key] = value
