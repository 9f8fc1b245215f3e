"""Importing billing registers nothing: the application installs its guards at start-up."""

from __future__ import annotations

import subprocess
import sys

PROBE = ("import feuille.billing.drafts, feuille.billing.securing\n"
         "from feuille.practice import professionals as p\n"
         "before = 'factures en attente' in p._DELETION_BLOCKERS\n"
         "feuille.billing.install_guards(); feuille.billing.install_guards()\n"
         "print(before, list(p._DELETION_BLOCKERS).count('factures en attente'))\n")


def test_guards_only_when_installed_and_once() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "1"]
