"""The wizard's screens in the manual's order, replayed from what the form carries: « Soins réalisés »,
« Prescription », « Assurance », « Règlement », « Soins » (the acts), « Spécificités ». Each screen gathers the facts
from the services (``billing.wizard_facts``), replays its questions (``wizard_driver.walk``) and, when complete,
turns them into the ``WizardAnswers`` the next one starts from — as the terminal's ``cli/wizard_steps`` do."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from feuille.auth import Context
from feuille.billing import specifics as sp
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_entry as we
from feuille.billing import wizard_facts, wizard_lookups
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_specifics as wfs
from feuille.billing import wizard_search as ws
from feuille.billing.wizard_questions import Answers, Choice, Question
from feuille.domain.professionals import Preferences
from feuille.errors import ValidationError
from feuille.practice import patients
from feuille.practice.patients import PatientView
from feuille.web.pages.wizard_driver import SEPARATOR, Walk, walk

#: (key, French title) in the manual's order; « fin » is the answers' end (create the invoice).
SCREENS = (("soins", "Soins réalisés"), ("prescription", "Prescription"), ("assurance", "Assurance"),
           ("reglement", "Règlement"), ("actes", "Soins (actes)"), ("specificites", "Spécificités"),
           ("fin", "Création de la facture"))
KEYS = tuple(key for key, _ in SCREENS)
TITLES = dict(SCREENS)
MAX_ACTS = 30
CONVENTION = "convention"


@dataclass
class Part:
    """A group of questions shown together (one act of the acts screen, or the whole screen)."""

    heading: str
    walk: Walk


@dataclass
class Screen:
    key: str
    parts: list[Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TITLES[self.key]

    @property
    def complete(self) -> bool:
        return all(part.walk.pending is None for part in self.parts)

    @property
    def error(self) -> ValidationError | None:
        """What was typed and refused; or what the services refused before the question asked again (an act code
        the tables do not know, a search they cannot run), beside that question's field."""
        found = next((part.walk.error for part in self.parts if part.walk.error is not None), None)
        if found is not None:
            return found
        pending = next((part.walk.pending for part in self.parts if part.walk.pending is not None), None)
        if pending is None or not pending.question.errors:
            return None
        return ValidationError(" ".join(pending.question.errors), code="refused", field=pending.name)


@dataclass
class Progress:
    """Every screen replayed up to the first one with a question to answer (``current``)."""

    patient: PatientView
    screens: list[Screen]
    answers: wd.WizardAnswers
    current: str

    @property
    def finished(self) -> bool:
        return self.current == "fin"

    def screen(self, key: str) -> Screen | None:
        return next((s for s in self.screens if s.key == key), None)


class CreateOnSpot(Exception):
    """The machine asks for a prescriber created on the spot (« Créer ce prescripteur ? » oui): the page shows the
    prescriber's form, which puts the new id in the form under ``key``."""

    def __init__(self, key: str, text: str) -> None:
        super().__init__(key)
        self.key, self.text = key, text


def _runner(ctx: Context, sent: dict[str, str] | None = None, professional: int | str | None = None) -> Any:
    """The services' answers to the machine's requests; the acts checked for the professional who bills."""
    chosen = int(professional) if professional is not None else None

    def run(request: ws.Request) -> Any:
        if request.kind == "create_prescriber":
            key = f"prescription{SEPARATOR}{request.id}"
            made = (sent or {}).get(key, "")
            if made.isdigit() and len(made) <= 9:
                return int(made)
            raise CreateOnSpot(key, request.text)
        if request.kind.startswith("create_") or request.kind in ("beneficiary", "from_card"):
            return None  # the patient is chosen (or created, or read from the card) before the wizard starts
        return wizard_lookups.run(ctx, request, professional=chosen)
    return run


def _acts(ctx: Context, answers: wd.WizardAnswers, sent: dict[str, str], screen: Screen) -> wd.WizardAnswers | None:
    facts = we.EntryFacts(answers.patient_id, answers.invoice_date)
    run = _runner(ctx, sent, answers.professional)

    def step(given: Answers) -> Question | ws.Request | None:
        found = we.entry_step(facts, given)
        if found is not None:
            return found
        return None if "acts.more" in given else we.MORE_ACTS

    lines: list[we.Line] = []
    for number in range(1, MAX_ACTS + 1):
        done = walk(f"actes|{number}", step, sent, run)
        screen.parts.append(Part(f"Acte {number}", done))
        if done.pending is not None:
            return None
        lines.extend(we.entry_result(facts, done.answers))
        if not done.answers["acts.more"]:
            break
    return we.with_acts(answers, lines)


def _convention(ctx: Context, answers: wd.WizardAnswers, screen: Screen) -> Question | None:
    """The AMC convention, when the chosen contract has several (refining by the carte mutuelle's values is the
    terminal's: here the list is too long to be offered)."""
    try:
        known = wizard_facts.conventions(ctx, answers)
    except ValidationError as error:
        if error.code != "amc_conventions_too_many":
            raise
        screen.notes.append(error.message)
        return None
    if not known:
        return None
    current = answers.specifics.amc_convention
    return Question(CONVENTION, "Conventions identifiées pour la mutuelle :", "choice",
                    tuple(Choice(str(i), c.label()) for i, c in enumerate(known, 1)),
                    default=str(known.index(current) + 1) if current in known else None, none_label="aucune")


