"""CLI group ``feuille virements`` (issue 13): its commands are added by the returns work."""

from __future__ import annotations

import typer

HELP = "Suivi des virements : virements des organismes, détail des factures payées, mouvements financiers."
app = typer.Typer(help=HELP, no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="virements")
