"""The generic continuity check of dated tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from feuille.nomenclature.periods import ONE_DAY, period_problems


@dataclass(frozen=True)
class P:
    valid_from: date
    valid_to: date | None


D = date.fromisoformat


def test_continuous_periods_pass() -> None:
    assert period_problems([]) == []
    assert period_problems([P(D("2024-01-01"), None)]) == []
    assert period_problems([P(D("2024-01-01"), D("2024-01-01")), P(D("2024-01-02"), D("2024-12-31")),
                            P(D("2025-01-01"), None)]) == []


def test_each_kind_of_break_is_named() -> None:
    assert period_problems([P(D("2024-02-01"), D("2024-01-01"))]) == [
        "period 2024-02-01 – 2024-01-01 ends before it starts"]
    assert period_problems([P(D("2024-01-01"), D("2024-01-31")), P(D("2024-03-01"), None)]) == [
        "gap: nothing from 2024-02-01 to 2024-02-29"]
    assert period_problems([P(D("2024-01-01"), D("2024-03-31")), P(D("2024-03-01"), None)]) == [
        "overlap: 2024-01-01 – 2024-03-31 and 2024-03-01"]
    assert period_problems([P(D("2024-01-01"), None), P(D("2024-03-01"), None)]) == [
        "period from 2024-01-01 is open but another starts on 2024-03-01"]
    assert period_problems([P(D("2024-03-01"), None), P(D("2024-01-01"), D("2024-02-29"))]) == [
        "start dates out of order: 2024-03-01 then 2024-01-01"]
    assert period_problems([P(D("2024-01-01"), D("2024-01-31")), P(D("2024-01-01"), None)]) == [
        "start dates out of order: 2024-01-01 then 2024-01-01"]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
       st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=8), st.booleans())
def test_chained_periods_always_pass_and_any_cut_is_found(start: date, lengths: list[int], open_end: bool) -> None:
    periods: list[P] = []
    for length in lengths:
        periods.append(P(start, start + length * ONE_DAY))
        start = start + (length + 1) * ONE_DAY
    if open_end:
        periods[-1] = P(periods[-1].valid_from, None)
    assert period_problems(periods) == []
    if len(periods) > 1:
        shifted = [periods[0], P(periods[1].valid_from + ONE_DAY, periods[1].valid_to), *periods[2:]]
        problems = period_problems(shifted)
        assert problems and problems[0].startswith(("gap", "period"))
