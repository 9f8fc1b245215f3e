"""`feuille mutuelle conventions …` and the AMC organism's DRE options (`feuille amc ajouter --dre …`): French
output, JSON, junk refused with its exit code and nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feuille.storage.models import AmcConvention, AmcOrganism
from tests.cli.test_professionals_cli import flat, rows

AMC = "1100000000"


def test_amc_organism_dre_options(cli: Any) -> None:
    missing = cli("amc", "ajouter", "--nom", "Mut", "--numero", AMC, "--type-contrat", "01", "--dre", "oui")
    assert missing.exit_code == 2 and "Adresse DRE : obligatoire" in flat(missing.stderr)
    unique = cli("amc", "ajouter", "--nom", "Mut", "--numero", AMC, "--type-contrat", "01", "--gestion", "unique",
                 "--dre", "oui", "--adresse-dre", f"{AMC}@amc.rss.fr")
    assert unique.exit_code == 2 and "gestion unique ne reçoit pas de DRE" in flat(unique.stderr)
    assert rows(cli, AmcOrganism) == 0
    added = cli("amc", "ajouter", "--nom", "Mut Test CNDA", "--numero", AMC, "--type-contrat", "01", "--dre", "oui",
                "--adresse-dre", f"{AMC}@amc.rss.fr", "--numero-prefectoral", AMC, "--json")
    assert added.exit_code == 0, added.stderr
    view = json.loads(added.stdout)
    assert (view["dre_accepted"], view["routing"], view["prefectoral_number"]) == (True, "dre", AMC)
    shown = cli("amc", "afficher", str(view["id"])).stdout
    assert "DRE acceptées : oui" in shown and "Part AMC : DRE à l'adresse de la complémentaire" in flat(shown)
    assert cli("amc", "modifier", str(view["id"]), "--dre", "non").exit_code == 0
    assert json.loads(cli("amc", "liste", "--json").stdout)[0]["routing"] == "aucune"


def test_conventions_commands(cli: Any, tmp_path: Path) -> None:
    empty = cli("mutuelle", "conventions", "lister")
    assert empty.exit_code == 0 and "Aucune convention dans l'annuaire" in flat(empty.stdout)
    csv = tmp_path / "conventions.csv"
    csv.write_text("id_signataire;libelle_signataire;type_convention;critere_secondaire;numero_amc;libelle_amc;dre;"
                   f"pec_obligatoire;demo\n{AMC};Zz1;CM;T;{AMC};MUT TEST CNDA;oui;oui;oui\n", encoding="utf-8")
    imported = cli("mutuelle", "conventions", "importer", str(csv))
    assert imported.exit_code == 0 and "1 ajoutée(s), 0 mise(s) à jour" in flat(imported.stdout)
    again = cli("mutuelle", "conventions", "importer", str(csv), "--json")
    assert json.loads(again.stdout) == {"created": 0, "updated": 0, "unchanged": 1}
    added = cli("mutuelle", "conventions", "ajouter", "--signataire", AMC, "--type", "CM", "--numero-amc", AMC,
                "--critere", "U", "--dre", "non", "--json")
    assert added.exit_code == 0, added.stderr
    dup = cli("mutuelle", "conventions", "ajouter", "--signataire", AMC, "--type", "CM", "--numero-amc", AMC,
              "--critere", "U")
    assert dup.exit_code == 4 and "déjà dans l'annuaire" in flat(dup.stderr)
    listed = json.loads(cli("mutuelle", "conventions", "lister", "--numero-amc", AMC, "--json").stdout)
    assert [(c["secondary_criterion"], c["dre"], c["demo"]) for c in listed] == [("T", True, True),
                                                                                  ("U", False, False)]
    found = json.loads(cli("mutuelle", "conventions", "chercher", AMC, "--type", "cm", "--critere", "t",
                           "--json").stdout)
    assert found["total"] == 1 and found["conventions"][0]["signatory_label"] == "Zz1"
    shown = cli("mutuelle", "conventions", "chercher", AMC)
    assert "2 convention(s) pour le n° 1100000000 (page 1/1)" in flat(shown.stdout)


def test_conventions_junk(cli: Any, tmp_path: Path) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02")
    refused = cli("mutuelle", "conventions", "importer", str(junk))
    assert refused.exit_code == 2 and "n'est pas un fichier texte CSV" in flat(refused.stderr)
    absent = cli("mutuelle", "conventions", "importer", str(tmp_path / "absent.csv"))
    assert absent.exit_code == 2 and "introuvable" in flat(absent.stderr)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"id_signataire;type_convention;numero_amc\n{AMC};C M!;{AMC}\n;;\n", encoding="utf-8")
    lines = cli("mutuelle", "conventions", "importer", str(bad))
    assert lines.exit_code == 2 and "ligne 2 : Type de convention" in flat(lines.stderr)
    assert rows(cli, AmcConvention) == 0
    for args in (["chercher", "ABC!"], ["chercher", AMC, "--page", "0"], ["chercher", AMC, "--type", "é"],
                 ["ajouter", "--type", "CM"], ["lister", "--numero-amc", "x" * 30]):
        result = cli("mutuelle", "conventions", *args)
        assert result.exit_code == 2 and result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
