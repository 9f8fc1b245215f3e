"""The wizard's first steps, as the manual's screens: patient (found, read on the card, or created on the spot),
« Soins réalisés et prescription » (the prescriber created on the spot, the prescription's photo), « Règlement »,
« Soins ». Each step returns the answers with its part filled in; nothing is written but the patient or the
prescriber created on the spot (each its own use case, as from their own menus)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from feuille.auth import Context
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_facts, wizard_lookups
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_search as ws
from feuille.billing.wizard_specifics import PhotoAnswer
from feuille.cards.messages import french_error
from feuille.cards.port import CardError, VitaleCardData
from feuille.cli import invoice_input
from feuille.cli import wizard_parsing as wt
from feuille.cli.invoices import reader
from feuille.cli.wizard_prompts import drive, say, say_error, text, title, warn
from feuille.errors import ConflictError, ValidationError
from feuille.practice import patients, prescribers


def vitale() -> VitaleCardData | None:
    try:
        return reader().vitale_card()
    except CardError as exc:
        raise french_error(exc) from None


def _runner(ctx: Context, create: Callable[[str], int | None] | None = None) -> Callable[[ws.Request], Any]:
    """The search screens' requests: searches and the card by the services, a creation on the spot asked here."""
    def run(request: ws.Request) -> Any:
        if request.kind.startswith("create_"):
            return None if create is None else create(request.text)
        return wizard_lookups.run(ctx, request, reader() if request.kind in ("beneficiary", "from_card") else None)

    return run


def step_patient(ctx: Context) -> int:
    """In the patient base (by the start of the name; created on the spot when not found) or among the
    beneficiaries of the Vitale card: the step machine's ``wizard_search.patient_step``."""
    title("Patient")
    return ws.patient_result(drive(ws.patient_step, run=_runner(ctx, lambda prefix: _new_patient(ctx, prefix))))


def _new_patient(ctx: Context, prefix: str) -> int | None:
    """The minimal identity of a new patient (the rest is completed later from his file, « feuille patient »)."""
    def ask_data() -> dict[str, Any]:
        return {"last_name": text("Nom", prefix.upper()), "first_name": text("Prénom") or None,
                "birth_date": text("Date de naissance (JJ/MM/AAAA)"),
                "insured_nir": text("N° de sécurité sociale de l'assuré (vide : inconnu)") or None,
                "rank": text("Rang du bénéficiaire", "1")}

    def create(data: dict[str, Any]) -> int:
        saved = patients.create_patient(ctx, data)
        for warning in saved.warnings:
            warn(warning)
        return saved.id

    return _create_on_the_spot("Nouveau patient", "Patient créé", ask_data, create)


def _create_on_the_spot(heading: str, done: str, ask_data: Callable[[], dict[str, Any]],
                        create: Callable[[dict[str, Any]], int]) -> int | None:
    """Ask the fields and create (its own use case); a refused field is asked again (three times at most), a
    duplicate ends it (back to the search)."""
    title(heading)
    for _ in range(3):
        data = ask_data()
        try:
            created = create(data)
        except ValidationError as error:
            say_error(error)
            continue
        except ConflictError as error:
            say_error(error)
            return None
        say(f"{done} : {data['last_name']} {data['first_name'] or ''}".rstrip())
        return created
    return None


def step_care(ctx: Context, answers: wd.WizardAnswers) -> wd.WizardAnswers:
    """Billing date and place (« Mettre par défaut à domicile »); the performing remplaçant when the preference
    « Rendre visible la sélection du PS exécutant » is on."""
    title("Soins réalisés et prescription")
    care = wizard_facts.care(ctx, answers)
    return wf.care_result(care, drive(lambda given: wf.care_question(care, given), {"place": wt.parse_place}))


def step_prescription(ctx: Context, answers: wd.WizardAnswers) -> wd.WizardAnswers:
    """Whether a prescription is needed, its date, the prescriber (searched, or created on the spot), its photo: the
    step machine's ``wizard_search.prescription_step``."""
    found = drive(lambda given: ws.prescription_step(answers, given), {"prescription.photo": _photo},
                  run=_runner(ctx, lambda prefix: _new_prescriber(ctx, prefix)))
    return ws.prescription_result(answers, found)


def _photo(typed: str) -> PhotoAnswer | None:
    if not typed.strip():
        return None
    name, kind, content = invoice_input.read_photo_file(typed.strip(), Path.cwd())
    return PhotoAnswer(name, kind, content)


def _new_prescriber(ctx: Context, prefix: str) -> int | None:
    def ask_data() -> dict[str, Any]:
        return {"last_name": text("Nom", prefix.upper()), "first_name": text("Prénom"),
                "number": text("N° d'identification (facturation, 9 chiffres, ou RPPS, 11 chiffres)"),
                "specialty": text("Spécialité (code ; vide : aucune)")}

    return _create_on_the_spot("Nouveau prescripteur", "Prescripteur créé", ask_data,
                               lambda data: prescribers.create_prescriber(ctx, data))


def step_payer(ctx: Context, answers: wd.WizardAnswers) -> wd.WizardAnswers:
    """The contract offered first and the tiers payant of a C2S beneficiary: the step machine's ``payer_question``."""
    title("Règlement")
    payer = wizard_facts.payer(ctx, answers)
    return wf.payer_result(payer, drive(lambda given: wf.payer_question(payer, given)))
