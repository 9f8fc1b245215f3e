"""The offline page's shell, its service worker and the small JSON call telling the page who is signed in."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from feuille.auth import Role
from feuille.storage import Database
from tests.web import support


def test_the_shell_holds_no_session_data_even_signed_in(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    page = signed.client.get("/hors-ligne")
    anonymous = TestClient(app).get("/hors-ligne")
    assert page.status_code == anonymous.status_code == 200
    assert page.text == anonymous.text   # one shell for everyone: what the service worker keeps
    assert signed.csrf not in page.text and signed.login not in page.text
    for label in ("Le patient est l'assuré", "Le NIR est connu", "Nom*", "Prénom*", "NIR*", "Clé*",
                  "Date de naissance", "Rang", "Date des soins*", "Note", "Masquer", "+ Ajouter",
                  "n'effacez pas le cache"):
        assert label in page.text, label
    for field in re.findall(r'<input id="([^"]+)"', page.text):
        assert f'for="{field}"' in page.text, field


def test_the_session_call_gives_the_login_and_token_or_says_signed_out(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.client.get("/hors-ligne/session")
    assert answer.json() == {"connecte": True, "identifiant": signed.login, "nom": "Utilisateur secretaire",
                             "csrf": signed.csrf}
    assert answer.headers["cache-control"] == "no-store"
    assert TestClient(app).get("/hors-ligne/session").json() == {"connecte": False}


def test_the_service_worker_is_served_from_the_root_with_local_workbox(app: FastAPI, db: Database) -> None:
    answer = TestClient(app).get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["service-worker-allowed"] == "/"
    script = answer.text
    assert 'modulePathPrefix: "/static/vendor/workbox/"' in script and "googleapis" not in script
    kept = re.search(r"self\.FEUILLE_PRECACHE = (\[.*\]);", script)
    assert kept is not None
    urls = re.findall(r'"url": "([^"]+)"', kept.group(1))
    assert "/hors-ligne" in urls and "/static/vendor/idb/umd.js" in urls
    for url in urls:   # every file it keeps is served (a missing one would fail the worker's install)
        assert TestClient(app).get(url).status_code == 200, url
    for module in ("workbox-sw.js", "workbox-core.prod.js", "workbox-precaching.prod.js",
                   "workbox-routing.prod.js", "workbox-strategies.prod.js"):
        assert TestClient(app).get(f"/static/vendor/workbox/{module}").status_code == 200, module


def test_signed_in_pages_show_the_indicator_and_the_home_links_the_offline_page(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    home = signed.client.get("/").text
    assert "data-connexion" in home and "/static/offline/connexion.js" in home
    assert 'href="/hors-ligne"' in home
    assert 'href="/hors-ligne"' in signed.client.get("/factures/a-saisir").text
