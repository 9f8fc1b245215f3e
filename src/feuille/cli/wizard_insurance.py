"""The wizard's « Assurances » screen: first what the patient record gives on the date of care (the same lines as
the invoice's trace: service AMO, régime local, rate chosen on a proof, exoneration, ALD, AMO rights), then nature
(and the accident de droit commun, the maternity date, the AT's references or one of the patient's recorded AT, the
SMG amount), justificatif d'exonération (offered from the record), ALD (the question for a patient in ALD on that
date, « Forçage du code ALD » otherwise), parcours de soins and the MT declaration question."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from feuille.auth import Context
from feuille.billing import record_rights
from feuille.billing import specifics as sp
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_specifics as ws
from feuille.cli.wizard_prompts import ask, pick, say, title, warn, yes_no
from feuille.practice.patients import PatientView

JUSTIFICATION_HINT = ("Justificatifs : 0 pas d'exonération, 3 soins particuliers exonérés, 4 soins conformes au "
                      "protocole ALD, 5 assuré ou bénéficiaire exonéré, 7 dispositif de prévention, « aucune » : "
                      "aucune exonération renseignée (autres codes : 1, 6, 9, C, X)")


def has_ald(patient: PatientView, day: date) -> bool:
    return record_rights.of_view(patient).in_ald(day)


def show_record(patient: PatientView, day: date) -> None:
    """What the patient record gives the invoice of ``day`` (the invoice's trace says it again)."""
    decision = record_rights.decide(record_rights.of_view(patient), {}, day)
    for line in decision.trace:
        say(line)
    for warning in decision.warnings:
        warn(warning)


def _day(question: str, field: str, current: date | None) -> date:
    return ask(question, lambda t: wd.parse_day(t, field), current.strftime("%d/%m/%Y") if current else "")


def _accident_label(accident: dict[str, Any]) -> str:
    number = f" (n° {accident['identifier']})" if accident.get("identifier") else ""
    return f"AT du {accident['date']:%d/%m/%Y}{number}"


def _accident_work(patient: PatientView, answers: wd.WizardAnswers) -> tuple[date, ws.AccidentWorkAnswer]:
    """One of the AT recorded for the patient (read on his Vitale card), or the references typed."""
    known = list(patient.work_accidents)
    if known:
        chosen = pick("AT enregistrés pour le patient (carte Vitale) :", [_accident_label(a) for a in known],
                      "accident_work", none_label="AT non présent en carte vitale", default=0)
        if chosen:
            found = known[chosen - 1]
            say(f"Identifiant {found.get('identifier') or '-'}, code AT {found.get('code') or '-'}, organisme AT "
                f"{found.get('organism') or '-'}, date AT {found['date']:%d/%m/%Y}")
            return found["date"], ws.AccidentWorkAnswer(found.get("identifier"), found.get("code"),
                                                         found.get("organism"))
    previous = answers.accident_work or ws.AccidentWorkAnswer()
    identifier = ask("Identifiant de l'AT (vide : inconnu)", ws.parse_at_identifier, previous.identifier or "")
    code = ask("Code AT (vide : inconnu)", ws.parse_at_code, previous.code or "")
    organism = ask("Organisme AT (9 chiffres ; vide : inconnu)", ws.parse_at_organism, previous.organism or "")
    when = _day("Date de l'AT (JJ/MM/AAAA)", "accident_work.date", answers.nature_date)
    return when, ws.AccidentWorkAnswer(identifier, code, organism)


def _ald(patient: PatientView, day: date, justification: str) -> tuple[bool | None, bool]:
    """(care related to the ALD, « Forçage du code ALD »)."""
    if has_ald(patient, day):
        if justification == sp.ALD_EXONERATION:
            return True, False
        say("Patient en ALD")
        return yes_no("Les soins sont-ils en rapport avec l'ALD du patient ?", False), False
    forced = yes_no("Forçage du code ALD ?", justification == sp.ALD_EXONERATION)
    return (True if forced else None), forced


def step_insurance(ctx: Context, answers: wd.WizardAnswers, patient: PatientView) -> wd.WizardAnswers:
    title("Assurance")
    show_record(patient, answers.invoice_date)
    labels = [wd.NATURE_LABELS[code] for code in wd.NATURES.values()]
    current = list(wd.NATURES.values()).index(answers.nature) + 1
    nature = wd.NATURES[str(pick("Nature de l'assurance :", labels, "coverage.nature", default=current))]
    nature_date, smg, common_law, work = None, None, None, None
    if nature == "maladie" and yes_no("Accident de droit commun ?", answers.common_law_accident is not None):
        common_law = _day("Date de l'accident (JJ/MM/AAAA)", "accident.date", answers.common_law_accident)
    elif nature == "maternite":
        nature_date = _day("Date de maternité (JJ/MM/AAAA)", "coverage.maternity_date", answers.nature_date)
    elif nature == "at":
        nature_date, work = _accident_work(patient, answers)
    elif nature == "smg":
        smg = ask("Montant de la prise en charge SMG", lambda t: wd.parse_optional_amount(t, "coverage.smg_amount")
                  or "0.00", "0")
    default = record_rights.wizard_exoneration(record_rights.of_view(patient), answers.invoice_date)
    say(JUSTIFICATION_HINT)
    justification = ask("Justificatif d'exonération du ticket modérateur", lambda t: ws.parse_justification(
        t, default), answers.exoneration_justification or default)
    related, forced = _ald(patient, answers.invoice_date, justification) if nature == "maladie" else (None, False)
    if related and justification in ("0", sp.NO_JUSTIFICATION):
        justification = sp.ALD_EXONERATION  # « Soins conformes au protocole ALD », as the screen then shows
    say("Parcours de soins : " + ", ".join(f"{k} {v}" for k, v in wd.PARCOURS.items()))
    parcours = ask("Situation au regard du parcours de soins (lettre ; vide : non concernée)", wd.parse_parcours,
                   answers.parcours or "")
    declaration = ask("Déclaration d'un médecin traitant ? (oui, non, ne sait pas)", ws.parse_mt_declaration,
                      "ne sait pas") if parcours in ws.MT_LETTERS else None
    return replace(answers, nature=nature, nature_date=nature_date, smg_amount=smg, common_law_accident=common_law,
                   accident_work=work, exoneration_justification=justification,
                   exoneration="0" if justification == sp.NO_JUSTIFICATION else justification,
                   ald_related=related, ald_forced=forced, parcours=parcours, mt_declaration=declaration)
