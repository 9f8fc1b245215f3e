"""The patient form: what the page shows (choices read from the domain's tables) and what it sends to the service.

Field names are the service's keys (``last_name``, ``amo_regime``, ``periods[0].start``…), so the service's
French messages land beside their fields by name. Periods and work accidents are rows of the form; the rows left
empty are not sent, and the messages about the rows sent are renamed back to the row they came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from feuille.domain import organisms as org
from feuille.domain import patients as dom
from feuille.errors import FeuilleError, Problem

PERIOD_ROWS = 3
ACCIDENT_ROWS = 1
PERIOD_KEYS = ("kind", "start", "end", "code")
ACCIDENT_KEYS = ("date", "identifier", "code", "organism")
FLAGS = ("lunar", "ald", "alsace_moselle")
TEXT_FIELDS = ("last_name", "first_name", "birth_date", "rank", "quality", "beneficiary_nir", "phone", "phone2",
               "address", "postcode", "town", "extra_info", "ik", "ikm", "iks", "insured_last_name",
               "insured_first_name", "insured_nir", "amo_regime", "amo_caisse", "amo_centre",
               "amo_management_code", "amo_proof", "reimbursement_rate", "exoneration")
LABELS = dom.FIELD_LABELS

QUALITY_OPTIONS = [(code, f"{code} - {label}") for code, label in dom.QUALITIES.items()]
PROOF_OPTIONS = [("", "—")] + [(p.value, label) for p, label in dom.AMO_PROOF_LABELS.items()]
RATE_OPTIONS = [("", "—"), *dom.REIMBURSEMENT_RATES.items()]
EXONERATION_OPTIONS = [("", "—")] + [(code, f"{code} - {label}") for code, label in dom.EXONERATIONS.items()]
PERIOD_KIND_OPTIONS = [("", "—")] + [(k.value, label) for k, label in dom.PERIOD_LABELS.items()]
FORMULA_OPTIONS = [(f.value, label) for f, label in org.FORMULA_LABELS.items()]
FORMULAS_WITH_RATE = sorted(f.value for f in org.FORMULAS_WITH_RATE)
AMC_PROOF_OPTIONS = [("", "—")] + [(p.value, label) for p, label in org.AMC_PROOF_LABELS.items()]
REFERENCE_DATE_OPTIONS = [(r.value, label) for r, label in org.REFERENCE_DATE_LABELS.items()]
MANAGEMENT_OPTIONS = [(m.value, label) for m, label in org.MANAGEMENT_LABELS.items()]
CONTRACT_TEXT_FIELDS = ("amc_organism_id", "amc_name", "amc_number", "amc_proof", "management", "rights_start",
                        "rights_end", "adherent_number", "secondary_criterion", "convention_type",
                        "treatment_indicator", "reference_date", "sts_routing", "contract_type",
                        "complementary_number", "routing_code", "host", "domain", "formula", "formula_rate",
                        "fixed_amount")

#: Confirmations shown after a redirect (a code in the address, never a text from it).
DONE = {
    "cree": "Enregistrement correctement effectué.",
    "modifie": "Les modifications ont bien été prises en compte.",
    "supprime": "Le dossier du patient a été supprimé.",
    "carte_cree": "Patient enregistré depuis la carte Vitale.",
    "carte_maj": "Dossier du patient mis à jour depuis la carte Vitale.",
    "appli_cree": "Patient enregistré depuis l'appli carte Vitale.",
    "appli_maj": "Dossier du patient mis à jour depuis l'appli carte Vitale.",
    "mutuelle_ajoutee": "Mutuelle ajoutée (elle est sélectionnée).",
    "mutuelle_modifiee": "Les modifications de la mutuelle ont bien été prises en compte.",
    "mutuelle_dupliquee": "Mutuelle dupliquée : la copie est sélectionnée.",
    "mutuelle_selectionnee": "Mutuelle sélectionnée.",
    "mutuelle_supprimee": "Mutuelle supprimée.",
    "droits_repris": "Informations AMO reprises de l'ADRi.",
    "droits_gardes": "Informations du dossier gardées.",
}

def done_message(request: Any) -> str | None:
    """The confirmation named by ``?ok=`` after a redirect (a code in the address, never a text from it)."""
    return DONE.get(request.query_params.get("ok", ""))


_ROW = re.compile(r"^(periods|work_accidents)\[(\d+)\](.*)$")


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _rows(form: Mapping[str, Any], prefix: str, keys: tuple[str, ...], count: int
          ) -> tuple[list[dict[str, str]], list[int]]:
    """The rows with something typed, and for each the row number it had in the form."""
    rows, origin = [], []
    for i in range(count):
        row = {key: _text(form, f"{prefix}[{i}].{key}") for key in keys}
        if any(row.values()):
            rows.append({k: v for k, v in row.items() if v})
            origin.append(i)
    return rows, origin


def patient_data(form: Mapping[str, Any], *, only: frozenset[str] | None = None
                 ) -> tuple[dict[str, object], dict[str, list[int]]]:
    """The service's ``data`` from the submitted form, and where each sent row came from (for the messages)."""
    data: dict[str, object] = {name: _text(form, name) or None for name in TEXT_FIELDS}
    for name in FLAGS:
        data[name] = bool(_text(form, name))
    data["amo_organism_id"] = _text(form, "amo_organism_id") or None
    periods, period_origin = _rows(form, "periods", PERIOD_KEYS, PERIOD_ROWS)
    accidents, accident_origin = _rows(form, "work_accidents", ACCIDENT_KEYS, ACCIDENT_ROWS)
    data["periods"], data["work_accidents"] = periods, accidents
    if only is not None:
        data = {k: v for k, v in data.items() if k in only}
    return data, {"periods": period_origin, "work_accidents": accident_origin}


