"""``feuille teletransmission …`` and ``feuille b2 lire``: French, JSON, junk options refused without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feuille.auth import Context
from tests.transmission.support import practice, secured


def test_the_whole_screen_from_the_command_line(ctx: Context, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    practice(ctx)
    invoice = secured(ctx)
    listed = cli("teletransmission", "a-envoyer", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [row["id"] for row in json.loads(listed.stdout)] == [invoice]
    shown = cli("teletransmission", "a-envoyer")
    assert "À télétransmettre" in shown.stdout and "1 facture(s) prête(s)" in shown.stdout
    lotted = cli("teletransmission", "mettre-en-lot", "--date", "15/01/2025", "--json")
    assert lotted.exit_code == 0, lotted.stderr
    assert json.loads(lotted.stdout)["lots"][0]["numero"] == "001"
    assert "Aucune facture à mettre en lot." in cli("teletransmission", "mettre-en-lot").stdout
    written = cli("teletransmission", "mettre-en-fichier")
    assert written.exit_code == 0 and "fichier 000001 écrit" in written.stdout
    lots = json.loads(cli("teletransmission", "lots", "--json").stdout)
    assert [(lot["lot"], lot["etat_lot"], lot["org_dest"]) for lot in lots] == [("001", "Fichier créé", "01 349")]
    detail = cli("teletransmission", "lot", str(lots[0]["id"]))
    assert "Lot 001 du 15/01/2025" in detail.stdout and "mise en fichier : Mis en Lot → Fichier créé" in detail.stdout
    assert cli("teletransmission", "lots", "--etat", "Lot expédié").stdout.strip() == "Aucun lot."


def test_settings_and_release(ctx: Context, cli) -> None:  # type: ignore[no-untyped-def]
    practice(ctx)
    invoice = secured(ctx)
    done = cli("teletransmission", "parametrer", "--blocage-automatique", "oui", "--delai-arl", "5")
    assert done.exit_code == 0, done.stderr
    settings = json.loads(cli("teletransmission", "parametres", "--json").stdout)
    assert settings["blocage_automatique"] is True and settings["delai_arl"] == 5 and settings["retention_scor"] == 90
    assert "0 facture(s) prête(s)" in cli("teletransmission", "a-envoyer").stdout
    released = cli("teletransmission", "debloquer", str(invoice))
    assert released.exit_code == 0 and "1 facture(s) débloquée(s)" in released.stdout


@pytest.mark.parametrize("args", [
    ("parametrer", "--delai-arl", "0"), ("parametrer", "--delai-arl", "abc"), ("parametrer", "--mode", "prod"),
    ("parametrer", "--regimes-actifs", "1,2"), ("parametrer", "--blocage-scor", "peut-être"),
    ("parametrer", "--centres-informatiques", "01349=1"), ("parametrer",), ("mettre-en-lot", "--date", "32/13/2025"),
    ("mettre-en-lot", "--date", "01/01/2999"), ("mettre-en-lot", "--date", ""),
    ("lots", "--etat", "envolé"), ("lot", "abc"), ("lot", "99"), ("lot", "-1"), ("debloquer", "x"),
    ("debloquer", "99"),
])
def test_junk_options_are_refused_in_french(ctx: Context, cli, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    refused = cli("teletransmission", *args)
    assert refused.exit_code in (2, 3, 6), (refused.stdout, refused.stderr)
    assert "Erreur" in refused.stderr and "Traceback" not in refused.stderr


def test_b2_read_decodes_a_written_file(ctx: Context, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    practice(ctx)
    secured(ctx)
    cli("teletransmission", "mettre-en-lot")
    cli("teletransmission", "mettre-en-fichier")
    from feuille.transmission import files
    path = tmp_path / "lot.b2"
    path.write_bytes(files.file_bytes(ctx, 1))
    read = cli("b2", "lire", str(path), "--json")
    assert read.exit_code == 0, read.stderr
    data = json.loads(read.stdout)
    assert data["valide"] and data["fichier"]["lots"][0]["header"]["lot_number"] == "001"
    assert cli("b2", "read", str(path)).exit_code == 0       # the English name, a hidden alias
    path.write_bytes(b"junk")
    junk = cli("b2", "lire", str(path))
    assert junk.exit_code == 2 and "non valide" in junk.stdout
    assert cli("b2", "lire", str(tmp_path / "absent")).exit_code == 2
