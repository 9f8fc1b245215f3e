"""``feuille facture assistant``: the « Réaliser une facture » wizard of the manual, in the terminal.

Step by step, in French: patient (patient base, Vitale card, or created on the spot), billing date, place,
prescription (prescriber found or created on the spot, photo), insurance (nature, accident, AT, exoneration, ALD,
care pathway, MT declaration), payer, acts (or favourites), specifics (entente préalable, victime d'attentat,
prévention, santé sexuelle and a minor's anonymity, exoneration per act, grouping, service AMO, AMC convention);
then the draft is created and its recap shown, the AMO / AMC parts may be changed line by line, the rates are
checked, the invoice may be secured (mode + PIN; SESAM sans Vitale only for an anonymous minor) and the patient's
payments recorded. Which question comes next, with which default, is the pure step machine's
(:mod:`feuille.billing.wizard_flow`, :mod:`feuille.billing.wizard_flow_specifics`); this terminal gathers the facts
from the services, parses what is typed (``wizard_parsing``) and drives it (``wizard_prompts.drive``). The answers
become the JSON document through the pure :mod:`feuille.billing.wizard_document`; every use case is the same
service the other commands call. The screens live in ``wizard_steps``, ``wizard_acts``, ``wizard_insurance`` and
``wizard_specifics``. The professional's preferences set the place offered, the performer question, the recap and
the payment means; the patient's kilometres are offered from his record and kept there.

Wiring (in ``cli/app.py``, after ``invoices.register(app)``)::

    from feuille.cli import wizard
    wizard.register(invoices.app_invoice)
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer

from feuille.auth import Context
from feuille.billing import care_dates, drafts, payments, rate_check, securing
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_specifics as wfs
from feuille.billing.views import InvoiceView
from feuille.billing.wizard_questions import Question
from feuille.cli import wizard_parsing as wt
from feuille.cli.common import handle_errors, state
from feuille.cli.french import either
from feuille.cli.invoices import reader
from feuille.cli.rights import wizard_rights
from feuille.cli.wizard_acts import step_acts
from feuille.cli.wizard_insurance import step_insurance
from feuille.cli.wizard_prompts import answer, ask, drive, recap, say, say_error, title, warn, yes_no
from feuille.cli.wizard_specifics import step_specifics
from feuille.cli.wizard_steps import step_care, step_patient, step_payer, step_prescription, vitale
from feuille.domain.invoices import MEANS_LABELS, PaymentMeans
from feuille.domain.professionals import Preferences
from feuille.errors import FeuilleError, ValidationError
from feuille.practice import patients, preferences
from feuille.practice.patients import PatientView

STEP_LABELS = {"care": "soins réalisés", "prescription": "prescription", "insurance": "assurance",
               "payer": "règlement", "acts": "soins", "specifics": "spécificités"}
# The first prefix that a refused field starts with names the step to go back to (else: the acts).
FIELD_STEPS = (("prescription", "prescription"), ("entente_prealable", "specifics"), ("specifics", "specifics"),
               ("coverage", "insurance"), ("accident", "insurance"), ("ald", "insurance"),
               ("exoneration_justification", "insurance"), ("mt_declaration", "insurance"), ("amc", "payer"),
               ("payer", "payer"), ("tiers_payant", "payer"), ("place", "care"), ("date", "care"),
               ("performer", "care"), ("professional", "care"))


def step_for(field: str) -> str:
    """Which step to go back to for an error on ``field``."""
    if field.startswith("acts[") and field.endswith(".exoneration"):
        return "specifics"  # « exonération sur chaque acte »
    return next((step for prefix, step in FIELD_STEPS if field.startswith(prefix)), "acts")


def _run_step(ctx: Context, step: str, answers: wd.WizardAnswers, patient: PatientView,
              field: str = "") -> wd.WizardAnswers:
    if step == "care":
        return step_care(ctx, answers)
    if step == "prescription":
        return step_prescription(ctx, answers)
    if step == "insurance":
        return step_insurance(ctx, answers, patient)
    if step == "payer":
        return step_payer(ctx, answers)
    if step == "specifics":
        return step_specifics(ctx, answers, patient, entente_asked=field.startswith("entente_prealable"))
    return step_acts(ctx, answers)


def _draft(ctx: Context, answers: wd.WizardAnswers, patient: PatientView) -> tuple[InvoiceView, wd.WizardAnswers]:
    """Create the draft, going back to the step at fault as long as the services refuse the document."""
    while True:
        try:
            return drafts.create_draft(ctx, wd.build_document(answers)), answers
        except ValidationError as error:
            say_error(error)
            step = step_for(error.field or "")
            say(f"Reprise de l'étape « {STEP_LABELS[step]} ».")
            if not yes_no("Corriger ?", True):
                raise
            answers = _run_step(ctx, step, answers, patient, error.field or "")


def _overrides(ctx: Context, view: InvoiceView, answers: wd.WizardAnswers) -> InvoiceView:
    """The recap's changes, one after the other, as the step machine's ``override_question`` asks them."""
    changes: list[wd.Override] = list(answers.overrides)
    while True:
        asked = drive(functools.partial(wfs.override_question, wfs.line_labels(view.lines)))
        if not asked.get("overrides.more"):
            return view
        change = wfs.override_result(asked)
        if change is None:
            continue
        attempt = [*changes, change]
        try:
            view = drafts.update_draft(ctx, view.id, wd.with_overrides(wd.build_document(answers), attempt))
        except ValidationError as error:
            say_error(error)
            continue
        changes = attempt
        recap(view)


def _mode(answers: wd.WizardAnswers) -> str:
    offer = wfs.offered_modes(wd.build_document(answers))
    if len(offer.modes) == 1:
        say(wfs.imposed_mode(offer))
        return offer.modes[0].value
    try:
        card = vitale() is not None
    except FeuilleError:
        card = False
    question = wfs.mode_question(offer, card)
    return str(answer(question, _typed_choice(question, "secure_mode", "mode", "mode")))


def _secure(ctx: Context, view: InvoiceView, answers: wd.WizardAnswers) -> InvoiceView:
    old = care_dates.age_warning(wd.build_document(answers), answers.invoice_date, ctx.clock().date())
    if old:
        warn(old)
    if not yes_no("Sécuriser la facture maintenant ?", True):
        say(f"Facture {view.id} enregistrée (TP calculé) : sécurisez-la plus tard avec « feuille facture securiser "
            f"{view.id} --mode … ».")
        return view
    for _ in range(3):
        mode = _mode(answers)
        pin = typer.prompt("Code PIN de la carte CPS/CPE (vide : déjà saisi)", default="", show_default=False,
                           hide_input=True)
        try:
            return securing.secure(ctx, view.id, mode, reader(), str(pin).strip() or None)
        except FeuilleError as error:
            say_error(error)
            if not yes_no("Réessayer ?", True):
                break
    say(f"Facture {view.id} non sécurisée (TP calculé).")
    return view


def _fold(text: str) -> str:
    return text.strip().lower().replace("é", "e").replace("è", "e")


def _typed_choice(question: Question, code: str, field: str, label: str) -> Callable[[str], str]:
    """One of the question's choices (the modes the rules offer, the payment means), typed by the start of its
    value or its label (« deg », « CB », « espèces »)."""
    values = [choice.value for choice in question.choices]

    def parse(text: str) -> str:
        typed = _fold(text)
        for choice in question.choices:
            if typed and (choice.value.startswith(typed) or _fold(choice.label) == typed):
                return str(choice.value)
        raise ValidationError(f"{label} : {either(values)}.", code=code, field=field)

    return parse


def _payment_amount(text: str) -> str:
    amount = wt.parse_optional_amount(text, "amount")
    if amount is None or amount == "0.00":
        raise ValidationError("amount : tapez le montant payé (ex. 23.00).", code="amount", field="amount")
    return amount


def _payments(ctx: Context, view: InvoiceView, default_means: str) -> InvoiceView:
    while yes_no(f"Enregistrer un paiement du patient (solde {view.balance}) ?", view.balance not in ("0.00",)
                 and not view.balance.startswith("-")):
        question = wfs.payment_question(default_means)
        means = str(answer(question, _typed_choice(question, "means", "means", "moyen")))
        amount = ask("Montant", _payment_amount, "" if view.balance.startswith("-") else view.balance)
        try:
            view = payments.pay(ctx, view.id, means, amount)
        except FeuilleError as error:
            say_error(error)
            continue
        say(f"Paiement enregistré : {amount} ({MEANS_LABELS[PaymentMeans(means)]}). Solde : {view.balance}")
        for warning in view.balance_warnings:
            warn(warning)
    return view


def _answers(ctx: Context, patient: PatientView, prefs: Preferences) -> wd.WizardAnswers:
    """The steps before the draft, in the manual's order."""
    answers = wf.start(patient.id, ctx.clock().date(), prefs.home_by_default)
    answers = step_care(ctx, answers)
    answers = step_prescription(ctx, answers)
    answers = step_insurance(ctx, answers, patient)
    answers = step_payer(ctx, answers)
    answers = step_acts(ctx, answers)
    return step_specifics(ctx, answers, patient)