def renamed(error: FeuilleError, origin: dict[str, list[int]]) -> FeuilleError:
    """The same refusal, its row messages named after the form's rows (``periods[0]`` sent was row 2...)."""
    def rename(name: str | None) -> str | None:
        found = _ROW.match(name or "")
        if not found:
            return name
        sent = int(found.group(2))
        rows = origin.get(found.group(1), [])
        return f"{found.group(1)}[{rows[sent] if sent < len(rows) else sent}]{found.group(3)}"

    problems = [Problem(rename(p.field), p.code, p.message) for p in error.problems]
    copy = type(error)(error.message, code=error.code, field=rename(error.field), detail=error.detail,
                       problems=problems)
    return copy


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    """What was typed, to show the form again as it was."""
    return {str(k): v for k, v in form.items() if isinstance(v, str) and k != "csrf"}


def values_of(view: Any) -> dict[str, str]:
    """A stored patient as the form shows it (dates JJ/MM/AAAA, distances with a comma, rows numbered)."""
    shown: dict[str, str] = {}
    for name in TEXT_FIELDS:
        value = view.values.get(name)
        shown[name] = "" if value is None else str(value)
    for name in ("ik", "ikm", "iks"):
        value = view.values.get(name)
        shown[name] = "" if not value else str(value).replace(".", ",")
    shown["birth_date"] = view.birth_date
    for name in FLAGS:
        value = view.lunar if name == "lunar" else view.values.get(name)
        shown[name] = "1" if value else ""
    shown["amo_organism_id"] = "" if view.amo_organism_id is None else str(view.amo_organism_id)
    for i, period in enumerate(view.periods[:PERIOD_ROWS]):
        shown[f"periods[{i}].kind"] = period["kind"]
        shown[f"periods[{i}].start"] = f"{period['start']:%d/%m/%Y}" if period["start"] else ""
        shown[f"periods[{i}].end"] = f"{period['end']:%d/%m/%Y}" if period["end"] else ""
        shown[f"periods[{i}].code"] = period["code"] or ""
    for i, accident in enumerate(view.work_accidents[:ACCIDENT_ROWS]):
        shown[f"work_accidents[{i}].date"] = f"{accident['date']:%d/%m/%Y}"
        shown[f"work_accidents[{i}].identifier"] = accident["identifier"] or ""
        shown[f"work_accidents[{i}].code"] = accident["code"] or ""
        shown[f"work_accidents[{i}].organism"] = accident["organism"] or ""
    return shown


def contract_data(form: Mapping[str, Any], *, adding: bool) -> dict[str, object]:
    """Every field of the contract form (an emptied field is sent empty, so that an edit can clear it)."""
    data: dict[str, object] = {name: _text(form, name) or None for name in CONTRACT_TEXT_FIELDS}
    if _text(form, "current_year"):
        data["current_year"] = True
    if adding and _text(form, "add_to_list"):
        data["add_to_list"] = True
    return data


def contract_values(view: Any) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name in CONTRACT_TEXT_FIELDS:
        value = getattr(view, name, None)
        if value is None:
            shown[name] = ""
        elif hasattr(value, "strftime"):
            shown[name] = f"{value:%d/%m/%Y}"
        else:
            shown[name] = str(value)
    return shown
