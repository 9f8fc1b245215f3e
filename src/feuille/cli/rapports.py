"""CLI group ``feuille rapports`` (issue 13): its commands are added by the returns work."""

from __future__ import annotations

import typer

HELP = "Rapports : attendu et payé par organisme, ancienneté des impayés, part sécurisée en SESAM-Vitale."
app = typer.Typer(help=HELP, no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="rapports")
