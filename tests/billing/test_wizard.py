"""The terminal wizard (``feuille invoice assistant``): the answers → document function, and the whole wizard
through the CLI on the manuals' demo data (user vmedecin, a titulaire GP)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from feuille.auth import Context
from feuille.billing import wizard_document as wd
from feuille.cli import invoices, wizard
from feuille.demo import load_demo
from feuille.errors import ValidationError
from tests.billing.support import CPS_MEDECIN, FakeReader

wizard.register(invoices.app_invoice)

DAY = date(2025, 1, 14)


# --- the pure part ------------------------------------------------------------------------------------------------

def test_minimal_document() -> None:
    doc = wd.build_document(wd.WizardAnswers(patient_id=3, invoice_date=DAY, acts=(wd.ActAnswer("c"),)))
    assert doc == {"date": "2025-01-14", "patient": {"id": 3}, "place": "cabinet",
                   "coverage": {"nature": "maladie", "exoneration": "0"}, "amc": None,
                   "payer": {"tp_amo": False, "tp_amc": False}, "tiers_payant": {"amo": False, "amc": False},
                   "acts": [{"code": "C"}]}


def test_full_document() -> None:
    answers = wd.WizardAnswers(
        patient_id=3, invoice_date=DAY, place="domicile", prescription_date=date(2025, 1, 10), prescriber_id=7,
        nature="maternite", nature_date=date(2024, 10, 17), exoneration="5", parcours="T",
        contract=wd.ContractAnswer(4, "02A", Decimal("100")), tp_amo=True, tp_amc=True,
        acts=(wd.ActAnswer("AMI", "1.5", 2, "3.15"), wd.FavouriteAnswer(9)),
        overrides=(wd.Override(0, amo="19.00"),), professional="001033901")
    assert wd.build_document(answers) == {
        "date": "2025-01-14", "patient": {"id": 3}, "place": "domicile", "professional": "001033901",
        "coverage": {"nature": "maternite", "exoneration": "5", "parcours": "T", "maternity_date": "2024-10-17"},
        "prescription": {"date": "2025-01-10", "prescriber": 7},
        "amc": {"formula": "02A", "percent": 100},
        "payer": {"tp_amo": True, "tp_amc": True, "amc_contract": 4}, "tiers_payant": {"amo": True, "amc": True},
        "acts": [{"code": "AMI", "coefficient": "1.5", "quantity": 2, "unit_price": "3.15"}, {"favourite": 9}],
        "overrides": [{"line": 0, "amo": "19.00"}]}


@pytest.mark.parametrize(("nature", "key", "value"), [
    ("at", "accident_date", "2023-03-07"), ("maternite", "maternity_date", "2023-03-07"),
    ("smg", "smg_amount", "200.00")])
def test_nature_fields(nature: str, key: str, value: str) -> None:
    answers = wd.WizardAnswers(patient_id=1, invoice_date=DAY, nature=nature, nature_date=date(2023, 3, 7),
                               smg_amount="200.00" if nature == "smg" else None, acts=(wd.ActAnswer("C"),))
    coverage = wd.build_document(answers)["coverage"]
    assert coverage[key] == value and coverage["nature"] == nature
    assert len([k for k in coverage if k.endswith("_date") or k == "smg_amount"]) == 1


def test_contract_amounts_and_tp_amc_needs_a_contract() -> None:
    fixed = wd.ContractAnswer(1, "021", Decimal("150"), Decimal("100"))
    assert wd.contract_amc(fixed) == {"amount": "100.00"}
    assert wd.contract_amc(wd.ContractAnswer(1, "021", Decimal("37.5"))) == {"formula": "021", "percent": "37.5"}
    assert wd.contract_amc(wd.ContractAnswer(1)) is None
    doc = wd.build_document(wd.WizardAnswers(patient_id=1, invoice_date=DAY, tp_amc=True, acts=(wd.ActAnswer("C"),)))
    assert doc["payer"]["tp_amc"] is False and doc["amc"] is None


def test_refusals() -> None:
    with pytest.raises(ValidationError) as caught:
        wd.build_document(wd.WizardAnswers(patient_id=1, invoice_date=DAY))
    assert caught.value.field == "acts" and "au moins un acte" in caught.value.message
    with pytest.raises(ValidationError):
        wd.build_document(wd.WizardAnswers(patient_id=1, invoice_date=DAY, place="jardin", acts=(wd.ActAnswer("C"),)))
    with pytest.raises(ValidationError):
        wd.build_document(wd.WizardAnswers(patient_id=1, invoice_date=DAY, nature="x", acts=(wd.ActAnswer("C"),)))


def test_with_overrides_merges_part_by_part() -> None:
    doc = {"acts": [{"code": "C"}], "overrides": [{"line": 0, "amo": "19.00"}]}
    out = wd.with_overrides(doc, [wd.Override(0, amc="4.00"), wd.Override(2, amo="1.00"), wd.Override(0, amo="18")])
    assert out["overrides"] == [{"line": 0, "amo": "18", "amc": "4.00"}, {"line": 2, "amo": "1.00"}]
    assert doc["overrides"] == [{"line": 0, "amo": "19.00"}]  # not changed in place
    assert "overrides" not in wd.with_overrides({"acts": []}, [])


def test_code_checks() -> None:
    assert wd.parse_exoneration("c") == "C" and wd.parse_exoneration("", "5") == "5"
    assert wd.parse_parcours("t") == "T" and wd.parse_parcours(" ") is None
    for junk in (None, "", "😴", object(), "x" * 300, "-1", "Q"):
        for parse in (wd.parse_exoneration, wd.parse_parcours):
            try:
                parse(junk)
            except ValidationError as error:
                assert error.message and error.field


# --- the wizard in the terminal -----------------------------------------------------------------------------------

@pytest.fixture
def demo(ctx: Context) -> Iterator[FakeReader]:
    load_demo(ctx)
    reader = FakeReader().insert(CPS_MEDECIN, pin=None)
    invoices.READER_FACTORY = lambda: reader
    yield reader
    invoices.READER_FACTORY = None


def lines(*answers: str) -> str:
    return "\n".join(answers) + "\n"


WIZARD = lines(
    "1", "DUR", "1",                   # patient: base patient, search « DUR », DURAND Denis
    "14/01/2025", "cabinet",           # date, place
    "n",                               # no prescription
    "1", "n", "", "n", "T", "oui",     # maladie, no ADC, exoneration by default, no ALD forcing, parcours T, MT
    "1", "o", "n",                     # his AMC contract, TP AMO, no TP AMC
    "favori", "1", "o",                # the favourite « Consultation » (GS), another act
    "zz!", "?AFLB001", "1",            # a bad code first, then AFLB001 found by its code, at the CCAM price:
    "", "1", "0", "", "", "", "1", "n",  # date, activity 1, phase 0, price, base, no modifier, association 1
    "n",                               # no specifics
    "o", "1", "19.00", "", "n",        # AMO of line 1 set to 19.00
    "o", "degrade", "1234",            # secure now, degraded mode, PIN
    "o", "CB", "1.00", "o", "especes", "",  # two payments: 1.00 by card, the rest in cash
    "n")


def test_wizard_end_to_end(demo: FakeReader, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("invoice", "assistant", input=WIZARD, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.stdout
    for text in ("Réaliser une facture", "DURAND Denis", "Nature de l'assurance", "Mutuelle", "Récapitulatif",
                 "Contrôle des taux fait : TP calculé", "sécurisée", "Paiement enregistré"):
        assert text in out, text
    assert re.search(r"du \d\d/\d\d/\d{4} : ", out) and not re.search(r"\d{4}-\d\d-\d\d", out)  # JJ/MM/AAAA
    assert "code : un code d'acte est attendu" in result.stderr
    shown = cli("invoice", "list", "--json", user="vmedecin")
    invoice = json.loads(shown.stdout)[0]
    assert invoice["state"] == "secured" and invoice["secure_mode"].startswith("degrade")
    assert [line["code"] for line in invoice["lines"]] == ["GS", "AFLB001"]
    assert invoice["lines"][0]["amo"] == "19.00"
    assert Decimal(invoice["totals"]["amc"]) > 0
    assert [p["means"] for p in invoice["payments"]] == ["cb", "especes"]
    assert invoice["balance"] == "0.00" and invoice["sendable"] is False
    assert demo.signed  # signed with the CPS


def test_wizard_goes_back_to_the_prescription(demo: FakeReader, cli) -> None:  # type: ignore[no-untyped-def]
    """A prescription after the invoice: the draft is refused, the wizard asks the prescription again."""
    answers = lines(
        "1", "ADR", "1", "14/01/2025", "",       # ADRDEUX Laurent (no AMC contract), at the practice
        "o", "20/01/2025", "ROY", "1", "",       # prescription of 20/01: after the invoice; no photo
        "1", "n", "", "n", "", "n",              # maladie, no ADC, care not related to his ALD, no TP AMO
        "G", "", "", "", "n", "", "n", "n",               # G, no specifics
        "o", "o", "10/01/2025", "ROY", "1", "",  # correct: prescription of 10/01 by ROY Patrick
        "n", "n", "n")                           # no change, do not secure, no payment
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "la prescription est postérieure" in result.stderr
    assert "Reprise de l'étape « prescription »" in result.stdout
    invoice = json.loads(cli("invoice", "list", "--json", user="vmedecin").stdout)[0]
    assert invoice["state"] == "priced" and invoice["number"] is None and invoice["totals"]["total"] == "30.00"


def test_wizard_from_the_vitale_card(demo: FakeReader, cli) -> None:  # type: ignore[no-untyped-def]
    from feuille.cards.port import BeneficiaryData, CardKind, VitaleCardData
    from feuille.practice.demo_patients import DESMAUX_CARD

    demo.vitale = VitaleCardData(serial="V1", kind=CardKind.VITALE, insured_nir="2550699999999 34",
                                 beneficiaries=(BeneficiaryData(dict(DESMAUX_CARD)),))
    answers = lines("2", "1", "14/01/2025", "", "n", "1", "n", "", "n", "",  # card, 1st beneficiary, maladie
                    "0", "n",                                      # not her AMC contract, no TP AMO
                    "G", "", "", "", "o", "", "E", "n", "40.00", "o", "",  # G: E, 40.00, entente, no MD
                    "n", "4", "05/01/2025",                        # the entente asked at « Spécificités »
                    "n", "n", "n", "n")
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "DESMAUX" in result.stdout
    invoice = json.loads(cli("invoice", "list", "--json", user="vmedecin").stdout)[0]
    assert invoice["lines"][0]["total"] == "40.00" and invoice["lines"][0]["base"] == "30.00"
    assert "Entente préalable demandée par l'acte G" in result.stdout


def test_act_details_shape_the_contract_fields() -> None:
    from feuille.billing import wizard_acts as wa

    details = wa.ActDetails(day=date(2025, 1, 13), qualifier="A", total="80.00", activity="4", phase="0",
                            association="2", modifiers=("F", "P"))
    assert details.document(DAY) == {"date": "2025-01-13", "qualifier": "A", "total": "80.00", "activity": "4",
                                     "phase": "0", "association": "2", "modifiers": ["F", "P"]}
    assert wa.ActDetails(day=DAY).document(DAY) == {}  # the invoice's own date is not repeated
    doc = wd.build_document(wd.WizardAnswers(patient_id=1, invoice_date=DAY, acts=(
        wd.ActAnswer("AFLB001", details=wa.ActDetails(activity="1", phase="0", association="1")),)))
    assert doc["acts"] == [{"code": "AFLB001", "activity": "1", "phase": "0", "association": "1"}]
    assert wa.is_ccam("aflb001") and not wa.is_ccam("AMI") and not wa.is_ccam("AFLB01")
    assert wa.parse_qualifier("e") == "E" and wa.parse_qualifier("") is None and wa.parse_activity(" 4") == "4"
    assert wa.parse_association("") is None and wa.parse_phase("0") == "0" and wa.parse_modifier("f") == "F"
    assert wa.parse_modifier("") is None


def test_allowances_typed_after_an_act() -> None:
    from feuille.billing import wizard_acts as wa

    assert wa.parse_allowance("ifd", ["IFD"]) == "IFD" and wa.parse_allowance("", ["IFD"]) is None
    assert wa.parse_allowance("sans", ["MD"]) is None
    assert wa.parse_kilometres("12") == 12 and wa.parse_kilometres("") is None and wa.parse_kilometres("0") is None
    for junk in ("MD", "IK", "x"):
        with pytest.raises(ValidationError) as caught:
            wa.parse_allowance(junk, ["IFD"])
        assert caught.value.code == "allowance"
    for junk in ("-3", "1000", "2.5", "douze"):
        with pytest.raises(ValidationError):
            wa.parse_kilometres(junk)


@pytest.mark.parametrize(("parse", "junk"), [
    ("parse_qualifier", "X"), ("parse_qualifier", "EE"), ("parse_activity", "5"), ("parse_association", "9"),
    ("parse_phase", "12"), ("parse_phase", "a"), ("parse_modifier", "FF"), ("parse_modifier", "!"),
])
def test_act_details_junk_is_refused_in_french(parse: str, junk: str) -> None:
    from feuille.billing import wizard_acts as wa

    with pytest.raises(ValidationError) as caught:
        getattr(wa, parse)(junk)
    assert caught.value.field.startswith("acts.") and " : " in caught.value.message


def test_wizard_asks_a_refused_code_again_and_checks_the_act_fields(demo: FakeReader, cli) -> None:  # type: ignore[no-untyped-def]
    """The machine checks each act field with the tables: an infirmier's code, a CCAM code the table lacks and a
    modifier a GP cannot choose are refused in French and asked again; the line's fields typed are billed."""
    answers = lines(
        "1", "ADR", "1", "14/01/2025", "domicile", "n",   # ADRDEUX Laurent, at home, no prescription
        "1", "n", "", "n", "", "n",                       # maladie, no ADC, no ALD, parcours, no TP AMO
        "AMI", "VG", "1,5", "0", "2", "", "n", "MD", "", "o",  # AMI refused; VG × 1.5 (quantity 0 refused), MD
        "ZZZZ999", "aflb001", "", "1", "0", "", "",       # a code the CCAM table lacks, then AFLB001
        "U", "F", "", "2", "n",                           # modifier U refused, F; association 2; no other act
        "n", "n", "n", "n")                               # no specifics, no change, do not secure, no payment
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    errors = result.stderr
    for refusal in ("Erreur : code : l'acte AMI n'est pas autorisé pour un médecin.",
                    "Erreur : quantité : un nombre de 1 à 99 est attendu.",
                    "Acte CCAM « ZZZZ999 » absent de la table CCAM active.",
                    "Erreur : modificateur : le modificateur U ne s'applique pas à ce professionnel"):
        assert refusal in errors, refusal
    assert "Modificateurs autorisés : " in result.stdout and "AFLB001 : " in result.stdout
    invoice = json.loads(cli("invoice", "list", "--json", user="vmedecin").stdout)[0]
    assert [(line["code"], line["quantity"]) for line in invoice["lines"]] == [("VG", 2), ("MD", 1), ("AFLB001", 1)]
    assert invoice["lines"][0]["total"] == "90.00"  # VG 30.00 × coefficient 1.5 × 2
