"""Commands of ``feuille noemie`` that integrate returns (issue 13): added by the integration work."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the integration commands to the ``noemie`` group (once)."""
    del app
