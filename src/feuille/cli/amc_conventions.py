"""CLI: the AMC conventions directory (« Choix de la convention AMC/Mutuelle », manual 003 section V).

``feuille mutuelle conventions importer FICHIER.csv | ajouter | modifier | supprimer | lister | chercher``.
The directory is the practice's own (imported from its concentrator's file, or typed): feuille ships none (docs/dre.md).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from feuille.cli.common import aborted, confirm, console, handle_errors, print_json, state
from feuille.practice import amc_conventions

HELP = "Mutuelles : annuaire des conventions AMC pour la télétransmission de la part complémentaire (DRE)."
app_mutuelle = typer.Typer(help=HELP, no_args_is_help=True)
conventions_app = typer.Typer(help="Annuaire des conventions AMC : importer, ajouter, modifier, supprimer, "
                                   "lister, chercher.",
                              no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Sortie JSON.")
NUMERO_AMC = typer.Option(None, "--numero-amc", help="N° AMC (n° préfectoral) de la mutuelle.")
TYPE = typer.Option(None, "--type", help="Type de convention (carte mutuelle).")
CRITERE = typer.Option(None, "--critere", help="Critère secondaire (carte mutuelle).")
COLUMNS = ("Id. signataire", "Lib. signataire", "Conv. groupe", "Type conv.", "Crit. secondaire", "Type accord",
           "N° AMC", "Lib. AMC", "Désactivée", "DRE", "PEC", "Démo")


def _table(views: list[amc_conventions.ConventionView] | tuple[amc_conventions.ConventionView, ...]) -> Table:
    table = Table("N°", *COLUMNS)
    for v in views:
        table.add_row(str(v.id), v.signatory_id, v.signatory_label or "", v.group_convention or "",
                      v.convention_type, v.secondary_criterion or "", v.agreement_type or "", v.amc_number,
                      v.amc_label or "", "1" if v.disabled else "0", "oui" if v.dre else "non",
                      "oui" if v.pec_required else "non", "démo" if v.demo else "")
    return table


@conventions_app.command("importer", help="Importe un fichier CSV de conventions (tout ou rien ; une convention "
                                          "déjà connue est mise à jour).")
@handle_errors
def importer(fichier: Path = typer.Argument(..., help="Fichier CSV (en-têtes : id_signataire, "
                                                       "libelle_signataire, convention_groupe, type_convention, "
                                                       "critere_secondaire, type_accord, numero_amc, libelle_amc, "
                                                       "desactivee, dre, pec_obligatoire, demo)."),
             json_out: bool = JSON) -> None:
    result = amc_conventions.import_conventions(state.context(), fichier)
    if json_out:
        print_json(asdict(result))
        return
    console.print(f"Conventions importées : {result.created} ajoutée(s), {result.updated} mise(s) à jour, "
                  f"{result.unchanged} inchangée(s).", highlight=False)


@conventions_app.command("ajouter", help="Ajoute une convention à l'annuaire.")
@handle_errors
def ajouter(signataire: str = typer.Option(None, "--signataire", help="Id. signataire (obligatoire)."),
            type_convention: str = typer.Option(None, "--type", help="Type de convention (obligatoire)."),
            numero_amc: str = typer.Option(None, "--numero-amc", help="N° AMC (obligatoire)."),
            libelle_signataire: str = typer.Option(None, "--libelle-signataire", help="Lib. signataire."),
            groupe: str = typer.Option(None, "--groupe", help="Convention groupe."),
            critere: str = CRITERE,
            accord: str = typer.Option(None, "--accord", help="Type d'accord."),
            libelle_amc: str = typer.Option(None, "--libelle-amc", help="Lib. AMC."),
            desactivee: str = typer.Option(None, "--desactivee", help="oui ou non (défaut non)."),
            dre: str = typer.Option(None, "--dre", help="La convention permet les DRE : oui ou non (défaut non)."),
            pec: str = typer.Option(None, "--pec-obligatoire", help="N° et date de PEC exigés : oui ou non."),
            json_out: bool = JSON) -> None:
    given = {"signatory_id": signataire, "convention_type": type_convention, "amc_number": numero_amc,
             "signatory_label": libelle_signataire, "group_convention": groupe, "secondary_criterion": critere,
             "agreement_type": accord, "amc_label": libelle_amc, "disabled": desactivee, "dre": dre,
             "pec_required": pec}
    new_id = amc_conventions.add_convention(state.context(), {k: v for k, v in given.items() if v is not None})
    if json_out:
        print_json({"id": new_id})
        return
    console.print(f"Convention n° {new_id} ajoutée à l'annuaire.", highlight=False)


NUMERO = typer.Argument(..., help="N° de la convention dans l'annuaire (colonne « N° » de « lister »).")


@conventions_app.command("modifier", help="Modifie une convention de l'annuaire (les champs donnés ; « --desactivee "
                                          "oui » la retire du choix de la convention).")
@handle_errors
def modifier(numero: int = NUMERO,
             signataire: str = typer.Option(None, "--signataire", help="Id. signataire."),
             type_convention: str = typer.Option(None, "--type", help="Type de convention."),
             numero_amc: str = typer.Option(None, "--numero-amc", help="N° AMC."),
             libelle_signataire: str = typer.Option(None, "--libelle-signataire", help="Lib. signataire."),
             groupe: str = typer.Option(None, "--groupe", help="Convention groupe."),
             critere: str = CRITERE,
             accord: str = typer.Option(None, "--accord", help="Type d'accord."),
             libelle_amc: str = typer.Option(None, "--libelle-amc", help="Lib. AMC."),
             desactivee: str = typer.Option(None, "--desactivee", help="oui ou non."),
             dre: str = typer.Option(None, "--dre", help="La convention permet les DRE : oui ou non."),
             pec: str = typer.Option(None, "--pec-obligatoire", help="N° et date de PEC exigés : oui ou non.")) -> None:
    given = {"signatory_id": signataire, "convention_type": type_convention, "amc_number": numero_amc,
             "signatory_label": libelle_signataire, "group_convention": groupe, "secondary_criterion": critere,
             "agreement_type": accord, "amc_label": libelle_amc, "disabled": desactivee, "dre": dre,
             "pec_required": pec}
    changed = amc_conventions.update_convention(state.context(), numero,
                                                {k: v for k, v in given.items() if v is not None})
    console.print(f"Convention n° {numero} modifiée." if changed else f"Convention n° {numero} : rien n'a changé.",
                  highlight=False)


@conventions_app.command("supprimer", help="Supprime une convention de l'annuaire (les factures déjà faites gardent "
                                           "la leur).")
@handle_errors
def supprimer(numero: int = NUMERO,
              oui: bool = typer.Option(False, "--oui", help="Ne pas demander de confirmation.")) -> None:
    ctx = state.context()
    view = amc_conventions.get_convention(ctx, numero)
    if not confirm(f"Supprimer la convention {view.label()} du signataire {view.signatory_id} pour l'AMC "
                   f"{view.amc_number} ?", oui):
        raise aborted()
    amc_conventions.delete_convention(ctx, numero)
    console.print(f"Convention n° {numero} supprimée.", highlight=False)


@conventions_app.command("lister", help="Liste l'annuaire des conventions (ou celles d'un n° AMC).")
@handle_errors
def lister(numero_amc: str = NUMERO_AMC, json_out: bool = JSON) -> None:
    views = amc_conventions.list_conventions(state.context(), numero_amc)
    if json_out:
        print_json([asdict(v) for v in views])
        return
    if not views:
        console.print("Aucune convention dans l'annuaire : importez le fichier de votre concentrateur (feuille "
                      "mutuelle conventions importer FICHIER.csv) ou ajoutez-les.", highlight=False)
        return
    console.print(_table(views))


@conventions_app.command("chercher", help="Choix de la convention : cherche par n° AMC, affiné par le type de "
                                          "convention et le critère secondaire de la carte mutuelle.")
@handle_errors
def chercher(numero_amc: str = typer.Argument(..., help="N° AMC (n° préfectoral)."), type_convention: str = TYPE,
             critere: str = CRITERE, page: int = typer.Option(1, "--page", help="Page (10 conventions par page)."),
             json_out: bool = JSON) -> None:
    found = amc_conventions.search_conventions(state.context(), numero_amc, type_convention, critere, page)
    if json_out:
        print_json({"total": found.total, "page": found.page, "pages": found.pages,
                    "conventions": [asdict(v) for v in found.shown]})
        return
    if not found.total:
        console.print(f"Aucune convention active pour le n° {found.amc_number}.", highlight=False)
        return
    console.print(f"{found.total} convention(s) pour le n° {found.amc_number} (page {found.page}/{found.pages}) :",
                  highlight=False)
    console.print(_table(found.shown))


def register(app: typer.Typer) -> None:
    app_mutuelle.add_typer(conventions_app, name="conventions")
    app.add_typer(app_mutuelle, name="mutuelle")
