"""The rights lookup from the record over HTTP, the CPS signing at the desk (here the test plays the agent), and
the « Choix informations AMO » screen; the service's French refusals when ADRi is not there."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from fastapi import FastAPI

from feuille.auth import Context, Role, actor_for
from feuille.cards.agent_http import professional_json, vitale_json
from feuille.cards.virtual import VirtualCardReader
from feuille.practice import demo_patients, patients
from feuille.storage import Database
from feuille_sim.rights.service import write_fault
from tests.rights.test_lookup import connect
from tests.support.adri import RunningAdri
from tests.web import support


def _agent_signs(reader: VirtualCardReader, prepared: dict[str, str]) -> dict[str, str]:
    """What the desk's agent answers to ``POST /signer``."""
    signature = reader.sign(prepared["carte"], base64.b64decode(prepared["demande"]))
    return {"carte": signature.card_serial, "type": signature.card_kind.value, "algorithme": signature.algorithm,
            "signature": base64.b64encode(signature.value).decode(),
            "cle_publique": base64.b64encode(signature.public_key).decode()}


def test_lookup_then_choice_of_amo_information(app: FastAPI, db: Database, adri: RunningAdri,
                                               cps_reader: VirtualCardReader, tmp_path: Path) -> None:
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    patient = patients.create_patient_from_card(ctx, demo_patients.DESMAUX_CARD).id
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    screen = signed.client.get(f"/patients/{patient}/droits")
    assert screen.status_code == 200 and "Interroger l&#39;ADRi" in screen.text and "/static/agent.js" in screen.text
    card = professional_json(cps_reader.professional_card())
    missing = signed.api("POST", f"/api/patients/{patient}/droits/preparation", json={"carte": card})
    assert missing.status_code == 409 and missing.json()["message"].startswith("Service ADRi non configuré")
    connect(ctx, adri, tmp_path)
    no_card = signed.api("POST", f"/api/patients/{patient}/droits/preparation", json={"carte": None})
    assert no_card.status_code == 409 and "Carte CPS absente" in no_card.json()["message"]
    prepared = signed.api("POST", f"/api/patients/{patient}/droits/preparation", json={"carte": card}).json()
    sent = signed.api("POST", f"/api/patients/{patient}/droits",
                      json={"demande": prepared["demande"], "signature": _agent_signs(cps_reader, prepared)})
    assert sent.status_code == 200, sent.text
    lookup_id = sent.json()["interrogation"]
    choice = signed.client.get(f"/patients/{patient}/droits/{lookup_id}")
    text = html.unescape(choice.text)
    assert choice.status_code == 200 and "Choix informations AMO" in text
    assert "Informations provenant de l'ADRI" in text and "Informations provenant du patient" in text
    before = patients.get_patient(ctx, patient)
    taken = signed.post(f"/patients/{patient}/droits/{lookup_id}", {"choix": "adri"}, follow_redirects=False)
    assert taken.status_code == 303 and taken.headers["location"] == f"/patients/{patient}?ok=droits_repris"
    assert patients.get_patient(ctx, patient).periods != before.periods
    again = signed.post(f"/patients/{patient}/droits/{lookup_id}", {"choix": "adri"})
    assert again.status_code == 409 and "Choix déjà fait" in html.unescape(again.text)
    assert signed.client.get(f"/patients/{patient + 1}/droits/{lookup_id}").status_code == 404


def test_the_caisse_down_is_said_in_french_and_nothing_is_kept(app: FastAPI, db: Database, adri: RunningAdri,
                                                               cps_reader: VirtualCardReader,
                                                               tmp_path: Path) -> None:
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    patient = patients.create_patient_from_card(ctx, demo_patients.DESMAUX_CARD).id
    connect(ctx, adri, tmp_path, timeout=1.0)
    write_fault(adri.state_dir, "erreur", 60)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    card = professional_json(cps_reader.professional_card())
    prepared = signed.api("POST", f"/api/patients/{patient}/droits/preparation", json={"carte": card}).json()
    down = signed.api("POST", f"/api/patients/{patient}/droits",
                      json={"demande": prepared["demande"], "signature": _agent_signs(cps_reader, prepared)})
    assert down.status_code == 409 and "continue avec les droits enregistrés" in down.json()["message"]
    junk = signed.api("POST", f"/api/patients/{patient}/droits",
                      json={"demande": "pas du base64 !", "signature": {"carte": "x", "type": "cps",
                                                                        "algorithme": "y", "signature": "",
                                                                        "cle_publique": ""}})
    assert junk.status_code == 422 and junk.json()["field"] == "demande"
    record = html.unescape(signed.client.get(f"/patients/{patient}").text)
    assert "Dernière consultation ADRi" not in record


def test_lookup_with_the_vitale_app_of_the_patient_s_insured_only(app: FastAPI, db: Database, adri: RunningAdri,
                                                                   cps_reader: VirtualCardReader,
                                                                   tmp_path: Path) -> None:
    """« Avec l'appli carte Vitale »: the app read at the desk travels with the request; the server checks it is
    the app of this patient's insured, rebuilds the same bytes when they come back signed, and ADRi answers."""
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    connect(ctx, adri, tmp_path)
    cps_reader.insert("apcv-durand")
    shown = cps_reader.vitale_card()
    assert shown is not None
    durand = patients.create_patient_from_card(ctx, {**shown.beneficiaries[0].fields,
                                                     "insured_nir": shown.insured_nir}).id
    desmaux = patients.create_patient_from_card(ctx, demo_patients.DESMAUX_CARD).id
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    card, app_json = professional_json(cps_reader.professional_card()), vitale_json(shown)
    other = signed.api("POST", f"/api/patients/{desmaux}/droits/preparation", json={"carte": card, "appli": app_json})
    assert other.status_code == 422 and other.json()["code"] == "apcv_other_patient"
    plastic = signed.api("POST", f"/api/patients/{durand}/droits/preparation",
                         json={"carte": card, "appli": {**(app_json or {}), "type": "vitale"}})
    assert plastic.status_code == 422 and plastic.json()["code"] == "apcv_expected"
    junk = signed.api("POST", f"/api/patients/{durand}/droits/preparation", json={"carte": card, "appli": [1]})
    assert junk.status_code == 422
    prepared = signed.api("POST", f"/api/patients/{durand}/droits/preparation",
                          json={"carte": card, "appli": app_json}).json()
    assert '"apcv":"APCV' in base64.b64decode(prepared["demande"]).decode()
    elsewhere = signed.api("POST", f"/api/patients/{desmaux}/droits",   # the same signed bytes, another record
                           json={"demande": prepared["demande"], "signature": _agent_signs(cps_reader, prepared)})
    assert elsewhere.status_code == 422 and elsewhere.json()["code"] == "adri_request"
    sent = signed.api("POST", f"/api/patients/{durand}/droits",
                      json={"demande": prepared["demande"], "signature": _agent_signs(cps_reader, prepared)})
    assert sent.status_code == 200, sent.text
    assert sent.json()["resultat"] == "ok" and not sent.json()["autre_personne"]
