"""The secret store: a 0600 file out of the database, written atomically, refusing junk in French."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from feuille.errors import StateError
from feuille.transmission import secrets


@pytest.fixture
def store_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "secrets.json"
    monkeypatch.setenv(secrets.ENV, str(path))
    return path


def test_store_read_remove(store_file: Path) -> None:
    reference = secrets.new_reference()
    assert secrets.read(reference) is None
    secrets.store(reference, "mot-de-passe-é")
    secrets.store("autre", "x")
    assert secrets.read(reference) == "mot-de-passe-é" and secrets.read("autre") == "x"
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(store_file.parent.stat().st_mode) == 0o700
    secrets.remove(reference)
    assert secrets.read(reference) is None and secrets.read("autre") == "x"
    assert [p.name for p in store_file.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_wider_file_is_narrowed_on_write(store_file: Path) -> None:
    secrets.store("a", "1")
    os.chmod(store_file, 0o644)
    secrets.store("b", "2")
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("content", [b"{", b"[]", b'{"secrets": 3}', b"\xff\xfe"])
def test_a_damaged_file_is_refused_in_french(store_file: Path, content: bytes) -> None:
    store_file.parent.mkdir(parents=True)
    store_file.write_bytes(content)
    with pytest.raises(StateError) as caught:
        secrets.read("a")
    assert caught.value.code == "secrets_file" and "Fichier des secrets" in caught.value.message


def test_default_location_is_the_config_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(secrets.ENV, raising=False)
    assert secrets.secrets_file().name == "secrets.json" and "feuille" in str(secrets.secrets_file())
