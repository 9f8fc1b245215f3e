"""What the transfer, one-off and report commands share: their common options, French amounts and dates in Rich
tables, and the choice between a table, ``--json`` and ``--csv FICHIER`` (through ``cli/export.py``, the one CSV
writer)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import typer
from rich.table import Table

from feuille.cli.common import console, err_console, print_json
from feuille.cli.export import CSV_OPTION, Column, write_csv
from feuille.money import format_euros_fr

JSON = typer.Option(False, "--json", help="Sortie JSON.")
CSV = CSV_OPTION
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
          right: Sequence[str] = (), whole: Sequence[str] = ()) -> Table:
    """A Rich table; the columns named in ``right`` (amounts, counts) are right-aligned and, with those named in
    ``whole``, never wrapped (an amount cut in two reads as two amounts)."""
    shown = Table(title=title)
    for column in columns:
        shown.add_column(column, justify="right" if column in right else "left",
                         no_wrap=column in right or column in whole)
    for row in rows:
        shown.add_row(*row)
    return shown


def export(csv_file: str | None, rows: Iterable[Any], columns: Sequence[Column]) -> bool:
    """``--csv FICHIER`` when asked (the count told on the error stream); True when the CSV went to the standard
    output (``--csv -``): then nothing else is shown."""
    if csv_file is None:
        return False
    count = write_csv(csv_file, rows, columns)
    if csv_file == "-":
        return True
    err_console.print(f"{count} ligne(s) écrite(s) dans {csv_file}.", markup=False, highlight=False)
    return False


def show(items: Sequence[Any], *, json_out: bool, csv_file: str | None, csv_columns: Sequence[Column],
         json_data: Callable[[], Any], draw: Callable[[], None], empty: str) -> None:
    """The one way a list leaves a command: written to ``--csv FICHIER`` too when asked (only there for
    ``--csv -``), then as JSON or as a table (``empty`` when there is nothing)."""
    if export(csv_file, items, csv_columns):
        return
    if json_out:
        print_json(json_data())
        return
    if not items:
        console.print(empty)
        return
    draw()


__all__ = ["AU", "CSV", "DU", "JSON", "LIMITE", "ORGANISME", "Column", "day", "euros", "export", "show", "table"]
