"""Errors as the API answers them: the catalogue's HTTP status and JSON body, French field errors for a bad body.

A refusal for want of a right is audited (who asked what, which rule said no). Validation of a request body is
FastAPI's; its English messages are replaced by French ones with the field's path, so that a client shows them
next to its fields, all at once; the status is 422, never 500.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from feuille import signin
from feuille.api.deps import NotSignedIn, database
from feuille.errors import FeuilleError, PermissionDeniedError, Problem

MESSAGES = {
    "missing": "Champ obligatoire.",
    "string_type": "Texte attendu.",
    "int_type": "Nombre entier attendu.",
    "int_parsing": "Nombre entier attendu.",
    "float_parsing": "Nombre attendu.",
    "decimal_parsing": "Montant attendu (ex. 23.00).",
    "bool_parsing": "Oui ou non attendu (true/false).",
    "bool_type": "Oui ou non attendu (true/false).",
    "date_from_datetime_parsing": "Date attendue (AAAA-MM-JJ).",
    "date_parsing": "Date attendue (AAAA-MM-JJ).",
    "date_type": "Date attendue (AAAA-MM-JJ).",
    "string_too_long": "Texte trop long.",
    "string_too_short": "Texte trop court.",
    "too_long": "Trop d'éléments.",
    "too_short": "Pas assez d'éléments.",
    "greater_than_equal": "Valeur trop petite.",
    "less_than_equal": "Valeur trop grande.",
    "greater_than": "Valeur trop petite.",
    "less_than": "Valeur trop grande.",
    "extra_forbidden": "Champ inconnu.",
    "json_invalid": "Corps JSON illisible.",
    "model_attributes_type": "Objet JSON attendu.",
    "dict_type": "Objet JSON attendu.",
    "list_type": "Liste attendue.",
    "literal_error": "Valeur non prévue.",
    "enum": "Valeur non prévue.",
    "string_pattern_mismatch": "Format non reconnu.",
}


class ProblemOut(BaseModel):
    field: str | None
    code: str
    message: str


class ErrorOut(BaseModel):
    """Every error the API answers: the catalogue's stable code, a French message, the field it names, and every
    field's problem (a form shows them all at once)."""

    code: str
    message: str
    field: str | None
    problems: list[ProblemOut]


#: The error answers every API operation documents (``include_router(..., responses=ERROR_RESPONSES)``).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Pas de session : connectez-vous (POST /api/session)."},
    403: {"model": ErrorOut, "description": "Le rôle n'a pas ce droit (ou jeton CSRF absent)."},
    404: {"model": ErrorOut, "description": "Introuvable."},
    409: {"model": ErrorOut, "description": "Conflit ou état qui ne le permet pas."},
    413: {"model": ErrorOut, "description": "Demande trop volumineuse (FEUILLE_REQUEST_MAX_MO) : refusée sans être "
                                           "lue."},
    422: {"model": ErrorOut, "description": "Demande refusée : erreurs de champ en français."},
}


def field_problems(errors: Any) -> list[Problem]:
    problems = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        field = ".".join(location) or None
        message = MESSAGES.get(error.get("type", ""), "Valeur refusée.")
        problems.append(Problem(field, str(error.get("type", "invalide")), message))
    return problems


def validation_body(errors: Any) -> dict[str, object]:
    problems = field_problems(errors)
    message = problems[0].message if len(problems) == 1 else f"{len(problems)} champs à corriger."
    return {"code": "requete_invalide", "message": message, "field": problems[0].field if problems else None,
            "problems": [problem.to_json() for problem in problems]}


def audit_refusal(request: Request, error: PermissionDeniedError) -> None:
    view = getattr(request.state, "session", None)
    if view is not None and error.code != "csrf":
        signin.record_refusal(database(request), view.actor, f"{request.method} {request.url.path}", error.code)


async def feuille_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, FeuilleError)
    if isinstance(error, PermissionDeniedError):
        audit_refusal(request, error)
    return JSONResponse(error.to_json(), status_code=error.http_status)


async def request_invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse(validation_body(error.errors()), status_code=422)


async def not_signed_in(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"code": "non_connecte", "message": "Connectez-vous d'abord (POST /api/session).",
                         "field": None, "problems": []}, status_code=401,
                        headers={"WWW-Authenticate": "Bearer"})


HANDLERS = {FeuilleError: feuille_error, RequestValidationError: request_invalid, NotSignedIn: not_signed_in}
