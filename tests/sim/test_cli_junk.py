"""``feuille-sim`` with junk arguments: a French message and a usage exit code, never a traceback."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feuille_sim import cli

# servir, demarrer and arreter start or stop processes: their junk is tested through the subprocess tests.
COMMANDS = ["etat", "status", "avancer", "advance", "scenario", "panne", "certificat", "journal", "", "--help",
            "inconnue"]
OPTIONS = ["--json", "--limite", "--days", "--jours", "--mode", "--secondes", "--hote", "-x", "--", "erreur", "-1",
           "1e9"]
WORDS = st.text(alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]), max_size=12)


def run(argv: list[str], folder: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_argv, old_cwd = sys.argv, os.getcwd()
    sys.argv = ["feuille-sim", *argv]
    os.chdir(folder)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                cli.main()
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command=st.sampled_from(COMMANDS), rest=st.lists(st.one_of(st.sampled_from(OPTIONS), WORDS), max_size=5))
def test_junk_arguments_get_french_refusals(command: str, rest: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FEUILLE_SIM_DIR"] = str(Path(tmp) / "caisse")
        try:
            code, out, err = run([command, *rest] if command else rest, Path(tmp))
        finally:
            del os.environ["FEUILLE_SIM_DIR"]
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err + out and "Error" not in err and "Usage:" not in err
    if code == 2:
        assert err.strip() or "Utilisation" in out, "a refusal says why (or the help is shown)"
