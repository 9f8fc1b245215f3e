"""The caisse de test's state: one SQLite file in its folder (``DIR/caisse.db``).

The standard library's ``sqlite3``, not SQLAlchemy: the simulator is one process and a few command-line calls on one
file, its tables are its own (no migration chain to keep in step with the product's), and the services run in
threads and an event loop where a short connection per use is the simplest correct thing. Every write is one
``with state.transaction() as tx:`` (``BEGIN IMMEDIATE``: writers queue, nothing half-written). Later parts of the
simulator add their own tables with ``register_schema`` (created when the state is opened).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

DB_NAME = "caisse.db"
DEFAULT_MAILBOX = "cabinet"
FAULT_MODES = ("aucune", "erreur", "lent", "muet")
FAULT_FILE = "adri-panne.json"
MAIL_FAULT_FILE = "messagerie-panne.json"   # the lot reception's (SMTP) fault: same modes, same form
MAX_FAULT_SECONDS = 3600.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS horloge (id INTEGER PRIMARY KEY CHECK (id = 1), jour TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scenario (id INTEGER PRIMARY KEY CHECK (id = 1), nom TEXT NOT NULL, charge_le TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS regles (
    id INTEGER PRIMARY KEY, position INTEGER NOT NULL, regle TEXT NOT NULL, donnees TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS boites (nom TEXT PRIMARY KEY, mot_de_passe TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS courriels_recus (
    id INTEGER PRIMARY KEY, recu_le TEXT NOT NULL, expediteur TEXT NOT NULL, destinataire TEXT NOT NULL,
    organisme TEXT NOT NULL, brut BLOB NOT NULL, etat TEXT NOT NULL DEFAULT 'recu', detail TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS courriels_sortants (
    id INTEGER PRIMARY KEY, boite TEXT NOT NULL, cle TEXT NOT NULL UNIQUE, genre TEXT NOT NULL,
    organisme TEXT NOT NULL, brut BLOB NOT NULL, produit_le TEXT NOT NULL,
    releve INTEGER NOT NULL DEFAULT 0, supprime INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY, le TEXT NOT NULL, service TEXT NOT NULL, qui TEXT NOT NULL, quoi TEXT NOT NULL,
    resultat TEXT NOT NULL);
"""

_EXTRA_SCHEMAS: list[str] = []


def read_fault(folder: Path, file: str = FAULT_FILE) -> tuple[str, float]:
    """The HTTPS services' fault mode, from ``DIR/adri-panne.json`` (``{"mode": …, "secondes": N}``): a file, not a
    table, because the ADRi app (``feuille_sim.rights.service``) reads the same file on every request. Missing or
    unreadable: no fault. ``file=MAIL_FAULT_FILE``: the SMTP reception's fault (``feuille-sim panne --service
    messagerie``)."""
    try:
        data = json.loads((folder / file).read_text(encoding="utf-8"))
        mode, seconds = data.get("mode", "aucune"), float(data.get("secondes", 0) or 0)
    except (OSError, ValueError, TypeError, AttributeError):
        return "aucune", 0.0
    return (mode, max(0.0, min(seconds, MAX_FAULT_SECONDS))) if mode in FAULT_MODES else ("aucune", 0.0)


def write_fault(folder: Path, mode: str, seconds: float = 0, file: str = FAULT_FILE) -> None:
    """Set the fault mode atomically (a reader sees the old mode or the new one)."""
    if mode not in FAULT_MODES:
        raise ValueError(mode)
    path = folder / file
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"mode": mode, "secondes": seconds}), encoding="utf-8")
    os.replace(tmp, path)


def register_schema(ddl: str) -> None:
    """Tables of a later part (lot checker, NOEMIE producer...): ``CREATE TABLE IF NOT EXISTS`` statements."""
    if ddl not in _EXTRA_SCHEMAS:
        _EXTRA_SCHEMAS.append(ddl)


