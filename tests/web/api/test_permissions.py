"""The securing routes declare what the services behind them require: INVOICE_DRAFT always (the first signature
of a desynchronised invoice), INVOICE_SIGN_FINAL depending on the request (any other mode, the final signature);
the credit note's routes INVOICE_SIGN_FINAL always. The role matrix (tests/web/test_role_matrix.py) reads these
declarations; here they are checked against what a secretary is refused."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from feuille.api.deps import Needs, declared_needs
from feuille.auth import GRANTS, Permission, Role
from feuille.storage import Database
from tests.billing.support import CPE_SECRETAIRE, VITALE_ESSAI, FakeReader
from tests.web import support
from tests.web.securing.support import cards, invoice

SECURING = {"/api/factures/{invoice_id:int}/preparation", "/api/factures/{invoice_id:int}/validation",
            "/api/factures/{invoice_id:int}/abandon", "/factures/{invoice_id:int}/securiser/preparer",
            "/factures/{invoice_id:int}/securiser/valider", "/factures/{invoice_id:int}/securiser/abandonner"}
CREDIT_NOTE = {"/factures/{invoice_id:int}/annuler/preparer", "/factures/{invoice_id:int}/annuler/valider",
               "/factures/{invoice_id:int}/annuler/abandonner"}


def declarations(app: FastAPI) -> dict[str, Needs]:
    found = {}
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and "POST" in (route.methods or ()):
            declared = declared_needs(route)
            assert declared is not None
            found[route.path] = declared
    return found


def test_the_securing_routes_declare_the_final_signature_as_depending(app: FastAPI) -> None:
    declared = declarations(app)
    assert set(declared) >= SECURING | CREDIT_NOTE
    for path in SECURING:
        assert Permission.INVOICE_DRAFT in declared[path].permissions, path
        assert declared[path].depending == {Permission.INVOICE_SIGN_FINAL}, path
    for path in CREDIT_NOTE:
        assert Permission.INVOICE_SIGN_FINAL in declared[path].permissions and not declared[path].depending, path
    # the secretary is the role these declarations are about: she drafts, she does not sign for good
    assert Role.SECRETAIRE in GRANTS[Permission.INVOICE_DRAFT]
    assert Role.SECRETAIRE not in GRANTS[Permission.INVOICE_SIGN_FINAL]
    operation = app.openapi()["paths"]["/api/factures/{invoice_id}/preparation"]["post"]
    assert operation["x-permissions"] == ["invoice_draft"]
    assert operation["x-permissions-depending"] == ["invoice_sign_final"]


def test_what_is_declared_is_what_the_secretary_meets(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    desk = FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)
    for url in (f"/api/factures/{invoice_id}/preparation", f"/factures/{invoice_id}/securiser/preparer"):
        refused = signed.api("POST", url, json={"mode": "synchronise", "cartes": cards(desk)})
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied", refused.text
    allowed = signed.api("POST", f"/api/factures/{invoice_id}/preparation",
                         json={"mode": "desynchronise", "cartes": cards(desk)})
    assert allowed.status_code == 200 and allowed.json()["preparation"], allowed.text
    credit = signed.api("POST", f"/factures/{invoice_id}/annuler/preparer", json={"cartes": cards(desk)})
    assert credit.status_code == 403 and credit.json()["code"] == "permission_denied", credit.text


def test_every_operation_of_the_schema_shows_its_permissions(app: FastAPI) -> None:
    """Paths with a typed parameter (``{invoice_id:int}``) too: the schema writes them ``{invoice_id}``."""
    schema = app.openapi()
    missing = [f"{method.upper()} {path}" for path, operations in schema["paths"].items()
               for method, operation in operations.items() if "x-permissions" not in operation]
    assert missing == []
