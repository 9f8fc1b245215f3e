"""The secret store: mailbox passwords kept out of the database.

A JSON file, ``FEUILLE_SECRETS_FILE`` or ``secrets.json`` in feuille's configuration folder, mode 0600 in a 0700
folder, written atomically under a lock. The database holds only a random reference to each secret (the
``messagerie`` setting's ``secret``), so a database dump or backup never carries a password, and one file serves
every database of the machine. Why not encrypted (docs/teletransmission.md « Messagerie »): the key would have to
sit on the same disk, readable by the same user, so it would protect nothing the file's mode does not already.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets as random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from feuille.errors import StateError, quoted

ENV = "FEUILLE_SECRETS_FILE"
FORMAT = 1


def secrets_file() -> Path:
    chosen = os.environ.get(ENV, "").strip()
    return Path(chosen) if chosen else Path(user_config_dir("feuille", appauthor=False)) / "secrets.json"


def new_reference() -> str:
    return random.token_hex(16)


def _unreadable(path: Path, why: str) -> StateError:
    return StateError(f"Fichier des secrets {quoted(str(path), 80)} : {why}", code="secrets_file")


def _read_all(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        raise _unreadable(path, "illisible.") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise _unreadable(path, "contenu JSON invalide.") from None
    table = data.get("secrets") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise _unreadable(path, "forme inattendue.")
    return table


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = os.open(path.with_name(path.name + ".verrou"), os.O_CREAT | os.O_RDWR, 0o600)
    except OSError:
        raise _unreadable(path, "dossier inaccessible en écriture.") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _write_all(path: Path, table: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    text = json.dumps({"format": FORMAT, "secrets": table}, ensure_ascii=False, indent=1, sort_keys=True)
    try:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        handle = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        os.chmod(path, 0o600)   # an older file made by hand keeps no wider mode
    except OSError:
        raise _unreadable(path, "écriture impossible.") from None


def store(reference: str, value: str) -> None:
    path = secrets_file()
    with _locked(path):
        table = _read_all(path)
        if table.get(reference) == {"valeur": value}:
            return
        table[reference] = {"valeur": value}
        _write_all(path, table)


def read(reference: str) -> str | None:
    path = secrets_file()
    entry = _read_all(path).get(reference)
    value = entry.get("valeur") if isinstance(entry, dict) else None
    return value if isinstance(value, str) else None


def remove(reference: str) -> None:
    path = secrets_file()
    with _locked(path):
        table = _read_all(path)
        if table.pop(reference, None) is not None:
            _write_all(path, table)