def _specifics(ctx: Context, answers: wd.WizardAnswers, patient: PatientView, sent: dict[str, str],
               screen: Screen) -> wd.WizardAnswers | None:
    facts = wizard_facts.specifics(ctx, answers, patient)
    entente = walk("specificites", lambda given: wfs.entente_question(facts, given), sent)
    screen.parts.append(Part("Entente préalable", entente))
    if entente.pending is not None:
        return None
    asked = _convention(ctx, answers, screen)
    convention: sp.Convention | None = None
    if asked is not None:
        chosen = walk("specificites", lambda given: asked if CONVENTION not in given else None, sent)
        screen.parts.append(Part("Convention AMC", chosen))
        if chosen.pending is not None:
            return None
        picked = chosen.answers[CONVENTION]
        convention = wizard_facts.conventions(ctx, answers)[int(picked) - 1] if picked else None
    ticked = walk("specificites", lambda given: wfs.ticked_question(facts, given), sent)
    screen.parts.append(Part("Spécificités de la facture", ticked))
    if ticked.pending is not None:
        return None
    result = wfs.ticked_result(facts, ticked.answers)
    return replace(answers, entente=wfs.entente_result(facts, entente.answers),
                   specifics=replace(result, amc_convention=convention))


def replay(ctx: Context, patient_id: object, sent: dict[str, str]) -> Progress:
    """Every screen from the start, with what the form sent, until one still has a question."""
    patient = patients.get_patient(ctx, patient_id)
    _, prefs = wizard_facts.billing_preferences(ctx)
    answers = wf.start(patient.id, ctx.clock().date(), prefs.home_by_default)
    screens: list[Screen] = []

    def single(key: str, done: Walk) -> bool:
        screens.append(Screen(key, [Part(TITLES[key], done)]))
        return done.pending is None

    care = wizard_facts.care(ctx, answers)
    done = walk("soins", lambda given: wf.care_question(care, given), sent)
    chosen = done.answers.get("professional")
    if chosen:  # the professional who bills chosen (a secretary): his preferences, the screen replayed with them
        _, prefs = wizard_facts.billing_preferences(ctx, int(chosen))
        answers = wf.start(patient.id, ctx.clock().date(), prefs.home_by_default)
        care = wizard_facts.care(ctx, answers, int(chosen))
        done = walk("soins", lambda given: wf.care_question(care, given), sent)
    if not single("soins", done):
        return Progress(patient, screens, answers, "soins")
    answers = wf.care_result(care, done.answers)

    done = walk("prescription", lambda given: ws.prescription_step(answers, given), sent, _runner(ctx, sent))
    if not single("prescription", done):
        return Progress(patient, screens, answers, "prescription")
    answers = ws.prescription_result(answers, done.answers)

    insurance = wizard_facts.insurance(patient, answers)
    done = walk("assurance", lambda given: wf.insurance_question(insurance, given), sent)
    if not single("assurance", done):
        return Progress(patient, screens, answers, "assurance")
    answers = wf.insurance_result(insurance, done.answers)

    payer = wizard_facts.payer(ctx, answers)
    done = walk("reglement", lambda given: wf.payer_question(payer, given), sent)
    if not single("reglement", done):
        return Progress(patient, screens, answers, "reglement")
    answers = wf.payer_result(payer, done.answers)

    screen = Screen("actes")
    screens.append(screen)
    with_acts = _acts(ctx, answers, sent, screen)
    if with_acts is None:
        return Progress(patient, screens, answers, "actes")
    answers = with_acts

    screen = Screen("specificites")
    screens.append(screen)
    with_specifics = _specifics(ctx, answers, patient, sent, screen)
    if with_specifics is None:
        return Progress(patient, screens, answers, "specificites")
    screens.append(Screen("fin"))
    return Progress(patient, screens, with_specifics, "fin")


def preferences_of(ctx: Context, answers: wd.WizardAnswers) -> Preferences:
    """The preferences of the professional who bills (chosen on the first screen, or the user's own)."""
    chosen = answers.professional
    return wizard_facts.billing_preferences(ctx, int(chosen) if chosen is not None else None)[1]


def offered_modes(answers: wd.WizardAnswers) -> tuple[list[str], str | None]:
    """The securing modes the rules allow for this invoice (labels), and the one imposed if only one is."""
    offer = wfs.offered_modes(wd.build_document(answers))
    labels = [choice.label for choice in wfs.mode_question(offer, True).choices]
    return labels, wfs.imposed_mode(offer) if len(offer.modes) == 1 else None


def keep_distances(ctx: Context, patient: PatientView, answers: wd.WizardAnswers) -> str | None:
    """The kilometres billed become the patient's default (as the terminal does); what is said of it."""
    changes = wf.distances_to_keep(answers, patient.values)
    if not changes:
        return None
    patients.update_patient(ctx, patient.id, changes)
    said = ", ".join(f"{name.upper()} {km} km" for name, km in changes.items())
    return f"Dossier du patient : distance enregistrée pour les prochaines factures ({said})."
