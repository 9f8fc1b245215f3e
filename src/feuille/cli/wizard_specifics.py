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
from feuille.cli.wizard_prompts import ask, drive, pick, say_error, say_refusal, title
from feuille.errors import ValidationError
from feuille.practice.patients import PatientView


def _refinement() -> sp.Convention:
    """« Renseigner 'Type Conv.' et 'Crit. Secondaire' avec les valeurs présentes sur la carte mutuelle »."""
    def read(kind: str, criterion: str) -> sp.Convention:
        found = sp.read_specifics({"amc_convention": {
            "type": kind, **({"criterion": criterion} if criterion else {})}}).amc_convention
        assert found is not None  # the type is required
        return found

    kind = ask("Type de convention (carte mutuelle)", lambda typed: read(typed, "")).type
    return ask("Critère secondaire (carte mutuelle, vide si aucun)", lambda typed: read(kind, typed.strip()))


def _known(ctx: Context, answers: wd.WizardAnswers) -> tuple[list[sp.Convention], sp.Convention | None]:
    """The conventions to choose from, refined by the carte mutuelle's values while the directory has too many."""
    refine = None
    for _ in range(5):
        try:
            return wizard_facts.conventions(ctx, answers, refine), refine
        except ValidationError as error:
            if error.code != "amc_conventions_too_many":
                raise
            say_error(error)
            refine = _refinement()
    raise ValidationError("specifics.amc_convention : trop de conventions, recherche non affinée.",
                          code="amc_conventions_too_many", field="specifics.amc_convention")


def _convention(ctx: Context, answers: wd.WizardAnswers) -> sp.Convention | None:
    known, refine = _known(ctx, answers)
    if refine is not None and len(known) == 1:
        return known[0]
    if not known:
        if refine is not None:
            say_refusal(f"Aucune convention {refine.label()} pour cette mutuelle : choisissez-la sur la carte "
                        "mutuelle ou dans l'annuaire (feuille mutuelle conventions chercher).")
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
