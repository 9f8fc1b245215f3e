"""The caisse de test as a subprocess for tests: ``start_caisse`` and the session fixture ``caisse_de_test``.

The server runs ``feuille-sim servir`` (the console script users run) on 127.0.0.1 with free ports; the test waits
for ``ports.json`` with the subprocess's pid (30 s at most, then fails with the server's stderr) and stops it at the
end (SIGTERM, then a kill).
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(sys.executable).with_name("feuille-sim")
REPO = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30


@dataclass
class CaisseDeTest:
    dir: Path
    process: subprocess.Popen[bytes]
    info: dict[str, Any]

    @property
    def host(self) -> str:
        return str(self.info["hote"])

    @property
    def ports(self) -> dict[str, int]:
        return dict(self.info["ports"])

    @property
    def ca(self) -> Path:
        return Path(self.info["ca"])

    @property
    def adri_url(self) -> str:
        return str(self.info["adri_url"])

    @property
    def mailbox(self) -> tuple[str, str]:
        """User and password of the professional's mailbox (``cabinet``)."""
        box = self.info["boites"]["cabinet"]
        return str(box["utilisateur"]), str(box["mot_de_passe"])

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def sim(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``feuille-sim ARGS --dir DIR`` on this caisse."""
        return run_sim(*args, "--dir", str(self.dir), env=env)


def run_sim(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, check=False)


@contextmanager
def start_caisse(folder: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[CaisseDeTest]:
    process = subprocess.Popen([str(SCRIPT), "servir", "--dir", str(folder), *extra], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    try:
        info = wait_ready(folder, process)
        yield CaisseDeTest(folder, process, info)
    finally:
        stop(process)


def wait_ready(folder: Path, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"feuille-sim servir s'est arrêté (code {process.returncode}) : {err.decode(errors='replace')}")
        try:
            info = json.loads((folder / "ports.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        if info.get("pid") == process.pid:
            return dict(info)
        time.sleep(0.05)
    stop(process)
    _, err = process.communicate()
    pytest.fail(f"feuille-sim servir n'a pas écrit ports.json en {WAIT_SECONDS} s : {err.decode(errors='replace')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


@pytest.fixture(scope="session")
def caisse_de_test(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaisseDeTest]:
    with start_caisse(tmp_path_factory.mktemp("caisse") / "caisse-de-test") as caisse:
        yield caisse
