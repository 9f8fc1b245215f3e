"""The practice's ADRi settings and the caisse de test it is connected to (table ``practice_settings``).

``feuille caisse-de-test connecter DIR`` reads the files a running caisse de test writes in DIR — ``ports.json``
and ``pki/ca.pem`` — and never imports the simulator. What it stores:

- ``adri``: ``{"url": "https://127.0.0.1:PORT", "ca": "<PEM of the CA the client trusts>", "delai": seconds}``;
- ``caisse_de_test``: the directory, the SMTP / POP3 / IMAP addresses and the folder of the insurers' S/MIME
  certificates (``organismes``), for the teletransmission, as ports.json gives them (``{"hote", "ports": {"smtp",
  "pop3", "imap", "adri"}, "adri_url", "ca", "organismes", "boites"}``). The mailbox credentials (``boites``) are
  never stored in the database: the teletransmission keeps them in its secret store. (Before issue 12 they were
  stored here as ``messagerie.identifiants``: ``transmission.mail_settings`` moves them out on first use.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.errors import StateError, ValidationError, quoted
from feuille.storage.models import PracticeSetting

DEFAULT_TIMEOUT = 5.0     # seconds: billing never waits longer for ADRi
MAX_TIMEOUT = 60.0
ADRI = "adri"
TEST_CAISSE = "caisse_de_test"
#: The teletransmission settings (their model: ``feuille.transmission.settings``; billing reads « top M »).
TELETRANSMISSION = "teletransmission"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class AdriSettings:
    url: str
    ca_pem: str
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Connection:
    """What ``connecter`` stored: the ADRi settings and the caisse de test's mail addresses."""

    adri: AdriSettings
    directory: str
    mail: dict[str, Any]


def read_setting(session: Session, name: str) -> dict[str, Any] | None:
    row = session.get(PracticeSetting, name)
    return None if row is None else json.loads(row.value)


def write_setting(ctx: Context, session: Session, name: str, value: Mapping[str, Any]) -> None:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    row = session.get(PracticeSetting, name)
    if row is not None and row.value == text:
        return
    if row is None:
        row = PracticeSetting(name=name, value=text, updated_by=ctx.actor.login, updated_at=ctx.clock())
        session.add(row)
    else:
        row.value, row.updated_by, row.updated_at = text, ctx.actor.login, ctx.clock()
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="settings.update", entity="setting",
                 entity_id=name, data=_masked(value))


SECRET_KEYS = ("ca", "mot_de_passe", "password", "identifiants", "boites")


def _masked(value: Mapping[str, Any]) -> dict[str, Any]:
    """The audit's copy of a setting: secrets masked at any depth (the audit log is never rewritten)."""
    return {k: ("…" if k in SECRET_KEYS else _masked(v) if isinstance(v, Mapping) else v) for k, v in value.items()}


def adri_settings(session: Session) -> AdriSettings | None:
    data = read_setting(session, ADRI)
    if not data:
        return None
    return AdriSettings(url=data["url"], ca_pem=data["ca"], timeout=float(data.get("delai", DEFAULT_TIMEOUT)))


def require_adri(session: Session) -> AdriSettings:
    found = adri_settings(session)
    if found is None:
        raise StateError("Service ADRi non configuré : connectez la caisse de test (feuille caisse-de-test "
                         "connecter DOSSIER) ou indiquez l'adresse du service.", code="adri_not_configured")
    return found


def get_connection(ctx: Context) -> Connection | None:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        adri, test = adri_settings(session), read_setting(session, TEST_CAISSE)
    if adri is None:
        return None
    return Connection(adri, (test or {}).get("dossier", ""), (test or {}).get("messagerie", {}))


def _bad(directory: Path, what: str) -> ValidationError:
    return ValidationError(f"Caisse de test {quoted(str(directory))} : {what}", code="caisse_de_test",
                           field="dossier")


