"""The wizard's « Spécificités et sécurisation » screen, before the draft is made: the entente préalable when an
act needs one (NGAP table), the AMC convention when the chosen contract has several, then the specifics the user
ticks: victime d'attentat (with the confirmation of the certificate), prévention commune (its programme), prévention
santé sexuelle (and a minor's anonymity, confirming the forced mode), exonération sur chaque acte (one prompt per
act), regroupement des actes identiques, forçage du service AMO (code, start, end)."""

from __future__ import annotations

from dataclasses import replace

from feuille.auth import Context
from feuille.billing import specifics as sp
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_facts
from feuille.billing import wizard_flow_specifics as wfs
from feuille.cli.wizard_prompts import drive, pick, title
from feuille.practice.patients import PatientView


def _convention(ctx: Context, answers: wd.WizardAnswers) -> sp.Convention | None:
    known = wizard_facts.conventions(ctx, answers)
    if not known:
        return None
    current = answers.specifics.amc_convention
    default = known.index(current) + 1 if current in known else None
    chosen = pick("Conventions identifiées pour la mutuelle :", [c.label() for c in known],
                  "specifics.amc_convention", default=default)
    return known[chosen - 1]


def step_specifics(ctx: Context, answers: wd.WizardAnswers, patient: PatientView,
                   entente_asked: bool = False) -> wd.WizardAnswers:
    """``entente_asked``: the draft was refused for want of an entente préalable (an act of a favourite)."""
    title("Spécificités et sécurisation")
    facts = wizard_facts.specifics(ctx, answers, patient, entente_asked)
    entente = wfs.entente_result(facts, drive(lambda given: wfs.entente_question(facts, given)))
    convention = _convention(ctx, answers)
    chosen = wfs.ticked_result(facts, drive(lambda given: wfs.ticked_question(facts, given)))
    return replace(answers, entente=entente, specifics=replace(chosen, amc_convention=convention))
