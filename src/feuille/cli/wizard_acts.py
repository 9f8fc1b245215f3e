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
from decimal import Decimal

from feuille.auth import Context
from feuille.billing import drafts
from feuille.billing import wizard_acts as wa
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_acts as wfa
from feuille.catalog import ccam_search
from feuille.cli import wizard_parsing as wt
from feuille.cli.wizard_prompts import drive, pick, say, say_error, text, warn
from feuille.errors import FeuilleError, NotFoundError
from feuille.practice import favourites, patients

PROMPT = ("Code de l'acte (ex. C, AMI, AFLB001 ; « ?AFL » ou « ?mots » : chercher en CCAM ; « clé Péri » : par "
          "mot-clé ; « favori » : un soin favori)")


def _favourite(ctx: Context) -> wd.FavouriteAnswer | None:
    views = favourites.search_favourites(ctx)
    if not views:
        warn("aucun soin favori pour ce professionnel.")
        return None
    labels = [f"{v.label} ({', '.join(a.code for a in v.acts)})" for v in views]
    chosen = pick("Soins favoris :", labels, "acts.favourite", none_label="aucun")
    return wd.FavouriteAnswer(views[chosen - 1].id) if chosen else None


def _pick_act(acts: list[ccam_search.ActSummary]) -> str | None:
    if not acts:
        warn("aucun acte CCAM trouvé.")
        return None
    labels = [f"{a.code} {a.short_label or a.label}" + (" (non pris en charge)" if a.not_covered else "")
              for a in acts]
    chosen = pick("Actes CCAM :", labels, "acts.code", none_label="aucun")
    return acts[chosen - 1].code if chosen else None


def _search_ccam(ctx: Context, typed: str) -> str | None:
    """``?AFL`` / ``?injection péridurale``: by code prefix or words; ``clé Péri``: keywords, then their acts."""
    try:
        if typed.startswith("?"):
            return _pick_act(ccam_search.search(ctx, typed[1:].strip()))
        keywords = ccam_search.search_keywords(ctx, typed.split(" ", 1)[1] if " " in typed else "")
        if not keywords:
            warn("aucun mot-clé ne commence ainsi.")
            return None
        chosen = pick("Mots-clés :", keywords, "acts.keyword", none_label="aucun")
        return _pick_act(ccam_search.acts_for_keyword(ctx, keywords[chosen - 1])) if chosen else None
    except FeuilleError as error:
        say_error(error)
        return None


def _ccam_act(ctx: Context, code: str, invoice_date: date) -> wd.ActAnswer | None:
    try:
        act = ccam_search.get_act(ctx, code)
    except NotFoundError as error:
        say_error(error)
        return None
    say(f"{act.code} : {act.label}" + (" — non pris en charge" if act.not_covered else ""))
    facts = wfa.ActFacts(code, invoice_date, tuple(act.modifiers))
    return wfa.ccam_result(facts, drive(lambda given: wfa.ccam_question(facts, given)))


def _ngap_act(code: str, invoice_date: date) -> wd.ActAnswer:
    facts = wfa.ActFacts(code, invoice_date)
    typed = {"acts.coefficient": wt.parse_coefficient, "acts.quantity": wt.parse_quantity}
    return wfa.ngap_result(facts, drive(lambda given: wfa.ngap_question(facts, given), typed))


def _allowances(ctx: Context, answers: wd.WizardAnswers, act: wd.ActAnswer) -> list[wd.ActAnswer]:
    """« Indemnité forfaitaire » (IFD, MD… as the NGAP table lists them for the act) and the kilometres of the
    indemnités kilométriques (the patient record's distances offered), each billed as its own line."""
    document = {} if answers.professional is None else {"professional": answers.professional}
    listed = drafts.majorations_of(ctx, document, act.code)
    if not listed:
        return []
    values = patients.get_patient(ctx, answers.patient_id).values
    allowances = wf.AllowanceFacts(tuple(listed), {name: values.get(name) or Decimal(0)
                                                   for name in wf.DISTANCE_FIELDS.values()})
    return wf.allowance_result(allowances, drive(lambda given: wf.allowance_question(allowances, given)))


def one_act(ctx: Context, answers: wd.WizardAnswers) -> list[wd.ActAnswer | wd.FavouriteAnswer]:
    """One act as the manual's screens ask it, with its allowances; empty when nothing was chosen (the question
    is asked again)."""
    typed = text(PROMPT)
    if typed.lower() in ("favori", "favoris", "f"):
        favourite = _favourite(ctx)
        return [] if favourite is None else [favourite]
    if typed.startswith("?") or typed.lower().startswith(("clé ", "cle ")):
        found = _search_ccam(ctx, typed)
        if found is None:
            return []
        typed = found
    try:
        code = wt.parse_code(typed)
    except FeuilleError as error:
        say_error(error)
        return []
    if wa.is_ccam(code):
        ccam = _ccam_act(ctx, code, answers.invoice_date)
        return [] if ccam is None else [ccam]
    act = _ngap_act(code, answers.invoice_date)
    return [act, *_allowances(ctx, answers, act)]
