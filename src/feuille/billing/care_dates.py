"""Dates of care against the machine's today (issue 16): none in the future; an old one is flagged before securing.

Pure: today is passed in (``ctx.clock().date()`` by the callers, never ``date.today()``). The age limit is in
``data/billing_facts.json`` with its source (the B2 norm: a date of care under one year before transmission).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from feuille.billing.facts import max_care_age_days
from feuille.errors import ValidationError


def fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def act_dates(doc: Mapping[str, Any]) -> list[tuple[int, date]]:
    """Each act's own date, with its index (those that read as dates: pricing refuses the others)."""
    found: list[tuple[int, date]] = []
    acts = doc.get("acts")
    for index, act in enumerate(acts if isinstance(acts, list) else []):
        text = act.get("date") if isinstance(act, Mapping) else None
        if isinstance(text, str):
            try:
                found.append((index, date.fromisoformat(text.strip())))
            except ValueError:
                continue
    return found


def care_dates(doc: Mapping[str, Any], day: date) -> list[date]:
    """The invoice date and every act's date, in order, each once."""
    return sorted({day, *(when for _, when in act_dates(doc))})


def check_not_future(day: date, today: date, field: str, what: str = "la date") -> None:
    if day > today:
        raise ValidationError(f"{field} : {what} du {fr(day)} est postérieure à aujourd'hui ({fr(today)}, date de cet "
                              "ordinateur) : une facture ne porte que sur des soins déjà faits.", code="date_future",
                              field=field)


def check_document(doc: Mapping[str, Any], day: date, today: date) -> None:
    """The invoice date and each act's date: not after today."""
    check_not_future(day, today, "date", "la date de la facture")
    for index, when in act_dates(doc):
        check_not_future(when, today, f"acts[{index}].date", "la date des soins")


def age_warning(doc: Mapping[str, Any], day: date, today: date) -> str | None:
    """A warning when the oldest date of care is older than the insurers accept."""
    oldest = care_dates(doc, day)[0]
    limit = max_care_age_days()
    if today - oldest <= timedelta(days=limit):
        return None
    return (f"soins du {fr(oldest)} : plus de {limit} jours avant aujourd'hui ({fr(today)}) ; une facture dont la "
            "date des soins a plus d'un an à sa transmission est refusée par les caisses (norme B2).")