def ascii_line(text: str) -> bytes:
    """A protocol line: SMTP, POP3 and IMAP answers are 7-bit, so French text loses its accents there."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class OutgoingMail:
    """A mail the caisse sends to a mailbox; ``key`` makes producing it twice impossible."""

    mailbox: str
    key: str
    raw: bytes
    kind: str = "autre"        # arl, noemie, autre
    organism: str = ""         # régime + caisse, e.g. 01422


@dataclass(frozen=True)
class StoredMail:
    id: int
    raw: bytes
    fetched: bool


class Tx:
    """One open transaction on the state; producers and hooks receive it and write only through it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def today(self) -> date:
        return date.fromisoformat(self.execute("SELECT jour FROM horloge WHERE id = 1").fetchone()[0])

    def set_today(self, day: date) -> None:
        self.execute("UPDATE horloge SET jour = ? WHERE id = 1", (day.isoformat(),))

    def log(self, service: str, who: str, what: str, result: str) -> None:
        self.execute("INSERT INTO journal (le, service, qui, quoi, resultat) VALUES (?, ?, ?, ?, ?)",
                     (now(), service, who, what[:500], result[:500]))

    def mailbox_password(self, name: str) -> str:
        """The mailbox's password, the mailbox created on first use."""
        row = self.execute("SELECT mot_de_passe FROM boites WHERE nom = ?", (name,)).fetchone()
        if row:
            return str(row[0])
        password = secrets.token_urlsafe(12)
        self.execute("INSERT INTO boites (nom, mot_de_passe) VALUES (?, ?)", (name, password))
        return password

    def add_outgoing(self, mail: OutgoingMail) -> bool:
        """Queue a mail; False when its key was already produced (nothing changes then)."""
        self.mailbox_password(mail.mailbox)
        cursor = self.execute(
            "INSERT OR IGNORE INTO courriels_sortants (boite, cle, genre, organisme, brut, produit_le) "
            "VALUES (?, ?, ?, ?, ?, ?)", (mail.mailbox, mail.key, mail.kind, mail.organism, mail.raw, now()))
        return cursor.rowcount == 1

    def add_received(self, sender: str, recipient: str, organism: str, raw: bytes) -> int:
        cursor = self.execute(
            "INSERT INTO courriels_recus (recu_le, expediteur, destinataire, organisme, brut) VALUES (?, ?, ?, ?, ?)",
            (now(), sender, recipient, organism, raw))
        return int(cursor.lastrowid or 0)

    def received(self, mail_id: int) -> dict[str, Any]:
        row = self.execute("SELECT id, recu_le, expediteur, destinataire, organisme, brut, etat, detail "
                           "FROM courriels_recus WHERE id = ?", (mail_id,)).fetchone()
        if row is None:
            raise KeyError(mail_id)
        keys = ("id", "received_at", "sender", "recipient", "organism", "raw", "status", "detail")
        return dict(zip(keys, row, strict=True))

    def set_received_status(self, mail_id: int, status: str, detail: str = "") -> None:
        self.execute("UPDATE courriels_recus SET etat = ?, detail = ? WHERE id = ?", (status, detail, mail_id))

    def rules(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The scenario's rules as loaded (each a dict with its ``regle``), in file order."""
        rows = self.execute("SELECT donnees FROM regles ORDER BY position").fetchall()
        rules = [json.loads(row[0]) for row in rows]
        return [rule for rule in rules if kind is None or rule.get("regle") == kind]


class State:
    """The folder of one caisse de test; opening it creates the tables and the clock (today, UTC)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / DB_NAME
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA + "".join(_EXTRA_SCHEMAS))
        with self.transaction() as tx:
            today = datetime.now(UTC).date().isoformat()
            tx.execute("INSERT OR IGNORE INTO horloge (id, jour) VALUES (1, ?)", (today,))
            tx.mailbox_password(DEFAULT_MAILBOX)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def log(self, service: str, who: str, what: str, result: str) -> None:
        with self.transaction() as tx:
            tx.log(service, who, what, result)

    def today(self) -> date:
        with self.transaction() as tx:
            return tx.today()

    def fault(self) -> tuple[str, float]:
        return read_fault(self.folder)

    def set_fault(self, mode: str, seconds: float, file: str = FAULT_FILE) -> None:
        write_fault(self.folder, mode, seconds, file)
        self.log("panne", "feuille-sim", f"{file}: mode {mode}, {seconds:g} s", "ok")

    def mailboxes(self) -> dict[str, str]:
        with self.transaction() as tx:
            return {str(n): str(p) for n, p in tx.execute("SELECT nom, mot_de_passe FROM boites ORDER BY nom")}

    def check_login(self, mailbox: str, password: str) -> bool:
        stored = self.mailboxes().get(mailbox)
        return stored is not None and secrets.compare_digest(stored.encode(), password.encode())

    def mailbox_content(self, mailbox: str) -> list[StoredMail]:
        """The mails waiting in a mailbox (not deleted), oldest first."""
        with self.transaction() as tx:
            rows = tx.execute("SELECT id, brut, releve FROM courriels_sortants WHERE boite = ? AND supprime = 0 "
                              "ORDER BY id", (mailbox,)).fetchall()
        return [StoredMail(int(i), bytes(raw), bool(f)) for i, raw, f in rows]

    def mark_fetched(self, ids: list[int]) -> None:
        with self.transaction() as tx:
            tx.conn.executemany("UPDATE courriels_sortants SET releve = 1 WHERE id = ?", [(i,) for i in ids])

    def delete_mails(self, mailbox: str, ids: list[int]) -> None:
        """Delete at the end of a session (POP3 UPDATE state, IMAP EXPUNGE); deleting twice changes nothing."""
        with self.transaction() as tx:
            tx.conn.executemany("UPDATE courriels_sortants SET supprime = 1 WHERE id = ? AND boite = ?",
                                [(i, mailbox) for i in ids])

    def unprocessed_mails(self) -> list[int]:
        with self.transaction() as tx:
            return [int(r[0]) for r in tx.execute("SELECT id FROM courriels_recus WHERE etat = 'recu' ORDER BY id")]

    def journal(self, limit: int = 50) -> list[dict[str, str]]:
        with self.transaction() as tx:
            rows = tx.execute("SELECT le, service, qui, quoi, resultat FROM journal ORDER BY id DESC LIMIT ?",
                              (limit,)).fetchall()
        return [dict(zip(("le", "service", "qui", "quoi", "resultat"), row, strict=True)) for row in reversed(rows)]

    def summary(self) -> dict[str, Any]:
        """What ``feuille-sim etat`` shows: counts by organism, the clock, the fault mode, the scenario."""
        with self.transaction() as tx:
            organisms: dict[str, dict[str, int]] = {}

            def bump(organism: str, key: str, count: int) -> None:
                entry = organisms.setdefault(organism or "-", {"courriels_recus": 0, "non_traites": 0,
                                                               "arl_envoyes": 0, "retours_en_attente": 0})
                entry[key] += count

            for organism, status, count in tx.execute(
                    "SELECT organisme, etat, COUNT(*) FROM courriels_recus GROUP BY organisme, etat"):
                bump(organism, "courriels_recus", count)
                if status == "recu":
                    bump(organism, "non_traites", count)
            for organism, count in tx.execute(
                    "SELECT organisme, COUNT(*) FROM courriels_sortants WHERE genre = 'arl' GROUP BY organisme"):
                bump(organism, "arl_envoyes", count)
            for organism, count in tx.execute(
                    "SELECT organisme, COUNT(*) FROM courriels_sortants WHERE supprime = 0 GROUP BY organisme"):
                bump(organism, "retours_en_attente", count)
            mode, seconds = read_fault(self.folder)
            scenario = tx.execute("SELECT nom FROM scenario WHERE id = 1").fetchone()
            return {"date": tx.today().isoformat(), "panne": {"mode": mode, "secondes": seconds},
                    "scenario": scenario[0] if scenario else None, "regles": len(tx.rules()),
                    "organismes": dict(sorted(organisms.items()))}
