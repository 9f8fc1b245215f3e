"""``feuille invoice assistant`` with the « Profils » preferences that take effect (place « à domicile » by default,
no recap, the default payment means) and the patient's kilometres offered from his record, then kept there."""

from __future__ import annotations

import json
from decimal import Decimal

import sqlalchemy as sa

from feuille.auth import Context
from feuille.practice import patients
from feuille.storage.models import Invoice, Patient, Professional
from tests.billing.support import FakeReader
from tests.billing.test_wizard import demo, lines

__all__ = ["demo"]  # the fixture: the demo data and a reader holding the CPS of Dr MEDECIN


def _adrdeux(ctx: Context) -> int:
    with ctx.db.read() as session:
        found = session.scalar(sa.select(Patient.id).where(Patient.last_name == "ADRDEUX"))
    assert found is not None
    return int(found)


def test_preferences_and_distances_take_effect(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli) -> None:
    changed = cli("preferences", "set", "001033901", "--domicile", "--sans-recapitulatif", "--paiement", "especes",
                  user="vmedecin")
    assert changed.exit_code == 0, changed.stderr
    patient_id = _adrdeux(ctx)
    patients.update_patient(ctx, patient_id, {"ik": "7", "ikm": "3"})
    answers = lines(
        "1", "ADR", "1", "14/01/2025", "",       # ADRDEUX Laurent; the place offered is « domicile »
        "n",                                     # no prescription
        "1", "n", "", "n", "", "n",              # maladie, no ADC, care not related to his ALD, no TP AMO
        "VG", "", "", "", "n",                   # a home visit
        "", "", "5", "n",                        # no MD; IK: the record's 7 km; IKM: 5 km typed; no other act
        "n",                                     # no specifics (no recap: its question is not asked)
        "n",                                     # do not secure
        "o", "", "", "n")                        # a payment: the preference's means, the whole balance
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Lieu des soins (cabinet ou domicile) [domicile]" in result.stdout
    assert "Récapitulatif" not in result.stdout and "Modifier la part" not in result.stdout
    assert "IKM 5 km" in " ".join(result.stdout.split())
    invoice = json.loads(cli("invoice", "list", "--json", user="vmedecin").stdout)[0]
    assert [(line["code"], line.get("quantity")) for line in invoice["lines"]][1:] == [("IK", 7), ("IKM", 5)]
    assert [p["means"] for p in invoice["payments"]] == ["especes"] and invoice["balance"] == "0.00"
    values = patients.get_patient(ctx, patient_id).values
    assert (values["ik"], values["ikm"]) == (Decimal("7.00"), Decimal("5.00"))


def test_the_performing_remplacant_is_asked_with_the_preference(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli) -> None:
    assert cli("preferences", "set", "996102182", "--ps-executant", user="afirmier").exit_code == 0
    answers = lines(
        "1", "DUR", "1", "14/01/2025", "",      # DURAND Denis, at the practice
        "1",                                    # the PS exécutant: the remplaçante on one of her days
        "o", "10/01/2025", "ROY", "1", "",      # prescription by ROY, no photo
        "1", "n", "", "n", "",                  # maladie, no ADC, exoneration by default, no ALD forcing, no parcours
        "1", "o", "n",                          # his AMC contract, TP AMO, no TP AMC
        "AMI", "", "", "", "n", "", "", "n",    # AMI, no IFD, no IK, no other act
        "n", "n", "n", "n")                     # no specifics, no change in the recap, not secured, no payment
    result = cli("invoice", "assistant", input=answers, user="afirmier")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "PS exécutant" in result.stdout and "REMPEXMED0055789" in result.stdout
    with ctx.db.read() as session:
        row = session.scalars(sa.select(Invoice).order_by(Invoice.id.desc())).first()
        performer = session.scalar(sa.select(Professional.id).where(Professional.last_name == "REMPEXMED0055789"))
        assert row is not None and row.performer_id == performer
