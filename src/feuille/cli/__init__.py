"""The ``feuille`` command: a thin Typer shell over the services (French for users)."""

from __future__ import annotations

from feuille.cli.app import app, main

__all__ = ["app", "main"]
