"""Root of the command tree: groups are imported only when one of them runs (fast ``--help``).

``names.GROUPS`` lists the top-level groups with their one-line help; ``FeuilleGroup`` lists them from that
table and imports a group's module (sqlalchemy, pydantic, the services...) only when it is asked for
something else than a listing. Its ``main`` is the one place where every failure becomes French text and an
exit code: usage errors, domain errors, and anything unexpected (``failures.report``: a short reference,
the details in the log file).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer import core as typer_core
from typer._click import exceptions as click_exceptions
from typer._click.core import Command, Context
from typer._coercion import PassThroughRuntimeParam

from feuille import __version__
from feuille.cli import french, names
from feuille.cli.state import state

french.install()

_LOADED: dict[str, Command] = {}


def _import(module: str) -> Any:
    return importlib.import_module(f"feuille.cli.{module}")


def _attribute(path: str) -> Any:
    module, attr = path.split(".")
    return getattr(_import(module), attr)


def french_names(command: Command) -> Command:
    """Rename a loaded command tree to the French names (the English ones stay reachable as aliases)."""
    for param in command.params:
        if param.param_type_name == "argument" and param.name in names.ARGUMENTS and not param.metavar:
            param.metavar = names.ARGUMENTS[param.name]
    commands = getattr(command, "commands", None)
    if isinstance(commands, dict):
        command.subcommand_metavar = french.SUBCOMMAND_METAVAR  # type: ignore[attr-defined]
        renamed = {}
        for key, sub in commands.items():
            name = names.normalise(key)
            sub.name = name
            renamed[name] = french_names(sub)
        command.commands = renamed  # type: ignore[attr-defined]
    return command


def load(group: names.Group) -> Command:
    """Import a group's modules and build its click command (once per process)."""
    if group.name not in _LOADED:
        for module, function, typer_path in group.extras:
            getattr(_import(module), function)(_attribute(typer_path))
        holder = typer.Typer(add_completion=False)
        _import(group.module).register(holder)
        built = typer.main.get_command(holder)
        # Typer gives a lone command itself, not a group holding it.
        command = getattr(built, "commands", {}).get(group.registered, built)
        command.name = group.name
        _LOADED[group.name] = french_names(_plain_values(command))
    return _LOADED[group.name]


_BY_NAME = {group.name: group for group in names.GROUPS}


def _taken_as_given(params: Sequence[Any]) -> None:
    """Typer coerces every value through pydantic, imported on first use (a third of the start-up): plain text
    and flags are taken as given (click has parsed them already: pydantic would return them unchanged)."""
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and descriptor.annotation in (str, bool):
            param._runtime_param = PassThroughRuntimeParam(parameter_info=descriptor.parameter_info,
                                                           annotation=descriptor.annotation)


def _plain_values(command: Command, ctx: Context | None = None) -> Command:
    """Take the text and flag values of a loaded tree as click parsed them (see ``_taken_as_given``), its
    ``--help`` flags too (made now, as click would on first use: with ``ctx``, whose help names every command
    inherits): a command whose parameters are all text or flags (``tarifer FILE --lignes``, which scripts call)
    never imports pydantic; other types (integers, dates, choices, optional values) are still checked by it."""
    _taken_as_given(command.params)
    if ctx is not None:
        _taken_as_given([option for option in [command.get_help_option(ctx)] if option is not None])
    for sub in getattr(command, "commands", {}).values():
        _plain_values(sub, ctx)
    return command


class PlainCommand(typer_core.TyperCommand):
    """A root command whose only option is ``--help`` (``version``): no pydantic to start it."""

    def get_help_option(self, ctx: Context) -> Any:
        option = super().get_help_option(ctx)
        _taken_as_given([option])
        return option


class FeuilleGroup(typer_core.TyperGroup):
    """The root group: lazy sub-groups, French names with English aliases, one handler for every failure."""

    _listing = False

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.subcommand_metavar = french.SUBCOMMAND_METAVAR
        _taken_as_given(self.params)

    def get_help_option(self, ctx: Context) -> Any:
        option = super().get_help_option(ctx)
        _taken_as_given([option])
        return option

    def list_commands(self, ctx: Context) -> list[str]:
        return [*self.commands, *_BY_NAME]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        group = _BY_NAME.get(cmd_name)
        if group is None:
            return None
        if self._listing:  # the help listing: the table's line, no import
            return typer_core.TyperCommand(name=group.name, help=group.help, hidden=group.hidden)
        return _plain_values(load(group), ctx)

    def format_help(self, ctx: Context, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        """Run the command; every way it can end becomes an exit code and, on failure, French text."""
        try:
            result = super().main(args=args, prog_name=prog_name or "feuille", complete_var=complete_var,
                                  standalone_mode=False, **extra)
        except click_exceptions.NoArgsIsHelpError as error:  # the help was printed when it was raised
            sys.exit(error.exit_code)
        except click_exceptions.ClickException as error:
            sys.exit(french.usage_error(error))
        except typer.Abort:
            french.aborted()
            sys.exit(1)
        except (typer.Exit, SystemExit):
            raise
        except Exception as error:  # the one place an unexpected error is caught: see failures.report
            from feuille.cli import failures

            sys.exit(failures.report(error))
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    name="feuille",
    cls=FeuilleGroup,
    help="feuille : facturation SESAM-Vitale libre pour les professionnels de santé.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"], "token_normalize_func": names.normalise},
)


@app.callback()
def _root(
    utilisateur: str = typer.Option(None, "--utilisateur", "-u", envvar="FEUILLE_USER",
                                    help="Identifiant de l'utilisateur qui agit (défaut : admin)."),
    base: str = typer.Option(None, "--base", envvar="FEUILLE_DATABASE_URL",
                             help="URL de la base de données (défaut : SQLite dans le dossier utilisateur)."),
) -> None:
    state.user = utilisateur
    state.database_url = base


@app.command("version", cls=PlainCommand, help="Affiche la version de feuille.")
def version() -> None:
    typer.echo(f"feuille {__version__}")


def main() -> None:
    typer.main.get_command(app).main(prog_name="feuille")
