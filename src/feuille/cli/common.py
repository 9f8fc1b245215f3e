"""What every command shares: the context, French error output, JSON printing, reading a document.

Imports stay light (no sqlalchemy, no services): every command module imports this one, and ``feuille
--help`` must not pay for the database.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from feuille.cli import french
from feuille.cli.state import CliState, state
from feuille.errors import FeuilleError, ValidationError

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["CliState", "aborted", "confirm", "console", "err_console", "errors_to_exit", "fail",
           "handle_errors", "print_json", "read_document", "state"]


def fail(error: FeuilleError) -> typer.Exit:
    """Print a domain error in French on stderr (every field problem when there are several)."""
    err_console.print("Erreur :", style="bold red", end=" ")
    problems = error.problems
    if len(problems) > 1:
        err_console.print(f"{len(problems)} problèmes :", markup=False, emoji=False, highlight=False)
        for problem in problems:
            err_console.print(f"  - {problem.message}", markup=False, emoji=False, highlight=False)
    else:
        err_console.print(error.message, markup=False, emoji=False, highlight=False)
    return typer.Exit(code=error.exit_code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into a French message on stderr and a non-zero exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except FeuilleError as error:
            raise fail(error) from None

    return wrapper


@contextmanager
def errors_to_exit() -> Iterator[None]:
    try:
        yield
    except FeuilleError as error:
        raise fail(error) from None


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "__dict__"):
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    raise TypeError(type(value).__name__)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n")


def read_file(source: Path | str, field: str = "FILE") -> bytes:
    """The bytes of a file named on the command line; a missing or unreadable one is refused in French."""
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"{field} : lecture impossible de {source} : fichier introuvable.",
                              code="file_not_found", field=field) from None
    except OSError as exc:
        raise ValidationError(f"{field} : lecture impossible de {source} ({exc.strerror or 'accès refusé'}).",
                              code="file_unreadable", field=field) from None


def read_document(source: str, field: str = "FILE") -> str:
    """The text of a file, or of standard input for ``-``: UTF-8 (a byte order mark is accepted), else refused.

    Read as bytes and decoded here, so a document that is not UTF-8 gets a French message rather than an
    error of the terminal's encoding.
    """
    if source == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    else:
        data = read_file(source, field)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = "l'entrée standard" if source == "-" else source
        raise ValidationError(f"{field} : {where} n'est pas un texte UTF-8 (octet {exc.start + 1} illisible) : "
                              "enregistrez le fichier en UTF-8.", code="file_encoding", field=field) from None


def aborted() -> typer.Exit:
    """What a refused confirmation says and returns (raise it): nothing was deleted."""
    err_console.print("Abandon : rien n'a été supprimé.")
    return typer.Exit(code=1)


def confirm(question: str, yes: bool) -> bool:
    """Ask before destroying something, unless ``--oui`` was given (French answers: o/oui/n/non)."""
    return yes or french.confirm(question, default=False)
