"""Where a refusal of the wizard is shown: the screen that asks what it names, and the input beside which each of
its messages goes (the services name their fields as the invoice document does — ``accident.date``,
``acts[0].code``, ``prescription.prescriber``, ``specifics.sex`` — the form's inputs are ``<screen>|<question>``).

Every message goes beside an input of the screen shown (and all of them at its top): the input the field names,
else the question it belongs to, else the screen's first question — never at the top alone.
"""

from __future__ import annotations

import re

from feuille.errors import FeuilleError, Problem
from feuille.web.pages.wizard_driver import SEPARATOR

#: The screen that asks what a refused field names (the first prefix that matches; else the acts), as the
#: terminal goes back to the step at fault.
FIELD_SCREENS = (("prescription", "prescription"), ("prescriber", "prescription"),
                 ("entente_prealable", "specificites"), ("specifics", "specificites"), ("coverage", "assurance"),
                 ("accident", "assurance"), ("ald", "assurance"), ("exoneration_justification", "assurance"),
                 ("mt_declaration", "assurance"), ("amc", "reglement"), ("payer", "reglement"),
                 ("tp_amo", "reglement"), ("tp_amc", "reglement"), ("tiers_payant", "reglement"), ("place", "soins"),
                 ("date", "soins"), ("performer", "soins"), ("professional", "soins"))
#: Fields named otherwise than the question that asks them.
ALIASES = {"prescription.prescriber": "prescriber.", "prescriber": "prescriber.",
           "prescription.photo.base64": "prescription.photo", "ald.forced": "ald", "tiers_payant": "tp_amo",
           "amc": "payer.amc_contract"}
_ACT = re.compile(r"^acts\[(\d+)\]\.?(.*)$")


def screen_for(field: str | None) -> str:
    name = field or ""
    if name.startswith("acts[") and name.endswith(".exoneration"):
        return "specificites"
    return next((key for prefix, key in FIELD_SCREENS if name.startswith(prefix)), "actes")


def _question(name: str) -> str:
    return name.rsplit(SEPARATOR, 1)[-1]


def beside(field: str | None, key: str, inputs: list[str]) -> str:
    """The input of screen ``key`` (``inputs``: its names, in order) beside which a message on ``field`` goes."""
    name = field or ""
    if not inputs:
        return name
    if f"{key}{SEPARATOR}{name}" in inputs:
        return f"{key}{SEPARATOR}{name}"
    act = _ACT.match(name)
    if act is not None and key == "actes":
        mine = [n for n in inputs if n.startswith(f"actes{SEPARATOR}{int(act.group(1)) + 1}{SEPARATOR}")] or inputs
        wanted = f"acts.{act.group(2).split('.')[0]}" if act.group(2) else ""
        exact = [n for n in mine if wanted and _question(n) == wanted]
        codes = [n for n in mine if ".text." in _question(n)]
        return (exact or codes or mine)[-1]
    wanted = ALIASES.get(name, name.removeprefix("specifics."))
    found = [n for n in inputs if _question(n).startswith(wanted) or (wanted and wanted.startswith(_question(n)))]
    return found[-1] if found else inputs[0]


def at_fault(error: FeuilleError, key: str, inputs: list[str]) -> FeuilleError:
    """The refusal with each of its fields named as the screen's input it goes beside (a refusal naming no field,
    such as a database failure, stays at the top)."""
    if not any(problem.field for problem in error.problems):
        return error
    problems = [Problem(beside(p.field, key, inputs), p.code, p.message) for p in error.problems]
    try:
        return type(error)(error.message, code=error.code, field=problems[0].field, detail=error.detail,
                           problems=problems)
    except TypeError:  # an error class built otherwise: shown as it came
        return error
