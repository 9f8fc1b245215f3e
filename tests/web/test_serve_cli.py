"""``feuille serve``: in the background and stopped again, idempotent; the demo prints its web accounts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.web.support import free_port

FEUILLE = [str(Path(sys.executable).parent / "feuille")]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FEUILLE, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_serve_detached_answers_signs_in_the_demo_accounts_and_stops(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
           "FEUILLE_DATABASE_URL": f"sqlite:///{tmp_path / 'feuille.db'}", "COLUMNS": "120"}
    port = free_port()
    address = f"http://127.0.0.1:{port}/"
    accounts = _run(env, "demo", "--comptes-web", address)
    assert accounts.returncode == 0, accounts.stderr
    assert f"Application web : {address}" in accounts.stdout and "afirmier-demo-feuille" in accounts.stdout
    started = _run(env, "serve", "--detache", "--port", str(port))
    try:
        assert started.returncode == 0, started.stderr
        assert f"Application web lancée : {address}" in started.stdout
        again = _run(env, "serve", "--detache", "--port", str(port))
        assert f"Application web déjà lancée : {address}" in again.stdout
        signed = httpx.post(f"{address}api/session", json={"identifiant": "secretaire",
                                                           "mot_de_passe": "secretaire-demo-feuille"})
        assert signed.status_code == 200 and signed.json()["role"] == "secretaire"
    finally:
        stopped = _run(env, "serve", "--arreter")
    assert "Application web arrêtée." in stopped.stdout
    try:
        httpx.get(f"{address}api/sante", timeout=2)
        answered = True
    except httpx.HTTPError:
        answered = False
    assert not answered
