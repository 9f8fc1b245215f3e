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
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_specifics as ws
from feuille.cli import wizard_parsing as wt
from feuille.cli.wizard_prompts import ask, drive, pick, title, warn, yes_no
from feuille.practice.patients import PatientView

GATE = ("Spécificités de facturation (victime d'attentat, prévention commune, santé sexuelle, exonération par "
        "acte, regroupement, forçage du service AMO) ?")


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
                    entente_asked: bool = False) -> wf.SpecificsFacts:
    plain = replace(answers, entente=None, specifics=ws.SpecificsAnswer())
    values = patient.values
    return wf.SpecificsFacts(
        previous=answers, minor=sp.is_minor(patient.birth, answers.invoice_date),
        sex_known=bool(sp.sex_digit(values.get("beneficiary_nir"), values.get("insured_nir"), values.get("quality"))),
        caisse_known=bool(values.get("amo_caisse")),
        entente_codes=tuple(drafts.acts_needing_entente(ctx, wd.build_document(plain))), entente_asked=entente_asked)


def _sexual_health(facts: wf.SpecificsFacts) -> ws.SpecificsAnswer:
    chosen, warnings = wf.sexual_health_result(facts, drive(lambda given: wf.sexual_health_question(facts, given)))
    for warning in warnings:
        warn(warning)
    return chosen


def _act_label(act: wd.ActAnswer | wd.FavouriteAnswer) -> str:
    return act.code if isinstance(act, wd.ActAnswer) else f"du favori n° {act.favourite_id} (tous ses actes)"


def _act_exonerations(answers: wd.WizardAnswers) -> tuple[str, ...]:
    """« Choix de l'exonération »: one prompt per act, as the manual's pop-ups."""
    before = answers.specifics.act_exonerations
    found: list[str] = []
    for index, act in enumerate(answers.acts):
        default = before[index] if index < len(before) else answers.exoneration
        found.append(ask(f"Exonération pour l'acte {_act_label(act)} (0, 3, 5, 7… ; vide : {default})",
                         wd.parse_exoneration, default))
    return tuple(found)


def _service(before: ws.ServiceAnswer | None) -> ws.ServiceAnswer:
    code = ask("Code du service AMO (C2S, C2SP, AME)", ws.parse_service_code, before.code if before else "")
    start = ask("Date de début du code service AMO (JJ/MM/AAAA)",
                lambda t: wt.parse_day(t, "specifics.service_amo.start"),
                before.start.strftime("%d/%m/%Y") if before else "")
    end = ask("Date de fin du code service AMO (JJ/MM/AAAA)", lambda t: wt.parse_day(t, "specifics.service_amo.end"),
              before.end.strftime("%d/%m/%Y") if before else "")
    return ws.ServiceAnswer(code, start, end)


def _ticked(facts: wf.SpecificsFacts) -> ws.SpecificsAnswer:
    answers = facts.previous
    before = answers.specifics
    victim = yes_no("Victime d'attentat ?", before.victime_attentat)
    if victim and not yes_no("Le patient a-t-il présenté l'attestation « Bénéficiaire Victime d'Attentat » ?", True):
        warn("sans cette attestation, les soins ne relèvent pas du dispositif victime d'attentat.")
        victim = False
    programme = None
    if yes_no("Prévention commune ?", before.prevention_programme is not None):
        programme = ask("Code du programme de prévention", ws.parse_programme, before.prevention_programme or "")
    sexual = _sexual_health(facts)
    per_act = _act_exonerations(answers) if yes_no("Saisir l'exonération sur chaque acte ?",
                                                   bool(before.act_exonerations)) else ()
    group = yes_no("Regrouper les actes identiques dans la facture ?", before.group_identical)
    service = _service(before.service_amo) if yes_no("Forçage du service AMO ?",
                                                     before.service_amo is not None) else None
    return replace(sexual, victime_attentat=victim, prevention_programme=programme, act_exonerations=per_act,
                   group_identical=group, service_amo=service)


def step_specifics(ctx: Context, answers: wd.WizardAnswers, patient: PatientView,
                   entente_asked: bool = False) -> wd.WizardAnswers:
    """``entente_asked``: the draft was refused for want of an entente préalable (an act of a favourite)."""
    title("Spécificités et sécurisation")
    facts = specifics_facts(ctx, answers, patient, entente_asked)
    entente = wf.entente_result(facts, drive(lambda given: wf.entente_question(facts, given)))
    convention = _convention(ctx, answers)
    ticked = answers.specifics != ws.SpecificsAnswer(amc_convention=answers.specifics.amc_convention)
    chosen = _ticked(facts) if yes_no(GATE, ticked) else ws.SpecificsAnswer()
    return replace(answers, entente=entente, specifics=replace(chosen, amc_convention=convention))
