"""No traceback reaches a user: the examples of issue 16 (database errors, stdin not UTF-8, deep JSON, bad settings)
end with a French message and a stable exit code; an unexpected error prints a reference and logs the details."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feuille.auth import Context
from feuille.billing import drafts
from feuille.cli import app
from feuille.config import get_settings
from tests.billing.support import consultation, practice

TRACEBACK = "Traceback"


def test_deleting_a_patient_who_has_invoices_is_refused_in_french(ctx: Context, cli) -> None:  # type: ignore[no-untyped-def]
    ids = practice(ctx)
    drafts.create_draft(ctx, consultation())
    refused = cli("patient", "supprimer", str(ids.patient), "--oui")
    assert refused.exit_code == 4, refused.stderr
    assert "encore utilisé" in refused.stderr and TRACEBACK not in refused.stderr + refused.stdout
    assert cli("patient", "afficher", str(ids.patient)).exit_code == 0   # nothing was deleted


@pytest.mark.parametrize("command", [("patient", "afficher"), ("patient", "supprimer"), ("facture", "afficher"),
                                     ("amo", "afficher"), ("prescripteur", "afficher")])
def test_an_id_too_large_for_the_database(cli, command: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    refused = cli(*command, "9" * 30, "--oui" if command[1] == "supprimer" else "--json")
    assert refused.exit_code in (2, 3), refused.stderr
    assert refused.stderr.startswith("Erreur :") and TRACEBACK not in refused.stderr


def test_standard_input_that_is_not_utf8(cli) -> None:  # type: ignore[no-untyped-def]
    refused = cli("tarifer", "-", input=b'{"date": "2025-01-14", "x": "\xe9t\xe9"}')  # Latin-1
    assert refused.exit_code == 2 and "n'est pas un texte UTF-8" in refused.stderr


def test_json_nested_very_deep(cli) -> None:  # type: ignore[no-untyped-def]
    refused = cli("tarifer", "-", input="[" * 100_000 + "]" * 100_000)
    assert refused.exit_code == 2 and "trop imbriqué" in refused.stderr


def test_a_json_file_with_a_byte_order_mark_is_read(ctx: Context, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    practice(ctx)
    source = tmp_path / "facture.json"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps(consultation()).encode())
    created = cli("facture", "creer", str(source))
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["state"] == "draft"
    priced = cli("tarifer", "-", input=b"\xef\xbb\xbf" + json.dumps({**consultation(), "patient": {
        "birth_date": "1942-01-01"}}).encode())
    assert "JSON invalide" not in priced.stderr


@pytest.mark.parametrize(("variable", "value", "words"), [
    ("FEUILLE_DATABASE_URL", "mysql://root@localhost/x", "FEUILLE_DATABASE_URL"),
    ("FEUILLE_DATABASE_URL", "n'importe quoi", "FEUILLE_DATABASE_URL"),
    ("FEUILLE_CARD_SESSION_MINUTES", "beaucoup", "FEUILLE_CARD_SESSION_MINUTES"),
    ("FEUILLE_CARD_SESSION_MINUTES", "-3", "FEUILLE_CARD_SESSION_MINUTES"),
])
def test_bad_settings_are_named_in_french(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                          words: str) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["patient", "liste"] if "DATABASE" in variable else ["carte", "etat"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "invalide" in result.stderr and TRACEBACK not in result.output


def test_a_database_that_cannot_be_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app, ["--base", "postgresql://personne@127.0.0.1:1/rien", "patient", "liste"])
    assert result.exit_code == 6 and "Base de données injoignable" in result.stderr


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "pas-une-base.db"
    junk.write_text("ceci n'est pas une base SQLite\n" * 100, encoding="utf-8")
    result = CliRunner().invoke(app, ["--base", f"sqlite:///{junk}", "patient", "liste", "x"])
    assert result.exit_code == 6 and "Base de données injoignable ou illisible" in result.stderr
    assert "Erreur inattendue" not in result.stderr


def test_an_invoice_id_beyond_the_database_integers_is_refused_before_any_query(cli) -> None:  # type: ignore[no-untyped-def]
    refused = cli("facture", "afficher", "99999999999")
    assert refused.exit_code == 2 and "numéro interne attendu (1 à 2147483647)" in refused.stderr


def test_an_unexpected_error_prints_a_reference_and_logs_the_details(cli, error_log: Path,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from feuille.cli import pricing

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("a defect of ours")

    monkeypatch.setattr(pricing, "price_document", broken)
    result = cli("tarifer", "-", input="{}")
    assert result.exit_code == 70
    assert "Erreur inattendue (référence " in result.stderr and str(error_log) in result.stderr.replace("\n", "")
    assert TRACEBACK not in result.stderr + result.stdout and "KeyError" not in result.stderr
    reference = result.stderr.split("référence ", 1)[1][:8]
    logged = error_log.read_text(encoding="utf-8")
    assert f"référence {reference}" in logged and "KeyError: 'a defect of ours'" in logged


def test_usage_errors_are_french(cli) -> None:  # type: ignore[no-untyped-def]
    for args, words in [(("facture", "nimporte"), "commande inconnue : « nimporte »"),
                        (("patient", "liste", "--pas-une-option"), "option inconnue : --pas-une-option"),
                        (("patient", "afficher"), "argument obligatoire manquant : PATIENT."),
                        (("patient", "afficher", "abc"), "valeur invalide pour"),
                        (("patient", "liste", "--limite"), "l'option --limite attend une valeur"),
                        (("facture", "payer", "3", "--montant", "1"), "option obligatoire manquante : --moyen")]:
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert words in result.stderr, (args, result.stderr)
        assert "Error" not in result.stderr and "Usage" not in result.stderr
