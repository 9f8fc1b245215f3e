"""The CLI tests log unexpected errors to a temporary file, never to the user's data folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def error_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "erreurs.log"
    monkeypatch.setenv("FEUILLE_LOG_FILE", str(path))
    return path
