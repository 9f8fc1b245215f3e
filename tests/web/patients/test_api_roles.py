"""The patients' JSON API (search, create, read, update, a beneficiary from the card) with its French field
errors, and the roles: every role writes patients, only some import them (a remplaçant gets the 403 page)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from feuille.auth import Context, Role, actor_for
from feuille.domain.identifiers import nir_key
from feuille.practice import patients
from feuille.storage import Database
from feuille.storage.models import AuditEntry
from tests.web import support

NIR = "1690366000409" + nir_key("1690366000409").zfill(2)


def admin(db: Database) -> Context:
    return Context(db=db, actor=actor_for(db, "admin"))


def fields_of(answer: object) -> dict[str, str]:
    body = answer.json()  # type: ignore[attr-defined]
    return {problem["field"]: problem["message"] for problem in body["problems"]}


def test_create_search_read_and_patch(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    made = signed.api("POST", "/api/patients", json={"last_name": "RDTBUT", "first_name": "Adu", "birth_date":
                                                     "01/03/1969", "insured_nir": NIR, "ik": "2.5", "ald": True,
                                                     "periods": [{"kind": "droits_amo", "start": "2025-01-01"}]})
    assert made.status_code == 201, made.text
    patient_id = made.json()["id"]
    assert made.json()["cree"] is True
    found = signed.client.get("/api/patients?q=rdt").json()
    assert [p["id"] for p in found] == [patient_id] and found[0]["birth_date"] == "01/03/1969"
    assert [p["id"] for p in signed.client.get(f"/api/patients?q={NIR[:6]}").json()] == [patient_id]
    record = signed.client.get(f"/api/patients/{patient_id}").json()
    assert record["values"]["insured_nir"] == NIR and record["values"]["ald"] is True
    assert record["periods"][0]["kind"] == "droits_amo"
    patched = signed.api("PATCH", f"/api/patients/{patient_id}", json={"phone": "0612345678"})
    assert patched.status_code == 200 and patched.json()["values"]["phone"] == "0612345678"
    assert patched.json()["values"]["last_name"] == "RDTBUT"   # what was not sent is kept
    again = signed.api("POST", "/api/patients", json={"last_name": "RDTBUT", "first_name": "Adu",
                                                      "birth_date": "01/03/1969", "insured_nir": NIR})
    assert again.status_code == 409 and again.json()["code"] == "patient_duplicate"


def test_a_bad_body_is_a_422_with_french_field_errors(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    shape = signed.api("POST", "/api/patients", json={"first_name": "Sans nom", "ald": "peut-être",
                                                      "couleur": "bleu", "periods": "toujours"})
    assert shape.status_code == 422
    problems = fields_of(shape)
    assert problems["last_name"] == "Champ obligatoire." and problems["birth_date"] == "Champ obligatoire."
    assert problems["couleur"] == "Champ inconnu." and "ald" in problems and "periods" in problems
    service = signed.api("POST", "/api/patients", json={"last_name": "X", "birth_date": "30/02/2001",
                                                        "insured_nir": "123", "postcode": "abc"})
    assert service.status_code == 422
    problems = fields_of(service)
    assert "n'existe pas" in problems["birth_date"] and "15 caractères" in problems["insured_nir"]
    assert "postcode" in problems
    assert signed.client.get("/api/patients").json() == []
    assert signed.client.get("/api/patients?limite=0").status_code == 422
    assert signed.client.get("/api/patients/999999").status_code == 404
    assert signed.api("PATCH", "/api/patients/999999", json={"phone": "0612345678"}).status_code == 404
    assert signed.client.get("/api/patients/nouveau").status_code in (404, 405)


def test_a_beneficiary_from_the_card_is_validated_as_card_data(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    beneficiary = {"last_name": "DURAND", "first_name": "Denis", "birth_date": "03/03/1972", "rank": 1,
                   "quality": "0", "amo_regime": "01", "amo_caisse": "349", "amo_centre": "9881"}
    wrong_key = "1720369123045 00"   # the card is the authority: kept, with a warning
    made = signed.api("POST", "/api/patients/carte", json={"type": "apcv", "nir_assure": wrong_key,
                                                           "beneficiaire": beneficiary})
    assert made.status_code == 200, made.text
    assert made.json()["cree"] is True and "clé" in made.json()["avertissements"][0]
    view = patients.get_patient(admin(db), made.json()["id"])
    assert view.source == "carte" and view.amo_proof == "apcv" and view.insured_nir == "172036912304500"
    again = signed.api("POST", "/api/patients/carte", json={"type": "apcv", "nir_assure": wrong_key,
                                                            "beneficiaire": beneficiary})
    assert again.json() == {**made.json(), "cree": False}
    junk = signed.api("POST", "/api/patients/carte", json={"type": "vitale", "beneficiaire": {
        "last_name": "", "birth_date": "demain", "couleur": "bleu"}})
    assert junk.status_code == 422 and "couleur" in fields_of(junk)
    junk = signed.api("POST", "/api/patients/carte", json={"type": "vitale", "beneficiaire": {
        "last_name": "", "birth_date": "demain"}})
    assert junk.status_code == 422 and set(fields_of(junk)) == {"last_name", "birth_date"}
    assert signed.api("POST", "/api/patients/carte", json={"type": "cps", "beneficiaire": {}}).status_code == 422


def test_every_role_writes_patients(app: FastAPI, db: Database) -> None:
    for number, role in enumerate(Role):
        signed = support.sign_in(app, db, role)
        made = signed.post("/patients/nouveau", {"last_name": f"ROLE{'ABCD'[number]}", "birth_date": "01/01/1990"},
                           follow_redirects=False)
        assert made.status_code == 303, (role, made.text)
        assert signed.client.get("/patients").status_code == 200
    assert len(patients.search_patients(admin(db), "role")) == len(Role)


CSV = "NOM;PRENOM;DATE_NAISSANCE\nMARTIN;Paul;01/02/1980\nDUPUIS;;31/02/1980\n"


def test_import_a_csv_and_a_remplacant_is_refused(app: FastAPI, db: Database) -> None:
    refused = support.sign_in(app, db, Role.REMPLACANT)
    answer = refused.post("/patients/importer", files={"fichier": ("patients.csv", CSV.encode(), "text/csv")})
    assert answer.status_code == 403
    assert "n'a pas le droit de importer des patients" in answer.text.replace("&#39;", "'")
    assert patients.search_patients(admin(db)) == []
    with db.read() as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied")).all()
    assert [entry.actor for entry in denied] == [refused.login] and "/patients/importer" in denied[0].data
    secretary = support.sign_in(app, db, Role.SECRETAIRE)
    trial = secretary.post("/patients/importer", {"essai": "1"},
                           files={"fichier": ("patients.csv", CSV.encode(), "text/csv")})
    assert trial.status_code == 200 and "seraient importés" in trial.text and patients.search_patients(admin(db)) == []
    done = secretary.post("/patients/importer", files={"fichier": ("patients.csv", CSV.encode(), "text/csv")})
    assert done.status_code == 200 and "1 patient(s) importés sur 2 ligne(s)" in done.text
    assert "Lignes refusées" in done.text and "cochez « date lunaire »" in done.text
    assert [p.last_name for p in patients.search_patients(admin(db))] == ["MARTIN"]
    empty = secretary.post("/patients/importer", {})
    assert empty.status_code == 422 and "choisissez le fichier CSV" in empty.text
