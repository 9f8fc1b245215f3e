"""Typer prints a few words of its own (panel titles, the --help line); users read French.

Typer exposes no translation hook, so we set its module-level strings once, at import. The names
touched are checked at start-up: if a Typer upgrade renames them we fail loudly in tests rather
than silently showing English.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer.rich_utils as rich_utils

_STRINGS = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commandes",
    "ERRORS_PANEL_TITLE": "Erreur",
    "ABORTED_TEXT": "Abandon.",
    "REQUIRED_LONG_STRING": "[obligatoire]",
    "DEFAULT_STRING": "[défaut : {}]",
    "ENVVAR_STRING": "[variable d'environnement : {}]",
    "RICH_HELP": "Essayez [blue]'{command_path} {help_option}'[/] pour l'aide.",
}


def install() -> None:
    for name, text in _STRINGS.items():
        if not hasattr(rich_utils, name):
            raise RuntimeError(f"typer.rich_utils.{name} is gone: update feuille.cli.french")
        setattr(rich_utils, name, text)
    try:
        from typer._click import decorators
    except ImportError:  # older Typer on plain click: nothing to patch there
        return
    original: Callable[..., Any] = decorators.help_option

    def help_option(param_decls: list[str]) -> Callable[..., Any]:
        apply = original(param_decls)

        def decorate(command: Any) -> Any:
            result = apply(command)
            command.params[-1].help = "Affiche cette aide et quitte."
            return result

        return decorate

    decorators.help_option = help_option
