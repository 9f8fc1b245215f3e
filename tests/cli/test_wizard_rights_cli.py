"""``feuille invoice assistant`` starts from the patient record's rights (issue 9, items 5 and 6; issue 16, item 4):
the record's lines shown at the insurance step and kept in the invoice's trace, the C2S contract and its tiers
payant offered, a future billing date refused at the prompt, SMG secured in degraded mode only, exonération 2 not
offered. The CLI reads the real clock: the care of 14/01/2025 is more than a year old, hence the warning."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from feuille.auth import Context
from feuille.billing import state
from feuille.practice import amc_contracts, patients
from tests.billing.support import FakeReader
from tests.billing.test_wizard import demo, lines
from tests.cli.test_wizard_specifics_cli import last_invoice, said

__all__ = ["demo"]  # the fixture: the demo data and a reader holding the CPS of Dr MEDECIN
ACTS = ("G", "", "", "", "n", "", "n")  # G at the table's price, no details, no allowance, no other act


def c2s_patient(ctx: Context) -> tuple[int, int]:
    pid = patients.create_patient(ctx, {
        "last_name": "ZDROITS", "first_name": "Dora", "birth_date": "02/02/1980", "insured_nir": "2800275123456 26",
        "amo_regime": "01", "amo_caisse": "349", "amo_centre": "9881", "alsace_moselle": True,
        "periods": [{"kind": "service_amo", "code": "C2S", "start": "01/01/2025", "end": "31/12/2025"}]}).id
    contract = amc_contracts.add_amc_contract(ctx, pid, {"amc_name": "C2S (RO) régime obligatoire",
                                                         "amc_number": "99999997", "contract_type": "89",
                                                         "management": "unique"})
    return pid, contract


def test_the_wizard_starts_from_the_record(ctx: Context, demo: FakeReader, cli) -> None:  # type: ignore[no-untyped-def]
    pid, contract = c2s_patient(ctx)
    answers = lines(
        "1", "ZDR", "1", "14/01/2025", "", "n",   # the patient, date, at the practice, no prescription
        "1", "n", "", "n", "",                    # maladie, no ADC, exoneration offered, no ALD forcing, no IPS
        "", "", "",                               # the C2S contract offered, TP AMO and AMC offered
        *ACTS, "n",                               # G, no specifics
        "n", "n", "n")                            # no change, not secured now, no payment
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    out = said(result.stdout)
    assert "Droits du dossier patient : service AMO C2S du 01/01/2025 au 31/12/2025" in out
    assert "Droits du dossier patient : régime local Alsace-Moselle" in out
    assert "Bénéficiaire de la C2S" in out and "C2S (RO) régime obligatoire - C2S" in out
    row, doc = last_invoice(ctx)
    assert row.patient_id == pid and doc["payer"] == {"tp_amo": True, "tp_amc": True, "amc_contract": contract}
    assert doc["record_rights"]["coverage"] == {"service_amo": "C2S", "regime_local": True}
    assert doc["record_rights"]["complementary"]["contract_type"] == "89"
    assert str(row.due_by_patient) == "0.00"
    shown = json.loads(cli("invoice", "show", str(row.id), "--json").stdout)
    assert "Droits du dossier patient : service AMO C2S du 01/01/2025 au 31/12/2025" in shown["trace"]
    assert "plus de 365 jours" in said(result.stderr)


def test_a_future_date_then_smg_secured_in_degraded_mode_only(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli) -> None:
    ahead = date.today() + timedelta(days=10)
    answers = lines(
        "1", "DURAND", "1", f"{ahead:%d/%m/%Y}", "14/01/2025", "", "n",  # a date ahead refused, then 14/01/2025
        "4", "", "2", "", "",                     # SMG, amount 0, exoneration 2 refused then offered, no IPS
        "", "n", "n",                             # his ALMERYS contract, no TP
        *ACTS, "n",                               # G, no specifics
        "n", "o", "1234",                         # no change, secure now (degraded mode imposed), PIN
        "n")                                      # no payment
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    out, err = said(result.stdout), said(result.stderr)
    assert f"la date de facturation du {ahead:%d/%m/%Y} est postérieure à aujourd'hui ({date.today():%d/%m/%Y}" in err
    assert "réservée aux établissements de santé" in err
    assert "Mode de sécurisation : dégradé (imposé" in out
    assert "feuille facture feuille-de-soins" in err and "CNMSS" in err
    row, doc = last_invoice(ctx)
    assert doc["coverage"]["nature"] == "smg" and row.state == "secured" and row.secure_mode == "degrade"


def test_smg_in_a_sesam_vitale_mode_is_refused_through_the_cli(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli) -> None:
    doc: dict[str, Any] = {"date": "2025-01-14", "patient": {"nir": "1720369123045 87", "rank": 1},
                           "coverage": {"nature": "smg", "smg_amount": "0.00"}, "acts": [{"code": "G"}]}
    created = cli("invoice", "create", "-", input=json.dumps(doc), user="vmedecin")
    assert created.exit_code == 0, created.stderr
    ref = str(json.loads(created.stdout)["id"])
    assert cli("invoice", "check", ref, user="vmedecin").exit_code == 0
    refused = cli("invoice", "secure", ref, "--mode", "synchronise", "--pin", "1234", user="vmedecin")
    assert refused.exit_code == 2 and f"feuille facture feuille-de-soins {ref}" in said(refused.stderr)
    assert dict(state.document(last_invoice(ctx)[0]).content)["coverage"]["nature"] == "smg"
    assert last_invoice(ctx)[0].state == "priced"
