"""CLI group ``feuille ccam``: import the CCAM table, search it like the manual, show an act."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from feuille.catalog import ccam
from feuille.cli.common import console, err_console, handle_errors, print_json, state
from feuille.errors import NotFoundError, ValidationError
from feuille.money import format_euros_fr
from feuille.nomenclature.ccam import fold

ccam_app = typer.Typer(help="CCAM : import de la table des actes, recherche (code, mots, mot-clé), consultation.",
                       no_args_is_help=True)

ACTIVITIES = {"1": "1° activité chir/méd", "2": "2° autre intervenant", "3": "3° autre intervenant",
              "4": "4° anesthésiste", "5": "5° circulation extracorporelle"}


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ValidationError(f"Date « {text} » illisible (attendu JJ/MM/AAAA).", code="date", field="date")


def _fr_int(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _euros(value: Any) -> str:
    return "—" if value is None else format_euros_fr(value)


@ccam_app.command("import", help="Importe une table CCAM (liste publiée par la CNAM en CSV, ou JSON nomensland) "
                                 "et remplace la table active en une seule transaction.")
@handle_errors
def import_command(
    fichier: Path = typer.Argument(None, help="Fichier CSV de la CNAM, ou dossier / fichier ccam_actes.json.gz.",
                                   show_default=False),
    format_: str = typer.Option(None, "--format", help="listing ou json (défaut : selon le nom du fichier)."),
    version: str = typer.Option(None, "--version", help="Version de la table (défaut : titre du fichier ; "
                                                        "78.10 pour le JSON)."),
    date_: str = typer.Option(None, "--date", help="Date d'application JJ/MM/AAAA (défaut : titre du fichier ; "
                                                   "dernière date d'effet pour le JSON)."),
    echantillon: bool = typer.Option(False, "--echantillon", help="Importe le petit échantillon livré avec feuille "
                                                                  "(démonstration, tests)."),
    json_out: bool = typer.Option(False, "--json", help="Sortie JSON."),
) -> None:
    if echantillon:
        fichier = ccam.sample_ccam_path()
    if fichier is None:
        raise ValidationError("Indiquez le fichier CCAM à importer (ou --echantillon).", code="ccam_file",
                              field="fichier")
    applicable = _parse_date(date_)
    ctx = state.context()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=json_out) as bar:
        task = bar.add_task(f"Lecture de {fichier.name}…", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, description="Écriture des actes", completed=done, total=total)

        summary = ccam.import_ccam(ctx, fichier, fmt=format_, version=version, applicable_from=applicable,
                                   progress=progress)
    if json_out:
        print_json(summary)
        return
    console.print(f"[green]Table CCAM version {summary.version}[/] (applicable au "
                  f"{summary.applicable_from:%d/%m/%Y}) importée depuis « {escape(summary.source_file)} » : "
                  f"{_fr_int(summary.acts)} actes, {_fr_int(summary.prices)} tarifs, "
                  f"{_fr_int(summary.modifiers)} modificateurs autorisés, {_fr_int(summary.keywords)} mots-clés.",
                  highlight=False)
    if summary.replaced_version:
        console.print(f"Elle remplace la version {summary.replaced_version}.", highlight=False)


def _acts_table(acts: list[ccam.ActSummary]) -> Table:
    table = Table("Code", "Libellé", "")
    for act in acts:
        table.add_row(act.code, escape(act.label), "non pris en charge" if act.not_covered else "")
    return table


@ccam_app.command("search", help="Recherche des actes : par début de code (AFL), par mots du libellé "
                                 "(« inj péridurale »), ou par mot-clé (« Péri »).")
@handle_errors
def search_command(
    texte: str = typer.Argument(..., help="Début du code, mots du libellé, ou début du mot-clé."),
    mode: str = typer.Option("auto", "--mode", help="code, mots ou motcle (défaut : code si le texte ressemble "
                                                    "à un code, mots sinon)."),
    limite: int = typer.Option(50, "--limite", help="Nombre maximal de résultats."),
    json_out: bool = typer.Option(False, "--json", help="Sortie JSON."),
) -> None:
    ctx = state.context()
    mode = mode.strip().lower().replace("-", "").replace("é", "e")
    if mode == "motcle":
        keywords = ccam.search_keywords(ctx, texte, limit=limite)
        exact = next((k for k in keywords if fold(k) == fold(texte)), None)
        acts = ccam.acts_for_keyword(ctx, exact, limit=limite) if exact else []
        if json_out:
            print_json({"mots_cles": keywords, "mot_cle": exact, "actes": acts})
            return
        if not keywords:
            console.print(f"Aucun mot-clé ne commence par « {escape(texte)} ».", highlight=False)
            return
        console.print(f"Mots-clés commençant par « {escape(texte)} » : " + ", ".join(keywords), highlight=False)
        if exact:
            console.print(f"Actes du mot-clé « {exact} » :", highlight=False)
            console.print(_acts_table(acts))
        return
    acts = ccam.search(ctx, texte, mode, limit=limite)
    if json_out:
        print_json(acts)
        return
    if not acts:
        console.print(f"Aucun acte CCAM trouvé pour « {escape(texte)} ».", highlight=False)
        return
    console.print(_acts_table(acts))


@ccam_app.command("show", help="Affiche un acte : libellé, tarifs par activité et phase, modificateurs.")
@handle_errors
def show_command(
    code: str = typer.Argument(..., help="Code CCAM (7 caractères, par exemple AFLB001)."),
    json_out: bool = typer.Option(False, "--json", help="Sortie JSON."),
) -> None:
    act = ccam.get_act(state.context(), code)
    if json_out:
        print_json(act)
        return
    console.print(f"[bold]{act.code}[/] {escape(act.label)}", highlight=False)
    flags = [text for present, text in ((act.not_covered, "non pris en charge"),
                                        (act.prior_agreement, "accord préalable"),
                                        (act.reimbursement_conditions, "remboursement sous conditions"))
             if present]
    details = [f"table CCAM {act.version}", f"regroupement {act.grouping or '—'}", f"exo. TM {act.exo_tm or '—'}"]
    console.print(" · ".join(details + flags), highlight=False)
    console.print(f"Modificateurs autorisés : {', '.join(act.modifiers) or 'aucun'}", highlight=False)
    table = Table("Activité", "Phase", "Secteur 1 / OPTAM", "Hors secteur 1", "Depuis")
    for price in act.prices:
        table.add_row(ACTIVITIES.get(price.activity, price.activity), price.phase, _euros(price.sector1),
                      _euros(price.non_sector1), f"{price.valid_from:%d/%m/%Y}" if price.valid_from else "")
    console.print(table)


@ccam_app.command("version", help="Affiche la table CCAM active : version, date d'application, import.")
@handle_errors
def version_command(json_out: bool = typer.Option(False, "--json", help="Sortie JSON.")) -> None:
    info = ccam.current_version(state.context())
    if info is None:
        raise NotFoundError("Aucune table CCAM importée (feuille ccam importer FICHIER, ou --echantillon).",
                            code="ccam_none")
    if json_out:
        print_json(info)
        return
    console.print(f"Table CCAM version {info.version}, applicable au {info.applicable_from:%d/%m/%Y} : "
                  f"{_fr_int(info.act_count)} actes, importée le {info.imported_at:%d/%m/%Y à %H:%M} par "
                  f"{info.imported_by} depuis « {escape(info.source_file)} » ({info.source_format}).", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(ccam_app, name="ccam")
