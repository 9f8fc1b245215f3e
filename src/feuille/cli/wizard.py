"""``feuille invoice assistant``: the « Réaliser une facture » wizard of the manual, in the terminal.

Step by step, in French: patient (patient base or Vitale card), billing date, place, prescription, insurance,
exoneration, care pathway, payer, acts (or favourites); then the draft is created and its recap shown, the AMO /
AMC parts may be changed line by line, the rates are checked, the invoice may be secured (mode + PIN) and the
patient's payments recorded. The answers become the JSON document through the pure
:mod:`feuille.billing.wizard_document`; every use case is the same service the other commands call.

Wiring (in ``cli/app.py``, after ``invoices.register(app)``)::

    from feuille.cli import wizard
    wizard.register(invoices.app_invoice)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import typer
from rich.table import Table

from feuille.auth import Context
from feuille.billing import drafts, payments, rate_check, securing
from feuille.billing import wizard_document as wd
from feuille.billing.store import InvoiceView
from feuille.cards.messages import french_error
from feuille.cards.port import CardError, VitaleCardData
from feuille.cli.common import console, err_console, handle_errors, state
from feuille.cli.invoices import reader
from feuille.domain.invoices import MEANS_LABELS, PaymentMeans
from feuille.errors import FeuilleError, ValidationError
from feuille.practice import amc_contracts, favourites, patients, prescribers

T = TypeVar("T")
LIST_LIMIT = 20
MODES = ("synchronise", "desynchronise", "degrade", "sans-vitale")


# --- prompting ------------------------------------------------------------------------------------------------------

def _say_error(error: FeuilleError) -> None:
    err_console.print("Erreur :", style="bold red", end=" ")
    err_console.print(error.message, markup=False, emoji=False, highlight=False)


def ask(question: str, parse: Callable[[str], T], default: str = "", tries: int = 5) -> T:
    """Prompt until ``parse`` accepts the answer (its French error is shown each time)."""
    for _ in range(tries):
        text = typer.prompt(question, default=default, show_default=bool(default))
        try:
            return parse(str(text))
        except ValidationError as error:
            _say_error(error)
    raise ValidationError(f"{question} : trop de réponses invalides, assistant abandonné.", code="wizard_aborted",
                          field="assistant")


def yes_no(question: str, default: bool) -> bool:
    return ask(f"{question} [{'O/n' if default else 'o/N'}]", lambda t: wd.parse_yes_no(t, default))


def pick(title: str, labels: list[str], field: str, *, none_label: str | None = None,
         default: int | None = None) -> int:
    """Show a numbered list and return the number chosen (1-based; 0 is « aucun » when offered)."""
    console.print(title, markup=False)
    if none_label is not None:
        console.print(f"  0. {none_label}", markup=False)
    for number, text in enumerate(labels, start=1):
        console.print(f"  {number}. {text}", markup=False)

    def parse(text: str) -> int:
        chosen = wd.parse_choice(text, len(labels), field, default)
        if chosen == 0 and none_label is None:
            raise ValidationError(f"{field} : tapez un numéro de la liste (1 à {len(labels)}).", code="choice",
                                  field=field)
        return chosen

    return ask("Numéro", parse, "" if default is None else str(default))


def _recap(view: InvoiceView) -> None:
    number = f"n° {view.number}" if view.number else "sans numéro"
    console.print(f"Facture {view.id} ({number}) du {view.invoice_date} : {view.state_label}", markup=False)
    table = Table("ligne", "date", "acte", "qté", "total", "taux", "AMO", "AMC", "patient", title="Récapitulatif")
    for index, line in enumerate(view.lines, start=1):
        table.add_row(str(index), str(line.get("date", "")), str(line.get("code")), str(line.get("quantity", "")),
                      str(line.get("total")), f"{line.get('rate')} %", str(line.get("amo")), str(line.get("amc")),
                      str(line.get("patient")))
    table.add_row("", "", "total", "", view.totals["total"], "", view.totals["amo"], view.totals["amc"],
                  view.totals["patient"])
    console.print(table)
    console.print(f"À payer par le patient : {view.totals['due_by_patient']} ; solde : {view.balance}",
                  markup=False)
    for warning in [*view.warnings, *view.balance_warnings]:
        err_console.print(f"Attention : {warning}", markup=False)


# --- the steps ----------------------------------------------------------------------------------------------------

def _vitale() -> VitaleCardData | None:
    try:
        return reader().vitale_card()
    except CardError as exc:
        raise french_error(exc) from None


def step_patient(ctx: Context) -> int:
    console.print("[bold]Patient[/bold]")
    source = pick("Choisir le patient :", ["dans la base patient (recherche par nom)",
                                           "parmi les bénéficiaires de la carte Vitale (ou de l'appli) présentée"],
                  "patient", default=1)
    if source == 2:
        card = _vitale()
        if card is None or not card.beneficiaries:
            err_console.print("Attention : aucune carte Vitale (ni appli) présentée ; recherche dans la base.",
                              markup=False)
        else:
            labels = [f"{b.fields.get('last_name', '')} {b.fields.get('first_name') or ''} "
                      f"(né(e) le {b.fields.get('birth_date', '?')}, rang {b.fields.get('rank', 1)})".replace("  ", " ")
                      for b in card.beneficiaries]
            chosen = pick("Bénéficiaires de la carte :", labels, "beneficiaire")
            return drafts.patient_from_vitale(ctx, reader(), chosen)
    while True:
        prefix = typer.prompt("Nom du patient (début)", default="", show_default=False)
        found = patients.search_patients(ctx, str(prefix).strip() or None, limit=LIST_LIMIT)
        if not found:
            err_console.print(f"Aucun patient dont le nom commence par « {prefix} » ; créez-le d'abord "
                              "(feuille patient add) ou essayez un autre nom.", markup=False)
            continue
        labels = [f"{p.last_name} {p.first_name or ''} (né(e) le {p.birth_date}, rang {p.rank})".replace("  ", " ")
                  for p in found]
        chosen = pick("Patients trouvés :", labels, "patient", none_label="autre recherche")
        if chosen:
            return found[chosen - 1].id


def step_care(ctx: Context, answers: wd.WizardAnswers) -> wd.WizardAnswers:
    console.print("[bold]Soins réalisés et prescription[/bold]")
    today = ctx.clock().date()
    day = ask("Date de facturation (JJ/MM/AAAA)", lambda t: wd.parse_day(t, "date", today),
              today.strftime("%d/%m/%Y"))
    place = ask("Lieu des soins (cabinet ou domicile)", wd.parse_place, answers.place)
    return replace(answers, invoice_date=day, place=place)


def step_prescription(ctx: Context, answers: wd.WizardAnswers) -> wd.WizardAnswers:
    if not yes_no("Nécessite une prescription ?", answers.prescription_date is not None):
        return replace(answers, prescription_date=None, prescriber_id=None)
    written = ask("Prescription du (JJ/MM/AAAA)", lambda t: wd.parse_day(t, "prescription.date"),
                  answers.invoice_date.strftime("%d/%m/%Y"))
    while True:
        prefix = typer.prompt("Prescripteur : début du nom", default="", show_default=False)
        rows = prescribers.search_prescribers(ctx, str(prefix).strip())[:LIST_LIMIT]
        if not rows:
            err_console.print(f"Aucun prescripteur dont le nom commence par « {prefix} » (feuille prescriber add "
                              "pour le créer).", markup=False)
            continue
        labels = [f"{r.last_name} {r.first_name or ''} - {r.number}".replace("  ", " ") for r in rows]
        chosen = pick("Liste des prescripteurs :", labels, "prescription.prescriber", none_label="autre recherche")
        if chosen:
            return replace(answers, prescription_date=written, prescriber_id=rows[chosen - 1].id)


def step_insurance(ctx: Context, answers: wd.WizardAnswers, patient_exoneration: str | None) -> wd.WizardAnswers:
    console.print("[bold]Assurance[/bold]")
    labels = [wd.NATURE_LABELS[code] for code in wd.NATURES.values()]
    current = list(wd.NATURES.values()).index(answers.nature) + 1
    nature = wd.NATURES[str(pick("Nature de l'assurance :", labels, "coverage.nature", default=current))]
    nature_date, smg = None, None
    if nature == "maternite":
        nature_date = ask("Date de maternité (JJ/MM/AAAA)", lambda t: wd.parse_day(t, "coverage.maternity_date"))
    elif nature == "at":
        nature_date = ask("Date de l'accident du travail (JJ/MM/AAAA)",
                          lambda t: wd.parse_day(t, "coverage.accident_date"))
    elif nature == "smg":
        smg = ask("Montant de la prise en charge SMG", lambda t: wd.parse_optional_amount(t, "coverage.smg_amount")
                  or "0.00", "0")
    exoneration = ask("Exonération du ticket modérateur (0 : aucune ; 1-7, 9, C, X)",
                      lambda t: wd.parse_exoneration(t, patient_exoneration or "0"), patient_exoneration or "0")
    console.print("Parcours de soins : " + ", ".join(f"{k} {v}" for k, v in wd.PARCOURS.items()), markup=False)
    parcours = ask("Situation au regard du parcours de soins (lettre ; vide : non concernée)", wd.parse_parcours,
                   answers.parcours or "")
    return replace(answers, nature=nature, nature_date=nature_date, smg_amount=smg, exoneration=exoneration,
                   parcours=parcours)


def step_payer(ctx: Context, answers: wd.WizardAnswers) -> wd.WizardAnswers:
    console.print("[bold]Règlement[/bold]")
    contracts = amc_contracts.list_amc_contracts(ctx, answers.patient_id)
    contract: wd.ContractAnswer | None = None
    if contracts:
        selected = next((i for i, c in enumerate(contracts, start=1) if c.selected), 0)
        chosen = pick("Mutuelle (contrat complémentaire du patient) :",
                      [c.label() + (f" - formule {c.formula}" if c.formula else "") for c in contracts],
                      "payer.amc_contract", none_label="aucune", default=selected)
        if chosen:
            row = contracts[chosen - 1]
            contract = wd.ContractAnswer(row.id, row.formula, row.formula_rate, row.fixed_amount)
    tp_amo = yes_no("Tiers payant AMO (part obligatoire) ?", answers.tp_amo)
    tp_amc = yes_no("Tiers payant AMC (part complémentaire) ?", answers.tp_amc) if contract else False
    return replace(answers, contract=contract, tp_amo=tp_amo, tp_amc=tp_amc)


def _one_act(ctx: Context) -> wd.ActAnswer | wd.FavouriteAnswer | None:
    text = typer.prompt("Code de l'acte (ex. C, AMI, AFLB001 ; « favori » : un soin favori)")
    if str(text).strip().lower() in ("favori", "favoris", "f"):
        views = favourites.search_favourites(ctx)
        if not views:
            err_console.print("Aucun soin favori pour ce professionnel.", markup=False)
            return None
        labels = [f"{v.label} ({', '.join(a.code for a in v.acts)})" for v in views]
        chosen = pick("Soins favoris :", labels, "acts.favourite", none_label="aucun")
        return wd.FavouriteAnswer(views[chosen - 1].id) if chosen else None
    try:
        code = wd.parse_code(text)
    except ValidationError as error:
        _say_error(error)
        return None
    coefficient = ask("Coefficient", wd.parse_coefficient, "1")
    quantity = ask("Quantité", wd.parse_quantity, "1")
    price = ask("Prix unitaire (vide : tarif de la nomenclature)",
                lambda t: wd.parse_optional_amount(t, "acts.unit_price"))
    return wd.ActAnswer(code, coefficient, quantity, price)


def step_acts(ctx: Context, answers: wd.WizardAnswers) -> wd.WizardAnswers:
    console.print("[bold]Soins[/bold]")
    acts: list[wd.ActAnswer | wd.FavouriteAnswer] = []
    while True:
        act = _one_act(ctx)
        if act is None:
            continue
        acts.append(act)
        if not yes_no("Autre acte ?", False):
            return replace(answers, acts=tuple(acts), overrides=())


# --- the wizard -----------------------------------------------------------------------------------------------------

def _step_for(field: str) -> str:
    """Which step to go back to for an error on ``field``."""
    for prefix, step in (("prescription", "prescription"), ("entente_prealable", "acts"), ("coverage", "insurance"),
                         ("amc", "payer"), ("payer", "payer"), ("tiers_payant", "payer"), ("place", "care"),
                         ("date", "care"), ("performer", "care")):
        if field.startswith(prefix):
            return step
    return "acts"


def _draft(ctx: Context, answers: wd.WizardAnswers, exoneration: str | None) -> tuple[InvoiceView,
                                                                                     wd.WizardAnswers]:
    """Create the draft, going back to the step at fault as long as the services refuse the document."""
    while True:
        try:
            return drafts.create_draft(ctx, wd.build_document(answers)), answers
        except ValidationError as error:
            _say_error(error)
            step = _step_for(error.field or "")
            console.print(f"Reprise de l'étape « {STEP_LABELS[step]} ».", markup=False)
            if not yes_no("Corriger ?", True):
                raise
            answers = _run_step(ctx, step, answers, exoneration)


STEP_LABELS = {"care": "soins réalisés", "prescription": "prescription", "insurance": "assurance",
               "payer": "règlement", "acts": "soins"}


def _run_step(ctx: Context, step: str, answers: wd.WizardAnswers, exoneration: str | None) -> wd.WizardAnswers:
    if step == "care":
        return step_care(ctx, answers)
    if step == "prescription":
        return step_prescription(ctx, answers)
    if step == "insurance":
        return step_insurance(ctx, answers, exoneration)
    if step == "payer":
        return step_payer(ctx, answers)
    return step_acts(ctx, answers)


def _overrides(ctx: Context, view: InvoiceView, answers: wd.WizardAnswers) -> InvoiceView:
    changes: list[wd.Override] = list(answers.overrides)
    while view.lines and yes_no("Modifier la part AMO ou AMC d'une ligne ?", False):
        line = pick("Ligne à modifier :", [f"{line.get('code')} {line.get('total')} (AMO {line.get('amo')}, "
                                           f"AMC {line.get('amc')})" for line in view.lines], "overrides.line")
        amo = ask("Part AMO (vide : inchangée)", lambda t: wd.parse_optional_amount(t, "overrides.amo"))
        amc = ask("Part AMC (vide : inchangée)", lambda t: wd.parse_optional_amount(t, "overrides.amc"))
        if amo is None and amc is None:
            continue
        attempt = [*changes, wd.Override(line - 1, amo, amc)]
        try:
            view = drafts.update_draft(ctx, view.id, wd.with_overrides(wd.build_document(answers), attempt))
        except ValidationError as error:
            _say_error(error)
            continue
        changes = attempt
        _recap(view)
    return view


def _secure(ctx: Context, view: InvoiceView) -> InvoiceView:
    if not yes_no("Sécuriser la facture maintenant ?", True):
        console.print(f"Facture {view.id} enregistrée (TP calculé) : sécurisez-la plus tard avec « feuille invoice "
                      f"secure {view.id} --mode … ».", markup=False)
        return view
    try:
        vitale = _vitale() is not None
    except FeuilleError:
        vitale = False
    default = "synchronise" if vitale else "degrade"
    for _ in range(3):
        mode = ask("Mode de sécurisation (synchronise, desynchronise, degrade, sans-vitale)",
                   lambda t: _mode(t), default)
        pin = typer.prompt("Code PIN de la carte CPS/CPE (vide : déjà saisi)", default="", show_default=False,
                           hide_input=True)
        try:
            return securing.secure(ctx, view.id, mode, reader(), str(pin).strip() or None)
        except FeuilleError as error:
            _say_error(error)
            if not yes_no("Réessayer ?", True):
                break
    console.print(f"Facture {view.id} non sécurisée (TP calculé).", markup=False)
    return view


def _mode(text: str) -> str:
    value = text.strip().lower().replace("é", "e")
    for mode in MODES:
        if value and mode.startswith(value):
            return mode
    raise ValidationError("mode : synchronise, desynchronise, degrade ou sans-vitale.", code="secure_mode",
                          field="mode")


def _means(text: str) -> str:
    value = text.strip().lower().replace("è", "e")
    for means in PaymentMeans:
        if value and (means.value.lower().startswith(value) or MEANS_LABELS[means].lower() == value):
            return means.value
    raise ValidationError("moyen : cheque, CB, especes ou autre.", code="means", field="means")


def _payment_amount(text: str) -> str:
    amount = wd.parse_optional_amount(text, "amount")
    if amount is None or amount == "0.00":
        raise ValidationError("amount : tapez le montant payé (ex. 23.00).", code="amount", field="amount")
    return amount


def _payments(ctx: Context, view: InvoiceView) -> InvoiceView:
    while yes_no(f"Enregistrer un paiement du patient (solde {view.balance}) ?", view.balance not in ("0.00",)
                 and not view.balance.startswith("-")):
        means = ask("Moyen de paiement (cheque, CB, especes, autre)", _means, "CB")
        amount = ask("Montant", _payment_amount, "" if view.balance.startswith("-") else view.balance)
        try:
            view = payments.pay(ctx, view.id, means, amount)
        except FeuilleError as error:
            _say_error(error)
            continue
        console.print(f"Paiement enregistré : {amount} ({MEANS_LABELS[PaymentMeans(means)]}). Solde : "
                      f"{view.balance}", markup=False)
        for warning in view.balance_warnings:
            err_console.print(f"Attention : {warning}", markup=False)
    return view


def run_wizard(ctx: Context) -> InvoiceView:
    console.print("[bold]Réaliser une facture[/bold]")
    patient_id = step_patient(ctx)
    patient = patients.get_patient(ctx, patient_id)
    console.print(f"Patient : {patient.values['last_name']} {patient.values['first_name'] or ''}", markup=False)
    exoneration = patient.values.get("exoneration") or None
    answers = wd.WizardAnswers(patient_id=patient_id, invoice_date=ctx.clock().date())
    answers = step_care(ctx, answers)
    answers = step_prescription(ctx, answers)
    answers = step_insurance(ctx, answers, exoneration)
    answers = step_payer(ctx, answers)
    answers = step_acts(ctx, answers)
    view, answers = _draft(ctx, answers, exoneration)
    _recap(view)
    view = _overrides(ctx, view, answers)
    view = rate_check.check_rates(ctx, view.id)
    console.print(f"Contrôle des taux fait : {view.state_label}.", markup=False)
    view = _secure(ctx, view)
    if view.number:
        _recap(view)
    view = _payments(ctx, view)
    number = f"n° {view.number}" if view.number else "sans numéro"
    console.print(f"Facture {view.id} ({number}) : {view.state_label} ; solde patient {view.balance}.",
                  markup=False)
    if view.state == "secured" and not view.sendable:
        err_console.print(f"Attention : facture en mode dégradé non transmissible tant que la feuille de soins n'est "
                          f"pas jointe (feuille invoice feuille-de-soins {view.id} --joindre) ou envoyée sur papier "
                          f"(feuille invoice attach {view.id} --papier).", markup=False)
    return view


@handle_errors
def assistant() -> None:
    run_wizard(state.context())


def register(invoice_app: typer.Typer) -> None:
    """Add ``feuille invoice assistant`` to the invoice group (once)."""
    if any(c.name == "assistant" for c in invoice_app.registered_commands):
        return
    invoice_app.command("assistant", help="Assistant « Réaliser une facture » : saisie pas à pas (patient, soins, "
                                          "assurance, règlement, actes), récapitulatif, sécurisation, paiements."
                        )(assistant)
