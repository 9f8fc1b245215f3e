"""The practice's mail settings (``practice_settings`` row ``messagerie``) and its password (the secret store).

Stored (French keys, as the other settings): ``smtp`` ``{"hote", "port", "securite": tls|starttls|aucune}``,
``releve`` ``{"protocole": pop3|imap, "hote", "port", "securite": tls|starttls}``, ``utilisateur``,
``expediteur`` (the From address; its domain ends the Message-ID), ``ca`` (PEM of the authority the servers'
certificates must chain to; null: the system's), ``secret`` (the reference of the password in
``transmission/secrets.py``, never the password), ``certificats_organismes`` (folder), ``annuaire`` (HTTPS URL),
``delai`` (seconds), ``code_objet`` (the subject's 6 digits), ``clair_pour_essai`` (a password may travel without
TLS: only for a test server, never by default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.errors import Problems, StateError, ValidationError, quoted
from feuille.rights import settings as rights_settings
from feuille.rights.settings import read_setting, write_setting
from feuille.transmission import secrets

NAME = "messagerie"
SMTP_SECURITY = ("tls", "starttls", "aucune")
MAILBOX_SECURITY = ("tls", "starttls")
PROTOCOLS = ("pop3", "imap")
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 600.0
# feuille's own: FORMATS.md §2 gives no meaning to the subject's 6 digits; the caisse de test accepts any.
DEFAULT_SUBJECT_CODE = "000001"
_HOST = re.compile(r"[A-Za-z0-9.:_-]{1,253}")
_ADDRESS = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}")


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str


@dataclass(frozen=True)
class MailSettings:
    smtp: Server
    mailbox: Server
    protocol: str                       # pop3 or imap
    user: str
    sender: str
    ca_pem: str | None = None
    secret: str | None = None
    certificates_folder: str | None = None
    directory_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    subject_code: str = DEFAULT_SUBJECT_CODE
    plain_for_test: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"smtp": {"hote": self.smtp.host, "port": self.smtp.port, "securite": self.smtp.security},
                "releve": {"protocole": self.protocol, "hote": self.mailbox.host, "port": self.mailbox.port,
                           "securite": self.mailbox.security},
                "utilisateur": self.user, "expediteur": self.sender, "ca": self.ca_pem, "secret": self.secret,
                "certificats_organismes": self.certificates_folder, "annuaire": self.directory_url,
                "delai": self.timeout, "code_objet": self.subject_code, "clair_pour_essai": self.plain_for_test}


def _server(data: object, securities: tuple[str, ...], name: str, problems: Problems) -> Server:
    data = data if isinstance(data, Mapping) else {}
    host, port, security = data.get("hote"), data.get("port"), data.get("securite")
    problems.check(isinstance(host, str) and bool(_HOST.fullmatch(host)), name,
                   f"{name} : hôte {quoted(host)} invalide.", "mail_settings")
    problems.check(isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536, name,
                   f"{name} : port {quoted(port)} invalide (1 à 65535).", "mail_settings")
    problems.check(security in securities, name,
                   f"{name} : sécurité {quoted(security)} inconnue ({', '.join(securities)}).", "mail_settings")
    return Server(str(host), port if isinstance(port, int) else 0, str(security))


def parse(data: Mapping[str, Any]) -> MailSettings:
    """The stored (or typed) settings, checked: every problem at once, in French."""
    problems = Problems()
    smtp = _server(data.get("smtp"), SMTP_SECURITY, "smtp", problems)
    given = data.get("releve")
    box: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    protocol = box.get("protocole")
    problems.check(protocol in PROTOCOLS, "releve", f"Relève : protocole {quoted(protocol)} inconnu (pop3 ou imap).",
                   "mail_settings")
    mailbox = _server(box, MAILBOX_SECURITY, str(protocol) if protocol in PROTOCOLS else "releve", problems)
    user, sender = data.get("utilisateur"), data.get("expediteur")
    problems.check(isinstance(user, str) and bool(re.fullmatch(r"[!-~]{1,200}", user)), "utilisateur",
                   f"Utilisateur {quoted(user)} invalide (caractères ASCII visibles, sans espace).",
                   "mail_settings")
    problems.check(isinstance(sender, str) and bool(_ADDRESS.fullmatch(sender)), "expediteur",
                   f"Adresse d'expéditeur {quoted(sender)} invalide (nom@domaine attendu).", "mail_settings")
    ca = data.get("ca")
    problems.check(ca is None or (isinstance(ca, str) and "-----BEGIN CERTIFICATE-----" in ca), "ca",
                   "Autorité de certification : certificat PEM attendu.", "mail_settings")
    directory = data.get("annuaire")
    problems.check(directory is None or (isinstance(directory, str) and directory.startswith("https://")),
                   "annuaire", f"Annuaire {quoted(directory)} : adresse https:// attendue.", "mail_settings")
    timeout = data.get("delai", DEFAULT_TIMEOUT)
    problems.check(isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
                   and 0 < timeout <= MAX_TIMEOUT, "delai",
                   f"Délai : entre 0 et {MAX_TIMEOUT:g} secondes.", "mail_settings")
    code = data.get("code_objet", DEFAULT_SUBJECT_CODE)
    problems.check(isinstance(code, str) and bool(re.fullmatch(r"\d{6}", code)), "code_objet",
                   f"Code de l'objet {quoted(code)} : 6 chiffres attendus.", "mail_settings")
    plain = data.get("clair_pour_essai", False) is True
    secret, folder = data.get("secret"), data.get("certificats_organismes")
    problems.raise_if_any()
    settings = MailSettings(smtp, mailbox, str(protocol), str(user), str(sender), ca,
                            secret if isinstance(secret, str) else None,
                            folder if isinstance(folder, str) and folder else None, directory,
                            float(timeout), str(code), plain)
    if settings.smtp.security == "aucune" and settings.secret and not plain:
        raise ValidationError("SMTP sans chiffrement : le mot de passe ne voyagera jamais en clair. Choisissez "
                              "--securite tls ou starttls (ou --clair-pour-essai pour un serveur d'essai).",
                              code="mail_plain_password", field="securite")
    return settings


def read(session: Session) -> MailSettings | None:
    data = read_setting(session, NAME)
    return None if data is None else parse(data)


def _not_configured() -> StateError:
    return StateError("Messagerie non configurée : feuille messagerie configurer … (ou feuille caisse-de-test "
                      "connecter DOSSIER pour la caisse de test).", code="mail_not_configured")


def load(ctx: Context) -> tuple[MailSettings, str | None]:
    """The settings and the password, moving credentials an older version stored in the database first."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        test = read_setting(session, rights_settings.TEST_CAISSE) or {}
        found = read(session)
    if "identifiants" in (test.get("messagerie") or {}):
        with ctx.db.transaction() as session:
            found = migrate_old_credentials(ctx, session) or read(session)
    if found is None:
        raise _not_configured()
    return found, password_of(found)