def _keep_distances(ctx: Context, patient: PatientView, answers: wd.WizardAnswers) -> None:
    """The kilometres billed become the patient record's IK / IKM / IKS (the next invoice's default); its own use
    case, as a patient changed from his file."""
    changes = wf.distances_to_keep(answers, patient.values)
    if not changes:
        return
    try:
        patients.update_patient(ctx, patient.id, changes)
    except FeuilleError as error:
        warn(f"distances non enregistrées dans le dossier du patient : {error.message}")
        return
    said = ", ".join(f"{name.upper()} {km} km" for name, km in changes.items())
    say(f"Dossier du patient : distance enregistrée pour les prochaines factures ({said}).")


def run_wizard(ctx: Context) -> InvoiceView:
    title("Réaliser une facture")
    patient = patients.get_patient(ctx, step_patient(ctx))
    say(f"Patient : {patient.values['last_name']} {patient.values['first_name'] or ''}")
    _, prefs = preferences.acting_preferences(ctx)
    if wizard_rights(ctx, patient, prefs.adri_mode, ctx.clock().date()):  # ADRi per the policy (cli/rights.py)
        patient = patients.get_patient(ctx, patient.id)
    view, answers = _draft(ctx, _answers(ctx, patient, prefs), patient)
    _keep_distances(ctx, patient, answers)
    if prefs.show_amount_recap:  # « Afficher le récapitulatif des actes/montants » (and the parts changed there)
        recap(view)
        view = _overrides(ctx, view, answers)
    view = rate_check.check_rates(ctx, view.id)
    say(f"Contrôle des taux fait : {view.state_label}.")
    view = _secure(ctx, view, answers)
    if view.number:
        recap(view)
    view = _payments(ctx, view, prefs.default_payment.value)
    number = f"n° {view.number}" if view.number else "sans numéro"
    say(f"Facture {view.id} ({number}) : {view.state_label} ; solde patient {view.balance}.")
    if view.state == "secured" and answers.nature == "smg":
        warn(f"soins médicaux gratuits : imprimez la feuille de soins (feuille facture feuille-de-soins {view.id}) "
             "et adressez-la sur papier à la CNMSS ; la facture n'est pas télétransmise.")
    elif view.state == "secured" and not view.sendable:
        warn(f"facture en mode dégradé non transmissible tant que la feuille de soins n'est pas jointe (feuille "
             f"facture feuille-de-soins {view.id} --joindre) ou envoyée sur papier (feuille facture joindre "
             f"{view.id} --papier).")
    return view


@handle_errors
def assistant() -> None:
    run_wizard(state.context())


def register(invoice_app: typer.Typer) -> None:
    """Add ``feuille facture assistant`` to the invoice group (once)."""
    if any(c.name == "assistant" for c in invoice_app.registered_commands):
        return
    invoice_app.command("assistant", help="Assistant « Réaliser une facture » : saisie pas à pas (patient, soins, "
                                          "assurance, règlement, actes, spécificités), récapitulatif, "
                                          "sécurisation, paiements.")(assistant)
