"""``feuille card …`` on SQLite and PostgreSQL: insert, status, remove, unblock, list, first-insertion registration."""

from __future__ import annotations

import json
from pathlib import Path

from feuille.auth import Context
from feuille.practice import professionals

PIN, PUK = "1234", "12345678"


def test_list(card_cli) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "list", "--json")
    assert result.exit_code == 0, result.stderr
    cards = {c["nom"]: c for c in json.loads(result.stdout)}
    assert cards["cps-firmier"]["porteur"] == "FIRMIER Alain" and cards["cps-firmier"]["essais_restants"] == 3
    assert cards["vitale-essai"]["type"] == "vitale"
    table = card_cli("card", "list")
    assert "2501000003" in table.stdout and "4001000002" in table.stdout


def test_insert_unknown_cps_registers_after_confirmation(card_cli) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "insert", "cps-firmier", "--pin", PIN, input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "Code porteur correct" in result.stdout
    assert "Première insertion" in result.stdout and "Infirmier" in result.stdout
    assert "Professionnel enregistré (titulaire) : FIRMIER Alain : 99610218 2" in result.stdout
    again = card_cli("card", "insert", "cps-firmier", "--pin", PIN)
    assert again.exit_code == 0 and "Professionnel connu" in again.stdout


def test_insert_unknown_cps_declined(card_cli, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "insert", "cps-medecin", "--pin", PIN, input="n\n")
    assert result.exit_code == 1
    assert "non enregistré" in result.stderr
    assert professionals.list_professionals(ctx) == []


def test_remplacant_card_registers_a_remplacant_with_its_warning(card_cli, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "insert", "cps-rempex", "--pin", PIN, "--oui")
    assert result.exit_code == 0, result.stderr
    assert "(remplaçant)" in result.stdout and "Attention" in result.stderr
    [pro] = professionals.list_professionals(ctx)
    assert (pro.last_name, pro.kind, pro.rpps, pro.billing_number, pro.from_card) == (
        "REMPEXMED0055789", "remplacant", "99700557897", "997005578", True)


def test_unknown_cps_without_pin_is_not_registered(card_cli, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "insert", "cps-firmier", "--oui")
    assert result.exit_code == 0
    assert "--pin" in result.stderr
    assert professionals.list_professionals(ctx) == []


def test_titulaires_and_remplacants_come_from_the_cards_seen(card_cli, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    for name in ("cps-firmier", "cps-medecin", "cps-rempex", "cps-firmier"):
        assert card_cli("card", "insert", name, "--pin", PIN, "--oui").exit_code == 0
    kinds = sorted((p.last_name, p.kind) for p in professionals.list_professionals(ctx))
    assert kinds == [("FIRMIER", "titulaire"), ("MEDECIN0043390", "titulaire"), ("REMPEXMED0055789", "remplacant")]


def test_cpe_is_not_registered(card_cli, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "insert", "cpe-secretaire", "--pin", PIN)
    assert result.exit_code == 0, result.stderr
    assert "CPE de SECRETAIRE Sophie" in result.stdout
    assert professionals.list_professionals(ctx) == []


def test_registration_needs_the_right(card_cli) -> None:  # type: ignore[no-untyped-def]
    card_cli("card", "insert", "cps-firmier", "--pin", PIN, "--oui")  # admin registers FIRMIER
    assert card_cli("user", "add", "sec", "--nom", "Secrétaire", "--role", "secretaire").exit_code == 0
    result = card_cli("card", "insert", "cps-medecin", "--pin", PIN, "--oui", user="sec")
    assert result.exit_code == 5, result.stderr


def test_wrong_pin_messages_and_block(card_cli, card_dir: Path) -> None:  # type: ignore[no-untyped-def]
    first = card_cli("card", "insert", "cps-firmier", "--pin", "0000")
    assert first.exit_code == 2
    assert "Code porteur erroné : 2 essais restants." in first.stderr
    second = card_cli("card", "insert", "cps-firmier", "--pin", "0000")
    assert "Code porteur erroné : 1 essai restant." in second.stderr
    third = card_cli("card", "insert", "cps-firmier", "--pin", "0000")
    assert third.exit_code == 6
    assert "Carte CPS bloquée : débloquez-la avec son code de déblocage." in third.stderr
    right = card_cli("card", "insert", "cps-firmier", "--pin", PIN)
    assert right.exit_code == 6 and "bloquée" in right.stderr
    status = json.loads(card_cli("card", "status", "--json").stdout)
    assert status["carte_professionnelle"]["bloquee"] is True
    assert "BLOQUÉE" in card_cli("card", "status").stdout


def test_unblock(card_cli) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        card_cli("card", "insert", "cps-firmier", "--pin", "0000")
    wrong = card_cli("card", "unblock", "cps-firmier", "--puk", "00000000", "--nouveau-pin", "4321")
    assert wrong.exit_code == 2 and "Code de déblocage erroné : 9 essais restants." in wrong.stderr
    bad = card_cli("card", "unblock", "cps-firmier", "--puk", "123", "--nouveau-pin", "4321")
    assert bad.exit_code == 2 and "Code de déblocage : 8 chiffres attendus." in bad.stderr
    done = card_cli("card", "unblock", "cps-firmier", "--puk", PUK, "--nouveau-pin", "4321")
    assert done.exit_code == 0, done.stderr
    assert "CPS de FIRMIER Alain débloquée" in done.stdout
    assert card_cli("card", "insert", "cps-firmier", "--pin", PIN).exit_code == 2
    assert card_cli("card", "insert", "cps-firmier", "--pin", "4321", "--oui").exit_code == 0


def test_vitale_card_lists_its_beneficiaries(card_cli) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "insert", "vitale-essai")
    assert result.exit_code == 0, result.stderr
    assert "3 bénéficiaires" in result.stdout
    for name in ("Alain", "Alexis", "Arthur", "6 - Enfant", "0 - Assuré"):
        assert name in result.stdout
    app = card_cli("card", "insert", "apcv-durand")
    assert "lue par QR code" in app.stdout and "DURAND" in app.stdout


