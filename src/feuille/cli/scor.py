"""``feuille scor``: the SCOR pieces of the invoices (manual 003 IV and VIII, « Pièces jointes »): the list, the
conformity step (automatic checks, then the questions only a person can answer), adding a piece, sending the
pieces whose FSE already left, and the purge after the retention."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from feuille.cli.common import aborted, console, handle_errors, print_json, read_file, state
from feuille.cli.common import confirm as confirm_deletion
from feuille.cli.french import confirm
from feuille.domain.fields import parse_date
from feuille.domain.scor import KIND_LABELS
from feuille.transmission import lot_state, mail_transport, scor, scor_conformity, scor_pieces

HELP = "Pièces SCOR (ordonnances, feuilles de soins) : liste, conformité, ajout, envoi, purge."
scor_app = typer.Typer(help=HELP, no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Sortie JSON.")
FACTURE = typer.Argument(..., metavar="FACTURE", help="Numéro interne de la facture.")
PIECE = typer.Argument(..., metavar="PIECE", help="Numéro de la pièce (feuille scor liste --json : « piece »).")


@scor_app.command("liste", help="Les pièces jointes des factures signées (Date envoi PJ, N° Facture, Etat SV, Nom, "
                                "Prénom, Etat PJ, Type), les plus récentes d'abord.")
@handle_errors
def liste(etat: str | None = typer.Option(None, "--etat", help="Un état seulement (MANQUANT, CONFORME, "
                                                               "« NON CONFORME », ARCHIVE…)."),
          limite: int = typer.Option(scor_pieces.LIST_LIMIT, "--limite", help="Nombre de factures (les plus "
                                                                               "récentes)."),
          json_out: bool = JSON) -> None:
    views = scor_pieces.list_pieces(state.context(), etat, limite)
    if json_out:
        print_json([view.to_json() for view in views])
        return
    if not views:
        console.print("Aucune pièce.")
        return
    table = Table("Date envoi PJ", "N° Facture", "Etat SV", "Nom", "Prénom", "Etat PJ", "Type", "Facture")
    for view in views:
        table.add_row(f"{view.sent_on:%d/%m/%Y}" if view.sent_on else "", str(view.invoice_number or ""), view.sv,
                      view.last_name, view.first_name, view.state.value, KIND_LABELS[view.kind], str(view.invoice_id))
    console.print(table)


def _show(item: scor_pieces.ToCheck) -> None:
    console.print(f"Pièce {item.attachment_id} ({KIND_LABELS[item.kind]}, {item.filename}) : "
                  f"{item.state.value}", markup=False)
    if item.inspection is None:
        console.print(f"  fichier illisible : {item.refusal}", markup=False)
        return
    for page in item.inspection.pages:
        shown = "; ".join(("✓ " if v.ok else "✗ ") + v.reason for v in page.verdicts if v.ok is not None)
        console.print(f"  page {page.number} : {shown}", markup=False)


@scor_app.command("verifier", help="Contrôle la conformité des pièces d'une facture, page par page (non vide, "
                                   "droite, claire, contrastée, résolution, poids, pas un doublon), pose les "
                                   "questions qu'un programme ne peut pas trancher (o/N) et enregistre le verdict.")
@handle_errors
def verifier(facture: str = FACTURE,
             confirmer: bool = typer.Option(False, "--confirmer", help="Répondre « oui » à chaque question (vous "
                                                                       "avez regardé chaque page)."),
             json_out: bool = JSON) -> None:
    ctx = state.context()
    results = []
    for item in scor_pieces.inspect_invoice(ctx, facture):
        if not json_out:
            _show(item)
        answers: dict[tuple[int, str], bool] = {}
        if item.inspection is not None:
            for page, criterion, question in item.inspection.questions():
                answers[(page, criterion)] = confirmer or confirm(f"  Page {page} : {question}", default=False)
        judgement = scor_pieces.record_check(ctx, facture, item.attachment_id, answers)
        results.append({"piece": item.attachment_id, **judgement.to_json()})
        if not json_out:
            verdict = "CONFORME" if judgement.conforming else "NON CONFORME : " + " ; ".join(judgement.reasons)
            console.print(f"  → {verdict}", markup=False)
    if json_out:
        print_json(results)
    elif not results:
        console.print("Aucune pièce à contrôler (déjà envoyées, archivées ou sur papier).")


@scor_app.command("ajouter", help="Joint une pièce SCOR (PDF, PNG ou JPEG) à une facture signée ; elle est ensuite "
                                  "à contrôler (feuille scor verifier).")
@handle_errors
def ajouter(facture: str = FACTURE,
            fichier: Path = typer.Argument(..., metavar="FICHIER", help="Fichier à joindre (PDF, PNG, JPEG)."),
            type_: str = typer.Option("ordonnance", "--type", help="ordonnance ou feuille-de-soins."),
            json_out: bool = JSON) -> None:
    content = read_file(fichier, "FICHIER")
    view = scor_pieces.add_piece(state.context(), facture, fichier.name, content, type_)
    if json_out:
        print_json(view.to_json())
        return
    console.print(f"Pièce {view.attachment_id} ({KIND_LABELS[view.kind]}) jointe à la facture n° {view.invoice_id} : "
                  f"{view.state.value} (feuille scor verifier {view.invoice_id}).", markup=False)


@scor_app.command("supprimer", help="Supprime une pièce pas encore envoyée (A CONTROLER, CONFORME, NON CONFORME) ; "
                                    "si la facture en a besoin, elle redevient MANQUANT.")
@handle_errors
def supprimer(facture: str = FACTURE, piece: str = PIECE,
              oui: bool = typer.Option(False, "--oui", help="Ne pas demander confirmation."),
              json_out: bool = JSON) -> None:
    ctx = state.context()
    view = scor_pieces.piece(ctx, facture, piece)
    if not confirm_deletion(f"Supprimer la pièce {view.attachment_id} ({KIND_LABELS[view.kind]}, {view.filename}, "
                            f"{view.state.value}) de la facture n° {view.invoice_id} ?", oui):
        raise aborted()
    left = scor_pieces.remove_piece(ctx, facture, piece)
    if json_out:
        print_json(left.to_json())
        return
    console.print(f"Pièce {piece} supprimée de la facture n° {left.invoice_id} ({KIND_LABELS[left.kind]} : "
                  f"{left.state.value}).", markup=False)


@scor_app.command("remplacer", help="Remplace une pièce pas encore envoyée (typiquement NON CONFORME) par un autre "
                                    "fichier du même type ; la nouvelle est à contrôler.")
@handle_errors
def remplacer(facture: str = FACTURE, piece: str = PIECE,
              fichier: Path = typer.Argument(..., metavar="FICHIER", help="Nouveau fichier (PDF, PNG, JPEG)."),
              json_out: bool = JSON) -> None:
    content = read_file(fichier, "FICHIER")
    view = scor_pieces.replace_piece(state.context(), facture, piece, fichier.name, content)
    if json_out:
        print_json(view.to_json())
        return
    console.print(f"Pièce {piece} remplacée par la pièce {view.attachment_id} ({view.filename}) : "
                  f"{view.state.value} (feuille scor verifier {view.invoice_id}).", markup=False)


@scor_app.command("purger", help="Efface le contenu des pièces envoyées dont la durée de conservation est écoulée "
                                 "(état ARCHIVE ; la ligne et l'empreinte SHA-256 restent). Sans effet si relancée.")
@handle_errors
def purger(date_: str | None = typer.Option(None, "--date", help="Date du jour de la purge (AAAA-MM-JJ ou "
                                                                 "JJ/MM/AAAA ; défaut : aujourd'hui)."),
           json_out: bool = JSON) -> None:
    day = parse_date(date_, "date", "--date") if date_ else None
    result = scor_pieces.purge(state.context(), day)
    if json_out:
        print_json(result.to_json())
        return
    console.print(f"Purge du {result.day:%d/%m/%Y} : {len(result.purged)} pièce(s) archivée(s).")


@scor_app.command("envoyer", help="Envoie les pièces conformes des factures dont le lot FSE est mis en fichier ou "
                                  "déjà envoyé, un lot SCOR par lot FSE, puis relève leurs accusés de réception.")
@handle_errors
def envoyer(lot: list[str] = typer.Option([], "--lot", help="Seulement ce lot FSE (numéro interne ; répétable)."),
            json_out: bool = JSON) -> None:
    ctx = state.context()
    wanted = [lot_state.lot_id(ref) for ref in lot] or None
    transport = mail_transport.configured_transport(ctx)
    sent = scor.send_pieces(ctx, transport, wanted)
    answered, problems = scor.receive_acknowledgements(ctx, transport)
    if json_out:
        print_json({"envoyes": [v.to_json() for v in sent], "accuses": [v.to_json() for v in answered],
                    "problemes": problems})
    else:
        if not sent:
            console.print("Aucune pièce SCOR à envoyer (pièces conformes d'un lot FSE mis en fichier).")
        for view in sent:
            what = f"erreur : {view.error}" if view.error else scor.STATE_LABELS.get(view.state, view.state)
            console.print(f"Lot SCOR {view.id} (lot FSE {view.fse_lot_number}, organisme {view.organism}, "
                          f"{view.pieces} pièce(s)) : {what}", markup=False)
        for view in answered:
            console.print(f"Lot SCOR {view.id} : {scor.STATE_LABELS.get(view.state, view.state)} "
                          f"({view.arl_label or ''})", markup=False)
        for problem in problems:
            console.print(problem, markup=False)
    if any(view.error for view in sent):
        raise typer.Exit(code=7)


def register(app: typer.Typer) -> None:
    app.add_typer(scor_app, name="scor")


__all__ = ["register", "scor_app", "scor_conformity"]
