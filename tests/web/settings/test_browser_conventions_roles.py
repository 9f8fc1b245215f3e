"""In a real browser: the AMC conventions file imported (refused, then accepted), one convention edited and
disabled, and a user's role changed by an administrator."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect

from feuille.auth import Role, list_users
from feuille.practice import amc_conventions, preferences
from feuille.storage import Database
from tests.web import support
from tests.web.settings.helpers import admin, titulaire_and_remplacant

AMC = "1100000000"
HEADER = ("id_signataire;libelle_signataire;convention_groupe;type_convention;critere_secondaire;type_accord;"
          "numero_amc;libelle_amc;desactivee;dre;pec_obligatoire\n")
GOOD = HEADER + f"{AMC};Zz1;;CM;T;;{AMC};MUT TEST CNDA;0;oui;oui\n{AMC};Zz1;;CM;;;{AMC};MUT TEST CNDA;0;non;non\n"


def test_the_conventions_file_is_imported_and_one_convention_edited(page: Page, live: str, db: Database,
                                                                    tmp_path: Path) -> None:
    bad, good = tmp_path / "mauvais.csv", tmp_path / "annuaire.csv"
    bad.write_text(GOOD + f"{AMC};;;CM;Y;;;;0;;\n", encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    page.goto(f"{live}/parametres/organismes/conventions")
    page.get_by_label("Fichier CSV").set_input_files(str(bad))
    page.get_by_role("button", name="Importer le fichier").click()
    expect(page.get_by_role("alert")).to_contain_text("Fichier refusé, rien n'a été importé : ligne 4 : N° AMC")
    expect(page.locator("#fichier-erreur")).to_contain_text("ligne 4 : N° AMC : champ obligatoire.")
    expect(page.get_by_label("Fichier CSV")).to_have_attribute("aria-invalid", "true")
    assert amc_conventions.list_conventions(admin(db)) == []
    support.screenshot(page, "conventions-import-refuse")

    page.get_by_label("Fichier CSV").set_input_files(str(good))
    page.get_by_role("button", name="Importer le fichier").click()
    expect(page.get_by_role("status")).to_have_text(
        "Fichier importé : 2 convention(s) ajoutée(s), 0 mise(s) à jour, 0 inchangée(s) ; aucune ligne refusée.")
    expect(page.get_by_role("table")).to_contain_text("MUT TEST CNDA")
    support.screenshot(page, "conventions")

    page.get_by_role("link", name=f"Convention CM / T du signataire {AMC} pour l'AMC {AMC}").click()
    expect(page.get_by_role("heading", name="Modifier la convention")).to_be_visible()
    page.get_by_label("Lib. AMC").fill("Mutuelle test")
    page.get_by_label("PEC obligatoire").uncheck()
    page.get_by_role("button", name="Enregistrer la convention").click()
    expect(page.get_by_role("status")).to_have_text("Convention AMC modifiée.")
    page.get_by_role("button", name="Désactiver la convention").click()
    expect(page.get_by_role("status")).to_contain_text("Convention AMC désactivée")
    expect(page.get_by_role("button", name="Réactiver la convention")).to_be_visible()
    support.screenshot(page, "convention")
    found = [v for v in amc_conventions.list_conventions(admin(db)) if v.secondary_criterion == "T"]
    assert [(v.amc_label, v.pec_required, v.disabled) for v in found] == [("Mutuelle test", False, True)]


def test_an_administrator_changes_a_user_s_role(page: Page, live: str, app: FastAPI, db: Database) -> None:
    marie = support.sign_in(app, db, Role.SECRETAIRE, "marie")
    marie_id = next(u.id for u in list_users(admin(db)) if u.login == "marie")
    support.browser_sign_in(page, live, support.user(db, Role.ADMINISTRATEUR))
    page.goto(f"{live}/parametres/utilisateurs")
    page.get_by_role("link", name="marie").click()
    expect(page.get_by_role("heading", name="Rôle et nom")).to_be_visible()
    page.get_by_role("combobox", name="Rôle").select_option("titulaire")
    page.get_by_label("Nom affiché").fill("Marie Curie")
    page.get_by_role("button", name="Enregistrer le rôle et le nom").click()
    expect(page.get_by_role("status")).to_contain_text("Utilisateur modifié")
    expect(page.get_by_text("Marie Curie — titulaire — actif")).to_be_visible()
    support.screenshot(page, "utilisateur-role")
    assert marie.client.get("/", follow_redirects=False).status_code == 303   # her session ended
    page.goto(f"{live}/parametres/utilisateurs/{marie_id}")
    own = next(u.id for u in list_users(admin(db)) if u.login == "u_administrateur")
    page.goto(f"{live}/parametres/utilisateurs/{own}")
    page.get_by_role("combobox", name="Rôle").select_option("secretaire")
    page.get_by_role("button", name="Enregistrer le rôle et le nom").click()
    expect(page.locator("#role-erreur")).to_contain_text("propre rôle")
    expect(page.get_by_role("combobox", name="Rôle")).to_have_value("secretaire")   # what was chosen stays


def test_the_preferences_as_the_manual_s_profile_screen(page: Page, live: str, db: Database) -> None:
    tit, _ = titulaire_and_remplacant(db)
    support.browser_sign_in(page, live, support.user(db, Role.ADMINISTRATEUR))
    page.goto(f"{live}/parametres/professionnels/{tit}")
    expect(page.get_by_role("radio", name="Appel automatique ciblé (défaut)")).to_be_checked()
    page.get_by_role("radio", name="Appel manuel").check()
    page.get_by_role("checkbox", name="Mettre par défaut à domicile").check()
    page.get_by_role("combobox", name="Moyen de paiement par défaut").select_option("cb")
    page.get_by_role("button", name="Enregistrer les préférences").click()
    expect(page.get_by_role("status")).to_have_text("Préférences enregistrées.")
    expect(page.get_by_role("radio", name="Appel manuel")).to_be_checked()
    page.locator("#prefs").scroll_into_view_if_needed()
    support.screenshot(page, "preferences")
    prefs = preferences.get_preferences(admin(db), tit)
    assert (prefs.adri_mode.value, prefs.home_by_default, prefs.default_payment.value) == ("manuel", True, "cb")