def password_of(found: MailSettings) -> str | None:
    if found.secret is None:
        return None
    value = secrets.read(found.secret)
    if value is None:
        raise StateError(f"Mot de passe de la messagerie absent du fichier des secrets de ce poste "
                         f"({secrets.secrets_file()}) : feuille messagerie configurer --utilisateur "
                         f"{found.user} (il sera demandé).", code="mail_password_missing")
    return value


def _pick_box(boxes: object) -> tuple[str, str | None]:
    """The professional's mailbox among those a caisse de test names (``cabinet`` first)."""
    table = boxes if isinstance(boxes, Mapping) else {}
    if "mot_de_passe" in table:   # one mailbox given flat: {"utilisateur", "mot_de_passe"}
        table = {str(table.get("utilisateur") or "cabinet"): table}
    for name in sorted(table, key=lambda n: (n != "cabinet", str(n))):
        box = table[name]
        if isinstance(box, Mapping):
            user, password = box.get("utilisateur", name), box.get("mot_de_passe")
            return str(user), password if isinstance(password, str) else None
    return "cabinet", None


def from_test_caisse(mail: Mapping[str, Any], ca_pem: str, user: str, secret: str | None,
                     certificates: str | None, directory_url: str | None,
                     previous: MailSettings | None) -> MailSettings:
    """The settings that reach a caisse de test: SMTP STARTTLS, POP3 STLS (or IMAP over TLS if IMAP was chosen)."""
    smtp, pop3, imap = mail.get("smtp") or {}, mail.get("pop3") or {}, mail.get("imap") or {}
    use_imap = previous is not None and previous.protocol == "imap" and bool(imap)
    box = imap if use_imap or not pop3 else pop3
    data = {"smtp": {"hote": smtp.get("hote"), "port": smtp.get("port"), "securite": "starttls"},
            "releve": {"protocole": "imap" if box is imap else "pop3", "hote": box.get("hote"),
                       "port": box.get("port"), "securite": "tls" if box is imap else "starttls"},
            "utilisateur": user, "expediteur": previous.sender if previous else f"{user}@feuille.invalid",
            "ca": ca_pem, "secret": secret, "certificats_organismes": certificates, "annuaire": directory_url,
            "delai": previous.timeout if previous else DEFAULT_TIMEOUT,
            "code_objet": previous.subject_code if previous else DEFAULT_SUBJECT_CODE}
    return parse(data)


