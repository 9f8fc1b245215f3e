"""Run the ``feuille`` command in-process against a test database."""

from __future__ import annotations

from dataclasses import dataclass

from typer.testing import CliRunner

from feuille.cli import app
from feuille.cli.common import state


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


class Cli:
    def __init__(self, url: str, user: str = "admin") -> None:
        self.url = url
        self.user = user
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None, user: str | None = None) -> Result:
        state._db = None
        result = self.runner.invoke(app, ["--base", self.url, "-u", user or self.user, *args], input=input,
                                    catch_exceptions=False)
        if state._db is not None:
            state._db.dispose()
            state._db = None
        return Result(result.exit_code, result.stdout, result.stderr)
