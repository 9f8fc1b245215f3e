"""What the services tell each screen of the wizard's step machine (:mod:`feuille.billing.wizard_flow`,
``wizard_flow_acts``, ``wizard_flow_specifics``): the facts of the patient, of the professional's preferences and of
the tables, gathered once per screen. A terminal and a web form call the same functions, then drive the screen."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from feuille.auth import Context
from feuille.billing import amc_transmission, drafts, record_rights
from feuille.billing import specifics as sp
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_specifics as wfs
from feuille.billing import wizard_specifics as ws
from feuille.billing.facts import complementary_services
from feuille.domain.professionals import Preferences
from feuille.practice import amc_contracts, patients, preferences, professionals
from feuille.practice.patients import PatientView


def billing_preferences(ctx: Context, professional: int | None = None) -> tuple[int | None, Preferences]:
    """The professional who bills and his preferences: ``professional`` when the user chose one (a secretary
    billing for a titulaire gets that titulaire's preferences, not her own user's), else the user's own."""
    if professional is None:
        return preferences.acting_preferences(ctx)
    return professional, preferences.get_preferences(ctx, professional)


def care(ctx: Context, answers: wd.WizardAnswers, professional: int | None = None) -> wf.CareFacts:
    """The remplaçants who may have done the care, when « Rendre visible la sélection du PS exécutant » is on for
    the professional who bills; the practice's professionals (as ``feuille pro list`` lists them) when the user has
    none linked to him (``professional``: the one he chose among them)."""
    own, _ = preferences.acting_preferences(ctx)
    pro_id, prefs = billing_preferences(ctx, professional if own is None else None)
    performers: tuple[tuple[int, str], ...] = ()
    if prefs.show_performing_ps and pro_id is not None:
        performers = tuple((view.id, professionals.label(view))
                           for view, active in professionals.remplacants_of(ctx, pro_id) if active)
    practice: tuple[tuple[int, str], ...] = ()
    if own is None:
        practice = tuple((view.id, professionals.label(view)) for view in professionals.list_professionals(ctx))
    return wf.CareFacts(ctx.clock().date(), answers, prefs.show_performing_ps, performers, practice)


def _contract_label(contract: amc_contracts.ContractView, day: date) -> str:
    label = contract.label() + (f" - formule {contract.formula}" if contract.formula else "")
    services = {kind: code for code, kind in complementary_services().items()}
    if contract.contract_type in services:
        label += f" - {services[contract.contract_type]}"
    if (contract.rights_start and day < contract.rights_start) or (contract.rights_end and day > contract.rights_end):
        label += f" (droits non ouverts le {day:%d/%m/%Y})"
    return label


def payer(ctx: Context, answers: wd.WizardAnswers) -> wf.PayerFacts:
    """The patient's AMC contracts; the one offered first is one whose rights run on the date (a C2S beneficiary's:
    his C2S)."""
    record = record_rights.of_view(patients.get_patient(ctx, answers.patient_id))
    day = answers.invoice_date
    contracts = tuple((_contract_label(c, day), wd.ContractAnswer(c.id, c.formula, c.formula_rate, c.fixed_amount))
                      for c in amc_contracts.list_amc_contracts(ctx, answers.patient_id))
    return wf.PayerFacts(answers, contracts, record_rights.wizard_contract(record, day) if contracts else None,
                         record_rights.c2s_on(record, day))


def insurance(patient: PatientView, answers: wd.WizardAnswers) -> wf.InsuranceFacts:
    """What the patient record gives the invoice of that day (the invoice's trace says it again)."""
    record = record_rights.of_view(patient)
    day = answers.invoice_date
    decision = record_rights.decide(record, {}, day)
    return wf.InsuranceFacts(previous=answers, in_ald=record.in_ald(day),
                             exoneration_default=record_rights.wizard_exoneration(record, day),
                             work_accidents=tuple(patient.work_accidents), record_lines=tuple(decision.trace),
                             record_warnings=tuple(decision.warnings))


def specifics(ctx: Context, answers: wd.WizardAnswers, patient: PatientView,
              entente_asked: bool = False) -> wfs.SpecificsFacts:
    """``entente_asked``: the draft was refused for want of an entente préalable (an act of a favourite)."""
    plain = replace(answers, entente=None, specifics=ws.SpecificsAnswer())
    values = patient.values
    return wfs.SpecificsFacts(
        previous=answers, minor=sp.is_minor(patient.birth, answers.invoice_date),
        sex_known=bool(sp.sex_digit(values.get("beneficiary_nir"), values.get("insured_nir"), values.get("quality"))),
        caisse_known=bool(values.get("amo_caisse")),
        entente_codes=tuple(drafts.acts_needing_entente(ctx, wd.build_document(plain))), entente_asked=entente_asked)


def conventions(ctx: Context, answers: wd.WizardAnswers, refine: sp.Convention | None = None
                ) -> list[sp.Convention]:
    """The AMC conventions of the chosen contract, when there are several to choose from (else none); with
    ``refine`` (the carte mutuelle's type and criterion, asked after a « trop de conventions » refusal), those it
    leaves, even one."""
    if answers.contract is None:
        return []
    known = amc_transmission.list_conventions(ctx, answers.contract.id, refine)
    return known if len(known) > 1 or refine is not None else []
