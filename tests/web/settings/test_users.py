"""Users (create, password, disable), one's own password and the audit log, through HTTP."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from feuille import signin
from feuille.auth import Role, list_users
from feuille.storage import Database
from feuille.storage.models import AuditEntry
from tests.web import support
from tests.web.settings.helpers import admin, audit_count, beside, last_action, text


def _logins(db: Database) -> dict[str, bool]:
    return {u.login: u.active for u in list_users(admin(db))}


def test_an_administrator_creates_a_user_sets_his_password_and_disables_him(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    created = signed.post("/parametres/utilisateurs", {"login": "marie", "display_name": "Marie Curie",
                                                       "role": "secretaire"}, follow_redirects=False)
    assert created.status_code == 303
    account = created.headers["location"].split("?")[0]
    assert "Utilisateur créé." in signed.client.get(created.headers["location"]).text
    assert _logins(db)["marie"] is True
    differ = signed.post(account + "/mot-de-passe", {"mot_de_passe": "un-mot-de-passe-long",
                                                     "confirmation": "un-autre"})
    assert differ.status_code == 422 and beside(differ.text, "confirmation")
    short = signed.post(account + "/mot-de-passe", {"mot_de_passe": "court", "confirmation": "court"})
    assert short.status_code == 422 and "au moins 10" in beside(short.text, "mot_de_passe")[0]
    done = signed.post(account + "/mot-de-passe", {"mot_de_passe": "un-mot-de-passe-long",
                                                   "confirmation": "un-mot-de-passe-long"})
    assert "Mot de passe enregistré" in done.text
    marie = TestClient(app)
    assert marie.post("/connexion", data={"identifiant": "marie", "mot_de_passe": "un-mot-de-passe-long",
                                          "suite": "/"}, follow_redirects=False).status_code == 303
    disabled = signed.post(account + "/desactiver")
    assert "Utilisateur désactivé" in disabled.text and _logins(db)["marie"] is False
    assert marie.get("/", follow_redirects=False).status_code == 303   # her session ended
    assert "Utilisateur réactivé." in signed.post(account + "/activer").text and _logins(db)["marie"]
    listed = signed.client.get("/parametres/utilisateurs").text
    assert "Marie Curie" in listed and "secrétaire" in listed


def test_junk_user_shows_each_message_beside_its_field(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    bad_login = signed.post("/parametres/utilisateurs", {"login": "é é!", "display_name": "X", "role": "secretaire"})
    assert bad_login.status_code == 422 and "Identifiant" in beside(bad_login.text, "login")[0]
    bad_role = signed.post("/parametres/utilisateurs", {"login": "paul", "display_name": "", "role": "roi"})
    assert bad_role.status_code == 422 and "Rôle « roi » inconnu" in beside(bad_role.text, "role")[0]
    taken = signed.post("/parametres/utilisateurs", {"login": "admin", "display_name": "", "role": "secretaire"})
    assert taken.status_code == 409 and "existe déjà" in beside(taken.text, "login")[0]
    assert set(_logins(db)) == {"admin", signed.login}
    me = next(u for u in list_users(admin(db)) if u.login == signed.login)
    itself = signed.post(f"/parametres/utilisateurs/{me.id}/desactiver")
    assert itself.status_code == 422 and "propre compte" in text(itself.text) and _logins(db)[signed.login]


def test_a_secretary_is_refused_the_user_administration(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    listed = signed.client.get("/parametres/utilisateurs").text
    assert "Créer un utilisateur" not in listed and "Seul un administrateur" in text(listed)
    before = audit_count(db)
    refused = signed.post("/parametres/utilisateurs", {"login": "pirate", "display_name": "", "role": "administrateur"})
    assert refused.status_code == 403 and "Accès refusé" in refused.text
    assert "n'a pas le droit de gérer les utilisateurs" in text(refused.text)
    assert audit_count(db) == before + 1 and last_action(db) == "access.denied"
    admin_id = next(u.id for u in list_users(admin(db)) if u.login == "admin")
    for action, data in (("mot-de-passe", {"mot_de_passe": "un-mot-de-passe-long",
                                           "confirmation": "un-mot-de-passe-long"}), ("desactiver", {})):
        answer = signed.post(f"/parametres/utilisateurs/{admin_id}/{action}", data)
        assert answer.status_code == 403, action
    assert "pirate" not in _logins(db) and _logins(db)["admin"] is True
    assert audit_count(db) == before + 3


def test_each_user_changes_his_own_password(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    junk = signed.post("/parametres/mot-de-passe", {"mot_de_passe_actuel": "faux", "mot_de_passe": "court",
                                                    "confirmation": "autre"})
    assert junk.status_code == 422
    assert beside(junk.text, "mot_de_passe_actuel") == ["Mot de passe actuel incorrect."]
    assert "au moins 10" in beside(junk.text, "mot_de_passe")[0] and beside(junk.text, "confirmation")
    changed = signed.post("/parametres/mot-de-passe", {"mot_de_passe_actuel": support.PASSWORD,
                                                       "mot_de_passe": "un-nouveau-mot-de-passe",
                                                       "confirmation": "un-nouveau-mot-de-passe"},
                          follow_redirects=False)
    assert changed.status_code == 303
    back = signed.client.get(changed.headers["location"], follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"].startswith("/connexion?suite=")   # signed out
    signin.sign_in(db, signed.login, "un-nouveau-mot-de-passe", "10.0.0.3")


def test_the_audit_log_pages_and_its_verification(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    shown = signed.client.get("/parametres/journal").text
    assert "session.open" in shown and "page 1 sur 1" in shown
    intact = signed.client.get("/parametres/journal?verifier=true").text
    assert "Journal intègre" in intact
    with db.engine.begin() as conn:
        conn.execute(sa.update(AuditEntry).where(AuditEntry.id == 1).values(data='{"login":"pirate"}'))
    altered = signed.client.get("/parametres/journal?verifier=true").text
    assert "Journal altéré" in altered and "Entrée 1 : son contenu a été modifié." in altered
    assert signed.client.get("/parametres/journal?page=0").status_code == 422
    assert signed.client.get("/parametres/journal?page=abc").status_code == 422


def test_a_secretary_may_not_read_the_audit_log(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    before = audit_count(db)
    refused = signed.client.get("/parametres/journal?verifier=true")
    assert refused.status_code == 403 and "vérifier le journal" in text(refused.text)
    assert audit_count(db) == before + 1 and last_action(db) == "access.denied"
