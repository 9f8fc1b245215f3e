"""Every command, found in the click tree (not a hand list), fed junk arguments and junk standard input.

Each answers normally or refuses with a French message and a non-zero exit code; never a traceback, never
click's English, never the "unexpected error" of a defect (exit 70). A few Hypothesis examples per command
keep it bounded in time (the tree has about a hundred commands, each run on SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer._click.core import Command, Context
from typer.main import get_command

from feuille.cli import app


def leaves(command: Command, path: tuple[str, ...], parent: Context | None = None) -> list[tuple[tuple[str, ...],
                                                                                              Command]]:
    ctx = Context(command, info_name=path[-1] if path else "feuille", parent=parent)
    if not hasattr(command, "list_commands"):
        return [(path, command)]
    found = []
    for name in command.list_commands(ctx):  # type: ignore[attr-defined]
        sub = command.get_command(ctx, name)  # type: ignore[attr-defined]
        if sub is not None:
            found += leaves(sub, (*path, name), ctx)
    return found


COMMANDS = leaves(get_command(app), ())
#: Examples per command and database (FEUILLE_JUNK_EXAMPLES for a longer hunt).
EXAMPLES = int(os.environ.get("FEUILLE_JUNK_EXAMPLES", "4"))
ENGLISH = ("Traceback", "Error:", "Usage:", "Invalid value", "Missing ", "No such", "Got unexpected", "Aborted")

SPECIAL = ["-", "--json", "--oui", "0", "-1", "9" * 40, "1e999", "NaN", "inf", "é", "😴", "\udcff", "..",
           "/dev/null", "2025-02-30", "31/12/9999", "1,5", "Decimal('1.5')", "''", " ", "--", "-h"]


def junk_token() -> st.SearchStrategy[str]:
    return st.one_of(st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                             max_size=12),
                     st.integers(min_value=-(10 ** 30), max_value=10 ** 30).map(str),
                     st.integers(min_value=0, max_value=5).map(str),   # ids that may exist
                     st.sampled_from(SPECIAL))


def tokens(command: Command) -> st.SearchStrategy[str]:
    options = [opt for param in command.params for opt in getattr(param, "opts", ())
               if opt.startswith("-") and opt not in ("--help", "-h")]
    return st.one_of(junk_token(), st.sampled_from(options)) if options else junk_token()


def junk_input() -> st.SearchStrategy[bytes]:
    deep = st.integers(min_value=1, max_value=50_000).map(lambda n: b"[" * n + b"]" * n)
    return st.one_of(st.just(b""), st.binary(max_size=200), st.text(max_size=60).map(lambda t: t.encode("utf-8")),
                     st.text(st.characters(max_codepoint=255), max_size=60).map(lambda t: t.encode("latin-1")),
                     deep, st.just(json.dumps({"date": "2025-01-14", "acts": [{"code": "C"}]}).encode()))


def check(result: Any, args: list[str]) -> None:
    where = f"feuille {' '.join(args)!r}"
    assert result.exit_code != 70, f"{where}: unexpected error\n{result.stderr}"
    for word in ENGLISH:
        assert word not in result.stderr, f"{where}: {word!r} on stderr\n{result.stderr}"
    if result.exit_code != 0:
        assert any(word in result.stderr for word in ("Erreur", "Abandon")), f"{where}: {result.stderr!r}"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_junk_arguments_and_input(cli, path: tuple[str, ...], command: Command) -> None:  # type: ignore[no-untyped-def]
    # ``demo`` with good arguments loads the whole demo, ``serve`` serves until stopped: a positional junk word at
    # the end makes them refuse early.
    tail = ["junk"] if path in (("demo",), ("serve",)) else []

    # One junk value for each positional argument, so that the command gets past its parsing, then junk options.
    positional = st.tuples(*[junk_token() for param in command.params if param.param_type_name == "argument"])

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(positional, st.lists(tokens(command), max_size=4), junk_input())
    def run(arguments: tuple[str, ...], args: list[str], stdin: bytes) -> None:
        full = [*path, *arguments, *args, *tail]
        check(cli(*full, input=stdin), full)

    run()
