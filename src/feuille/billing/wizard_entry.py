"""« Ajouter un acte »: one act of the wizard as one screen of the step machine (pure, as
:mod:`feuille.billing.wizard_flow`), which a terminal and a web form both drive.

The code is asked (typed whole, or found by a CCAM search, a keyword, among the favourites:
:func:`feuille.billing.wizard_search.act_step`); a code typed whole is checked against the tables (Request ``act``:
refused, it is asked again with the French reason). A favourite ends the screen. Otherwise the machine asks what
the tables say of the act (Request ``act_sheet``), then decides the screen: a CCAM code (``AAAA000``) gets the CCAM
screen, any other code the NGAP / COx screen (:mod:`feuille.billing.wizard_flow_acts`), then, after an NGAP act,
the allowances the NGAP table lists for it (Request ``allowances``: « indemnité forfaitaire », kilometres). The
result is the lines the act adds to the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from feuille.billing import wizard_acts as wa
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_acts as wfa
from feuille.billing import wizard_search as ws
from feuille.billing.wizard_questions import Answers, Question

Line = wd.ActAnswer | wd.FavouriteAnswer
Outcome = tuple[ws.Step, list[Line]]


@dataclass(frozen=True)
class EntryFacts:
    """The invoice's date (the act's by default, the tariffs read on it) and the patient (his distances)."""

    patient_id: int
    invoice_date: date


def _sheet(facts: EntryFacts, answers: Answers, code: str) -> wfa.ActFacts | ws.Request:
    if "acts.sheet" not in answers:
        return ws.Request("acts.sheet", "act_sheet", code, day=facts.invoice_date)
    sheet: wfa.ActFacts = answers["acts.sheet"]
    return replace(sheet, invoice_date=facts.invoice_date)


def _entry(facts: EntryFacts, answers: Answers) -> Outcome:
    found = ws.act_step(answers, checked=True)
    if found is not None:
        return found, []
    query = ws.act_result(answers, checked=True)
    if query.mode == "favourite":
        return None, [wd.FavouriteAnswer(int(query.text))]
    act = _sheet(facts, answers, query.text)
    if isinstance(act, ws.Request):
        return act, []
    if wa.is_ccam(act.code):
        step = wfa.ccam_question(act, answers)
        return (step, []) if step is not None else (None, [wfa.ccam_result(act, answers)])
    step = wfa.ngap_question(act, answers)
    if step is not None:
        return step, []
    line = wfa.ngap_result(act, answers)
    if "acts.allowances" not in answers:
        return ws.Request("acts.allowances", "allowances", act.code, patient=facts.patient_id), []
    allowances: wf.AllowanceFacts | None = answers["acts.allowances"]
    if allowances is None:
        return None, [line]
    step = wf.allowance_question(allowances, answers)
    return (step, []) if step is not None else (None, [line, *wf.allowance_result(allowances, answers)])


def entry_step(facts: EntryFacts, answers: Answers) -> ws.Step:
    """The next question or request of « Ajouter un acte »; ``None`` when the act is complete."""
    return _entry(facts, answers)[0]


def entry_result(facts: EntryFacts, answers: Answers) -> list[Line]:
    """The lines the act adds (the act and its allowances, or the favourite), once ``entry_step`` says ``None``."""
    step, lines = _entry(facts, answers)
    if step is not None:
        raise ValueError(f"the act is not complete: {step.id} is still to answer")
    return lines


#: The screens of « Ajouter un acte », by the name ``entry_screen`` gives them, and their French titles.
SCREENS = {"code": "Code de l'acte", "ngap": "Ajouter un soin", "ccam": "Ajouter un acte CCAM",
           "allowances": "Indemnités de l'acte"}


def entry_screen(answers: Answers) -> str:
    """Which screen the next question belongs to (a form shows its title, ``SCREENS``)."""
    sheet = answers.get("acts.sheet")
    if not isinstance(sheet, wfa.ActFacts) or ws.act_step(answers, checked=True) is not None:
        return "code"
    if wa.is_ccam(sheet.code):
        return "ccam"
    return "allowances" if "acts.allowances" in answers else "ngap"


#: Asked after each act: « Soins » ends when the answer is no.
MORE_ACTS = Question("acts.more", "Autre acte ?", "yes_no", default=False)


def with_acts(answers: wd.WizardAnswers, acts: list[Any]) -> wd.WizardAnswers:
    """The acts entered replace the previous ones (back to « Soins »): the overrides and the exonerations per act
    belonged to the previous lines and are asked again."""
    specifics = replace(answers.specifics, act_exonerations=())
    return replace(answers, acts=tuple(acts), overrides=(), specifics=specifics)
