"""An administrator changes a user's role and name on /parametres/utilisateurs/{id}, through HTTP."""

from __future__ import annotations

from fastapi import FastAPI

from feuille.auth import Role, list_users
from feuille.storage import Database
from tests.web import support
from tests.web.settings.helpers import admin, audit_count, beside, last_action, text


def _account(db: Database, login: str) -> tuple[int, str, str]:
    found = next(u for u in list_users(admin(db)) if u.login == login)
    return found.id, found.role.value, found.display_name


def test_a_new_role_applies_at_once(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    marie = support.sign_in(app, db, Role.SECRETAIRE, "marie")
    assert marie.client.get("/parametres/journal").status_code == 403        # a secretary reads no audit log
    marie_id = _account(db, "marie")[0]
    shown = signed.client.get(f"/parametres/utilisateurs/{marie_id}").text
    assert "Rôle et nom" in shown and 'value="secretaire" selected' in shown
    changed = signed.post(f"/parametres/utilisateurs/{marie_id}", {"role": "titulaire",
                                                                   "display_name": "Marie Curie"},
                          follow_redirects=False)
    assert changed.status_code == 303
    assert "Utilisateur modifié" in signed.client.get(changed.headers["location"]).text
    assert _account(db, "marie")[1:] == ("titulaire", "Marie Curie") and last_action(db) == "user.update"
    assert marie.client.get("/", follow_redirects=False).status_code == 303   # her session ended
    again = support.sign_in(app, db, Role.TITULAIRE, "marie")   # signs in again: the titulaire's rights
    assert again.client.get("/parametres/journal").status_code == 200
    same = signed.post(f"/parametres/utilisateurs/{marie_id}", {"role": "titulaire", "display_name": "Marie Curie"})
    assert "Rien n'a changé." in text(same.text)


def test_refusals_are_shown_beside_the_role_and_keep_what_was_typed(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    own_id = _account(db, signed.login)[0]
    itself = signed.post(f"/parametres/utilisateurs/{own_id}", {"role": "secretaire", "display_name": "Moi-même"})
    assert itself.status_code == 422 and "propre rôle" in beside(itself.text, "role")[0]
    assert 'value="Moi-même"' in itself.text and 'value="secretaire" selected' in itself.text
    assert "propre rôle" in text(itself.text.split('id="role"')[0])   # also said at the top
    junk = signed.post(f"/parametres/utilisateurs/{own_id}", {"role": "roi", "display_name": "x" * 200})
    assert junk.status_code == 422 and "Rôle « roi » inconnu" in beside(junk.text, "role")[0]
    long = signed.post(f"/parametres/utilisateurs/{own_id}", {"role": "administrateur", "display_name": "x" * 200})
    assert long.status_code == 422 and "128" in beside(long.text, "display_name")[0]
    assert _account(db, signed.login)[1] == "administrateur"
    assert signed.client.get("/parametres/utilisateurs/99999").status_code == 404


def test_a_secretary_may_not_change_a_role(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    admin_id = _account(db, "admin")[0]
    shown = signed.client.get(f"/parametres/utilisateurs/{admin_id}").text
    assert "Rôle et nom" not in shown and "Définir son mot de passe" not in shown and "Désactiver" not in shown
    assert "Seul un administrateur change le rôle" in text(shown)
    before = audit_count(db)
    refused = signed.post(f"/parametres/utilisateurs/{_account(db, signed.login)[0]}", {"role": "administrateur"})
    assert refused.status_code == 403 and "n'a pas le droit de gérer les utilisateurs" in text(refused.text)
    assert _account(db, signed.login)[1] == "secretaire"
    assert audit_count(db) == before + 1 and last_action(db) == "access.denied"
