"""CLI group ``feuille suivi`` (issue 13): its commands are added by the returns work."""

from __future__ import annotations

import typer

HELP = "Suivi des facturations : état des factures télétransmises, rapprochement, rejets et leur traitement."
app = typer.Typer(help=HELP, no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="suivi")