def read_test_caisse(directory: Path) -> tuple[dict[str, Any], str]:
    """``ports.json`` and the CA's PEM from a caisse de test's DIR, checked (French refusals)."""
    try:
        ports = json.loads((directory / "ports.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _bad(directory, "ports.json absent (lancez feuille-sim demarrer --dir DOSSIER).") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise _bad(directory, "ports.json illisible.") from None
    if not isinstance(ports, dict):
        raise _bad(directory, "ports.json illisible.")
    ca_path = directory / "pki" / "ca.pem"
    try:
        ca = ca_path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise _bad(directory, "certificat de l'autorité (pki/ca.pem) absent ou illisible.") from None
    if "-----BEGIN CERTIFICATE-----" not in ca:
        raise _bad(directory, "pki/ca.pem n'est pas un certificat PEM.")
    return ports, ca


def _port(ports: Mapping[str, Any], *names: str) -> int | None:
    nested = ports.get("ports")
    table: Mapping[str, Any] = nested if isinstance(nested, dict) else ports
    for name in names:
        value = table.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536:
            return value
    return None


@dataclass(frozen=True)
class TestCaisse:
    """What a running caisse de test's folder says, read and checked, before anything is stored.

    ``mailboxes`` are the credentials ports.json gives (``{"cabinet": {"utilisateur", "mot_de_passe"}}``): never
    stored in the database (the teletransmission keeps them in its secret store, ``transmission/secrets.py``).
    """

    connection: Connection
    adri: dict[str, Any]
    test: dict[str, Any]
    mailboxes: dict[str, Any]


def read_connection(directory: Path | str, timeout: float | None = None) -> TestCaisse:
    root = Path(directory).expanduser().resolve()
    ports, ca = read_test_caisse(root)
    adri_port = _port(ports, "adri", "https")
    if adri_port is None:
        raise _bad(root, "port du service ADRi absent de ports.json.")
    delay = DEFAULT_TIMEOUT if timeout is None else timeout
    if not 0 < delay <= MAX_TIMEOUT:
        raise ValidationError(f"Délai ADRi : entre 0 et {MAX_TIMEOUT:g} secondes.", code="setting", field="delai")
    host = ports.get("hote") if isinstance(ports.get("hote"), str) else HOST
    given = ports.get("adri_url")
    url = given if isinstance(given, str) and given.startswith("https://") else f"https://{host}:{adri_port}"
    adri = {"url": url, "ca": ca, "delai": delay}
    mail = {name: {"hote": host, "port": port} for name in ("smtp", "smtps", "pop3", "pop3s", "imap", "imap_starttls")
            if (port := _port(ports, name)) is not None}
    names = ("boites", "boite", "identifiants", "mailbox", "mailboxes")
    boxes: object = next((ports[key] for key in names if key in ports), {})
    test: dict[str, Any] = {"dossier": str(root), "messagerie": mail}
    if isinstance(ports.get("organismes"), str):  # the insurers' S/MIME certificates, for the teletransmission
        test["certificats_organismes"] = ports["organismes"]
    return TestCaisse(Connection(AdriSettings(url, ca, delay), str(root), mail), adri, test,
                      boxes if isinstance(boxes, dict) else {})


def store_connection(ctx: Context, session: Session, found: TestCaisse) -> None:
    write_setting(ctx, session, ADRI, found.adri)
    write_setting(ctx, session, TEST_CAISSE, found.test)


def connect_test_caisse(ctx: Context, directory: Path | str, timeout: float | None = None) -> Connection:
    """Store the ADRi URL, the CA and the mail addresses of the caisse de test running in ``directory``.

    The mailbox credentials are not stored here: ``feuille.transmission.mail_settings.connect_test_caisse`` does
    this and keeps them in the secret store.
    """
    require(ctx, Permission.PREFERENCES_WRITE)
    found = read_connection(directory, timeout)
    with ctx.db.transaction() as session:
        store_connection(ctx, session, found)
    return found.connection
