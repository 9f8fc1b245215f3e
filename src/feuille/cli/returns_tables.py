"""What the transfer, one-off and report commands share: their common options, French amounts and dates in Rich
tables, and the choice between a table, ``--json`` and ``--csv FICHIER`` (through ``cli/export.py``, the one CSV
writer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import typer
from rich.table import Table

from feuille.cli.common import console, print_json
from feuille.money import format_euros_fr

JSON = typer.Option(False, "--json", help="Sortie JSON.")
CSV = typer.Option(None, "--csv", metavar="FICHIER", help="Écrit la liste en CSV dans ce fichier (« - » : sortie).")
DU = typer.Option(None, "--du", help="Début de la période (JJ/MM/AAAA ; défaut : il y a 30 jours).")
AU = typer.Option(None, "--au", help="Fin de la période (JJ/MM/AAAA ; défaut : aujourd'hui).")
ORGANISME = typer.Option(None, "--organisme", help="Seulement cet organisme payeur (ex. 01349000).")
LIMITE = typer.Option(None, "--limite", min=1, max=100_000, help="Nombre de lignes au plus.")


def euros(value: Decimal | None) -> str:
    """``1 234,56`` (no currency sign: the column says it)."""
    return "" if value is None else format_euros_fr(value).removesuffix(" €")


def day(value: date | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y}"


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]],
          right: Sequence[str] = ()) -> Table:
    """A Rich table; the columns named in ``right`` (amounts, counts) are right-aligned."""
    shown = Table(title=title)
    for column in columns:
        shown.add_column(column, justify="right" if column in right else "left")
    for row in rows:
        shown.add_row(*row)
    return shown


def show(items: Sequence[Any], *, json_out: bool, csv_file: str | None, csv_columns: Sequence[str],
         csv_row: Callable[[Any], Sequence[object]], json_data: Callable[[], Any],
         draw: Callable[[], None], empty: str) -> None:
    """The one way a list leaves a command: JSON, CSV to a file, or a table (``empty`` when there is nothing)."""
    if json_out:
        print_json(json_data())
        return
    if csv_file is not None:
        from feuille.cli import export  # only the commands that export load it

        export.write_csv(csv_file, csv_columns, [csv_row(item) for item in items])
        return
    if not items:
        console.print(empty)
        return
    draw()
