"""The line under « Suivi Facturations »: « 21 dossiers dont 18 sécurisés en sesam vitale soit 86 % »."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.returns.follow_up import sesam_vitale_share


def test_the_manuals_line() -> None:
    share = sesam_vitale_share(21, 18)
    assert share.percent == 86
    assert share.line == "21 dossiers dont 18 sécurisés en sesam vitale soit 86 %"


@pytest.mark.parametrize(("total", "secured", "percent", "line"), [
    (0, 0, 0, "0 dossier dont 0 sécurisé en sesam vitale soit 0 %"),
    (1, 1, 100, "1 dossier dont 1 sécurisé en sesam vitale soit 100 %"),
    (8, 1, 13, "8 dossiers dont 1 sécurisé en sesam vitale soit 13 %"),   # 12.5 → 13: half-up, not to even
    (200, 1, 1, "200 dossiers dont 1 sécurisé en sesam vitale soit 1 %"),  # 0.5 → 1
    (3, 2, 67, "3 dossiers dont 2 sécurisés en sesam vitale soit 67 %"),
])
def test_rounding_and_plurals(total: int, secured: int, percent: int, line: str) -> None:
    assert sesam_vitale_share(total, secured).percent == percent
    assert sesam_vitale_share(total, secured).line == line


@pytest.mark.parametrize(("total", "secured"), [(-1, 0), (2, 3), (1, -1)])
def test_impossible_shares_refused(total: int, secured: int) -> None:
    with pytest.raises(ValueError):
        sesam_vitale_share(total, secured)


@given(st.integers(1, 10**7), st.data())
def test_percent_is_the_half_up_rounding(total: int, data: st.DataObject) -> None:
    secured = data.draw(st.integers(0, total))
    percent = sesam_vitale_share(total, secured).percent
    assert 0 <= percent <= 100
    # half-up, in integers: floor((200 * secured + total) / (2 * total))
    assert percent == (200 * secured + total) // (2 * total)
