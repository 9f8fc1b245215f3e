"""CLI group ``feuille noemie`` (issue 13): its commands are added by the returns work."""

from __future__ import annotations

import typer

HELP = "Retours NOEMIE : lecture d'un fichier, intégration, fichiers intégrés."
app = typer.Typer(help=HELP, no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="noemie")
