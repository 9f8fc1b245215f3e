"""Every page POST route with junk: nothing, huge text, numbers and dates that are none, non-UTF-8 bytes, fields
sent twice, a body that is not the form (or the JSON) the route reads. The answer is a French page (or, for the
routes the desk's scripts call, the French JSON error), never a 5xx, never a framework's English message.

Built over ``app.routes`` as the role matrix is, so a route added later gets the same junk. Field names are those
the templates and the pages name (``name="…"``, ``form.get("…")``), so the junk reaches the services.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from feuille.api.deps import declared_needs
from feuille.auth import GRANTS, Context, Role, actor_for, create_user
from feuille.billing import drafts
from feuille.demo import load_demo
from feuille.storage import Database
from tests.web import support
from tests.web.test_role_matrix import CONSULTATION, _record_ids, fill

WEB = Path(__file__).resolve().parents[3] / "src" / "feuille" / "web"
#: the sign-in and sign-out have their own tests (signing out here would end the session the junk needs)
SKIPPED = {"/connexion", "/deconnexion"}
ENGLISH = ("Internal Server Error", "Traceback", "There was an error", "Field required", "Input should",
           "value is not", "Method Not Allowed", "Not Found", "Unprocessable", "Bad Request")
JUNK_VALUES = ["abc", "-1", "9" * 40, "1e309", "NaN", "0", "31/02/2025", "\x00", "😴", "<script>x</script>", " ",
               "1,5,7", "oui", "2025-13-45", "00000000", "é" * 300]


def field_names() -> list[str]:
    """Every field name a template or a page names."""
    names: set[str] = set()
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        names.update(re.findall(r'\bname="([A-Za-z0-9_\-]+)"', text))
        names.update(re.findall(r'\b(?:input|select|textarea|choix|case)\(\s*"([A-Za-z0-9_\-]+)"', text))
    for module in (WEB / "pages").glob("*.py"):
        text = module.read_text(encoding="utf-8")
        names.update(re.findall(r'\b(?:form|values|typed|data)\.get(?:list)?\(\s*"([A-Za-z0-9_\-]+)"', text))
        names.update(re.findall(r'\b(\w+): Annotated\[[^\]]*Form\(', text))
    names.discard("csrf")
    return sorted(names)


def page_posts(app: FastAPI) -> list[tuple[str, str, Any]]:
    found = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or (route.path or "").startswith("/api"):
            continue
        for method in sorted(route.methods or ()):
            if method != "GET" and route.path not in SKIPPED:
                found.append((method, route.path or "", declared_needs(route)))
    return found


def _role_for(needs: Any) -> Role:
    """A role the route lets through, so that the junk reaches its service."""
    for role in (Role.TITULAIRE, Role.ADMINISTRATEUR, Role.REMPLACANT, Role.SECRETAIRE):
        if needs is None or all(role in GRANTS[permission] for permission in needs.permissions):
            return role
    return Role.TITULAIRE


def junk_bodies(csrf: str, names: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, keyword arguments of the client's request) for each kind of junk."""
    token = f"csrf={quote(csrf)}"
    form = "application/x-www-form-urlencoded"
    yield "vide", {"data": {"csrf": csrf}}
    yield "long", {"data": {"csrf": csrf, **{name: "Ω" * 3000 for name in names}}}
    for shift in range(3):
        values = {name: JUNK_VALUES[(index + shift * 5) % len(JUNK_VALUES)] for index, name in enumerate(names)}
        yield f"types-{shift}", {"data": {"csrf": csrf, **values}}
    twice = "&".join(f"{name}=1&{name}=x" for name in names)
    yield "deux-fois", {"content": f"{token}&{twice}".encode(), "headers": {"Content-Type": form}}
    raw = b"&".join(name.encode() + b"=\xff\xfe\xc3(" for name in names)
    yield "non-utf8", {"content": token.encode() + b"&" + raw, "headers": {"Content-Type": form}}
    escaped = "&".join(f"{name}=%FF%FE%C3%28" for name in names)
    yield "non-utf8-echappe", {"content": f"{token}&{escaped}".encode(), "headers": {"Content-Type": form}}
    yield "fichiers", {"data": {"csrf": csrf, "type": "x"},
                       "files": {name: ("\udcff.bin".encode("utf-8", "surrogateescape").decode("latin-1"),
                                        b"\xff\x00" * 50, "application/octet-stream")
                                 for name in ("fichier", "photo")}}
    yield "json", {"content": b'{"csrf": 1, "a": [', "headers": {"Content-Type": "application/json",
                                                                  "X-CSRF-Token": csrf}}
    yield "json-objet", {"json": {name: {"x": [1, None]} for name in names[:40]},
                         "headers": {"X-CSRF-Token": csrf}}


