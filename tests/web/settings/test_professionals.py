"""Professionals, remplaçants, their calendar, preferences and linked user, through HTTP (SQLite, PostgreSQL)."""

from __future__ import annotations

from fastapi import FastAPI

from feuille.auth import Role, list_users
from feuille.practice import preferences, professionals, replacements
from feuille.storage import Database
from tests.web import support
from tests.web.settings.helpers import (
    REMPLACANT,
    TITULAIRE,
    admin,
    audit_count,
    beside,
    last_action,
    text,
    titulaire_and_remplacant,
)


def test_the_settings_page_lists_the_sections_a_role_may_use(app: FastAPI, db: Database) -> None:
    page = support.sign_in(app, db, Role.ADMINISTRATEUR).client.get("/parametres").text
    for title in ("Professionnels de santé", "Organismes", "Prescripteurs", "Mes favoris", "Utilisateurs",
                  "Mon mot de passe", "Journal d'audit"):
        assert title in text(page)
    secretary = support.sign_in(app, db, Role.SECRETAIRE).client.get("/parametres").text
    assert "Prescripteurs" in secretary and "Journal d'audit" not in text(secretary)
    assert '/parametres/utilisateurs"' not in secretary


def test_a_titulaire_is_created_edited_and_deleted(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    created = signed.post("/parametres/professionnels", {**TITULAIRE, "billing_number": "99610218 2",
                                                         "titulaire": ""}, follow_redirects=False)
    assert created.status_code == 303
    address = created.headers["location"].split("?")[0]
    shown = signed.client.get(created.headers["location"]).text
    assert "Professionnel enregistré." in shown and "FIRMIER Alain" in text(shown)
    edited = signed.post(address, {**TITULAIRE, "first_name": "Alain-Paul"})
    assert edited.status_code == 200 and "Données du professionnel enregistrées." in edited.text
    assert professionals.list_professionals(admin(db))[0].first_name == "Alain-Paul"
    assert "FIRMIER Alain-Paul" in text(signed.client.get("/parametres/professionnels").text)
    gone = signed.post(address + "/supprimer")
    assert "Professionnel supprimé." in gone.text and professionals.list_professionals(admin(db)) == []


def test_junk_professional_shows_each_message_beside_its_field(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    answer = signed.post("/parametres/professionnels", {"civility": "Baron", "last_name": "", "first_name": "A_b",
                                                        "billing_number": "123", "specialty": "99",
                                                        "mode": "liberal", "situation": "x", "caisse": "ab",
                                                        "sector": "7", "rpps": "12"})
    assert answer.status_code == 422
    html = answer.text
    assert beside(html, "civility") and "Civilité" in beside(html, "civility")[0]
    assert beside(html, "last_name") == ["Nom : champ obligatoire."]
    for field in ("first_name", "billing_number", "specialty", "situation", "caisse", "sector", "rpps"):
        assert beside(html, field), field
    assert 'value="A_b"' in html and "data-valeurs-serveur" in html   # what was typed comes back
    assert professionals.list_professionals(admin(db)) == []
    duplicate = signed.post("/parametres/professionnels", TITULAIRE)
    assert duplicate.status_code == 200
    again = signed.post("/parametres/professionnels", TITULAIRE)
    assert again.status_code == 409 and "déjà" in beside(again.text, "billing_number")[0]


def test_a_remplacant_is_created_for_a_titulaire_and_his_calendar_changes(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    tit = professionals.register_professional(admin(db), TITULAIRE).id
    ready = signed.client.get(f"/parametres/professionnels/{tit}").text
    assert f'href="/parametres/professionnels?titulaire={tit}#ajout-pro"' in ready
    form = signed.client.get(f"/parametres/professionnels?titulaire={tit}").text
    assert f'<option value="{tit}" selected>' in form and '<option value="remplacant" selected>' in form
    no_titulaire = signed.post("/parametres/professionnels", {**REMPLACANT, "titulaire": ""})
    assert no_titulaire.status_code == 422 and beside(no_titulaire.text, "titulaire")
    created = signed.post("/parametres/professionnels", {**REMPLACANT, "titulaire": str(tit)},
                          follow_redirects=False)
    rempl = int(created.headers["location"].split("?")[0].rsplit("/", 1)[1])
    record = signed.client.get(f"/parametres/professionnels/{rempl}").text
    assert "Liste des titulaires" in record and f"/calendrier/{tit}" in record
    calendar = f"/parametres/professionnels/{rempl}/calendrier/{tit}"
    month = signed.client.get(calendar + "?mois=2026-12").text
    assert 'aria-label="lundi 7 décembre 2026"' in month and "décembre 2026" in month
    added = signed.post(calendar, {"ajouter": "2026-12-07", "mois": "2026-12"})
    assert "Jours de remplacement ajoutés." in added.text
    assert 'name="retirer" value="2026-12-07"' in added.text and 'aria-pressed="true"' in added.text
    typed = signed.post(calendar, {"jours": "08/12/2026 09/12/2026", "operation": "ajouter", "mois": "2026-12"})
    assert typed.status_code == 200
    links = replacements.list_links(admin(db), rempl)
    assert [str(d) for d in links[0].days] == ["2026-12-07", "2026-12-08", "2026-12-09"]
    signed.post(calendar, {"retirer": "2026-12-08", "mois": "2026-12"})
    assert len(replacements.list_links(admin(db), rempl)[0].days) == 2
    junk = signed.post(calendar, {"jours": "31/02/2026 demain", "operation": "ajouter", "mois": "2026-12"})
    assert junk.status_code == 422 and beside(junk.text, "jours") and 'value="31/02/2026 demain"' in junk.text
    assert len(replacements.list_links(admin(db), rempl)[0].days) == 2
    unticked = signed.post(f"/parametres/professionnels/{rempl}/titulaires/{tit}/decocher")
    assert "Titulaire décoché" in unticked.text
    inactive = signed.post(calendar, {"ajouter": "2026-12-10", "mois": "2026-12"})
    assert inactive.status_code == 409 and "décoché" in inactive.text


def test_preferences_are_saved_and_junk_is_named(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    tit, _ = titulaire_and_remplacant(db)
    saved = signed.post(f"/parametres/professionnels/{tit}/preferences",
                        {"adri_mode": "systematique", "default_payment": "cb", "home_by_default": "oui"})
    assert "Préférences enregistrées." in saved.text
    prefs = preferences.get_preferences(admin(db), tit)
    assert prefs.adri_mode.value == "systematique" and prefs.home_by_default and not prefs.show_amount_recap
    junk = signed.post(f"/parametres/professionnels/{tit}/preferences", {"adri_mode": "jamais",
                                                                         "default_payment": "troc"})
    assert junk.status_code == 422 and beside(junk.text, "adri_mode")
    assert preferences.get_preferences(admin(db), tit).adri_mode.value == "systematique"


def test_a_user_is_linked_to_his_professional(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    tit, _ = titulaire_and_remplacant(db)
    login = support.user(db, Role.TITULAIRE)
    linked = signed.post(f"/parametres/professionnels/{tit}/utilisateur", {"login": login})
    assert "Utilisateur lié au professionnel." in linked.text
    secretary = support.user(db, Role.SECRETAIRE)
    wrong = signed.post(f"/parametres/professionnels/{tit}/utilisateur", {"login": secretary})
    assert wrong.status_code == 422 and "rôle" in beside(wrong.text, "login")[0]


def test_only_an_administrator_unlinks_a_professional_s_user(app: FastAPI, db: Database) -> None:
    tit, rempl = titulaire_and_remplacant(db)
    login = support.user(db, Role.TITULAIRE)
    professionals.link_user(admin(db), login, tit)
    titulaire = support.sign_in(app, db, Role.TITULAIRE)
    for pro in (tit, rempl):   # linked or not, the form without a login is refused to whoever lacks the right
        refused = titulaire.post(f"/parametres/professionnels/{pro}/utilisateur", {"login": ""})
        assert refused.status_code == 403 and "n'a pas le droit de gérer les utilisateurs" in text(refused.text)
    assert [u.login for u in list_users(admin(db)) if u.professional_id == tit] == [login]
    unlinked = support.sign_in(app, db, Role.ADMINISTRATEUR).post(f"/parametres/professionnels/{tit}/utilisateur",
                                                                  {"login": ""})
    assert "Utilisateur lié au professionnel." in unlinked.text
    assert [u.login for u in list_users(admin(db)) if u.professional_id == tit] == []


def test_a_secretary_may_not_create_a_professional(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    before = audit_count(db)
    refused = signed.post("/parametres/professionnels", TITULAIRE)
    assert refused.status_code == 403 and "n'a pas le droit de gérer les professionnels" in text(refused.text)
    assert professionals.list_professionals(admin(db)) == []
    assert audit_count(db) == before + 1 and last_action(db) == "access.denied"
