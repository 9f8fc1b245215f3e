"""The invoice wizard calls ADRi per the professional's policy (ciblé by default: the record's AMO rights are not
open), shows the « Choix informations AMO » and takes what the user chooses; the policy itself, unit by unit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from feuille.auth import Context
from feuille.domain.professionals import AdriMode
from feuille.practice import amc_contracts, patients
from feuille.rights.policy import should_call
from tests.billing.support import CPS_MEDECIN, FakeReader
from tests.billing.test_wizard import demo, lines
from tests.cli.test_wizard_rights_cli import ACTS
from tests.cli.test_wizard_specifics_cli import said
from tests.rights.test_lookup import connect
from tests.support.adri import Pki, RunningAdri, serve_adri

__all__ = ["demo"]
OPEN = [{"kind": "droits_amo", "start": date(2020, 1, 1), "end": None}]


@pytest.mark.parametrize(("mode", "apcv", "periods", "asked", "expected"), [
    (AdriMode.MANUEL, False, [], False, False), (AdriMode.MANUEL, False, [], True, True),
    (AdriMode.CIBLE, False, OPEN, False, False), (AdriMode.CIBLE, False, [], False, True),
    (AdriMode.CIBLE, False, [{"kind": "droits_amo", "start": date(2020, 1, 1), "end": date(2024, 1, 1)}], False,
     True),
    (AdriMode.SYSTEMATIQUE, False, OPEN, False, True), (AdriMode.MANUEL, True, OPEN, False, True)])
def test_policy(mode: AdriMode, apcv: bool, periods: list[dict[str, object]], asked: bool, expected: bool) -> None:
    assert should_call(mode, apcv=apcv, periods=periods, day=date(2025, 1, 15), asked=asked) is expected


@pytest.fixture
def open_adri(tmp_path: Path, adri_pki: Pki) -> Iterator[RunningAdri]:
    """No card directory: the in-memory reader's CPS key is not a provisioned card's."""
    with serve_adri(tmp_path / "caisse", None, adri_pki) as running:
        yield running


def test_the_wizard_asks_adri_when_the_record_has_no_rights(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli, open_adri: RunningAdri, tmp_path: Path) -> None:
    connect(ctx, open_adri, tmp_path)
    demo.insert(replace(CPS_MEDECIN, specialty="01"))  # PIN verified (a card agent's session in real use)
    pid = patients.create_patient(ctx, {
        "last_name": "BLANC", "first_name": "Sandrine", "birth_date": "08/02/1990",
        "insured_nir": "290022A004123 04", "amo_regime": "01", "amo_caisse": "349", "amo_centre": "9881",
        "periods": [{"kind": "service_amo", "code": "C2S", "start": "01/01/2025", "end": "31/12/2025"}]}).id
    amc_contracts.add_amc_contract(ctx, pid, {"amc_name": "C2S (RO) régime obligatoire", "amc_number": "99999997",
                                              "contract_type": "89", "management": "unique"})
    answers = lines(
        "1", "BLANC", "1", "rien", "tout", "14/01/2025", "", "n",  # the patient, a bad choice, then all of ADRi's
        "1", "n", "", "n", "",
        "", "", "",
        *ACTS, "n",
        "n", "n", "n")
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    out = said(result.stdout)
    assert "Interrogation du service ADRi" in out and "Choix informations AMO" in out
    assert "Informations reprises" not in out  # the wizard says nothing more: the record shows it
    assert "Choix « rien » inconnu" in said(result.stderr)
    stored = patients.get_patient(ctx, pid)
    assert (stored.values["amo_caisse"], stored.values["amo_proof"]) == ("999", "adri")
    assert any(p["kind"] == "droits_amo" for p in stored.periods)


def test_the_wizard_goes_on_when_adri_is_down(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli, open_adri: RunningAdri, tmp_path: Path) -> None:
    from feuille_sim.rights.service import write_fault

    connect(ctx, open_adri, tmp_path)
    demo.insert(replace(CPS_MEDECIN, specialty="01"))
    write_fault(open_adri.state_dir, "erreur")
    pid = patients.create_patient(ctx, {
        "last_name": "BLANC", "first_name": "Sandrine", "birth_date": "08/02/1990",
        "insured_nir": "290022A004123 04", "amo_regime": "01", "amo_caisse": "349", "amo_centre": "9881",
        "periods": [{"kind": "service_amo", "code": "C2S", "start": "01/01/2025", "end": "31/12/2025"}]}).id
    amc_contracts.add_amc_contract(ctx, pid, {"amc_name": "C2S (RO) régime obligatoire", "amc_number": "99999997",
                                              "contract_type": "89", "management": "unique"})
    answers = lines("1", "BLANC", "1", "14/01/2025", "", "n", "1", "n", "", "n", "", "", "", "", *ACTS, "n",
                    "n", "n", "n")
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Service ADRi indisponible" in said(result.stderr)
