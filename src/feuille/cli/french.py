"""Typer prints a few words of its own (panel titles, the --help line, usage errors); users read French.

Typer exposes no translation hook, so we set its module-level strings once, at import, and write the
usage errors ourselves (``usage_error``). The names touched are checked at start-up: if a Typer upgrade
renames them we fail loudly in tests rather than silently showing English. Questions asked at the
terminal go through ``confirm`` (« o », « oui », « n », « non »), never ``typer.confirm`` (``[y/N]``).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from typing import Any

import typer
from typer._click import exceptions as click_exceptions


def either(values: list[str] | tuple[str, ...]) -> str:
    """« a, b ou c »: the choices an option or a question allows, as a French sentence says them."""
    items = [str(v) for v in values]
    return ", ".join(items[:-1]) + " ou " + items[-1] if len(items) > 1 else "".join(items)


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


USAGE_PREFIX = "Utilisation : "
SUBCOMMAND_METAVAR = "COMMANDE [ARGUMENTS]..."


def install() -> None:
    """Patch Typer's few English words; the help panels' strings only when a help is first printed (importing
    ``typer.rich_utils`` costs half the start-up of ``feuille version``)."""
    _french_usage_line()
    _french_help_option()
    _strings_on_first_help()


def _install_strings() -> None:
    import typer.rich_utils as rich_utils

    for name, text in _STRINGS.items():
        if not hasattr(rich_utils, name):
            raise RuntimeError(f"typer.rich_utils.{name} is gone: update feuille.cli.french")
        setattr(rich_utils, name, text)


def _strings_on_first_help() -> None:
    from typer import core

    for cls in (core.TyperCommand, core.TyperGroup):
        original = cls.format_help
        if getattr(original, "french", False):
            continue

        def format_help(self: Any, ctx: Any, formatter: Any, _original: Callable[..., Any] = original) -> Any:
            _install_strings()
            return _original(self, ctx, formatter)

        format_help.french = True  # type: ignore[attr-defined]
        cls.format_help = format_help  # type: ignore[method-assign]


def _french_help_option() -> None:
    try:
        from typer._click import decorators
    except ImportError:  # older Typer on plain click: nothing to patch there
        return
    original: Callable[..., Any] = decorators.help_option
    if getattr(original, "french", False):
        return

    def help_option(param_decls: list[str]) -> Callable[..., Any]:
        apply = original(param_decls)

        def decorate(command: Any) -> Any:
            result = apply(command)
            command.params[-1].help = "Affiche cette aide et quitte."
            return result

        return decorate

    help_option.french = True  # type: ignore[attr-defined]
    decorators.help_option = help_option


def _french_usage_line() -> None:
    """The help's first line says « Utilisation : » (click writes "Usage: " unless told otherwise)."""
    from typer._click.formatting import HelpFormatter

    write_usage = HelpFormatter.write_usage
    if getattr(write_usage, "french", False):
        return

    def french_usage(self: HelpFormatter, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    french_usage.french = True  # type: ignore[attr-defined]
    HelpFormatter.write_usage = french_usage  # type: ignore[method-assign]


# --- yes / no ---------------------------------------------------------------------------------------------------
YES_WORDS = frozenset({"o", "oui", "y", "yes"})
NO_WORDS = frozenset({"n", "non", "no"})


def parse_yes_no(text: str, default: bool) -> bool | None:
    """« o »/« oui » -> True, « n »/« non » -> False, empty -> ``default``, anything else -> None."""
    word = unicodedata.normalize("NFKC", text).strip().lower()
    if not word:
        return default
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def confirm(question: str, default: bool = False) -> bool:
    """Ask a yes/no question in French (``[o/N]``) until the answer is one; end of input aborts."""
    choices = "[O/n]" if default else "[o/N]"
    while True:
        answer = typer.prompt(f"{question} {choices}", default="", show_default=False)
        chosen = parse_yes_no(str(answer), default)
        if chosen is not None:
            return chosen
        typer.echo("Répondez « o » (oui) ou « n » (non).", err=True)


# --- usage errors ---------------------------------------------------------------------------------------------------
def _hint(error: click_exceptions.BadParameter) -> str:
    if error.param_hint is not None:
        hint = error.param_hint
        return " / ".join(hint) if not isinstance(hint, str) else hint
    if error.param is not None:
        if error.param.param_type_name == "argument":
            return str(getattr(error.param, "metavar", None) or str(error.param.name).upper())
        return " / ".join(error.param.opts) or str(error.param.name)
    return "un paramètre"


_EXTRA = re.compile(r"Got unexpected extra arguments? \((.*)\)", re.S)
_NO_COMMAND = re.compile(r"No such command '(.*)'", re.S)
_NEEDS_VALUE = re.compile(r"Option '?(-[^' ]+)'? requires (an argument|\d+ arguments)")
_NO_VALUE = re.compile(r"Option '?(-[^' ]+)'? does not take a value")


def usage_message(error: click_exceptions.ClickException) -> str:
    """The French text of a command-line usage error (never click's English)."""
    if isinstance(error, click_exceptions.NoSuchOption):
        return f"option inconnue : {error.option_name}."
    if isinstance(error, click_exceptions.MissingParameter):
        if error.param is not None and error.param.param_type_name == "argument":
            return f"argument obligatoire manquant : {_hint(error)}."
        return f"option obligatoire manquante : {_hint(error)}."
    if isinstance(error, click_exceptions.BadParameter):
        return f"valeur invalide pour {_hint(error)}."
    message = error.message
    for pattern, template in ((_EXTRA, "argument en trop : {}."), (_NO_COMMAND, "commande inconnue : « {} »."),
                              (_NEEDS_VALUE, "l'option {} attend une valeur."),
                              (_NO_VALUE, "l'option {} ne prend pas de valeur.")):
        found = pattern.match(message)
        if found:
            return template.format(found.group(1))
    if message.startswith("Missing command"):
        return "commande manquante."
    return "ligne de commande invalide."


def usage_error(error: click_exceptions.ClickException) -> int:
    """Print a usage error in French on stderr, with the help hint; return its exit code."""
    ctx = getattr(error, "ctx", None)
    text = f"Erreur : {usage_message(error)}"
    if ctx is not None:
        text += f"\nAide : {ctx.command_path} --help"
    print(text, file=sys.stderr)
    return error.exit_code


def aborted() -> None:
    print("Abandon.", file=sys.stderr)
