"""``feuille-sim demarrer`` / ``arreter``: the caisse de test as a background process (``make demo`` uses it).

Starting is idempotent: when ``ports.json`` names a live process, that one is kept. The process is detached (its own
session), its output goes to ``DIR/serveur.log``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from platformdirs import user_data_dir

from feuille_sim.server import read_ports, running_pid

WAIT_SECONDS = 30
LOG_FILE = "serveur.log"


class StartError(Exception):
    pass


def default_folder() -> Path:
    """``FEUILLE_SIM_DIR``, else ``caisse-de-test`` in feuille's data folder."""
    chosen = os.environ.get("FEUILLE_SIM_DIR", "").strip()
    return Path(chosen) if chosen else Path(user_data_dir("feuille", appauthor=False)) / "caisse-de-test"


def start(folder: Path) -> tuple[int, bool]:
    """(pid, started now?)."""
    pid = running_pid(folder)
    if pid is not None:
        return pid, False
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOG_FILE, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "feuille_sim", "servir", "--dir", str(folder)],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if (read_ports(folder) or {}).get("pid") == process.pid:
            return process.pid, True
        if process.poll() is not None:
            other = running_pid(folder)   # another start won the race: keep that one
            if other is not None:
                return other, False
            raise StartError(f"la caisse de test s'est arrêtée au démarrage : voir {folder / LOG_FILE}.")
        time.sleep(0.1)
    process.terminate()
    raise StartError(f"la caisse de test n'a pas démarré en {WAIT_SECONDS} s : voir {folder / LOG_FILE}.")


def stop(folder: Path) -> int | None:
    """Stop the process serving ``folder`` (SIGTERM, then wait); None when none runs."""
    pid = running_pid(folder)
    if pid is None:
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and running_pid(folder) == pid:
        time.sleep(0.1)
    if running_pid(folder) == pid:
        raise StartError(f"le processus {pid} ne s'arrête pas.")
    return pid


def describe(folder: Path) -> str:
    info = read_ports(folder) or {}
    ports = info.get("ports") or {}
    return (f"SMTP {ports.get('smtp')}, POP3 {ports.get('pop3')}, IMAP {ports.get('imap')}, "
            f"HTTPS {ports.get('adri')} sur {info.get('hote')}")
