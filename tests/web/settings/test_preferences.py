"""A professional's « Profils » › « Préférences » on the web: the ADRi call mode as the manual's three choices, the
billing options, the AMC and STS ones shown as kept at their default, what was chosen kept on a refusal."""

from __future__ import annotations

import re

from fastapi import FastAPI

from feuille.auth import Role
from feuille.practice import preferences
from feuille.storage import Database
from tests.web import support
from tests.web.settings.helpers import admin, beside, text, titulaire_and_remplacant


def _checked(html: str, name: str) -> list[str]:
    """The values of the inputs named ``name`` that are ticked."""
    found = re.findall(r'<input type="(?:radio|checkbox)" name="' + re.escape(name) + r'" value="([^"]*)"[^>]*>', html)
    ticked = re.findall(r'<input type="(?:radio|checkbox)" name="' + re.escape(name)
                        + r'" value="([^"]*)"[^>]*\schecked[^>]*>', html)
    assert found, name
    return ticked


def test_the_manual_s_preferences_are_offered_and_saved(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    tit, _ = titulaire_and_remplacant(db)
    page = signed.client.get(f"/parametres/professionnels/{tit}").text
    shown = text(re.sub(r"<[^>]+>", "", page))
    for words in ("Appel manuel", "Appel automatique ciblé (défaut)", "Appel automatique systématique",
                  "pour toutes les factures, sans exception", "Mettre par défaut à domicile",
                  "Rendre visible la sélection du PS exécutant", "Afficher le récapitulatif des actes/montants",
                  "Moyen de paiement par défaut", "Tiers payant AMC : Tiers payant standard",
                  "Utilisation des STS : oui", "Origine des informations : saisie"):
        assert words in shown, words
    assert _checked(page, "adri_mode") == ["cible"] and _checked(page, "show_amount_recap") == ["oui"]
    saved = signed.post(f"/parametres/professionnels/{tit}/preferences",
                        {"adri_mode": "manuel", "default_payment": "especes", "show_performing_ps": "oui"})
    assert "Préférences enregistrées." in saved.text
    assert _checked(saved.text, "adri_mode") == ["manuel"] and _checked(saved.text, "show_amount_recap") == []
    prefs = preferences.get_preferences(admin(db), tit)
    assert (prefs.adri_mode.value, prefs.default_payment.value, prefs.show_performing_ps,
            prefs.show_amount_recap) == ("manuel", "especes", True, False)


def test_a_refusal_keeps_what_was_chosen(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    tit, _ = titulaire_and_remplacant(db)
    refused = signed.post(f"/parametres/professionnels/{tit}/preferences",
                          {"adri_mode": "systematique", "default_payment": "troc", "home_by_default": "oui"})
    assert refused.status_code == 422 and "Moyen de paiement par défaut" in beside(refused.text, "default_payment")[0]
    assert _checked(refused.text, "adri_mode") == ["systematique"]
    assert _checked(refused.text, "home_by_default") == ["oui"]
    assert preferences.get_preferences(admin(db), tit).adri_mode.value == "cible"   # nothing saved


def test_a_secretary_reads_the_preferences_without_a_form_to_change_them(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    tit, _ = titulaire_and_remplacant(db)
    page = signed.client.get(f"/parametres/professionnels/{tit}").text
    assert "Votre rôle ne permet pas de modifier les préférences" in text(page)
    assert "Enregistrer les préférences" not in page and "<fieldset disabled>" in page.replace("  ", " ")
    refused = signed.post(f"/parametres/professionnels/{tit}/preferences", {"adri_mode": "manuel"})
    assert refused.status_code == 403
    assert preferences.get_preferences(admin(db), tit).adri_mode.value == "cible"
