"""The patient, amo and amc commands: scriptable, JSON, French errors with non-zero exits and no row written."""

from __future__ import annotations

import json

import pytest

from feuille.storage import Database
from tests.practice.test_organisms import count
from tests.support.cli import Cli

ESSAI = ["--nom", "Essai", "--prenom", "Alain", "--naissance", "01/01/1942", "--nir", "1421962965165 96"]


def flat(text: str) -> str:
    return " ".join(text.split())


def _rows(cli: Cli) -> int:
    db = Database(cli.url)
    try:
        return count(db, "patients") + count(db, "amo_organisms") + count(db, "amc_organisms")
    finally:
        db.dispose()


def test_organism_lists(cli: Cli) -> None:
    result = cli("amo", "add", "--regime", "01", "--caisse", "349", "--centre", "9881", "--nom", "Flux CNAMTS CNDA",
                 "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["code"] == "01 349 9881"
    msa = cli("amo", "add", "--regime", "02", "--caisse", "349", "--centre", "0000", "--nom", "Flux MSA")
    assert msa.exit_code == 0
    listed = json.loads(cli("amo", "list", "--recherche", "msa", "--json").stdout)
    assert [o["name"] for o in listed] == ["Flux MSA"]
    assert cli("amo", "edit", "1", "--flux", "CNDA").exit_code == 0
    assert json.loads(cli("amo", "show", "1", "--json").stdout)["flux"] == "CNDA"
    assert cli("amo", "delete", "2", input="n\n").exit_code != 0
    assert cli("amo", "delete", "2", "--oui").exit_code == 0
    result = cli("amc", "add", "--nom", "ACORIS MUTUELLES", "--numero", "0780004099", "--type-contrat", "0",
                 "--tel", "08.10.00.10.20", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["phone"] == "0810001020"
    assert cli("amc", "edit", "1", "--email", "a@b.fr").exit_code == 0
    assert "ACORIS" in cli("amc", "list").stdout
    assert cli("amc", "delete", "1", "--oui").exit_code == 0
    assert "ACORIS" not in cli("amc", "list").stdout


@pytest.mark.parametrize(("args", "words"), [
    (["amo", "add", "--regime", "01", "--caisse", "349"], "Centre : champ obligatoire"),
    (["amo", "add", "--regime", "1", "--caisse", "349", "--centre", "9881"], "Régime"),
    (["amc", "add", "--nom", "X", "--type-contrat", "0"], "Numéro AMC : champ obligatoire"),
    (["amc", "add", "--nom", "X", "--numero", "1", "--type-contrat", "89"], "C2S"),
    (["patient", "add", *ESSAI[:-1], "1421962965165 97"], "NIR : la clé"),
    (["patient", "add", "--prenom", "Alain", "--naissance", "01/01/1942"], "Nom : champ obligatoire"),
    (["patient", "add", "--nom", "X", "--naissance", "30/02/2023"], "Date de naissance"),
    (["patient", "add", *ESSAI, "--amo", "42"], "Organisme AMO n° 42 inconnu"),
    (["patient", "add", *ESSAI, "--piece", "aucune"], "Taux de remboursement"),
    (["patient", "add", *ESSAI, "--service", "C2S:31/13/2024"], "Service AMO"),
])
def test_bad_input(cli: Cli, args: list[str], words: str) -> None:
    result = cli(*args)
    assert result.exit_code not in (0, None) and words in flat(result.stderr)
    assert _rows(cli) == 0


def test_patient_flow(cli: Cli) -> None:
    assert cli("amo", "add", "--regime", "01", "--caisse", "349", "--centre", "9881").exit_code == 0
    result = cli("patient", "add", *ESSAI, "--amo", "1", "--tel", "06 12 34 56 78", "--ik", "4",
                 "--droits", "01/01/2025:31/12/2025", "--service", "C2S:01/01/2025:31/12/2025",
                 "--couverture", "01/01/2025::4", "--at", "07/03/2023:020105342:01:013499881",
                 "--piece", "carte_papier", "--taux", "100_toutes", "--ald", "--json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["amo_regime"] == "01" and shown["phone"] == "0612345678" and shown["ald"] is True
    assert [p["kind"] for p in shown["periods"]] == ["droits_amo", "couverture", "service_amo"]
    assert shown["work_accidents"][0]["identifier"] == "020105342"
    duplicate = cli("patient", "add", *ESSAI)
    assert duplicate.exit_code == 4 and "déjà enregistré" in flat(duplicate.stderr)
    assert cli("patient", "add", "--nom", "Durand", "--prenom", "Denis", "--naissance", "03/03/1972").exit_code == 0
    found = json.loads(cli("patient", "list", "d", "--ordre", "desc", "--json").stdout)
    assert [p["last_name"] for p in found] == ["Durand"]
    found = json.loads(cli("patient", "search", "", "--ordre", "desc", "--json").stdout)
    assert [p["last_name"] for p in found] == ["Essai", "Durand"]
    assert "Essai" in cli("patient", "list", "al").stdout
    assert cli("patient", "edit", "2", "--prenom", "Denise", "--sans-periodes").exit_code == 0
    assert json.loads(cli("patient", "show", "2", "--json").stdout)["first_name"] == "Denise"
    assert "Essai Alain" in cli("patient", "show", "1").stdout
    assert cli("patient", "delete", "2", input="n\n").exit_code != 0
    assert cli("patient", "delete", "2", "--oui").exit_code == 0
    missing = cli("patient", "show", "2")
    assert missing.exit_code == 3 and "inconnu" in missing.stderr


def test_show_and_list_use_french_labels(cli: Cli) -> None:
    """Origin, rate, proof, exonération and periods under the labels of the domain tables, dates JJ/MM/AAAA."""
    result = cli("patient", "add", *ESSAI, "--droits", "01/01/2026:31/12/2026", "--service",
                 "C2S:01/01/2026:31/12/2026", "--couverture", "01/01/2026::4", "--piece", "carte_papier",
                 "--taux", "100_toutes", "--exoneration", "5")
    assert result.exit_code == 0, result.stderr
    shown = cli("patient", "show", "1").stdout
    lines = [flat(line) for line in shown.splitlines()]
    assert "Essai Alain (n° 1, saisi à la main)" in lines
    assert "Taux de remboursement : 100 % toutes prestations" in lines
    assert "Pièce justificative : Carte papier, consultation télématique" in lines
    assert "Exonération : 5 - Assuré ou bénéficiaire exonéré" in lines
    assert "Service AMO C2S du 01/01/2026 au 31/12/2026" in lines
    assert "Droits AMO du 01/01/2026 au 31/12/2026" in lines
    assert "Période de couverture à partir du 01/01/2026 (4 - ALD : soins conformes au protocole)" in flat(shown)
    assert "manual" not in shown and "100_toutes" not in shown and "service_amo" not in shown
    listed = cli("patient", "list", "ess").stdout
    assert "saisi à la main" in flat(listed) and "manual" not in listed


def test_show_gives_distances_in_french_and_only_when_set(cli: Cli) -> None:
    """« IK : 12,5 km » (a comma, the unit), and no « IK : 0.00 » line for a distance never typed."""
    assert cli("patient", "add", *ESSAI, "--ik", "12,50", "--iks", "3").exit_code == 0
    lines = [flat(line) for line in cli("patient", "show", "1").stdout.splitlines()]
    assert "IK : 12,5 km" in lines and "IKS : 3 km" in lines
    assert not any(line.startswith("IKM") for line in lines)
    assert not any("0.00" in line or "12.5" in line for line in lines)


def test_contract_show_gives_labels_not_codes(cli: Cli) -> None:
    """Pièce, Gestion, Date de référence under the manual's labels (domain.organisms), never the raw codes."""
    assert cli("patient", "add", *ESSAI).exit_code == 0
    assert cli("patient", "amc", "add", "1", "--nom", "ALMERYS", "--numero", "0098532001", "--piece", "attestation",
               "--gestion", "separee", "--date-reference", "prescription").exit_code == 0
    lines = [flat(line) for line in cli("patient", "amc", "show", "1").stdout.splitlines()]
    assert "Pièce : Attestation papier" in lines
    assert "Gestion : gestion séparée" in lines
    assert "Date de référence : Date de prescription" in lines
    shown = " ".join(lines)
    assert "attestation " not in shown.replace("Attestation", "") and "separee" not in shown
    assert ": prescription" not in shown


def test_patient_amc_commands(cli: Cli) -> None:
    assert cli("patient", "add", *ESSAI).exit_code == 0
    assert cli("amc", "add", "--nom", "ALMERYS", "--numero", "0098532001", "--type-contrat", "0").exit_code == 0
    result = cli("patient", "amc", "add", "1", "--organisme", "1", "--annee-en-cours", "--formule", "02A",
                 "--pourcentage", "100", "--critere", "001", "--convention", "AL", "--adherent", "75822319",
                 "--indicateur", "22", "--date-reference", "execution", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["label"].startswith("ALMERYS du 01/01/")
    bad = cli("patient", "amc", "add", "1", "--nom", "X", "--numero", "1", "--formule", "012")
    assert bad.exit_code == 2 and "Pourcentage" in bad.stderr
    assert cli("patient", "amc", "add", "1", "--nom", "Mut. Test CNDA", "--numero", "1100000000",
               "--montant", "100", "--ajouter-a-la-liste").exit_code == 0
    assert "Mut. Test CNDA" in cli("amc", "list").stdout
    assert cli("patient", "amc", "select", "1").exit_code == 0
    assert cli("patient", "amc", "duplicate", "1").exit_code == 0
    assert cli("patient", "amc", "edit", "3", "--adherent", "42").exit_code == 0
    listed = json.loads(cli("patient", "amc", "list", "1", "--json").stdout)
    assert [c["selected"] for c in listed] == [False, False, True] and listed[2]["adherent_number"] == "42"
    assert "sélectionnée" in cli("patient", "amc", "show", "3").stdout
    assert cli("patient", "amc", "delete", "3", "--oui").exit_code == 0
    assert len(json.loads(cli("patient", "amc", "list", "1", "--json").stdout)) == 2


def test_card_patient_cannot_change_identity_from_the_cli(cli: Cli) -> None:
    from feuille.auth import Context, actor_for
    from feuille.practice import patients
    from tests.practice.test_patients import DESMAUX_CARD

    db = Database(cli.url)
    try:
        patients.create_patient_from_card(Context(db, actor_for(db, "admin")), DESMAUX_CARD)
    finally:
        db.dispose()
    refused = cli("patient", "edit", "1", "--nom", "AUTRE")
    assert refused.exit_code == 2 and "Nom : non modifiable" in flat(refused.stderr)
    assert cli("patient", "edit", "1", "--tel", "0243000000").exit_code == 0
