"""``feuille invoice …`` end to end, with the fake card reader plugged into the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feuille.auth import Context, actor_for
from feuille.cli import app, invoices
from feuille.cli.common import state
from feuille.storage import Database
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.conftest import fixed_clock

root = app   # the whole command: the English names these tests type are its hidden aliases


class Run:
    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> tuple[int, str, str]:
        state._db = None
        result = self.runner.invoke(root, ["--base", self.url, "-u", "admin", "invoice", *args], input=input,
                                    catch_exceptions=False)
        if state._db is not None:
            state._db.dispose()
            state._db = None
        return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def run(db_url: str) -> Iterator[Run]:
    database = Database(db_url)
    practice(Context(db=database, actor=actor_for(database, "admin"), clock=fixed_clock))
    database.dispose()
    yield Run(db_url)
    invoices.READER_FACTORY = None


def test_cli_full_flow(run: Run, tmp_path: Path) -> None:
    reader = FakeReader()
    invoices.READER_FACTORY = lambda: reader
    code, out, err = run("create", "-", input=json.dumps(consultation(
        acts=[{"code": "C", "total": "123.80", "qualifier": "E"}], overrides=[{"line": 0, "amo": "10.00"}])))
    assert code == 0, err
    draft = json.loads(out)
    assert draft["state"] == "draft" and draft["lines"][0]["total"] == "123.80"
    ref = str(draft["id"])
    code, _, err = run("secure", ref, "--mode", "synchronise")
    assert code == 6 and "vérifiez d'abord les taux" in err
    assert run("check", ref, "--json")[0] == 0
    reader.insert(CPS_MEDECIN, VITALE_ESSAI, pin=None)
    code, _, err = run("secure", ref, "--mode", "synchronise")
    assert code == 6 and "Code porteur non vérifié" in err
    code, out, err = run("secure", ref, "--mode", "synchronise", "--pin", "1234", "--json")
    assert code == 0, err
    assert json.loads(out)["number"] == 2  # number 1 was drawn for the signing the card refused: kept unused
    code, out, _ = run("unused-numbers", "--json")
    [unused] = json.loads(out)
    assert code == 0 and unused["number"] == 1 and "Code porteur non vérifié" in unused["reason"]
    assert "Raison" in run("unused-numbers")[1]
    assert run("pay", ref, "--means", "CB", "--amount", "110.00", "--json")[0] == 0
    code, out, _ = run("pay", ref, "--means", "cheque", "--amount", "4", "--json")
    shown = json.loads(out)
    assert shown["balance"] == "-0.20" and shown["balance_warnings"] == ["le solde patient est négatif (-0.20)."]
    code, out, _ = run("show", ref, "--json")
    assert json.loads(out)["state"] == "secured"
    code, out, _ = run("list", "--json")
    assert [v["id"] for v in json.loads(out)] == [draft["id"]]
    code, out, _ = run("verify", ref)
    assert code == 0 and "2 signature(s) valide(s)" in out  # the CPS, the Vitale card
    code, _, err = run("delete", ref, "--oui")
    assert code == 6 and "immuable" in err
    code, out, err = run("cancel", ref, "--oui", "--json")
    assert code == 0, err
    assert json.loads(out)["credit_of"] == draft["id"] and json.loads(out)["totals"]["total"] == "-123.80"


def test_cli_desynchronised_degraded_and_errors(run: Run, tmp_path: Path) -> None:
    reader = FakeReader()
    invoices.READER_FACTORY = lambda: reader
    ids = []
    for _ in range(2):
        code, out, err = run("create", "-", input=json.dumps(consultation()))
        ids.append(str(json.loads(out)["id"]))
        assert run("check", ids[-1])[0] == 0
    reader.insert(CPE_SECRETAIRE, VITALE_ESSAI)
    code, out, err = run("secure", ids[0], "--mode", "desynchronise", "--json")
    assert code == 0 and json.loads(out)["state"] == "partly_secured", err
    code, _, err = run("finalise", ids[0])
    assert code == 5 and "CPE" in err
    reader.insert(CPS_MEDECIN)
    assert run("finalise", ids[0], "--json")[0] == 0
    code, out, _ = run("secure", ids[1], "--mode", "degrade", "--json")
    assert json.loads(out)["sendable"] is False
    sheet = tmp_path / "fds.pdf"
    sheet.write_bytes(b"%PDF-1.4\n%%EOF")
    code, out, err = run("attach", ids[1], str(sheet), "--json")
    assert code == 0 and json.loads(out)["sendable"] is True, err
    code, _, err = run("create", "-", input="{")
    assert code == 2 and "JSON invalide" in err
    code, _, err = run("create", str(tmp_path / "absent.json"))
    assert code == 2 and "introuvable" in err
    code, _, err = run("create", "-", input=json.dumps(consultation(coverage={"nature": "maternite"})))
    assert code == 2 and "assurance, date de maternité" in " ".join(err.split())
    code, _, err = run("show", "999")
    assert code == 3
    invoices.READER_FACTORY = None
    code, _, err = run("secure", ids[1], "--mode", "synchronise")
    assert code != 0 and err


def test_cli_create_for_the_beneficiary_of_the_vitale_card(run: Run) -> None:
    from feuille.cards.port import BeneficiaryData, CardKind, VitaleCardData
    from tests.practice.test_patients import DESMAUX_CARD

    card = VitaleCardData(serial="VIT-D", kind=CardKind.VITALE, insured_nir="2550699999999 34",
                          beneficiaries=(BeneficiaryData(dict(DESMAUX_CARD)),))
    reader = FakeReader(vitale=card)
    invoices.READER_FACTORY = lambda: reader
    code, out, err = run("create", "-", "--vitale", "1", input=json.dumps(consultation(patient=None)))
    assert code == 0, err
    created = json.loads(out)
    code, _, err = run("create", "-", "--vitale", "3", input=json.dumps(consultation(patient=None)))
    assert code == 2 and "bénéficiaire" in err
    reader.insert(CPS_MEDECIN, card)
    assert run("check", str(created["id"]))[0] == 0
    code, out, err = run("secure", str(created["id"]), "--mode", "synchronise", "--json")
    assert code == 0 and json.loads(out)["number"] == 1, err


def test_deleting_a_draft_that_carries_payments_asks_first_and_says_what_becomes_of_them(run: Run) -> None:
    code, out, err = run("create", "-", input=json.dumps(consultation()))
    assert code == 0, err
    ref = str(json.loads(out)["id"])
    assert run("pay", ref, "--means", "especes", "--amount", "10,50")[0] == 0
    code, out, _ = run("delete", ref, input="n\n")
    assert code == 1
    assert "porte 1 paiement(s) du patient, 10,50 € en tout" in out and "restent enregistrés" in out
    assert json.loads(run("show", ref, "--json")[1])["state"] == "draft"   # « non »: nothing deleted
    code, out, _ = run("delete", ref, input="o\n")
    assert code == 0 and f"Facture {ref} supprimée." in out
    shown = json.loads(run("show", ref, "--json")[1])
    assert shown["state"] == "deleted" and shown["payments"][0]["amount"] == "10.50"


def test_deleting_a_draft_without_payments_asks_the_plain_question(run: Run) -> None:
    code, out, err = run("create", "-", input=json.dumps(consultation()))
    assert code == 0, err
    ref = str(json.loads(out)["id"])
    code, out, _ = run("delete", ref, input="non\n")
    assert code == 1 and f"Supprimer la facture {ref} ?" in out and "paiement" not in out


def test_show_reads_dates_as_jj_mm_aaaa(run: Run) -> None:
    code, out, err = run("create", "-", input=json.dumps(consultation()))
    assert code == 0, err
    ref = str(json.loads(out)["id"])
    assert run("pay", ref, "--means", "CB", "--amount", "5")[0] == 0
    shown = run("show", ref)[1]
    assert re.search(r"Facture \d+ \(sans numéro\) du \d\d/\d\d/\d{4} : ", shown)
    assert re.search(r"Paiement CB de 5\.00 le \d\d/\d\d/\d{4}", shown)
    assert not re.search(r"\d{4}-\d\d-\d\d", shown)
