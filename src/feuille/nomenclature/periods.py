"""Continuity of dated tables: one generic check for any list of validity periods.

A dated table (NGAP, COx, and any other table whose values change on a date) lists, for one code, periods
``[valid_from, valid_to]`` (bounds included, ``valid_to`` None: still valid). Invoices are entered and
corrected weeks after the care, so a hole between two periods would leave a date with no tariff, and an
overlap would give a date two. The data file lists periods in order; this module says what is wrong.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

ONE_DAY = timedelta(days=1)


class Period(Protocol):
    @property
    def valid_from(self) -> date: ...

    @property
    def valid_to(self) -> date | None: ...


def period_problems(periods: Sequence[Period]) -> list[str]:
    """What breaks continuity in ``periods`` (in file order), as English sentences for the data's maintainer.

    Empty when each period ends on or after its start, starts are in increasing order, and each period
    begins the day after the previous one ends (no gap, no overlap, no open period before another).
    """
    problems: list[str] = []
    for period in periods:
        if period.valid_to is not None and period.valid_to < period.valid_from:
            problems.append(f"period {period.valid_from} – {period.valid_to} ends before it starts")
    for before, after in itertools.pairwise(periods):
        if after.valid_from <= before.valid_from:
            problems.append(f"start dates out of order: {before.valid_from} then {after.valid_from}")
        elif before.valid_to is None:
            problems.append(f"period from {before.valid_from} is open but another starts on {after.valid_from}")
        elif before.valid_to >= after.valid_from:
            problems.append(f"overlap: {before.valid_from} – {before.valid_to} and {after.valid_from}")
        elif before.valid_to + ONE_DAY != after.valid_from:
            problems.append(f"gap: nothing from {before.valid_to + ONE_DAY} to {after.valid_from - ONE_DAY}")
    return problems