def problem_in(answer: Any) -> str | None:
    if answer.status_code >= 500:
        return f"{answer.status_code}"
    kind = answer.headers.get("content-type", "")
    if answer.status_code in (301, 302, 303, 307) or answer.status_code == 204:
        return None
    if kind.startswith("application/json"):
        message = answer.json().get("message") if isinstance(answer.json(), dict) else None
        if not message:
            return "JSON sans message"
        english = [problem.get("message") for problem in answer.json().get("problems", [])
                   if any(word in str(problem.get("message")) for word in ENGLISH)]
        return f"JSON en anglais : {english}" if english or any(w in message for w in ENGLISH) else None
    if '<html lang="fr">' not in answer.text:
        return f"{answer.status_code} sans page française ({kind})"
    english = [word for word in ENGLISH if word in answer.text]
    return f"page en anglais : {english}" if english else None


@pytest.fixture
def practice(db: Database) -> dict[str, int]:
    admin = Context(db=db, actor=actor_for(db, "admin"))
    load_demo(admin)
    drafts.create_draft(admin, {**CONSULTATION, "date": date.today().isoformat()})
    ids = _record_ids(db)
    ids["users"] = create_user(admin, "dechets", "Utilisateur des déchets", Role.SECRETAIRE)
    return ids


def test_junk_posted_to_every_page_route_is_answered_in_french(app: FastAPI, db: Database,
                                                               practice: dict[str, int]) -> None:
    names = field_names()
    assert {"last_name", "fichier", "csrf"} - {"csrf"} <= set(names) and len(names) > 50
    routes = page_posts(app)
    assert len(routes) > 40
    signed: dict[Role, support.Signed] = {}
    problems = []
    refused: set[str] = set()   # routes whose service refused some junk in French (the junk reached it)
    for method, path, needs in routes:
        role = _role_for(needs)
        url = fill(path, practice)
        for label, request in junk_bodies("", names):
            who = signed.get(role) or support.sign_in(app, db, role)
            signed[role] = who
            request = _with_token(request, who.csrf)
            answer = who.client.request(method, url, follow_redirects=False, **request)
            problem = problem_in(answer)
            if answer.status_code in (409, 413, 422) and 'class="alerte erreur"' in answer.text:
                refused.add(path)
            if problem:
                problems.append(f"{method} {url} [{label}] : {problem}")
            if who.client.get("/api/moi").status_code != 200:   # the junk ended the session (a password…)
                del signed[role]
    assert not problems, "\n".join(problems)
    print(f"{len(refused)} routes sur {len(routes)} ont refusé des déchets en français")
    assert len(refused) > len(routes) // 2, sorted(set(path for _, path, _ in routes) - refused)


def _with_token(request: dict[str, Any], csrf: str) -> dict[str, Any]:
    """The same junk with the session's CSRF token where the empty one was."""
    done = dict(request)
    if "data" in done:
        done["data"] = {**done["data"], "csrf": csrf}
    if "content" in done and done.get("headers", {}).get("Content-Type", "").startswith("application/x-www"):
        done["content"] = done["content"].replace(b"csrf=&", f"csrf={quote(csrf)}&".encode(), 1)
    if "headers" in done and "X-CSRF-Token" in done["headers"]:
        done["headers"] = {**done["headers"], "X-CSRF-Token": csrf}
    return done
