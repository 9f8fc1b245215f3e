"""Templates and what every page shares: French amounts and dates, the signed-in user, the CSRF token, the menu.

One place formats for the eye: amounts as ``1 234,56 €`` (``feuille.money``), dates as JJ/MM/AAAA.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from feuille.errors import FeuilleError, Problem
from feuille.money import format_euros_fr

TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))

#: The menu: (label, address, the first path segment that marks it current).
MENU = (
    ("Accueil", "/", ""),
    ("Patients", "/patients", "patients"),
    ("Factures", "/factures", "factures"),
    ("Télétransmission", "/teletransmission", "teletransmission"),
    ("Suivi", "/suivi", "suivi"),
    ("Paramètres", "/parametres", "parametres"),
    ("Lecteur de cartes", "/lecteur", "lecteur"),
)


def euros(value: object) -> str:
    if value is None or value == "":
        return ""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_euros_fr(amount)


def day(value: object) -> str:
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, str) and len(value) >= 10:
        try:
            return f"{date.fromisoformat(value[:10]):%d/%m/%Y}"
        except ValueError:
            return value
    return "" if value is None else str(value)


templates.env.filters["euros"] = euros
templates.env.filters["jour"] = day
templates.env.globals["MENU"] = MENU


def page(request: Request, name: str, values: Mapping[str, Any] | None = None, *, status: int = 200,
         error: FeuilleError | None = None) -> HTMLResponse:
    """Render a page. ``error``: the service's refusal, shown at the top and beside each field it names."""
    context: dict[str, Any] = dict(values or {})
    view = getattr(request.state, "session", None)
    context.setdefault("session", view)
    context.setdefault("csrf", view.csrf if view is not None else "")
    section = request.url.path.strip("/").split("/", 1)[0]
    context.setdefault("section", section)
    if error is not None:
        context["error"] = error
        context["field_errors"] = field_errors(error.problems)
    else:
        context.setdefault("field_errors", {})
    return templates.TemplateResponse(request, name, context, status_code=status)


def field_errors(problems: list[Problem]) -> dict[str, list[str]]:
    """Messages per field (a problem without a field goes under ``""``: shown at the top only)."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(problem.field or "", []).append(problem.message)
    return found
