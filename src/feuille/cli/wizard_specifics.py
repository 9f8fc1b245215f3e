"""The wizard's « Spécificités et sécurisation » screen, before the draft is made: the entente préalable when an
act needs one (NGAP table), the AMC convention when the chosen contract has several, then the specifics the user
ticks: victime d'attentat (with the confirmation of the certificate), prévention commune (its programme), prévention
santé sexuelle (and a minor's anonymity, confirming the forced mode), exonération sur chaque acte (one prompt per
act), regroupement des actes identiques, forçage du service AMO (code, start, end)."""

from __future__ import annotations

from dataclasses import replace

from feuille.auth import Context
from feuille.billing import draft_checks, drafts
from feuille.billing import specifics as sp
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_flow_specifics as wfs
from feuille.billing import wizard_specifics as ws
from feuille.cli.wizard_prompts import drive, pick, title
from feuille.practice.patients import PatientView


def _convention(ctx: Context, answers: wd.WizardAnswers) -> sp.Convention | None:
    if answers.contract is None:
        return None
    known = draft_checks.list_conventions(ctx, answers.contract.id)
    if len(known) < 2:
        return None
    current = answers.specifics.amc_convention
    default = known.index(current) + 1 if current in known else None
    chosen = pick("Conventions identifiées pour la mutuelle :", [c.label() for c in known],
                  "specifics.amc_convention", default=default)
    return known[chosen - 1]


def specifics_facts(ctx: Context, answers: wd.WizardAnswers, patient: PatientView,
                    entente_asked: bool = False) -> wfs.SpecificsFacts:
    plain = replace(answers, entente=None, specifics=ws.SpecificsAnswer())
    values = patient.values
    return wfs.SpecificsFacts(
        previous=answers, minor=sp.is_minor(patient.birth, answers.invoice_date),
        sex_known=bool(sp.sex_digit(values.get("beneficiary_nir"), values.get("insured_nir"), values.get("quality"))),
        caisse_known=bool(values.get("amo_caisse")),
        entente_codes=tuple(drafts.acts_needing_entente(ctx, wd.build_document(plain))), entente_asked=entente_asked)


def step_specifics(ctx: Context, answers: wd.WizardAnswers, patient: PatientView,
                   entente_asked: bool = False) -> wd.WizardAnswers:
    """``entente_asked``: the draft was refused for want of an entente préalable (an act of a favourite)."""
    title("Spécificités et sécurisation")
    facts = specifics_facts(ctx, answers, patient, entente_asked)
    entente = wfs.entente_result(facts, drive(lambda given: wfs.entente_question(facts, given)))
    convention = _convention(ctx, answers)
    chosen = wfs.ticked_result(facts, drive(lambda given: wfs.ticked_question(facts, given)))
    return replace(answers, entente=entente, specifics=replace(chosen, amc_convention=convention))
