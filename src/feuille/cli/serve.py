"""``feuille serve``: the web application (pages and JSON API) behind uvicorn.

In the foreground by default; ``--detache`` starts it in the background (what ``make demo`` does) and returns
once it answers, ``--arreter`` stops the one started so. Idempotent: a server already answering at the address is
left as it is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer

from feuille.cli.common import console, err_console, state

PID_FILE = "feuille-web.pid"


def _pid_file() -> Path:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("feuille", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / PID_FILE


def _answers(host: str, port: int) -> bool:
    import httpx

    try:
        return httpx.get(f"http://{host}:{port}/api/sante", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _environment() -> dict[str, str]:
    from feuille.config import database_url

    env = dict(os.environ)
    env["FEUILLE_DATABASE_URL"] = database_url(state.database_url)
    return env


def _command(host: str, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "feuille.web.app:create_app", "--factory", "--host", host,
            "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # another user's process now has that number: ours is gone
        return False
    return True


def _stop() -> None:
    """Stop the background server and return once it is gone (its workers finish the requests under way)."""
    path = _pid_file()
    if not path.exists():
        console.print("Aucune application web lancée en arrière-plan.")
        return
    text = path.read_text().strip()
    pid = int(text) if text.isdigit() else 0
    if pid > 0 and _running(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _running(pid):
            os.kill(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    console.print("Application web arrêtée.")


def serve(
    hote: str = typer.Option("127.0.0.1", "--hote", help="Adresse d'écoute (127.0.0.1 : ce poste seulement)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port d'écoute."),
    workers: int = typer.Option(1, "--processus", min=1, max=64, help="Nombre de processus de service."),
    detache: bool = typer.Option(False, "--detache", help="Lance l'application en arrière-plan et rend la main."),
    arreter: bool = typer.Option(False, "--arreter", help="Arrête l'application lancée avec --detache."),
) -> None:
    """Sert l'application web (pages et API JSON sous /api)."""
    if arreter:
        _stop()
        return
    state.database()   # the schema is created or upgraded here, once, before any worker starts
    address = f"http://{hote}:{port}/"
    if not detache:
        console.print(f"Application web : {address} (Ctrl+C pour arrêter)")
        raise typer.Exit(subprocess.call(_command(hote, port, workers), env=_environment()))
    if _answers(hote, port):
        console.print(f"Application web déjà lancée : {address}")
        return
    log = _pid_file().with_suffix(".log").open("ab")
    process = subprocess.Popen(_command(hote, port, workers), env=_environment(), stdout=log, stderr=log,
                               start_new_session=True)
    _pid_file().write_text(str(process.pid))
    for _ in range(100):
        if _answers(hote, port):
            console.print(f"Application web lancée : {address}")
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    err_console.print(f"L'application web ne répond pas à {address} : voir {_pid_file().with_suffix('.log')}.")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("serve", help="Sert l'application web (pages et API JSON sous /api).")(serve)
