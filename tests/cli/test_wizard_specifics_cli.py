"""``feuille invoice assistant`` driven end to end with scripted answers, on the manuals' demo data: the patient
and the prescriber created on the spot, the prescription's photo, the accident de droit commun, an AT read from
the Vitale card, the entente préalable, victime d'attentat, the service AMO forced (and the way back to the
« spécificités » step when it is refused), the exoneration per act, the AMC convention, the anonymous minor
secured in SESAM sans Vitale only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from stdnum import luhn

from feuille.auth import Context
from feuille.billing import specifics as sp
from feuille.billing import state
from feuille.cards.port import BeneficiaryData, CardKind, VitaleCardData
from feuille.practice import amc_contracts, patients
from feuille.practice.demo_patients import DESMAUX_CARD
from feuille.storage.models import Invoice, Patient, Prescriber
from tests.billing.support import CPS_FIRMIER, FakeReader
from tests.billing.test_wizard import demo, lines

__all__ = ["demo"]  # the fixture: the demo data and a reader holding the CPS of Dr MEDECIN
PNG = b"\x89PNG\r\n\x1a\n" + b"ordonnance" * 20
NEW_NUMBER = "99100070" + luhn.calc_check_digit("99100070")


def last_invoice(ctx: Context) -> tuple[Invoice, dict[str, Any]]:
    with ctx.db.read() as session:
        row = session.scalars(sa.select(Invoice).order_by(Invoice.id.desc())).first()
        assert row is not None
        session.expunge(row)
    return row, dict(state.document(row).content)


def said(text: str) -> str:
    return " ".join(text.split())


def test_patient_and_prescriber_created_on_the_spot_attentat_and_service_amo(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli, tmp_path: Path) -> None:
    photo = tmp_path / "ordonnance.png"
    photo.write_bytes(PNG)
    answers = lines(
        "1", "ZZTOP", "o", "", "Zoé", "02/02/1990", "", "",    # no ZZTOP: created (name typed, born 02/02/1990)
        "14/01/2025", "",
        "o", "10/01/2025", "NOUVEAU", "o", "", "Paul", NEW_NUMBER, "", str(photo),  # new prescriber, photo
        "1", "o", "10/01/2025", "", "n", "",                   # maladie, ADC of 10/01, exo 0, no ALD forcing
        "o",                                                   # TP AMO (no AMC contract)
        "G", "", "", "", "n", "", "n",
        "o", "o", "o", "n", "n", "n", "n",                     # specifics: attentat + certificate shown
        "o", "C2S", "01/02/2025", "31/12/2025",                # service AMO from 01/02: refused for 14/01
        "o",                                                   # correct the specifics
        "o", "o", "o", "n", "n", "n", "n", "o", "", "01/01/2025", "",
        "n", "n", "n")
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    out, err = said(result.stdout), said(result.stderr)
    assert "Patient créé : ZZTOP Zoé" in out and "Prescripteur créé : NOUVEAU Paul" in out
    assert "n'est pas valide le 14/01/2025" in err and "Reprise de l'étape « spécificités »" in out
    row, doc = last_invoice(ctx)
    assert doc["accident"] == {"common_law_accident": True, "date": "2025-01-10"}
    assert doc["specifics"] == {"victime_attentat": True, "attestation_attentat": True,
                                "service_amo": {"code": "C2S", "start": "2025-01-01", "end": "2025-12-31"}}
    assert row.total == row.amo and str(row.total) == "30.00"
    with ctx.db.read() as session:
        patient = session.scalar(sa.select(Patient).where(Patient.last_name == "ZZTOP"))
        prescriber = session.scalar(sa.select(Prescriber).where(Prescriber.number == NEW_NUMBER))
        assert patient is not None and prescriber is not None and row.patient_id == patient.id
    assert doc["prescription"]["prescriber"] == prescriber.id
    shown = json.loads(cli("invoice", "show", str(row.id), "--json").stdout)
    assert [(a["kind"], a["filename"]) for a in shown["attachments"]] == [("ordonnance", "ordonnance.png")]


def test_entente_prealable_and_an_at_read_from_the_vitale_card(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli) -> None:
    card = {**DESMAUX_CARD, "work_accidents": [
        {"date": "05/01/2002", "identifier": "020105342", "code": "01", "organism": "013499881"},
        {"date": "03/09/2002", "code": "A2", "organism": "023490000"}]}
    demo.insert(CPS_FIRMIER, pin=None)
    demo.vitale = VitaleCardData(serial="V1", kind=CardKind.VITALE, insured_nir="2550699999999 34",
                                 beneficiaries=(BeneficiaryData(card),))
    answers = lines(
        "2", "1",                                  # the card's first beneficiary
        "14/01/2025", "domicile",
        "o", "10/01/2025", "ROY", "1", "",         # prescription by ROY, no photo
        "3", "2", "", "",                          # accident du travail: the AT of 03/09/2002 on her card
        "", "o", "n",                              # her AMC contract, TP AMO, no TP AMC
        "AIS", "3", "", "", "n", "IFD", "12", "n",  # AIS with its IFD and 12 km of IK, no other act
        "4", "05/01/2025",                         # entente préalable asked for AIS: favourable, 05/01
        "n",                                       # no other specifics
        "n", "n", "n")
    result = cli("invoice", "assistant", input=answers, user="afirmier")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Entente préalable demandée par l'acte AIS" in said(result.stdout)
    assert "AT du 03/09/2002" in result.stdout
    row, doc = last_invoice(ctx)
    assert doc["entente_prealable"] == {"code": "4", "date": "2025-01-05"}
    assert doc["accident_work"] == {"code": "A2", "organism": "023490000", "date": "2002-09-03"}
    assert doc["coverage"]["accident_date"] == "2002-09-03" and row.nature == "at"
    assert [a["code"] for a in doc["acts"]] == ["AIS", "IFD", "IK"] and doc["acts"][2]["quantity"] == 12
    assert str(row.total) == "14.90" and row.amo == row.total  # 7.95 + IFD 2.75 + 12 km × 0.35; AT: 100 %


def test_anonymous_minor_is_secured_sans_vitale_only(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli) -> None:
    girl = patients.create_patient(ctx, {"last_name": "PETITE", "first_name": "Lou", "birth_date": "01/05/2010",
                                         "quality": "6", "rank": 2, "insured_nir": "1720369123045 87",
                                         "amo_regime": "01", "amo_caisse": "349", "amo_centre": "9881"}).id
    answers = lines(
        "1", "PETITE", "1", "14/01/2025", "", "n",
        "1", "n", "", "n", "",                     # maladie, no ADC, exo 0, no ALD forcing, no parcours
        "o",                                       # TP AMO
        "G", "", "", "", "n", "", "n",
        "o", "n", "n", "o", "o", "o", "2",         # santé sexuelle, anonymity, SESAM sans Vitale confirmed, girl
        "n", "n", "n",
        "n",                                       # no change of the parts
        "o", "1234",                               # secure: the mode is not asked, only the PIN
        "n")
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    out = said(result.stdout)
    assert "SESAM sans Vitale (imposé : anonymat du mineur)" in out and "Mode de sécurisation (" not in out
    row, doc = last_invoice(ctx)
    assert row.patient_id == girl and row.state == "secured" and row.secure_mode == "sans-vitale"
    assert row.patient_nir == sp.fictitious_nir("2", "349") and row.patient_rank == 1
    assert doc["specifics"]["sante_sexuelle"] == {"anonymous_minor": True, "sex": "2"}
    assert row.amo == row.total  # exoneration 7


def test_exoneration_per_act_and_the_amc_convention(  # type: ignore[no-untyped-def]
        ctx: Context, demo: FakeReader, cli) -> None:
    durand = patients.search_patients(ctx, "DURAND", limit=1)[0].id
    first = amc_contracts.list_amc_contracts(ctx, durand)[0]
    amc_contracts.add_amc_contract(ctx, durand, {"amc_name": "ALMERYS", "amc_number": first.amc_number,
                                                 "formula": "02A", "formula_rate": "100", "convention_type": "AL",
                                                 "secondary_criterion": "002"})
    answers = lines(
        "1", "DUR", "1", "14/01/2025", "", "n",
        "1", "n", "", "n", "T", "oui",
        "1", "o", "o",                             # the first ALMERYS contract, TP AMO and AMC
        "G", "", "", "", "n", "", "o", "G", "", "", "", "n", "", "n",
        "2",                                       # two conventions identified: AL / 002
        "o", "n", "n", "n", "o", "5", "0", "n", "n",  # exoneration per act: 5 then 0
        "n", "n", "n")
    result = cli("invoice", "assistant", input=answers, user="vmedecin")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Conventions identifiées pour la mutuelle" in result.stdout
    row, doc = last_invoice(ctx)
    assert doc["specifics"] == {"exoneration_per_act": True, "amc_convention": {"type": "AL", "criterion": "002"}}
    assert [act["exoneration"] for act in doc["acts"]] == ["5", "0"] and doc["mt_declaration"] == "oui"
    priced = json.loads(row.priced)
    assert [line["amo"] for line in priced["lines"]] == ["30.00", "21.00"]
