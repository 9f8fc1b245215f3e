"""CLI group ``feuille operations`` (issue 13): its commands are added by the returns work."""

from __future__ import annotations

import typer

HELP = "Opérations ponctuelles : paiements non liés à une facture et retenues, avec leur détail."
app = typer.Typer(help=HELP, no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="operations")
