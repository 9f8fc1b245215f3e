"""What every command shares: the context, French error output, JSON printing."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from feuille.auth import Context, actor_for, bootstrap
from feuille.billing import install_guards
from feuille.config import get_settings
from feuille.errors import FeuilleError
from feuille.storage import Database

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class CliState:
    user: str | None = None
    database_url: str | None = None
    _db: Database | None = None

    def database(self) -> Database:
        if self._db is None:
            settings = get_settings()
            self._db = Database(self.database_url or settings.database_url)
            self._db.ensure_schema()
            bootstrap(self._db)
            install_guards()  # the rules billing puts on other areas (e.g. no deleting a professional who bills)
        return self._db

    def context(self) -> Context:
        db = self.database()
        return Context(db=db, actor=actor_for(db, self.user or get_settings().user))


state = CliState()


def fail(error: FeuilleError) -> typer.Exit:
    err_console.print("Erreur :", style="bold red", end=" ")
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


def aborted() -> typer.Exit:
    """What a refused confirmation says and returns (raise it): nothing was deleted."""
    err_console.print("Abandon : rien n'a été supprimé.")
    return typer.Exit(code=1)


def confirm(question: str, yes: bool) -> bool:
    """Ask before destroying something, unless ``--oui`` was given."""
    return yes or typer.confirm(question, default=False)
