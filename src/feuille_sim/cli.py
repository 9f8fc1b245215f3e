"""``feuille-sim``: the caisse de test's command line (French, as every command a user types)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from feuille_sim.state import State

app = typer.Typer(name="feuille-sim", help="Caisse de test : le côté des caisses (SMTP, POP3, IMAP, HTTPS) sur cette "
                  "machine.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  subcommand_metavar="COMMANDE [ARGUMENTS]...")

DirOption = Annotated[Path | None, typer.Option(
    "--dir", envvar="FEUILLE_SIM_DIR", show_default=False,
    help="Dossier de la caisse de test (état, ports.json, pki) ; défaut : « caisse-de-test » dans le dossier des "
         "données de feuille.")]


def resolve(folder: Path | None) -> Path:
    from feuille_sim.background import default_folder

    return folder if folder is not None else default_folder()


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"Erreur : {message}", err=True)
    raise typer.Exit(code)


@app.command("servir", help="Démarre la caisse de test (reste au premier plan ; SIGTERM ou Ctrl-C l'arrête).")
def serve_command(
    folder: DirOption = None,
    hote: Annotated[str, typer.Option("--hote", help="Adresse d'écoute.")] = "127.0.0.1",
    port_smtp: Annotated[int, typer.Option("--port-smtp", min=0, max=65535, help="0 : un port libre.")] = 0,
    port_smtps: Annotated[int, typer.Option("--port-smtps", min=0, max=65535,
                                            help="SMTP chiffré dès le premier octet ; 0 : un port libre.")] = 0,
    port_pop3: Annotated[int, typer.Option("--port-pop3", min=0, max=65535, help="0 : un port libre.")] = 0,
    port_pop3s: Annotated[int, typer.Option("--port-pop3s", min=0, max=65535,
                                            help="POP3 chiffré dès le premier octet ; 0 : un port libre.")] = 0,
    port_imap: Annotated[int, typer.Option("--port-imap", min=0, max=65535, help="0 : un port libre.")] = 0,
    port_imap_starttls: Annotated[int, typer.Option("--port-imap-starttls", min=0, max=65535,
                                                    help="IMAP avec STARTTLS ; 0 : un port libre.")] = 0,
    port_adri: Annotated[int, typer.Option("--port-adri", min=0, max=65535, help="0 : un port libre.")] = 0,
    cartes: Annotated[Path | None, typer.Option("--cartes", help="Dossier des cartes virtuelles.")] = None,
    forme_noemie: Annotated[str | None, typer.Option(
        "--forme-noemie", help="Forme des retours NOEMIE : continue ou blocs (un scénario peut la changer).")] = None,
) -> None:
    from feuille_sim.server import AlreadyServing, Options, serve

    if forme_noemie is not None:
        _set_form(resolve(folder), forme_noemie)
    ports = {"smtp": port_smtp, "smtps": port_smtps, "pop3": port_pop3, "pop3s": port_pop3s, "imap": port_imap,
             "imap_starttls": port_imap_starttls, "adri": port_adri}
    try:
        serve(Options(resolve(folder), hote, ports, cartes), sys.stdout)
    except AlreadyServing as exc:
        fail(str(exc), 4)
    except OSError as exc:
        fail(f"la caisse de test ne peut pas démarrer ({hote}, {resolve(folder)}) : {exc.strerror or exc}.", 1)


@app.command("etat", help="Ce que la caisse de test a reçu et envoyé, sa date, sa panne (serveur lancé ou non).")
def status_command(
    folder: DirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON.")] = False,
) -> None:
    from feuille_sim.payments.status import payments_by_organism
    from feuille_sim.server import read_ports, running_pid

    state = _state(folder)
    folder = state.folder
    summary = state.summary()
    for organism, counts in payments_by_organism(state).items():
        summary["organismes"].setdefault(organism, {}).update(counts)
    summary["organismes"] = dict(sorted(summary["organismes"].items()))
    pid = running_pid(folder)
    summary["en_marche"] = pid is not None
    summary["pid"] = pid
    summary["ports"] = (read_ports(folder) or {}).get("ports") if pid else None
    summary["boites"] = state.mailboxes()
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    typer.echo(f"Caisse de test {folder} : " + (f"en marche (processus {pid}, ports {summary['ports']})"
                                                 if pid else "arrêtée"))
    panne = summary["panne"]
    typer.echo(f"Date de la caisse : {summary['date']} ; panne : {panne['mode']}"
               + (f" ({panne['secondes']:g} s)" if panne["mode"] in ("lent", "muet") else ""))
    typer.echo(f"Scénario : {summary['scenario'] or 'aucun'} ({summary['regles']} règle(s))")
    if not summary["organismes"]:
        typer.echo("Aucun courriel reçu ni envoyé.")
    for organism, counts in summary["organismes"].items():
        typer.echo(f"  {organism} : {counts.get('courriels_recus', 0)} courriel(s) reçu(s) "
                   f"({counts.get('non_traites', 0)} non traité(s)), {counts.get('arl_envoyes', 0)} ARL envoyé(s), "
                   f"{counts.get('retours_en_attente', 0)} retour(s) en attente")
        if "lots_recus" in counts:
            typer.echo(f"      lots : {counts['lots_recus']} reçu(s), {counts['lots_acceptes']} accepté(s), "
                       f"{counts['lots_refuses']} refusé(s)")
        if "paye" in counts:
            typer.echo(f"      paiements : {counts['noemie_en_attente']} retour(s) NOEMIE en attente, "
                       f"{counts['factures_a_payer']} facture(s) à payer ({_euros(counts['montant_a_payer'])}), "
                       f"{counts['factures_payees']} payée(s), {counts['factures_rejetees']} rejetée(s) "
                       f"({_euros(counts['montant_rejete'])}), virements {_euros(counts['paye'])}, "
                       f"retenues à récupérer {_euros(counts['retenues_a_recuperer'])}")


def _euros(amount: str) -> str:
    from decimal import Decimal

    from feuille.money import format_euros_fr

    return format_euros_fr(Decimal(amount))


@app.command("avancer", help="Avance l'horloge et produit ce qu'elle envoie pour ces jours (ARL, retours).")
def advance_command(
    days: Annotated[int, typer.Option("--jours", "--days", min=0, max=3660, help="Nombre de jours.")],
    folder: DirOption = None,
) -> None:
    from feuille_sim.clock import advance

    state = _state(folder)
    done = advance(state, days)
    made = sum(done.produced.values())
    typer.echo(f"Date de la caisse : {done.from_date.isoformat()} → {done.to_date.isoformat()} ; "
               f"{made} courriel(s) produit(s)" + "".join(f", {k} : {v}" for k, v in done.produced.items() if v) + ".")


@app.command("scenario", help="Charge un scénario (JSON ou TOML) : ses règles remplacent les précédentes.")
def scenario_command(
    fichier: Annotated[Path, typer.Argument(help="Fichier de scénario (.json ou .toml).")],
    folder: DirOption = None,
) -> None:
    from feuille_sim.scenario import ScenarioError, load, read

    try:
        scenario = read(fichier)
    except ScenarioError as exc:
        fail(str(exc))
    load(_state(folder), scenario)
    typer.echo(f"Scénario « {scenario.nom} » chargé : {len(scenario.regles)} règle(s).")


@app.command("panne", help="Simule une panne des services HTTPS (ADRi) : aucune, erreur, lent, muet.")
def panne_command(
    mode: Annotated[str, typer.Option("--mode", help="aucune, erreur (503 ; SMTP : 421), lent, muet (sans réponse).")],
    secondes: Annotated[float, typer.Option("--secondes", min=0, max=3600, help="Délai (lent, muet).")] = 0,
    service: Annotated[str, typer.Option("--service", help="adri (défaut) ou messagerie (réception des lots en "
                                                            "SMTP).")] = "adri",
    folder: DirOption = None,
) -> None:
    from feuille_sim.state import FAULT_FILE, FAULT_MODES, MAIL_FAULT_FILE

    if mode not in FAULT_MODES:
        fail(f"mode « {mode[:40]} » inconnu : {', '.join(FAULT_MODES)}.")
    files = {"adri": FAULT_FILE, "messagerie": MAIL_FAULT_FILE}
    if service not in files:
        fail(f"service « {service[:40]} » inconnu : adri ou messagerie.")
    _state(folder).set_fault(mode, secondes, files[service])
    typer.echo(f"Panne ({service}) : {mode}" + (f" ({secondes:g} s)" if mode in ("lent", "muet") else "") + ".")


@app.command("certificat", help="Chemin du certificat S/MIME d'une boîte de caisse (créé au besoin).")
def certificate_command(
    organisme: Annotated[str, typer.Argument(help="Régime (2 chiffres) et caisse (3 chiffres), ex. 01422 ; ou AMC "
                                                  "suivi du n° AMC (10 chiffres) pour une complémentaire.")],
    folder: DirOption = None,
) -> None:
    from feuille_sim.pki import Pki

    try:
        typer.echo(str(Pki(resolve(folder)).organism_certificate(organisme)))
    except ValueError as exc:
        fail(str(exc))


def _set_form(folder: Path, form: str) -> None:
    from feuille_sim.payments.produce import FORM_SETTING, FORMS
    from feuille_sim.payments.store import set_setting

    if form not in FORMS:
        fail(f"forme « {form[:40]} » inconnue : {', '.join(FORMS)}.")
    set_setting(_state(folder), FORM_SETTING, form)


def _state(folder: Path | None) -> State:
    """The caisse's state, opened once every plugin is loaded: opening creates the tables registered so far, so a
    plugin loaded after it (the payments' debts…) would find its tables missing in a new folder."""
    from feuille_sim.hooks import load_plugins
    from feuille_sim.state import State

    load_plugins()
    folder = resolve(folder)
    try:
        return State(folder)
    except OSError as exc:
        fail(f"dossier {folder} inutilisable : {exc.strerror or exc}.", 1)
    except Exception as exc:  # sqlite3.DatabaseError: not a caisse de test folder
        fail(f"{folder} ne contient pas l'état d'une caisse de test lisible ({type(exc).__name__}).", 1)


@app.command("journal", help="Les derniers échanges (SMTP, POP3, IMAP, HTTPS, horloge, scénarios, pannes).")
def journal_command(
    limite: Annotated[int, typer.Option("--limite", min=1, max=10000, help="Nombre d'échanges.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON.")] = False,
    folder: DirOption = None,
) -> None:
    entries = _state(folder).journal(limite)
    if as_json:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    for entry in entries:
        typer.echo(f"{entry['le']}  {entry['service']:<9} {entry['qui']:<21} {entry['quoi']} → {entry['resultat']}")
    if not entries:
        typer.echo("Aucun échange.")


@app.command("demarrer", help="Démarre la caisse de test en arrière-plan (garde celle qui tourne déjà).")
def start_command(folder: DirOption = None) -> None:
    from feuille_sim.background import StartError, describe, start

    folder = resolve(folder)
    try:
        pid, started = start(folder)
    except StartError as exc:
        fail(str(exc), 1)
    verb = "démarrée" if started else "déjà en marche"
    typer.echo(f"Caisse de test {verb} dans {folder} (processus {pid}) : {describe(folder)}.")


@app.command("arreter", help="Arrête la caisse de test qui tourne en arrière-plan.")
def stop_command(folder: DirOption = None) -> None:
    from feuille_sim.background import StartError, stop

    folder = resolve(folder)
    try:
        pid = stop(folder)
    except StartError as exc:
        fail(str(exc), 1)
    typer.echo(f"Caisse de test arrêtée (processus {pid})." if pid
               else f"Aucune caisse de test ne tourne dans {folder}.")


# The names the issue gives (serve, status, advance) stay as hidden aliases of the French ones (CONTRIBUTING:
# everything a user types is French).
app.command("serve", hidden=True)(serve_command)
app.command("status", hidden=True)(status_command)
app.command("advance", hidden=True)(advance_command)


def main() -> None:
    """Like ``feuille``'s own top level: usage errors in French, no traceback ever reaches the user."""
    from typer._click import exceptions as click_exceptions

    from feuille.cli import french

    french.install()
    try:
        result = typer.main.get_command(app).main(prog_name="feuille-sim", standalone_mode=False)
    except click_exceptions.NoArgsIsHelpError as error:
        sys.exit(error.exit_code)
    except click_exceptions.ClickException as error:
        sys.exit(french.usage_error(error))
    except typer.Abort:
        french.aborted()
        sys.exit(1)
    except (typer.Exit, SystemExit):
        raise
    except Exception as error:
        typer.echo(f"Erreur inattendue de la caisse de test : {type(error).__name__}.", err=True)
        sys.exit(70)
    sys.exit(result if isinstance(result, int) else 0)
