"""Database, users and audit commands."""

from __future__ import annotations

import getpass
import sys
import warnings

import typer
from rich.table import Table

from feuille import audit, signin
from feuille.auth import ROLE_LABELS, Permission, Role, create_user, list_users, parse_role, require, update_user
from feuille.cli.common import console, err_console, handle_errors, print_json, state

db_app = typer.Typer(help="Base de données : création et migrations.", no_args_is_help=True)
user_app = typer.Typer(help="Utilisateurs et rôles (titulaire, remplaçant, secrétaire, administrateur).",
                       no_args_is_help=True)
audit_app = typer.Typer(help="Journal d'audit chaîné : vérification de son intégrité.", no_args_is_help=True)


@db_app.command("init", help="Crée ou met à jour la base (migrations) et le premier administrateur.")
@handle_errors
def db_init() -> None:
    db = state.database()
    console.print(f"Base prête ({db.dialect}), version du schéma : {db.current_revision()}.")


@user_app.command("add", help="Ajoute un utilisateur.")
@handle_errors
def user_add(
    login: str = typer.Argument(..., help="Identifiant."),
    role: str = typer.Option(..., "--role", help="titulaire, remplaçant, secrétaire ou administrateur."),
    nom: str = typer.Option("", "--nom", help="Nom affiché."),
) -> None:
    ctx = state.context()
    create_user(ctx, login, nom, parse_role(role))
    console.print(f"Utilisateur « {login} » créé.")


@user_app.command("list", help="Liste les utilisateurs.")
@handle_errors
def user_list(json_out: bool = typer.Option(False, "--json", help="Sortie JSON.")) -> None:
    users = list_users(state.context())
    if json_out:
        print_json([{"login": u.login, "nom": u.display_name, "role": u.role, "actif": u.active} for u in users])
        return
    table = Table("Identifiant", "Nom", "Rôle", "Actif")
    for u in users:
        table.add_row(u.login, u.display_name, ROLE_LABELS[Role(u.role)], "oui" if u.active else "non")
    console.print(table)


@user_app.command("role", help="Change le rôle d'un utilisateur (ses sessions web ouvertes sont fermées) ou son "
                                "nom affiché.")
@handle_errors
def user_role(
    login: str = typer.Argument(..., help="Identifiant de l'utilisateur."),
    role: str = typer.Argument(..., help="Nouveau rôle : titulaire, remplaçant, secrétaire ou administrateur."),
    nom: str = typer.Option(None, "--nom", help="Nouveau nom affiché."),
) -> None:
    changed = update_user(state.context(), login, role=parse_role(role), display_name=nom)
    label = ROLE_LABELS[parse_role(role)]
    if changed:
        console.print(f"Utilisateur « {login} » : rôle {label} enregistré.", highlight=False)
    else:
        console.print(f"Utilisateur « {login} » : déjà {label}, rien n'a changé.", highlight=False)


def _terminal() -> bool:
    return sys.stdin.isatty()


def _ask(prompt: str) -> str:
    """A password typed at the terminal, not shown (getpass's English warning silenced should it fall back)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", getpass.GetPassWarning)
        return getpass.getpass(prompt)


@user_app.command("mot-de-passe", help="Donne un mot de passe web à un utilisateur (demandé deux fois).")
@handle_errors
def user_password(
    login: str = typer.Argument(..., help="Identifiant de l'utilisateur."),
    from_stdin: bool = typer.Option(False, "--depuis-stdin", help="Lit le mot de passe sur l'entrée standard "
                                    "(une ligne), sans le demander."),
) -> None:
    ctx = state.context()
    if from_stdin or not _terminal():
        # no terminal (a script, a pipe): one line of the standard input, as --depuis-stdin; never getpass's
        # fallback, which warns in English that the input may be echoed
        if not from_stdin:
            err_console.print("Pas de terminal : mot de passe lu sur l'entrée standard (une ligne).")
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        password = _ask(f"Nouveau mot de passe de « {login} » : ")
        again = _ask("Confirmez le mot de passe : ")
        if password != again:
            err_console.print("Les deux mots de passe diffèrent : rien n'a changé.")
            raise typer.Exit(code=2)
    signin.set_password(ctx, login, password)
    console.print(f"Mot de passe de « {login} » enregistré ; ses sessions web ouvertes sont fermées.")


@audit_app.command("verify", help="Vérifie que personne n'a modifié ni supprimé d'entrée du journal.")
@handle_errors
def audit_verify() -> None:
    ctx = state.context()
    require(ctx, Permission.AUDIT_VERIFY)
    report = audit.verify(ctx.db)
    if report.ok:
        console.print(f"[green]Journal intègre[/] : {report.checked} entrées vérifiées.")
        return
    for problem in report.problems:
        err_console.print(f"[red]{problem.message}[/]")
    err_console.print(f"Journal altéré : {len(report.problems)} anomalie(s) sur {report.checked} entrées.")
    raise typer.Exit(code=7)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
