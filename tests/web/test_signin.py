"""Sign-in, sessions, CSRF and the rate limit, through HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from feuille import audit, signin
from feuille.auth import Context, Role, actor_for, utc_now
from feuille.errors import PermissionDeniedError, ValidationError
from feuille.storage import Database
from tests.web import support


def test_a_page_without_a_session_leads_to_sign_in_then_back(app: FastAPI, db: Database) -> None:
    login = support.user(db, Role.SECRETAIRE)
    client = TestClient(app)
    answer = client.get("/connexion?suite=/patients", follow_redirects=False)
    assert answer.status_code == 200 and 'value="/patients"' in answer.text
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/connexion"
    signed = client.post("/connexion", data={"identifiant": login, "mot_de_passe": support.PASSWORD,
                                             "suite": "/patients"}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/patients"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_wrong_password_is_refused_in_french_and_the_form_keeps_the_login(app: FastAPI, db: Database) -> None:
    login = support.user(db, Role.TITULAIRE)
    answer = TestClient(app).post("/connexion", data={"identifiant": login, "mot_de_passe": "faux", "suite": "/"})
    assert answer.status_code == 400
    assert "Identifiant ou mot de passe incorrect." in answer.text and f'value="{login}"' in answer.text


def test_the_suite_never_leaves_the_site(app: FastAPI, db: Database) -> None:
    login = support.user(db, Role.TITULAIRE)
    answer = TestClient(app).post("/connexion", data={"identifiant": login, "mot_de_passe": support.PASSWORD,
                                                      "suite": "//ailleurs.example/x"}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_five_failures_lock_the_login_for_a_while(db: Database) -> None:
    login = support.user(db, Role.TITULAIRE)
    now = utc_now()
    for _ in range(signin.MAX_FAILURES_PER_LOGIN):
        with pytest.raises(ValidationError):
            signin.sign_in(db, login, "faux", "10.0.0.1", now)
    with pytest.raises(PermissionDeniedError) as refused:
        signin.sign_in(db, login, support.PASSWORD, "10.0.0.2", now)   # even the right password, elsewhere
    assert refused.value.code == "connexion_limitee" and "Trop d'essais" in refused.value.message
    later = now + signin.WINDOW + timedelta(seconds=1)
    assert signin.sign_in(db, login, support.PASSWORD, "10.0.0.2", later).actor.login == login


def test_an_unknown_login_and_a_disabled_user_are_refused_alike(db: Database) -> None:
    with pytest.raises(ValidationError) as unknown:
        signin.sign_in(db, "personne", support.PASSWORD, "10.0.0.1")
    assert unknown.value.code == "connexion_refusee"


def test_a_session_ends_when_idle_and_at_its_lifetime(db: Database) -> None:
    login = support.user(db, Role.TITULAIRE)
    now = utc_now()
    opened = signin.sign_in(db, login, support.PASSWORD, "10.0.0.1", now)
    assert signin.resolve(db, opened.token, now + timedelta(minutes=29)) is not None
    assert signin.resolve(db, opened.token, now + timedelta(minutes=29) + signin.IDLE + timedelta(seconds=1)) is None
    steady = now
    for _ in range(int(signin.LIFETIME / timedelta(minutes=20)) + 1):
        steady += timedelta(minutes=20)
        seen = signin.resolve(db, opened.token, steady)
    assert seen is None   # used every 20 minutes, but past its 12 hours
    assert signin.resolve(db, "inconnu", now) is None and signin.resolve(db, None, now) is None


def test_signing_out_ends_the_session_everywhere(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    assert signed.post("/deconnexion", follow_redirects=False).status_code == 303
    assert signed.client.get("/", follow_redirects=False).status_code == 303


def test_a_changed_password_closes_the_open_sessions(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    admin = Context(db=db, actor=actor_for(db, "admin"))
    signin.set_password(admin, signed.login, "un-autre-mot-de-passe")
    assert signed.client.get("/", follow_redirects=False).status_code == 303


def test_a_short_password_is_refused(db: Database) -> None:
    admin = Context(db=db, actor=actor_for(db, "admin"))
    with pytest.raises(ValidationError) as refused:
        signin.set_password(admin, "admin", "court")
    assert refused.value.code == "mot_de_passe_court"


def test_a_change_without_the_csrf_token_is_refused(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.client.post("/deconnexion", data={"csrf": "faux"}, follow_redirects=False)
    assert answer.status_code == 403 and "La page a expiré" in answer.text
    assert signed.client.get("/", follow_redirects=False).status_code == 200   # still signed in


def test_the_api_signs_in_with_a_bearer_token_without_csrf(app: FastAPI, db: Database) -> None:
    login = support.user(db, Role.SECRETAIRE)
    client = TestClient(app)
    opened = client.post("/api/session", json={"identifiant": login, "mot_de_passe": support.PASSWORD})
    assert opened.status_code == 200
    bearer = {"Authorization": f"Bearer {opened.json()['jeton']}"}
    me = client.get("/api/moi", headers=bearer)
    assert me.json()["role_libelle"] == "secrétaire"
    assert client.delete("/api/session", headers=bearer).status_code == 204
    assert client.get("/api/moi", headers=bearer).status_code == 401


def test_the_api_answers_a_bad_body_with_french_field_errors(app: FastAPI) -> None:
    answer = TestClient(app).post("/api/session", json={"identifiant": "", "autre": 1})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "requete_invalide"
    fields = {problem["field"]: problem["message"] for problem in body["problems"]}
    assert fields == {"identifiant": "Texte trop court.", "mot_de_passe": "Champ obligatoire.",
                      "autre": "Champ inconnu."}
    assert TestClient(app).get("/api/moi").json()["code"] == "non_connecte"


def test_sign_in_and_out_are_audited(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    signed.post("/deconnexion")
    assert audit.verify(db).ok



def test_a_password_typed_twice_differently_is_refused(db: Database) -> None:
    admin = Context(db=db, actor=actor_for(db, "admin"))
    with pytest.raises(ValidationError) as refused:
        signin.set_password(admin, "admin", "un-mot-de-passe-long", "un-autre-mot-de-passe")
    assert refused.value.code == "confirmation_differente" and refused.value.field == "confirmation"
    signin.set_password(admin, "admin", "un-mot-de-passe-long", "un-mot-de-passe-long")
    assert signin.sign_in(db, "admin", "un-mot-de-passe-long", "10.0.0.1").actor.login == "admin"


def test_the_product_hashes_with_argon2id_at_its_own_cost() -> None:
    """The tests hash passwords with the lightest argon2id (tests/conftest.py); the product, in a process of its
    own, keeps argon2-cffi's RFC 9106 profile: argon2id, 64 MiB, 3 passes, 4 lanes."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "from feuille import signin; print(signin._hasher.hash('x' * 12)); "
                           "print(signin._DUMMY_HASH)"], capture_output=True, text=True, check=True, timeout=60)
    hashed, dummy = done.stdout.split()
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and dummy.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert signin._hasher.verify(hashed, "x" * 12)   # a product hash is checked whatever hasher checks it
