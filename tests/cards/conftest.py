"""Card fixtures: one provisioned card directory per session (SoftHSM tokens), a fresh copy per test.

SoftHSM2 is required: without it the tests fail loudly, they never skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from feuille.cards.virtual import VirtualCardReader
from feuille.config import DEFAULT_PKCS11_MODULE
from feuille_sim.cards import clone, provision

MODULE = os.environ.get("FEUILLE_PKCS11_MODULE", "").strip() or DEFAULT_PKCS11_MODULE


@pytest.fixture(scope="session")
def provisioned_cards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not Path(MODULE).exists() or shutil.which("softhsm2-util") is None:
        pytest.fail(f"SoftHSM2 is missing ({MODULE} or softhsm2-util not found): the card tests need it. "
                    "Install it with `apt-get install softhsm2` (or run scripts/ensure-softhsm.sh as root).",
                    pytrace=False)
    root = tmp_path_factory.mktemp("cards-template") / "cartes"
    provision(root, module=MODULE)
    return root


@pytest.fixture
def card_dir(provisioned_cards: Path, tmp_path: Path) -> Path:
    """A private copy: tests may block cards and change PINs."""
    return clone(provisioned_cards, tmp_path / "cartes")


@pytest.fixture
def reader(card_dir: Path) -> VirtualCardReader:
    return VirtualCardReader(card_dir, MODULE)


@pytest.fixture
def card_cli(cli, card_dir: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The ``cli`` fixture (SQLite and PostgreSQL) with the card commands pointed at ``card_dir``."""
    from feuille.cli import cards
    from feuille.cli.app import app

    if not any(group.name == "card" for group in app.registered_groups):
        cards.register(app)  # until cli/app.py registers the group itself
    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(card_dir))
    monkeypatch.setenv("FEUILLE_PKCS11_MODULE", MODULE)
    return cli
