"""The wizard's « Soins » screens: an NGAP/COx act or a CCAM act with every field of the manual, or a favourite.

NGAP/COx (« Ajouter un soin »): code, coefficient, quantity, unit price, then the « spécificités » behind one
question (date of the act, qualificatif de dépense, montant total automatique or typed, soumis à entente préalable).
CCAM (« Ajouter un acte CCAM »): the code typed whole, or found by its first letters / words (``?AFL``,
``?péridurale``) or by keyword (``clé Péri``), then the date, code activité, phase, unit price (the table's by
default), base de remboursement, the modifiers one after the other, and the association code. After an NGAP act, the
allowances the table lists for it: « indemnité forfaitaire » (IFD, MD…) and the kilometres of the IK. The answers
are shaped by the pure ``billing/wizard_acts``; the pricing contract checks them when the draft is created.
"""

from __future__ import annotations

from datetime import date

from feuille.auth import Context
from feuille.billing import wizard_acts as wa
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_facts, wizard_lookups
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_acts as wfa
from feuille.billing import wizard_search as ws
from feuille.cli import wizard_parsing as wt
from feuille.cli.wizard_prompts import drive, say, say_error
from feuille.errors import NotFoundError


def _ccam_act(ctx: Context, code: str, invoice_date: date) -> wd.ActAnswer | None:
    try:
        said, facts = wizard_facts.ccam_act(ctx, code, invoice_date)
    except NotFoundError as error:
        say_error(error)
        return None
    say(said)
    return wfa.ccam_result(facts, drive(lambda given: wfa.ccam_question(facts, given)))


def _ngap_act(code: str, invoice_date: date) -> wd.ActAnswer:
    facts = wfa.ActFacts(code, invoice_date)
    typed = {"acts.coefficient": wt.parse_coefficient, "acts.quantity": wt.parse_quantity}
    return wfa.ngap_result(facts, drive(lambda given: wfa.ngap_question(facts, given), typed))


def _allowances(ctx: Context, answers: wd.WizardAnswers, act: wd.ActAnswer) -> list[wd.ActAnswer]:
    """« Indemnité forfaitaire » (IFD, MD… as the NGAP table lists them for the act) and the kilometres of the
    indemnités kilométriques (the patient record's distances offered), each billed as its own line."""
    allowances = wizard_facts.allowances(ctx, answers, act.code)
    if allowances is None:
        return []
    return wf.allowance_result(allowances, drive(lambda given: wf.allowance_question(allowances, given)))


def one_act(ctx: Context, answers: wd.WizardAnswers) -> list[wd.ActAnswer | wd.FavouriteAnswer]:
    """One act as the manual's screens ask it, with its allowances; empty when nothing was chosen (the question
    is asked again). The code typed, the CCAM search, the keyword or the favourite: the step machine's
    ``wizard_search.act_step``."""
    found = drive(ws.act_step, {"acts.code": wt.parse_act_query},
                  run=lambda request: wizard_lookups.run(ctx, request))
    chosen = ws.act_result(found)
    if chosen.mode == "favourite":
        return [wd.FavouriteAnswer(int(chosen.text))]
    if wa.is_ccam(chosen.text):
        ccam = _ccam_act(ctx, chosen.text, answers.invoice_date)
        return [] if ccam is None else [ccam]
    act = _ngap_act(chosen.text, answers.invoice_date)
    return [act, *_allowances(ctx, answers, act)]
