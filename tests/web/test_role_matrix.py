"""Every route × every role (and no session): no 500, no access without a session, no 403 beyond the role.

Built over ``app.routes``, so it holds for every route that exists when it runs. Each route declares what the
service behind it requires (``feuille.api.deps.needs``); the service enforces it, this test checks that the
declaration and the answers agree:

- no session: a page sends the browser to /connexion, the API answers 401 (a route declared public answers);
- a role that has every permission the route declares is never refused for its role (a 403 from a rule about the
  record, such as « only the professional himself », may still happen; a permission declared ``depending`` on the
  request, such as the final signature's, may refuse a role that lacks it);
- a role that lacks one never succeeds (no 2xx, no 3xx), and its 403 is the French page or the JSON error;
- nothing answers 5xx, whoever asks.

Calls: GET without parameters, POST (PUT, PATCH, DELETE) with an empty form or JSON body and the CSRF token; a
path parameter is the id of a record the fixtures made (the demo practice and one draft invoice).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from feuille.api.deps import Needs, declared_needs
from feuille.auth import GRANTS, ROLE_LABELS, Context, Role, actor_for, create_user
from feuille.billing import drafts
from feuille.demo import load_demo
from feuille.storage import Database
from feuille.storage.models import Base  # tests may read the models; interfaces may not
from tests.web import support

#: Routes the matrix does not call: the sign-in itself (its own tests cover it).
SIGN_IN = {("GET", "/connexion"), ("POST", "/connexion"), ("POST", "/api/session")}
#: FastAPI's own routes (the schema and its documentation page): public, cannot declare.
BUILT_IN = {"/api/openapi.json", "/api/docs", "/docs/oauth2-redirect"}
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}
PARAM = re.compile(r"{([^}:]+)(?::([^}]+))?}")


#: A consultation of the demo practice (its doctor, one of its patients), so that invoice pages have a record.
CONSULTATION = {"patient": {"nir": "142196296516596", "rank": 1}, "professional": "00103390 1",
                "coverage": {"nature": "maladie", "exoneration": "0", "parcours": "T"}, "amc": None,
                "acts": [{"code": "G"}, {"code": "MD"}], "payer": {"tp_amo": True}}


def _api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def checked_routes(app: FastAPI) -> list[tuple[str, str, Needs | None, bool]]:
    """(method, path, declaration, built-in) for every route the matrix calls, reads first, deletions last."""
    found = []
    for route in iter_route_contexts(app.routes):
        path = route.path or repr(route.original_route)
        if isinstance(route.original_route, Mount):
            continue   # /static
        if isinstance(route.original_route, APIRoute):
            found.extend((method, path, declared_needs(route), False) for method in route.methods or ()
                         if (method, path) not in SIGN_IN)
        elif isinstance(route.original_route, Route) and path in BUILT_IN:
            found.extend((method, path, Needs((), public=True), True) for method in route.methods or ()
                         if method != "HEAD")
        else:
            found.append(("GET", path, None, False))
    return sorted(found, key=lambda r: (METHOD_ORDER.get(r[0], 9), r[1]))


def test_every_route_declares_what_its_service_requires(app: FastAPI) -> None:
    undeclared = sorted(f"{method} {path}" for method, path, needs, built_in in checked_routes(app)
                        if needs is None and not built_in)
    assert not undeclared, (
        "Routes sans déclaration de permission (ajoutez dependencies=[needs(Permission.X)] de "
        "feuille.api.deps, needs() si toute session suffit, needs(public=True) sans session) :\n  "
        + "\n  ".join(undeclared))


@dataclass
class Identity:
    role: Role | None
    signed: support.Signed | None
    client: TestClient


def _record_ids(db: Database) -> dict[str, int]:
    """The smallest id of every table (``invoices`` -> 12), to fill ``{invoice_id}``-like path parameters."""
    ids: dict[str, int] = {}
    with db.read() as session:
        for name, table in Base.metadata.tables.items():
            if "id" in table.c:
                first = session.scalar(sa.select(sa.func.min(table.c.id)))
                if first is not None:
                    ids[name] = int(first)
    return ids


def path_value(name: str, ids: dict[str, int]) -> str:
    """An existing record's id for ``{name}``: ``invoice_id`` -> invoices, ``patient`` -> patients…"""
    stem = name.removesuffix("_id").removesuffix("id").rstrip("_")
    for table in (f"{stem}s", stem, f"{stem}es", f"{stem[:-1]}ies" if stem.endswith("y") else stem):
        if table in ids:
            return str(ids[table])
    return "1"


