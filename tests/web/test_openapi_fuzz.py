"""The JSON API fuzzed from its own OpenAPI schema (schemathesis): every operation, signed in with a bearer token,
with valid and invalid requests: never a 5xx, answers as the schema documents them, and a bad request is a 422
with French field errors (the catalogue's shape: code, message, field, problems).

Bounded: a few examples per operation, derandomized (the same cases each run), on each database of the ``db``
fixture; ``FEUILLE_FUZZ_EXAMPLES=200`` for a longer hunt (then at random: ``FEUILLE_FUZZ_RANDOM=1``). Operations
added later are fuzzed as they appear in the schema.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import CheckContext
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from feuille.api.errors import MESSAGES
from feuille.auth import Role
from feuille.storage import Database
from tests.web import support

EXAMPLES = int(os.environ.get("FEUILLE_FUZZ_EXAMPLES", "10"))
DERANDOMIZE = not os.environ.get("FEUILLE_FUZZ_RANDOM")
#: Operations slow by design, fuzzed with fewer examples: signing in hashes the password (argon2) each time.
FEWER = {"POST /api/session": 3}
FRENCH = set(MESSAGES.values())
#: A request the schema allows may still be refused by the service (a wrong password, a NIR whose key is wrong):
#: a 422 with the catalogue's error is the right answer there, so schema-valid data is not required to succeed.
EXCLUDED = [positive_data_acceptance]


@pytest.fixture
def bearer(app: FastAPI, db: Database) -> dict[str, str]:
    """A signed-in titulaire's token, renewed when a case signs it out (``DELETE /api/session``)."""
    login = support.user(db, Role.TITULAIRE)
    opened = TestClient(app).post("/api/session", json={"identifiant": login, "mot_de_passe": support.PASSWORD})
    return {"Authorization": f"Bearer {opened.json()['jeton']}", "login": login}


def french_field_errors(ctx: CheckContext, response: Response, case: Any) -> bool | None:
    """A 422 carries the catalogue's JSON: a code, a French message, and each field's French message."""
    if response.status_code != 422:
        return None
    body = response.json()
    problems = body.get("problems") or []
    if not isinstance(body.get("code"), str) or not body.get("message"):
        raise Failure(operation=case.operation.label, title="422 sans code ni message",
                      message=f"corps : {body}", code="french_422")
    if body["code"] == "requete_invalide":
        english = [p for p in problems if p.get("message") not in FRENCH and p.get("message") != "Valeur refusée."]
        if not problems or english:
            raise Failure(operation=case.operation.label, title="422 sans erreurs de champ en français",
                          message=f"problèmes : {problems}", code="french_422")
    return True


def fuzz(operation: Any, mode: GenerationMode, app: FastAPI, bearer: dict[str, str]) -> None:
    """``EXAMPLES`` cases of ``operation`` in ``mode``, each called and validated."""
    client = TestClient(app)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=FEWER.get(operation.label, EXAMPLES), deadline=None, derandomize=DERANDOMIZE, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case: Any) -> None:
        headers = {"Authorization": bearer["Authorization"]}
        case.call_and_validate(headers=headers, additional_checks=[french_field_errors], excluded_checks=EXCLUDED)
        if case.method != "GET" and client.get("/api/moi", headers=headers).status_code == 401:
            opened = client.post("/api/session", json={"identifiant": bearer["login"],
                                                       "mot_de_passe": support.PASSWORD})
            bearer["Authorization"] = f"Bearer {opened.json()['jeton']}"   # the case signed out

    run()


def test_the_api_from_its_schema(app: FastAPI, bearer: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert any(operation.path == "/api/moi" for operation in operations)
    failures = []
    for operation in operations:
        for mode in GenerationMode:
            try:
                fuzz(operation, mode, app, bearer)
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    failures.append(f"{operation.label} : aucun cas valide ne peut être produit")
                # negative: the operation takes nothing that could be invalid
            except (Exception, BaseExceptionGroup) as failure:   # every operation fuzzed, all failures reported
                failures.append(f"{operation.label} ({mode}) : {failure}")
    assert not failures, "\n\n".join(failures)


def test_an_undecodable_body_is_a_french_422(app: FastAPI) -> None:
    answer = TestClient(app).post("/api/session", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "requete_invalide" and answer.json()["message"] == "Corps JSON illisible."


def test_the_schema_documents_errors_and_permissions(app: FastAPI) -> None:
    paths = TestClient(app).get("/api/openapi.json").json()["paths"]
    me = paths["/api/moi"]["get"]
    assert me["x-permissions"] == [] and me["x-public"] is False
    assert paths["/api/sante"]["get"]["x-public"] is True
    assert me["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
