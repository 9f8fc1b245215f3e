"""Patients over HTTP pages: search as you type, creating by hand (every French message beside its field), the
record, editing, deleting (refused when the service refuses), AMC contracts with the formula picker."""

from __future__ import annotations

import html as html_text
import re

from fastapi import FastAPI

from feuille.auth import Context, Role, actor_for
from feuille.domain.identifiers import nir_key
from feuille.practice import amc_contracts, demo_patients, patients
from feuille.storage import Database
from tests.web import support


def admin(db: Database) -> Context:
    return Context(db=db, actor=actor_for(db, "admin"))


def add(db: Database, last: str, first: str, born: str, nir: str | None = None) -> int:
    data: dict[str, object] = {"last_name": last, "first_name": first, "birth_date": born}
    if nir:
        data["insured_nir"] = nir if len(nir) == 15 else nir + patients_key(nir)
    return patients.create_patient(admin(db), data).id


def patients_key(first13: str) -> str:
    return nir_key(first13).zfill(2)


def beside(html: str, field: str, text: str) -> bool:
    """The message is shown beside its field (the macros' ``<p id="FIELD-erreur">``)."""
    found = re.search(rf'<p class="message-champ" id="{re.escape(field)}-erreur">([^<]*)</p>', html)
    return found is not None and text in html_text.unescape(found.group(1))


def test_search_as_you_type_by_name_nir_and_birth_date(app: FastAPI, db: Database) -> None:
    dupont = add(db, "DUPONT", "Marie", "12/05/1980", "2800575123456")
    add(db, "MARTIN", "Paul", "01/01/1990")
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    full = signed.client.get("/patients?q=dup")
    assert full.status_code == 200 and 'hx-get="/patients"' in full.text and "<html" in full.text
    assert f'href="/patients/{dupont}"' in full.text and "MARTIN" not in full.text
    part = signed.client.get("/patients?q=mar", headers={"HX-Request": "true", "HX-Target": "resultats"})
    assert "<html" not in part.text and "MARTIN" in part.text and "DUPONT" in part.text  # Marie too
    assert "DUPONT" in signed.client.get("/patients?q=28005", headers={"HX-Request": "true",
                                                                       "HX-Target": "resultats"}).text
    by_birth = signed.client.get("/patients?q=12/05/1980").text
    assert "DUPONT" in by_birth and "MARTIN" not in by_birth and "date de naissance" in by_birth
    assert "Aucun patient pour « zzz »" in signed.client.get("/patients?q=zzz").text


def test_the_home_page_searches_and_reads_the_card(app: FastAPI, db: Database) -> None:
    home = support.sign_in(app, db, Role.TITULAIRE).client.get("/").text
    assert 'action="/patients"' in home and 'name="q"' in home and 'for="recherche-patient"' in home
    assert 'href="/patients/carte"' in home and "Lire la carte Vitale" in home


FULL = {"last_name": "Lefèvre", "first_name": "Anne", "birth_date": "02/03/1975", "rank": "1", "quality": "0",
        "insured_nir": "2750375123456", "phone": "06 12 34 56 78", "address": "3 rue des Lilas",
        "postcode": "75011", "town": "Paris", "ik": "4,5", "amo_regime": "01", "amo_caisse": "751",
        "amo_centre": "0000", "amo_proof": "carte_papier", "reimbursement_rate": "100_toutes",
        "exoneration": "0", "ald": "1", "periods[0].kind": "droits_amo", "periods[0].start": "01/01/2025",
        "periods[0].end": "31/12/2025", "work_accidents[0].date": "10/02/2025",
        "work_accidents[0].identifier": "123456789"}


