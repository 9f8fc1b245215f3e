"""The wizard's « Assurances » screen in the terminal: the questions come from the step machine
(:func:`feuille.billing.wizard_flow.insurance_question`: nature, accident de droit commun, maternity date, one of the
patient's recorded AT or its references, SMG amount, justificatif d'exonération offered from the record, the ALD
question for a patient in ALD on that date or « Forçage du code ALD », parcours de soins, MT declaration); this
module only gathers the facts the services give and drives it."""

from __future__ import annotations

from feuille.auth import Context
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_facts
from feuille.billing import wizard_flow as wf
from feuille.cli.wizard_prompts import drive, title
from feuille.practice.patients import PatientView


def step_insurance(ctx: Context, answers: wd.WizardAnswers, patient: PatientView) -> wd.WizardAnswers:
    title("Assurance")
    facts = wizard_facts.insurance(patient, answers)
    return wf.insurance_result(facts, drive(lambda given: wf.insurance_question(facts, given)))
