"""CLI: prescribers (create, edit, search by the first letters, delete)."""

from __future__ import annotations

import typer
from rich.table import Table

from feuille.cli.common import aborted, confirm, console, handle_errors, print_json, state
from feuille.domain.professionals import format_billing_number, specialty_label
from feuille.practice import prescribers

app_prescriber = typer.Typer(help="Prescripteurs : création, modification, recherche, suppression.",
                             no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Sortie JSON.")
REF = typer.Argument(..., help="Numéro interne ou n° d'identification du prescripteur.")


def prescriber_json(row: prescribers.PrescriberView) -> dict[str, object]:
    return {"id": row.id, "nom": row.last_name, "prenom": row.first_name, "numero": row.number, "rpps": row.rpps,
            "specialite": row.specialty}


def _number(row: prescribers.PrescriberView) -> str:
    return format_billing_number(row.number)


@app_prescriber.command("add", help="Crée un prescripteur (nom et n° d'identification obligatoires).")
@handle_errors
def add(nom: str | None = typer.Option(None, "--nom", help="Nom (obligatoire)."),
        numero: str | None = typer.Option(None, "--numero", help="N° d'identification : n° de facturation "
                                          "(9 chiffres) ou RPPS (11 chiffres), clé comprise (obligatoire)."),
        prenom: str | None = typer.Option(None, "--prenom", help="Prénom."),
        specialite: str | None = typer.Option(None, "--specialite", help="Code spécialité (ex. 01)."),
        rpps: str | None = typer.Option(None, "--rpps", help="N° RPPS, si le n° d'identification est un n° de "
                                        "facturation.")) -> None:
    new_id = prescribers.create_prescriber(state.context(), {"last_name": nom, "number": numero, "first_name": prenom,
                                                             "specialty": specialite, "rpps": rpps})
    console.print(f"Prescripteur n° {new_id} créé.")


@app_prescriber.command("edit", help="Modifie un prescripteur (seules les options données changent).")
@handle_errors
def edit(ref: str = REF,
         nom: str | None = typer.Option(None, "--nom", help="Nom."),
         numero: str | None = typer.Option(None, "--numero", help="N° d'identification."),
         prenom: str | None = typer.Option(None, "--prenom", help="Prénom (« » pour l'effacer)."),
         specialite: str | None = typer.Option(None, "--specialite", help="Code spécialité (« » pour l'effacer)."),
         rpps: str | None = typer.Option(None, "--rpps", help="N° RPPS (« » pour l'effacer).")) -> None:
    given = {"last_name": nom, "number": numero, "first_name": prenom, "specialty": specialite, "rpps": rpps}
    prescribers.edit_prescriber(state.context(), ref, {k: v for k, v in given.items() if v is not None})
    console.print("Prescripteur modifié.")


@app_prescriber.command("search", help="Cherche les prescripteurs dont le nom ou le prénom commence par ces lettres.")
@handle_errors
def search(debut: str = typer.Argument("", help="Premières lettres (vide : tous)."),
           desc: bool = typer.Option(False, "--desc", help="Ordre décroissant."), json_out: bool = JSON) -> None:
    rows = prescribers.search_prescribers(state.context(), debut, descending=desc)
    if json_out:
        print_json([prescriber_json(r) for r in rows])
        return
    table = Table("N°", "Nom", "Prénom", "Spécialité", "N° identification")
    for row in rows:
        table.add_row(str(row.id), row.last_name, row.first_name or "", specialty_label(row.specialty), _number(row))
    console.print(table)


@app_prescriber.command("show", help="Affiche un prescripteur.")
@handle_errors
def show(ref: str = REF, json_out: bool = JSON) -> None:
    row = prescribers.get_prescriber(state.context(), ref)
    if json_out:
        print_json(prescriber_json(row))
        return
    console.print(f"[bold]{row.last_name} {row.first_name or ''}[/] (n° {row.id})", highlight=False)
    console.print(f"  N° identification : {_number(row)}", highlight=False)
    if row.rpps:
        console.print(f"  N° RPPS : {row.rpps}", highlight=False)
    if row.specialty:
        console.print(f"  Spécialité : {specialty_label(row.specialty)}", highlight=False)


@app_prescriber.command("delete", help="Supprime un prescripteur.")
@handle_errors
def delete(ref: str = REF, oui: bool = typer.Option(False, "--oui", help="Ne pas demander de confirmation.")) -> None:
    ctx = state.context()
    row = prescribers.get_prescriber(ctx, ref)
    if not confirm(f"Supprimer le prescripteur {row.last_name} {row.first_name or ''} ?", oui):
        raise aborted()
    prescribers.delete_prescriber(ctx, row.id)
    console.print("Prescripteur supprimé.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(app_prescriber, name="prescriber")