def test_create_by_hand_then_the_record(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    form = signed.client.get("/patients/nouveau").text
    for name in ("last_name", "first_name", "beneficiary_nir", "birth_date", "rank", "quality", "phone", "phone2",
                 "address", "postcode", "town", "extra_info", "ik", "ikm", "iks", "insured_last_name",
                 "insured_first_name", "insured_nir", "amo_organism_id", "amo_regime", "amo_caisse", "amo_centre",
                 "amo_management_code", "amo_proof", "reimbursement_rate", "exoneration", "periods[2].start",
                 "work_accidents[0].date"):
        assert f'<label for="{name}">' in form, name     # every field has its label
    assert "Date lunaire" in form and "Bénéficiaire Alsace-Moselle" in form
    assert 'data-garder="patient-nouveau"' in form and "data-valeurs-serveur" not in form
    nir = "2750375123456" + patients_key("2750375123456")
    answer = signed.post("/patients/nouveau", {**FULL, "insured_nir": nir}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    address = answer.headers["location"]
    assert re.fullmatch(r"/patients/\d+\?ok=cree", address)
    record = signed.client.get(address).text
    patient_id = int(address.split("/")[2].split("?")[0])
    assert "Enregistrement correctement effectué." in record and "LEFÈVRE" in record.upper()
    assert f'href="/factures?patient={patient_id}"' in record and "751" in record and "4,50" in record
    assert "Droits AMO du 01/01/2025 au 31/12/2025" in " ".join(record.split())
    assert "AT du 10/02/2025" in record
    view = patients.get_patient(admin(db), patient_id)
    assert view.insured_nir == nir and view.ald and str(view.ik) == "4.50"


def test_junk_shows_every_message_beside_its_field_and_keeps_what_was_typed(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.REMPLACANT)
    junk = {"last_name": "", "first_name": "J3@n", "birth_date": "31/02/2020", "insured_nir": "123",
            "postcode": "ABCDE", "ik": "beaucoup", "rank": "12", "amo_regime": "1x",
            "periods[0].kind": "", "periods[1].kind": "droits_amo", "periods[1].start": "hier",
            "work_accidents[0].date": "01/01/2025", "work_accidents[0].organism": "12"}
    answer = signed.post("/patients/nouveau", junk)
    assert answer.status_code == 422
    html = answer.text
    assert beside(html, "last_name", "champ obligatoire")
    assert beside(html, "first_name", "lettres")
    assert beside(html, "birth_date", "n'existe pas")
    assert beside(html, "insured_nir", "15 caractères")
    assert beside(html, "postcode", "Code postal")
    assert beside(html, "ik", "distance")
    assert beside(html, "rank", "Rang")
    assert beside(html, "amo_regime", "")
    assert beside(html, "periods[1].start", "JJ/MM/AAAA")          # the form's row 2, though sent first
    assert beside(html, "work_accidents[0].organism", "9 chiffres")
    assert 'role="alert"' in html and "data-valeurs-serveur" in html
    assert 'value="J3@n"' in html and 'value="beaucoup"' in html and 'value="hier"' in html
    assert patients.search_patients(admin(db)) == []


def test_a_duplicate_is_a_409_beside_the_nir(app: FastAPI, db: Database) -> None:
    nir = "1690366000409" + patients_key("1690366000409")
    add(db, "RDTBUT", "Adu", "01/03/1969", nir)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.post("/patients/nouveau", {"last_name": "RDTBUT", "first_name": "Adu",
                                               "birth_date": "01/03/1969", "insured_nir": nir})
    assert answer.status_code == 409 and beside(answer.text, "insured_nir", "Patient déjà enregistré")


def test_edit_and_a_card_patient_keeps_its_identity(app: FastAPI, db: Database) -> None:
    typed = add(db, "DURAND", "Denis", "03/03/1972")
    card = patients.create_patient_from_card(admin(db), demo_patients.DESMAUX_CARD).id
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    page = signed.client.get(f"/patients/{typed}/modifier").text
    assert 'value="DURAND"' in page and 'value="03/03/1972"' in page
    moved = signed.post(f"/patients/{typed}/modifier", {"last_name": "DURAND", "first_name": "Denis",
                                                         "birth_date": "03/03/1972", "town": "Lyon"},
                        follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/patients/{typed}?ok=modifie"
    assert patients.get_patient(admin(db), typed).town == "Lyon"
    bad = signed.post(f"/patients/{typed}/modifier", {"last_name": "DURAND", "birth_date": "03/03/1972",
                                                       "phone": "pas un numéro"})
    assert bad.status_code == 422 and beside(bad.text, "phone", "Téléphone")
    card_page = signed.client.get(f"/patients/{card}/modifier").text
    assert 'name="last_name"' not in card_page and "ne sont" in card_page and 'name="phone"' in card_page
    before = patients.get_patient(admin(db), card)
    done = signed.post(f"/patients/{card}/modifier", {"last_name": "AUTRE", "phone": "0612345678"},
                       follow_redirects=False)
    after = patients.get_patient(admin(db), card)
    assert done.status_code == 303 and after.phone == "0612345678" and after.last_name == before.last_name


def test_delete_asks_then_deletes_and_an_unknown_record_is_a_404(app: FastAPI, db: Database) -> None:
    gone = add(db, "PETIT", "Léa", "04/04/2004")
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    ask = signed.client.get(f"/patients/{gone}/supprimer").text
    assert "Confirmez-vous la suppression du dossier de" in ask and "Oui, supprimer" in ask
    done = signed.post(f"/patients/{gone}/supprimer", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/patients?ok=supprime"
    assert "Le dossier du patient a été supprimé." in signed.client.get(done.headers["location"]).text
    missing = signed.client.get(f"/patients/{gone}")
    assert missing.status_code == 404 and f"Patient n° {gone} inconnu." in missing.text
    assert signed.client.get("/patients/nouveau").status_code == 200   # a word never reads as a number


def test_delete_refused_while_invoices_point_at_the_patient(app: FastAPI, db: Database) -> None:
    from feuille.billing import drafts
    from tests.billing.support import consultation, practice

    ctx = admin(db)
    setup = practice(ctx)
    drafts.create_draft(ctx, consultation())
    signed = support.sign_in(app, db, Role.TITULAIRE)
    refused = signed.post(f"/patients/{setup.patient}/supprimer")
    assert refused.status_code == 409 and "ne peut pas être supprimé" in html_text.unescape(refused.text)
    assert patients.get_patient(ctx, setup.patient).id == setup.patient


def test_amc_contract_with_the_formula_picker(app: FastAPI, db: Database) -> None:
    patient_id = add(db, "MOREAU", "Jules", "05/05/1955")
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    form = signed.client.get(f"/patients/{patient_id}/mutuelles/nouvelle").text
    assert "Sélectionner formule complémentaire" in form and 'value="02A"' in form
    assert "Min (DR - MRO, %TR - MRO)" in form
    junk = signed.post(f"/patients/{patient_id}/mutuelles/nouvelle",
                       {"amc_name": "", "amc_number": "", "formula": "02A", "rights_start": "31/12/2025",
                        "rights_end": "01/01/2025"})
    assert junk.status_code == 422
    assert beside(junk.text, "amc_name", "obligatoire") and beside(junk.text, "formula_rate", "obligatoire")
    assert beside(junk.text, "amc_number", "obligatoire") and beside(junk.text, "rights_end", "précède")
    assert amc_contracts.list_amc_contracts(admin(db), patient_id) == []
    made = signed.post(f"/patients/{patient_id}/mutuelles/nouvelle",
                       {"amc_name": "ALMERYS", "amc_number": "98532001", "formula": "02A", "formula_rate": "100",
                        "current_year": "1", "adherent_number": "75822319", "convention_type": "AL",
                        "secondary_criterion": "001", "treatment_indicator": "22"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == f"/patients/{patient_id}?ok=mutuelle_ajoutee"
    (contract,) = amc_contracts.list_amc_contracts(admin(db), patient_id)
    assert contract.formula == "02A" and str(contract.formula_rate) == "100.00" and contract.selected
    record = signed.client.get(f"/patients/{patient_id}").text
    assert "ALMERYS" in record and "02A (100,00 %)" in record
    copy = signed.post(f"/patients/{patient_id}/mutuelles/{contract.id}/dupliquer", follow_redirects=False)
    assert copy.status_code == 303
    first, second = amc_contracts.list_amc_contracts(admin(db), patient_id)
    assert second.selected and not first.selected
    assert signed.post(f"/patients/{patient_id}/mutuelles/{first.id}/selectionner",
                       follow_redirects=False).status_code == 303
    edited = signed.post(f"/patients/{patient_id}/mutuelles/{second.id}",
                         {"amc_name": "ALMERYS BIS", "amc_number": "98532001", "formula": "020"},
                         follow_redirects=False)
    assert edited.status_code == 303
    assert amc_contracts.get_amc_contract(admin(db), second.id).amc_name == "ALMERYS BIS"
    assert signed.post(f"/patients/{patient_id}/mutuelles/{second.id}/supprimer",
                       follow_redirects=False).status_code == 303
    assert [c.id for c in amc_contracts.list_amc_contracts(admin(db), patient_id)] == [first.id]
    other = add(db, "AUTRE", "Personne", "06/06/1966")
    assert signed.client.get(f"/patients/{other}/mutuelles/{first.id}").status_code == 404
