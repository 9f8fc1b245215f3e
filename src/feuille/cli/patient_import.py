"""``feuille patient importer``: patients from another software's CSV export, with a progress bar."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from feuille.cli.common import console, handle_errors, print_json, state
from feuille.domain.patients import FIELD_LABELS
from feuille.errors import ValidationError
from feuille.practice.patient_import import estimate_rows, import_patients_csv, parse_mapping


def import_command(
    fichier: Path = typer.Argument(..., help="Fichier CSV exporté par l'autre logiciel."),
    colonne: list[str] = typer.Option([], "--colonne", "-c",
                                      help="Correspondance champ=TITRE (ex. nom=NOM_PATIENT) ; répétable."),
    separateur: str = typer.Option(None, "--separateur", help="Séparateur (détecté sinon : ; , ou tabulation)."),
    encodage: str = typer.Option(None, "--encodage", help="Encodage (détecté sinon : UTF-8 ou Windows-1252)."),
    rapport: Path = typer.Option(None, "--rapport",
                                 help="Fichier des lignes refusées (défaut : FICHIER.refus.csv)."),
    strict: bool = typer.Option(False, "--strict", help="N'importe rien si une seule ligne est refusée."),
    essai: bool = typer.Option(False, "--essai", help="Vérifie tout le fichier sans rien enregistrer."),
    json_out: bool = typer.Option(False, "--json", help="Sortie JSON."),
) -> None:
    if not fichier.name:  # "" or "." : no file name to read (nor to name the report after)
        raise ValidationError(f"FICHIER : « {fichier} » n'est pas un fichier CSV.", code="file_not_found",
                              field="FICHIER")
    ctx = state.context()
    report_path = rapport or fichier.with_name(fichier.name + ".refus.csv")
    with Progress(TextColumn("Import des patients"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True, disable=json_out) as bar:
        task = bar.add_task("import", total=estimate_rows(fichier) if fichier.is_file() else None)
        result = import_patients_csv(ctx, fichier, mapping=parse_mapping(colonne), encoding=encodage,
                                     delimiter=separateur, report_path=report_path, strict=strict, dry_run=essai,
                                     progress=lambda done: bar.update(task, completed=done))
    if json_out:
        print_json({"importes": result.imported, "refuses": result.refused, "lignes": result.rows,
                    "essai": result.dry_run, "rapport": str(result.report_path) if result.report_path else None,
                    "correspondance": result.mapping})
        return
    table = Table("Champ feuille", "Colonne du fichier", title="Correspondance des colonnes")
    for field, title in result.mapping.items():
        table.add_row(FIELD_LABELS.get(field, "Clé du NIR"), title)
    console.print(table)
    verb = "seraient importés (essai, rien n'est enregistré)" if result.dry_run else "importés"
    console.print(f"[green]{result.imported}[/] patient(s) {verb} sur {result.rows} ligne(s).")
    if result.refused:
        console.print(f"[yellow]{result.refused}[/] ligne(s) refusée(s) : motifs dans {result.report_path}.")


def register(patient_app: typer.Typer) -> None:
    patient_app.command("import", help="Importe des patients depuis un fichier CSV (rapport des lignes refusées).")(
        handle_errors(import_command))