def fill(path: str, ids: dict[str, int]) -> str:
    return PARAM.sub(lambda m: path_value(m.group(1), ids), path)


@pytest.fixture
def practice(db: Database) -> dict[str, int]:
    return demo_practice(db)


def demo_practice(db: Database) -> dict[str, int]:
    """The demo practice and one draft invoice; the smallest id of every table (see :func:`fill`)."""
    admin = Context(db=db, actor=actor_for(db, "admin"))
    load_demo(admin)
    drafts.create_draft(admin, {**CONSULTATION, "date": date.today().isoformat()})
    ids = _record_ids(db)
    # {user_id}: a user of its own, so that a route acting on a user (disable, password) spares the others
    ids["users"] = create_user(admin, "matrice", "Utilisateur de la matrice", Role.SECRETAIRE)
    return ids


def _call(who: Identity, method: str, url: str) -> Any:
    headers = {"X-CSRF-Token": who.signed.csrf} if who.signed else {}
    if method == "GET":
        return who.client.get(url, follow_redirects=False)
    if _api(url):
        body = {} if method in ("POST", "PUT", "PATCH") else None
        return who.client.request(method, url, json=body, headers=headers, follow_redirects=False)
    data = {"csrf": who.signed.csrf} if who.signed else {}
    return who.client.request(method, url, data=data, follow_redirects=False)


def _lacks(role: Role, needs: Needs) -> bool:
    return any(role not in GRANTS[permission] for permission in needs.permissions)


def _problem(who: Identity, method: str, path: str, needs: Needs | None, answer: Any) -> str | None:
    status = answer.status_code
    if status >= 500:
        return f"{status} (erreur serveur)"
    if needs is None:
        return None   # undeclared: listed by the test above; only the 5xx are checked here
    if who.role is None:
        if needs.public:
            return "demande de connexion sur une route publique" if status == 401 or "/connexion" in \
                answer.headers.get("location", "") else None
        if _api(path):
            return None if status == 401 else f"{status} sans session (401 attendu)"
        if status == 303 and answer.headers.get("location", "").startswith("/connexion"):
            return None
        return f"{status} sans session (redirection vers /connexion attendue)"
    lacking = _lacks(who.role, needs)
    # a permission required for some requests only (needs(..., depending=...)) may refuse the role for this one
    may_lack = any(who.role not in GRANTS[permission] for permission in needs.depending)
    if status == 403 and not lacking and not may_lack and _refused_for_the_role(who, path, answer):
        return f"403 alors que le rôle a {', '.join(sorted(needs.permissions)) or 'toute session'}"
    if lacking and status < 400:
        return f"{status} alors que le rôle n'a pas {', '.join(sorted(needs.permissions))}"
    if status == 403:
        french = answer.json().get("message") if _api(path) else "Accès refusé" in answer.text
        if not french:
            return "403 sans le refus en français"
    return None


def _refused_for_the_role(who: Identity, path: str, answer: Any) -> bool:
    """A 403 from ``feuille.auth.require`` (the role lacks a permission), not from a rule about the record (« only
    the professional himself or an administrator »: code ``not_own_professional``), which any role may meet."""
    if _api(path):
        return bool(answer.json().get("code") == "permission_denied")
    assert who.role is not None and who.signed is not None
    said = f"L'utilisateur « {who.signed.login} » ({ROLE_LABELS[who.role]}) n'a pas le droit de"
    return said in html.unescape(answer.text)


def test_every_role_on_every_route(app: FastAPI, db: Database, practice: dict[str, int]) -> None:
    identities = [Identity(None, None, TestClient(app))]
    for role in (Role.SECRETAIRE, Role.REMPLACANT, Role.TITULAIRE, Role.ADMINISTRATEUR):
        signed = support.sign_in(app, db, role)
        identities.append(Identity(role, signed, signed.client))
    routes = checked_routes(app)
    assert any(path == "/" for _, path, _, _ in routes) and any(path == "/api/moi" for _, path, _, _ in routes)
    problems = []
    for method, path, needs, _ in routes:
        url = fill(path, practice)
        for who in identities:
            answer = _call(who, method, url)
            problem = _problem(who, method, path, needs, answer)
            if problem:
                problems.append(f"{method} {url} [{who.role or 'sans session'}] : {problem}")
            if who.signed and method != "GET" and who.client.get("/api/moi").status_code != 200:
                who.signed = support.sign_in(app, db, who.role)   # the route ended the session (sign-out)
                who.client = who.signed.client
    assert not problems, "\n".join(problems)
