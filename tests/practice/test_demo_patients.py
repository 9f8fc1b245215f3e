"""The manuals' demo organisms and patients load, and loading twice changes nothing."""

from __future__ import annotations

from feuille.auth import Context
from feuille.practice import demo_patients, organisms, patients
from tests.practice.test_organisms import count

TABLES = ("patients", "amo_organisms", "amc_organisms", "patient_amc_contracts", "patient_periods", "audit_log")


def test_demo_is_idempotent(ctx: Context) -> None:
    demo_patients.load(ctx)
    first = {t: count(ctx.db, t) for t in TABLES}
    demo_patients.load(ctx)
    assert {t: count(ctx.db, t) for t in TABLES} == first
    assert first["patients"] == len(demo_patients.PATIENTS) + 1
    codes = {o.code for o in organisms.list_amo_organisms(ctx)}
    assert {"01 349 9881", "01 999 9999", "02 349 0000"} <= codes
    assert "ACORIS MUTUELLES" in {o.name for o in organisms.list_amc_organisms(ctx)}
    names = {f"{p.last_name} {p.first_name}" for p in patients.search_patients(ctx, "", limit=100)}
    assert {"ESSAI Alain", "ADRDEUX Laurent", "DESMAUX NATHALIE", "MARTIN Paul", "ISSNER Natacha",
            "DURAND Denis", "CASTROIS Lucien"} <= names
    desmaux = patients.get_patient(ctx, patients.search_patients(ctx, "desmaux")[0].id)
    assert desmaux.source == "carte" and desmaux.contracts[0].amc_number == "1100000000"
