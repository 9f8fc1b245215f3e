"""``feuille scor supprimer`` (asks [o/N] unless --oui) and ``feuille scor remplacer``: a piece not sent yet."""

from __future__ import annotations

import json
from pathlib import Path

from feuille.auth import Context
from feuille.transmission import scor_pieces
from tests.billing.support import practice
from tests.support.cli import Cli
from tests.transmission import scor_samples as s
from tests.transmission.test_scor_pieces import PRESCRIPTION, secured


def test_replace_then_delete(cli: Cli, ctx: Context, tmp_path: Path) -> None:
    practice(ctx)
    invoice = secured(ctx, prescription=PRESCRIPTION)
    piece = scor_pieces.add_piece(ctx, invoice, "ordo.png", s.good_png(), "ordonnance").attachment_id
    scan = tmp_path / "propre.png"
    scan.write_bytes(s.good_png())
    replaced = cli("scor", "remplacer", str(invoice), str(piece), str(scan), "--json")
    assert replaced.exit_code == 0, replaced.stderr
    new = json.loads(replaced.stdout)
    assert (new["fichier"], new["etat_pj"]) == ("propre.png", "A CONTROLER")
    kept = cli("scor", "supprimer", str(invoice), str(new["piece"]), input="n\n")
    assert kept.exit_code == 1 and "[o/N]" in kept.stdout and "rien n'a été supprimé" in kept.stderr
    done = cli("scor", "supprimer", str(invoice), str(new["piece"]), input="o\n")
    assert done.exit_code == 0 and "(Ordonnance : MANQUANT)" in done.stdout, done.stderr
    gone = cli("scor", "supprimer", str(invoice), str(new["piece"]), "--oui")
    assert gone.exit_code == 3 and "introuvable" in gone.stderr
    junk = cli("scor", "remplacer", str(invoice), "abc", str(tmp_path / "absent.png"))
    assert junk.exit_code == 2 and "lecture impossible" in junk.stderr
