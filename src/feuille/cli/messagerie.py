"""``feuille messagerie``: the mail settings of the teletransmission (afficher, configurer, tester)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

import typer

from feuille.cli.common import console, err_console, handle_errors, print_json, state
from feuille.errors import FeuilleError, ValidationError, quoted

HELP = "Messagerie de télétransmission : serveur d'envoi (SMTP), boîte aux lettres (POP3/IMAP), mot de passe."
app = typer.Typer(help=HELP, no_args_is_help=True)


def _address(value: str, option: str) -> dict[str, Any]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValidationError(f"{option} {quoted(value)} : HOTE:PORT attendu (exemple : smtp.exemple.fr:465).",
                              code="mail_settings", field=option)
    return {"hote": host.strip("[]"), "port": int(port)}


def _password(from_env: str | None) -> str | None:
    if from_env:
        value = os.environ.get(from_env)
        if value is None:
            raise ValidationError(f"Variable d'environnement {quoted(from_env)} absente : mot de passe non lu.",
                                  code="mail_settings", field="--mot-de-passe-env")
        return value
    if not sys.stdin.isatty():
        return None
    typed = getpass.getpass("Mot de passe de la boîte aux lettres (non affiché ; Entrée : garder l'actuel) : ")
    return typed or None


def settings_json(found: Any) -> dict[str, Any]:
    data = dict(found.to_json())
    data["ca"] = "configurée" if data.get("ca") else "celle du système"
    data["mot_de_passe"] = "enregistré hors de la base" if data.pop("secret", None) else "aucun"
    return data


@app.command("afficher", help="Affiche les réglages de la messagerie (jamais le mot de passe).")
@handle_errors
def show(json_out: bool = typer.Option(False, "--json", help="Sortie JSON.")) -> None:
    from feuille.transmission import mail_settings

    found, _ = mail_settings.load(state.context())
    data = settings_json(found)
    if json_out:
        print_json(data)
        return
    smtp, box = data["smtp"], data["releve"]
    console.print(f"Envoi : SMTP {smtp['hote']}:{smtp['port']} ({smtp['securite']})", markup=False)
    console.print(f"Relève : {box['protocole'].upper()} {box['hote']}:{box['port']} ({box['securite']})",
                  markup=False)
    console.print(f"Utilisateur : {data['utilisateur']} ; expéditeur : {data['expediteur']} ; mot de passe : "
                  f"{data['mot_de_passe']}", markup=False)
    console.print(f"Autorité de certification : {data['ca']} ; certificats des organismes : "
                  f"{data['certificats_organismes'] or data['annuaire'] or 'non configurés'}", markup=False)


@app.command("configurer", help="Règle la messagerie ; le mot de passe est demandé sans écho (ou lu dans une "
                                "variable d'environnement) et gardé hors de la base.")
@handle_errors
def configure(
    smtp: str | None = typer.Option(None, "--smtp", help="Serveur d'envoi HOTE:PORT."),
    securite: str | None = typer.Option(None, "--securite", help="SMTP : tls (chiffré dès le début, port 465) ou "
                                                                 "starttls (port 587)."),
    pop3: str | None = typer.Option(None, "--pop3", help="Boîte aux lettres POP3 HOTE:PORT."),
    imap: str | None = typer.Option(None, "--imap", help="Boîte aux lettres IMAP HOTE:PORT."),
    securite_releve: str | None = typer.Option(None, "--securite-releve", help="Relève : tls ou starttls."),
    utilisateur: str | None = typer.Option(None, "--utilisateur", help="Identifiant de la boîte aux lettres."),
    expediteur: str | None = typer.Option(None, "--expediteur", help="Adresse d'expéditeur (nom@domaine)."),
    ca: Path | None = typer.Option(None, "--ca", help="Fichier PEM de l'autorité des serveurs (défaut : celle du "
                                                      "système)."),
    certificats: Path | None = typer.Option(None, "--certificats", help="Dossier des certificats des organismes "
                                                                        "(<régime><caisse>.pem)."),
    annuaire: str | None = typer.Option(None, "--annuaire", help="Annuaire HTTPS des certificats des organismes."),
    delai: float | None = typer.Option(None, "--delai", help="Délai d'attente des serveurs, en secondes."),
    mot_de_passe_env: str | None = typer.Option(None, "--mot-de-passe-env", help="Lire le mot de passe dans "
                                                                                 "cette variable d'environnement."),
    sans_mot_de_passe: bool = typer.Option(False, "--sans-mot-de-passe", help="Aucun mot de passe."),
    clair_pour_essai: bool = typer.Option(False, "--clair-pour-essai", help="Serveur d'essai : autorise un SMTP "
                                                                            "sans chiffrement avec mot de passe."),
    json_out: bool = typer.Option(False, "--json", help="Sortie JSON."),
) -> None:
    from feuille.transmission import mail_settings

    if pop3 and imap:
        raise ValidationError("Choisissez --pop3 ou --imap, pas les deux.", code="mail_settings", field="--imap")
    changes: dict[str, Any] = {}
    if smtp or securite:
        changes["smtp"] = {**(_address(smtp, "--smtp") if smtp else {}), **({"securite": securite} if securite else {})}
    box = pop3 or imap
    if box or securite_releve:
        changes["releve"] = {**(_address(box, "--imap" if imap else "--pop3") if box else {}),
                             **({"protocole": "imap" if imap else "pop3"} if box else {}),
                             **({"securite": securite_releve} if securite_releve else {})}
    for key, value in (("utilisateur", utilisateur), ("expediteur", expediteur), ("annuaire", annuaire),
                       ("delai", delai)):
        if value is not None:
            changes[key] = value
    if certificats is not None:
        changes["certificats_organismes"] = str(certificats.expanduser().resolve())
    if ca is not None:
        changes["ca"] = _read_ca(ca)
    if clair_pour_essai:
        changes["clair_pour_essai"] = True
    password = None if sans_mot_de_passe else _password(mot_de_passe_env)
    found = mail_settings.configure(state.context(), changes, password, forget_password=sans_mot_de_passe)
    if json_out:
        print_json(settings_json(found))
        return
    console.print("Messagerie enregistrée" + (" (mot de passe gardé hors de la base)." if found.secret else "."))


def _read_ca(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise ValidationError(f"--ca : fichier {quoted(str(path))} illisible.", code="mail_settings",
                              field="--ca") from None
    return text


@app.command("tester", help="Se connecte au serveur d'envoi et à la boîte aux lettres et dit ce qui marche.")
@handle_errors
def test(json_out: bool = typer.Option(False, "--json", help="Sortie JSON.")) -> None:
    from feuille.transmission.mail_transport import configured_transport, smtp_errors

    transport = configured_transport(state.context())
    outcome: dict[str, Any] = {}
    smtp = transport.settings.smtp
    try:
        with smtp_errors(f"{smtp.host}:{smtp.port}"), transport.smtp():
            pass
        outcome["smtp"] = {"ok": True, "message": f"Serveur d'envoi {smtp.host}:{smtp.port} joignable "
                                                  f"({smtp.security}), connexion acceptée."}
    except FeuilleError as error:
        outcome["smtp"] = {"ok": False, "code": error.code, "message": error.message}
    box = transport.settings.mailbox
    try:
        count = transport.check_mailbox()
        outcome["releve"] = {"ok": True, "courriels": count,
                             "message": f"Boîte aux lettres {box.host}:{box.port} ouverte : {count} courriel(s) "
                                        "en attente."}
    except FeuilleError as error:
        outcome["releve"] = {"ok": False, "code": error.code, "message": error.message}
    if json_out:
        print_json(outcome)
    else:
        for part in outcome.values():
            (console if part["ok"] else err_console).print(("OK : " if part["ok"] else "Échec : ") + part["message"],
                                                           markup=False)
    if not all(part["ok"] for part in outcome.values()):
        raise typer.Exit(code=7)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="messagerie")
