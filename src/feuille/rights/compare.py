"""The « Choix informations AMO » step: what the ADRi answer says against what the patient's record holds.

Pure: from the stored patient's data (the domain's input form) and the parsed answer to a list of fields that
differ, and to the changes that taking some of them means. Fields (the user picks them by these names):
organisme, droits, exonerations, ald, accidents_travail, service_amo, regime_local. The complementary
insurances the answer lists are shown for information only (the AMC contract is chosen in the patient's record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from feuille.errors import StateError
from feuille.rights.protocol import Answer

FIELDS: dict[str, str] = {
    "organisme": "Organisme AMO", "droits": "Droits AMO", "exonerations": "Exonérations (prise en charge)",
    "ald": "Affection de longue durée", "accidents_travail": "Accidents du travail",
    "service_amo": "Services AMO (C2S…)", "regime_local": "Régime local Alsace-Moselle",
}
PERIOD_KIND = {"droits": "droits_amo", "exonerations": "couverture", "ald": "ald", "service_amo": "service_amo"}


@dataclass(frozen=True)
class Difference:
    field: str
    label: str
    stored: str
    adri: str
    differs: bool


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "?"


def _span(start: date | None, end: date | None) -> str:
    return f"du {_day(start)} au {_day(end)}" if end else f"depuis le {_day(start)}"


def _lines(items: Iterable[str]) -> str:
    found = sorted(items)
    return " ; ".join(found) if found else "aucun"


def _as_date(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _stored_periods(data: Mapping[str, Any], kind: str) -> list[tuple[str | None, date | None, date | None]]:
    return [(p.get("code"), _as_date(p.get("start")), _as_date(p.get("end")))
            for p in data.get("periods") or [] if p.get("kind") == kind]


def _answer_periods(answer: Answer, field: str) -> list[tuple[str | None, date | None, date | None]]:
    if field == "droits":
        return [(None, s.debut, s.fin) for s in answer.periodes_droits]
    if field == "exonerations":
        return [(e.code, e.debut, e.fin) for e in answer.exonerations]
    if field == "ald":
        return [(None, a.debut, a.fin) for a in answer.ald]
    return [(s.code, s.debut, s.fin) for s in answer.service_amo]


def _show_periods(items: list[tuple[str | None, date | None, date | None]]) -> str:
    return _lines(f"{code + ' ' if code else ''}{_span(start, end)}" for code, start, end in items)


def _organism(values: Iterable[object]) -> str:
    parts = [str(v) for v in values if v]
    return " ".join(parts) if parts else "aucun"


def _accidents_stored(data: Mapping[str, Any]) -> set[tuple[date | None, str | None, str | None]]:
    return {(_as_date(a.get("date")), a.get("identifier"), a.get("organism")) for a in data.get("work_accidents")
            or []}


def _accidents_answer(answer: Answer) -> set[tuple[date | None, str | None, str | None]]:
    return {(a.date, a.numero, a.organisme) for a in answer.accident_travail}


def _show_accidents(items: set[tuple[date | None, str | None, str | None]]) -> str:
    return _lines(f"le {_day(day)}" + (f" n° {num}" if num else "") for day, num, _org in items)


def differences(data: Mapping[str, Any], answer: Answer) -> list[Difference]:
    """Every field of the step, stored against ADRi (only meaningful for an answer that found someone)."""
    out = []
    org = answer.organisme
    stored_org = _organism(data.get(k) for k in ("amo_regime", "amo_caisse", "amo_centre", "amo_management_code"))
    adri_org = _organism((org.regime, org.caisse, org.centre, org.code_gestion) if org else ())
    out.append(Difference("organisme", FIELDS["organisme"], stored_org, adri_org, stored_org != adri_org))
    for field, kind in PERIOD_KIND.items():
        stored, given = _stored_periods(data, kind), _answer_periods(answer, field)
        out.append(Difference(field, FIELDS[field], _show_periods(stored), _show_periods(given),
                              sorted(stored, key=str) != sorted(given, key=str)))
    stored_at, given_at = _accidents_stored(data), _accidents_answer(answer)
    out.append(Difference("accidents_travail", FIELDS["accidents_travail"], _show_accidents(stored_at),
                          _show_accidents(given_at), stored_at != given_at))
    stored_local, given_local = bool(data.get("alsace_moselle")), answer.regime_local == "alsace_moselle"
    out.append(Difference("regime_local", FIELDS["regime_local"], "oui" if stored_local else "non",
                          "oui" if given_local else "non", stored_local != given_local))
    return out


def _running(items: list[tuple[str | None, date | None, date | None]], day: date) -> list[str | None]:
    return [code for code, start, end in items if (start is None or start <= day) and (end is None or day <= end)]


def changes_for(data: Mapping[str, Any], answer: Answer, fields: Iterable[str], reference: date) -> dict[str, Any]:
    """The patient changes that taking ``fields`` from ``answer`` means (the domain's input form)."""
    chosen = set(fields)
    changes: dict[str, Any] = {}
    if "organisme" in chosen and answer.organisme is not None:
        org = answer.organisme
        changes.update(amo_regime=org.regime, amo_caisse=org.caisse, amo_centre=org.centre,
                       amo_management_code=org.code_gestion)
    kept = [dict(p) for p in data.get("periods") or []
            if not any(p.get("kind") == PERIOD_KIND[f] for f in chosen if f in PERIOD_KIND)]
    taken = []
    for field in (f for f in PERIOD_KIND if f in chosen):
        for code, start, end in _answer_periods(answer, field):
            if start is None:
                raise StateError("Réponse du service ADRi incomplète (période sans date de début) : rien n'est "
                                 "repris.", code="adri_bad_answer")
            taken.append({"kind": PERIOD_KIND[field], "start": start, "end": end,
                          "code": code if field in ("exonerations", "service_amo") else None})
    if taken or any(f in PERIOD_KIND for f in chosen):
        changes["periods"] = kept + taken
    if "exonerations" in chosen:
        running = [c for c in _running(_answer_periods(answer, "exonerations"), reference) if c]
        changes["exoneration"] = running[0] if running else None
    if "ald" in chosen:
        changes["ald"] = bool(_running(_answer_periods(answer, "ald"), reference))
    if "accidents_travail" in chosen:
        changes["work_accidents"] = [{"date": a.date, "identifier": a.numero, "organism": a.organisme}
                                     for a in answer.accident_travail]
    if "regime_local" in chosen:
        changes["alsace_moselle"] = answer.regime_local == "alsace_moselle"
    if chosen & {"organisme", "droits"}:
        changes.update(amo_proof="adri", reimbursement_rate=None)  # the rights now come from ADRi
    return changes


def complementary_lines(answer: Answer) -> list[str]:
    return [f"{c.type} {c.libelle or c.numero or ''} {_span(c.debut, c.fin) if c.debut else ''}".strip()
            for c in answer.complementaire]
