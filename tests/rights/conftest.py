"""The ADRi service of the caisse de test on a free port with TLS, and a reader holding a CPS whose PIN is verified."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from feuille.cards.virtual import VirtualCardReader
from tests.support.adri import Pki, RunningAdri, make_pki, serve_adri


@pytest.fixture(scope="session")
def adri_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("adri-pki"))


@pytest.fixture
def adri(tmp_path: Path, card_dir: Path, adri_pki: Pki) -> Iterator[RunningAdri]:
    with serve_adri(tmp_path / "caisse", card_dir, adri_pki) as running:
        yield running


@pytest.fixture
def cps_reader(reader: VirtualCardReader) -> VirtualCardReader:
    card, _ = reader.insert("cps-medecin")
    reader.verify_pin(card.serial, "1234")
    return reader