def migrate_old_credentials(ctx: Context, session: Session) -> MailSettings | None:
    """Credentials stored in ``caisse_de_test`` by an older feuille go to the secret store, out of the database."""
    test = read_setting(session, rights_settings.TEST_CAISSE) or {}
    mail = dict(test.get("messagerie") or {})
    if "identifiants" not in mail:
        return None
    user, password = _pick_box(mail.pop("identifiants"))
    previous = read(session)
    reference = (previous.secret if previous else None) or secrets.new_reference()
    if password is not None:
        secrets.store(reference, password)   # before the commit: a failed commit leaves an unused entry, no loss
    adri = read_setting(session, rights_settings.ADRI) or {}
    settings = previous or from_test_caisse(mail, str(adri.get("ca") or ""), user,
                                            reference if password is not None else None,
                                            test.get("certificats_organismes"), adri.get("url"), None)
    if previous is not None and password is not None:
        settings = replace(previous, secret=reference)
    write_setting(ctx, session, NAME, settings.to_json())
    write_setting(ctx, session, rights_settings.TEST_CAISSE, {**test, "messagerie": mail})
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="secrets.migrate", entity="setting",
                 entity_id=NAME, data={"depuis": rights_settings.TEST_CAISSE, "utilisateur": user,
                                       "fichier": str(secrets.secrets_file())})
    return settings


def configure(ctx: Context, changes: Mapping[str, Any], password: str | None = None, *,
              forget_password: bool = False) -> MailSettings:
    """Merge ``changes`` (keys of the stored form) into the settings; store ``password`` in the secret store."""
    require(ctx, Permission.PREFERENCES_WRITE)
    with ctx.db.transaction() as session:
        current = read_setting(session, NAME) or {}
        merged = {**current, **changes}
        if isinstance(current.get("releve"), Mapping) and isinstance(changes.get("releve"), Mapping):
            merged["releve"] = {**current["releve"], **changes["releve"]}
        if isinstance(current.get("smtp"), Mapping) and isinstance(changes.get("smtp"), Mapping):
            merged["smtp"] = {**current["smtp"], **changes["smtp"]}
        if forget_password:
            merged["secret"] = None
        elif password is not None:
            merged["secret"] = merged.get("secret") or secrets.new_reference()
        settings = parse(merged)
        if password is not None and settings.secret:
            secrets.store(settings.secret, password)
        write_setting(ctx, session, NAME, settings.to_json())
    return settings


def connect_test_caisse(ctx: Context, directory: Path | str,
                        timeout: float | None = None) -> tuple[rights_settings.Connection, MailSettings]:
    """``feuille caisse-de-test connecter``: ADRi and mail settings in one transaction, the password in the store."""
    require(ctx, Permission.PREFERENCES_WRITE)
    found = rights_settings.read_connection(directory, timeout)
    user, password = _pick_box(found.mailboxes)
    with ctx.db.transaction() as session:
        previous = read(session) if read_setting(session, NAME) else None
        reference = (previous.secret if previous else None) or secrets.new_reference()
        if password is not None:
            secrets.store(reference, password)
        settings = from_test_caisse(found.test["messagerie"], found.connection.adri.ca_pem, user,
                                    reference if password is not None else None,
                                    found.test.get("certificats_organismes"), found.connection.adri.url, previous)
        rights_settings.store_connection(ctx, session, found)
        write_setting(ctx, session, NAME, settings.to_json())
    return found.connection, settings
