"""The wizard's « Soins » screen in the terminal: one act after the other, as the step machine's « Ajouter un acte »
(:mod:`feuille.billing.wizard_entry`) decides — the code typed, or found by its first letters / words (``?AFL``,
``?péridurale``), by keyword (``clé Péri``) or among the favourites (``favori``); then the NGAP / COx screen or the
CCAM screen, and after an NGAP act its allowances. The shortcuts are parsed here (``wizard_parsing.parse_act_query``);
what they do (search, list the favourites, check the code, read the act's tables) is the services'
(``billing.wizard_lookups.run``). A code the tables refuse is asked again with the French reason.
"""

from __future__ import annotations

from feuille.auth import Context
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_entry as we
from feuille.billing import wizard_lookups
from feuille.cli import wizard_parsing as wt
from feuille.cli.wizard_prompts import answer, drive, title

#: The terminal's parsing of the questions whose answer is typed in short.
TYPED = {"acts.code": wt.parse_act_query}


def one_act(ctx: Context, answers: wd.WizardAnswers) -> list[we.Line]:
    """One act as the manual's screens ask it, with its allowances (or a favourite)."""
    facts = we.EntryFacts(answers.patient_id, answers.invoice_date)
    found = drive(lambda given: we.entry_step(facts, given), TYPED,
                  run=lambda request: wizard_lookups.run(ctx, request))
    return we.entry_result(facts, found)


def step_acts(ctx: Context, answers: wd.WizardAnswers) -> wd.WizardAnswers:
    title("Soins")
    acts: list[we.Line] = []
    while True:
        acts.extend(one_act(ctx, answers))
        if not answer(we.MORE_ACTS):
            return we.with_acts(answers, acts)