def test_status_and_remove(card_cli) -> None:  # type: ignore[no-untyped-def]
    empty = card_cli("card", "status", "--json")
    assert json.loads(empty.stdout) == {"carte_professionnelle": None, "carte_vitale": None}
    card_cli("card", "insert", "cpe-secretaire")
    card_cli("card", "insert", "apcv-issner")
    status = json.loads(card_cli("card", "status", "--json").stdout)
    assert status["carte_professionnelle"]["type"] == "cpe"
    assert status["carte_vitale"]["lecture"] == "nfc"
    assert status["carte_vitale"]["beneficiaires"][0]["last_name"] == "ISSNER"
    text = card_cli("card", "status").stdout
    assert "CPE de SECRETAIRE Sophie" in text and "appli carte Vitale 4001000002" in text
    removed = card_cli("card", "remove", "vitale")
    assert removed.exit_code == 0 and "4001000002" in removed.stdout
    assert json.loads(card_cli("card", "status", "--json").stdout)["carte_vitale"] is None
    assert card_cli("card", "remove", "n'importe").exit_code == 2
    assert "2501000004" in card_cli("card", "remove").stdout
    assert "Aucune carte" in card_cli("card", "remove", "tout").stdout


def test_unknown_and_junk_cards(card_cli, card_dir: Path) -> None:  # type: ignore[no-untyped-def]
    unknown = card_cli("card", "insert", "cps-inconnue")
    assert unknown.exit_code == 3 and "introuvable" in unknown.stderr
    (card_dir / "cards" / "cassee.json").write_text("{pas du json")
    junk = card_cli("card", "insert", "cassee")
    assert junk.exit_code == 2 and "Carte « cassee » illisible : JSON invalide" in junk.stderr
    listed = card_cli("card", "list")
    assert listed.exit_code == 0 and "illisible" in listed.stdout
    (card_dir / "cards" / "cassee.json").write_text(json.dumps({"format": 1, "kind": "cps"}))
    missing = card_cli("card", "insert", "cassee")
    assert "champ « serial » manquant" in missing.stderr


def test_malformed_pin(card_cli) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "insert", "cps-firmier", "--pin", "12")
    assert result.exit_code == 2 and "Code porteur : 4 chiffres attendus." in result.stderr
    assert json.loads(card_cli("card", "status", "--json").stdout)["carte_professionnelle"]["essais_restants"] == 3


def test_card_dir_option(card_cli, card_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "--dossier", str(card_dir / "ailleurs"), "list")
    assert result.exit_code == 0 and "Aucune carte" in result.stdout


def test_choose_a_beneficiary_records_the_patient(card_cli, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    from feuille.practice import patients

    result = card_cli("card", "insert", "vitale-essai", "--beneficiaire", "3", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "Patient ESSAI Arthur enregistré" in result.stdout
    again = card_cli("card", "insert", "vitale-essai", "--beneficiaire", "3", "--oui")
    assert "mis à jour depuis la carte" in again.stdout
    [arthur] = patients.search_patients(ctx, "ESSAI")
    assert arthur.first_name == "Arthur"
    declined = card_cli("card", "insert", "vitale-desmaux", "--beneficiaire", "1", input="n\n")
    assert declined.exit_code == 1 and "non enregistré" in declined.stderr
    too_far = card_cli("card", "insert", "vitale-rdtbut", "--beneficiaire", "3", "--oui")
    assert too_far.exit_code == 2 and "la carte en compte 2" in too_far.stderr


def test_app_beneficiary_is_recorded_with_its_proof(card_cli, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    from feuille.practice import patients

    result = card_cli("card", "insert", "apcv-durand", "--beneficiaire", "1", "--oui")
    assert result.exit_code == 0, result.stderr
    [durand] = patients.search_patients(ctx, "DURAND")
    assert patients.get_patient(ctx, durand.id).amo_proof == "apcv"
