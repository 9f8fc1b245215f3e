"""Organisms, prescribers (search as you type) and favourites, through HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi import FastAPI

from feuille.auth import Role
from feuille.practice import favourites, organisms, prescribers
from feuille.storage import Database
from tests.web import support
from tests.web.settings.helpers import admin, audit_count, beside, last_action, text, titulaire_and_remplacant

ROY = {"last_name": "ROY", "first_name": "Patrick", "number": "99 1 00069 6", "rpps": "", "specialty": "01"}


def test_prescribers_are_created_searched_edited_and_deleted(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    created = signed.post("/parametres/prescripteurs", ROY)
    assert "Prescripteur enregistré." in created.text and "ROY" in created.text
    signed.post("/parametres/prescripteurs", {"last_name": "GENE", "first_name": "Alain", "number": "991145608"})
    rows = signed.client.get("/parametres/prescripteurs/liste?recherche=a", headers={"HX-Request": "true"})
    assert rows.status_code == 200 and "<html" not in rows.text
    assert "GENE" in rows.text and "ROY" not in rows.text
    assert "Aucun prescripteur dont le nom commence par « zz »" in text(
        signed.client.get("/parametres/prescripteurs/liste?recherche=zz").text)
    roy = prescribers.search_prescribers(admin(db), "roy")[0]
    edited = signed.post(f"/parametres/prescripteurs/{roy.id}", {**ROY, "first_name": "Patrice"})
    assert "Prescripteur modifié." in edited.text
    assert prescribers.get_prescriber(admin(db), roy.id).first_name == "Patrice"
    gone = signed.post(f"/parametres/prescripteurs/{roy.id}/supprimer")
    assert "Prescripteur supprimé." in gone.text
    assert [p.last_name for p in prescribers.search_prescribers(admin(db))] == ["GENE"]


def test_junk_prescriber_shows_each_message_beside_its_field(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    junk = signed.post("/parametres/prescripteurs", {"last_name": "", "first_name": "x_y", "number": "991000695",
                                                     "rpps": "12", "specialty": "99"})
    assert junk.status_code == 422
    assert beside(junk.text, "last_name") == ["Nom : champ obligatoire."]
    for field in ("first_name", "number", "rpps", "specialty"):
        assert beside(junk.text, field), field
    assert 'value="991000695"' in junk.text and prescribers.search_prescribers(admin(db)) == []
    signed.post("/parametres/prescripteurs", ROY)
    twice = signed.post("/parametres/prescripteurs", {**ROY, "last_name": "AUTRE"})
    assert twice.status_code == 409 and "déjà" in beside(twice.text, "number")[0]


def test_amo_and_amc_organisms(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    junk = signed.post("/parametres/organismes/amo/nouveau", {"regime": "1x", "caisse": "", "centre": "9881"})
    assert junk.status_code == 422 and (beside(junk.text, "regime") or beside(junk.text, "caisse"))
    amo = signed.post("/parametres/organismes/amo/nouveau", {"regime": "01", "caisse": "349", "centre": "9881",
                                                             "name": "CPAM Tours"})
    assert "Organisme AMO ajouté." in amo.text and "01 349 9881" in amo.text
    bad_amc = signed.post("/parametres/organismes/amc/nouveau", {"name": "", "number": "trop-long-numero",
                                                                 "contract_type": "x", "email": "pas-un-courriel",
                                                                 "postcode": "7"})
    assert bad_amc.status_code == 422
    for field in ("name", "number", "contract_type", "email", "postcode"):
        assert beside(bad_amc.text, field), field
    amc = signed.post("/parametres/organismes/amc/nouveau", {"name": "Mutuelle du Centre", "number": "75500017",
                                                             "contract_type": "1", "management": "separee",
                                                             "dre_accepted": "oui"})
    assert amc.status_code == 422 and "obligatoire" in beside(amc.text, "dre_address")[0]
    amc = signed.post("/parametres/organismes/amc/nouveau", {"name": "Mutuelle du Centre", "number": "75500017",
                                                             "contract_type": "1", "management": "separee",
                                                             "dre_accepted": "oui", "dre_address": "dre@mdc.fr"})
    assert "Organisme AMC ajouté." in amc.text and "Mutuelle du Centre" in amc.text
    found = signed.client.get("/parametres/organismes?recherche=centre").text
    assert "Mutuelle du Centre" in found and "CPAM Tours" not in found
    amc_id = organisms.list_amc_organisms(admin(db))[0].id
    edit = signed.client.get(f"/parametres/organismes/amc/{amc_id}").text
    assert 'value="75500017"' in edit
    signed.post(f"/parametres/organismes/amc/{amc_id}", {"name": "Mutuelle du Centre-Val", "number": "75500017",
                                                         "contract_type": "01", "management": "unique"})
    assert organisms.get_amc_organism(admin(db), amc_id).management == "unique"
    assert "Organisme AMC supprimé." in signed.post(f"/parametres/organismes/amc/{amc_id}/supprimer").text
    assert organisms.list_amc_organisms(admin(db)) == []
    assert signed.client.get("/parametres/organismes/xyz/nouveau").status_code == 404


def test_favourites_with_their_acts(app: FastAPI, db: Database) -> None:
    tit, _ = titulaire_and_remplacant(db)
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    shown = signed.client.get(f"/parametres/favoris?professionnel={tit}").text
    assert "Aucun favori." in shown and 'id="acts[1].code"' in shown
    created = signed.post("/parametres/favoris", {"professional": str(tit), "label": "Pansement simple",
                                                  "acts[1].code": "AMI", "acts[1].quantity": "1",
                                                  "acts[1].coefficient": "2", "acts[2].code": "IFD",
                                                  "acts[3].code": ""})
    assert "Favori enregistré." in created.text and "Pansement simple" in created.text
    fav = favourites.search_favourites(admin(db), tit)[0]
    assert [a.code for a in fav.acts] == ["AMI", "IFD"]
    page = signed.client.get(f"/parametres/favoris/{fav.id}").text
    assert 'value="AMI"' in page and 'value="2,00"' in page
    edited = signed.post(f"/parametres/favoris/{fav.id}", {"label": "Pansement", "acts[1].code": "AMI",
                                                           "acts[1].coefficient": "2,00"})
    assert "Favori modifié." in edited.text
    assert [a.code for a in favourites.get_favourite(admin(db), fav.id).acts] == ["AMI"]
    assert "Favori supprimé." in signed.post(f"/parametres/favoris/{fav.id}/supprimer").text


def test_junk_favourite_shows_the_message_beside_its_field(app: FastAPI, db: Database) -> None:
    tit, _ = titulaire_and_remplacant(db)
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    no_label = signed.post("/parametres/favoris", {"professional": str(tit), "label": "",
                                                   "acts[1].code": "AMI"})
    assert no_label.status_code == 422 and beside(no_label.text, "label") == ["Libellé : champ obligatoire."]
    no_act = signed.post("/parametres/favoris", {"professional": str(tit), "label": "Rien"})
    assert no_act.status_code == 422 and "au moins un acte" in text(no_act.text)
    bad_code = signed.post("/parametres/favoris", {"professional": str(tit), "label": "Mauvais",
                                                   "acts[1].code": "AMI", "acts[2].code": "??",
                                                   "acts[2].quantity": "abc"})
    assert bad_code.status_code == 422 and beside(bad_code.text, "acts[2].code")
    assert 'value="??"' in bad_code.text
    assert favourites.search_favourites(admin(db), tit) == []


def test_a_secretary_may_not_write_favourites(app: FastAPI, db: Database) -> None:
    tit, _ = titulaire_and_remplacant(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    before = audit_count(db)
    refused = signed.post("/parametres/favoris", {"professional": str(tit), "label": "Pansement",
                                                  "acts[1].code": "AMI"})
    assert refused.status_code == 403 and "modifier les favoris" in text(refused.text)
    assert audit_count(db) == before + 1 and last_action(db) == "access.denied"
    assert favourites.search_favourites(admin(db), tit) == []


def test_deletions_are_confirmed_first_and_lists_sort_both_ways(app: FastAPI, db: Database) -> None:
    tit, _ = titulaire_and_remplacant(db)
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    signed.post("/parametres/prescripteurs", ROY)
    signed.post("/parametres/prescripteurs", {"last_name": "GENE", "first_name": "Alain", "number": "991145608"})
    ascending = signed.client.get("/parametres/prescripteurs/liste?ordre=croissant").text
    descending = signed.client.get("/parametres/prescripteurs/liste?ordre=decroissant").text
    assert ascending.index("GENE") < ascending.index("ROY") and descending.index("ROY") < descending.index("GENE")
    roy = prescribers.search_prescribers(admin(db), "roy")[0]
    question = signed.client.get(f"/parametres/prescripteurs/{roy.id}/supprimer").text
    assert "Supprimer le prescripteur ROY Patrick (991000696) ?" in text(question)
    assert "Oui, supprimer" in question and f'href="/parametres/prescripteurs/{roy.id}"' in question
    assert len(prescribers.search_prescribers(admin(db))) == 2   # asking changes nothing
    for label in ("Pansement", "Injection"):
        favourites.create_favourite(admin(db), tit, label, [{"code": "AMI"}])
    found = signed.client.get(f"/parametres/favoris?professionnel={tit}&recherche=inj").text
    assert "Injection" in found and "Pansement" not in found
    both = signed.client.get(f"/parametres/favoris?professionnel={tit}&ordre=decroissant").text
    assert both.index("Pansement") < both.index("Injection")
    fav = favourites.search_favourites(admin(db), tit, "inj")[0]
    asked = signed.client.get(f"/parametres/favoris/{fav.id}/supprimer").text
    assert "Supprimer le favori « Injection » ?" in text(asked)
    assert "Supprimer le titulaire FIRMIER Alain : 99610218 2 ?" in text(
        signed.client.get(f"/parametres/professionnels/{tit}/supprimer").text)
    refused = signed.post(f"/parametres/professionnels/{tit}/supprimer")
    assert refused.status_code == 409 and "remplaçant(s) encore rattaché(s)" in text(refused.text)


def test_amc_conventions_are_listed_filtered_and_added(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    junk = signed.post("/parametres/organismes/conventions", {"signatory_id": "", "amc_number": "trop-long-numero",
                                                              "convention_type": ""})
    assert junk.status_code == 422
    for field in ("signatory_id", "amc_number", "convention_type"):
        assert beside(junk.text, field), field
    added = signed.post("/parametres/organismes/conventions", {"signatory_id": "SP", "amc_number": "75500017",
                                                               "convention_type": "SP", "amc_label": "MDC",
                                                               "dre": "oui"}, follow_redirects=False)
    assert added.status_code == 303 and "numero=75500017" in added.headers["location"]
    shown = signed.client.get(added.headers["location"]).text
    assert "Convention AMC ajoutée." in shown and "MDC" in shown and "1 convention(s)" in shown
    twice = signed.post("/parametres/organismes/conventions", {"signatory_id": "SP", "amc_number": "75500017",
                                                               "convention_type": "SP"})
    assert twice.status_code == 409 and "déjà dans l'annuaire" in beside(twice.text, "convention_type")[0]
    assert "Aucune convention pour le n° AMC « 11111111 »" in text(
        signed.client.get("/parametres/organismes/conventions?numero=11111111").text)
    bad = signed.client.get("/parametres/organismes/conventions?numero=%3F%3F")
    assert bad.status_code == 422 and "Numéro AMC" in text(bad.text)
