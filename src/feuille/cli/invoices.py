"""CLI group: invoices (``feuille facture …``): draft, check rates, secure, finalise, pay, show, cancel…

Commands only parse their arguments and call ``feuille.billing``. The cards come from the card reader
(``feuille carte inserer NAME --pin PIN``), obtained through :func:`reader`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table

from feuille.billing import (
    attachments,
    cancel,
    drafts,
    payments,
    queries,
    rate_check,
    securing,
    signing,
    verification,
)
from feuille.billing.views import InvoiceView
from feuille.cards.port import CardReader
from feuille.cli import invoice_input
from feuille.cli.common import confirm, console, err_console, handle_errors, print_json, read_document, read_file, state
from feuille.cli.french import either
from feuille.domain.invoices import MEANS_LABELS, PaymentMeans, SecureMode
from feuille.errors import ValidationError
from feuille.money import format_amount
from feuille.pricing import parse_text

app_invoice = typer.Typer(help="Factures : saisie, contrôle des taux, sécurisation, paiements, annulation.",
                          no_args_is_help=True)

#: The securing modes as the domain lists them (« synchronise, desynchronise, degrade ou sans-vitale. »).
MODES_HELP = either([mode.value for mode in SecureMode]) + "."
ID = typer.Argument(..., help="Numéro interne de la facture.")
JSON = typer.Option(False, "--json", help="Sortie JSON.")
PIN = typer.Option(None, "--pin", help="Code porteur (PIN) de la CPS/CPE ; inutile tant que la session ouverte par "
                                       "« feuille carte inserer NOM --pin » dure.")

#: Tests (and a licensed deployment) may plug another reader in here.
READER_FACTORY: Callable[[], CardReader] | None = None


def reader() -> CardReader:
    """The card reader of this desk (the virtual one: ``FEUILLE_CARDS_DIR``, ``FEUILLE_PKCS11_MODULE``)."""
    if READER_FACTORY is not None:
        return READER_FACTORY()
    # Imported here: the virtual reader brings PKCS#11, cryptography and asn1crypto, which most invoice
    # commands never use (``facture creer`` is run once per invoice by scripts: its start-up counts).
    from feuille.cards.virtual import reader_from_settings

    return reader_from_settings()


def _print(view: InvoiceView, json_out: bool = True) -> None:
    if json_out:
        print_json(view.to_json())
        return
    number = f"n° {view.number}" if view.number else "sans numéro"
    console.print(f"Facture {view.id} ({number}) du {queries.french_date(view.invoice_date)} : {view.state_label}")
    for payment in view.payments:
        means = MEANS_LABELS.get(PaymentMeans(payment["means"]), payment["means"])
        console.print(f"Paiement {means} de {payment['amount']} le "
                      f"{queries.french_date(payment['at'][:10])}")
    table = Table("acte", "total", "AMO", "AMC", "patient")
    for line in view.lines:
        table.add_row(line.code, format_amount(line.total), format_amount(line.amo), format_amount(line.amc),
                      format_amount(line.patient))
    table.add_row("total", view.totals["total"], view.totals["amo"], view.totals["amc"], view.totals["patient"])
    console.print(table)
    console.print(f"À payer par le patient : {view.totals['due_by_patient']} ; solde : {view.balance}")
    for warning in [*view.warnings, *view.balance_warnings]:
        err_console.print(f"Attention : {warning}", markup=False)
    if view.state == "secured" and not view.sendable:
        err_console.print("Attention : facture en mode dégradé non transmissible tant que la feuille de soins "
                          "n'est pas jointe (feuille facture joindre) ou envoyée sur papier (--papier).")


@app_invoice.command("create", help="Crée une facture brouillon depuis un JSON (contrat de tarification étendu : "
                                    "patient, professionnel, prescription et sa photo, assurance, payeurs, "
                                    "spécificités ; voir docs/invoices.md).")
@handle_errors
def create(fichier: str = typer.Argument(..., metavar="FILE", help="Fichier JSON (« - » : entrée standard)."),
           vitale: int | None = typer.Option(None, "--vitale", help="Patient : le bénéficiaire n° N de la carte "
                                             "Vitale (ou de l'appli) présentée, enregistré ou mis à jour.")) -> None:
    ctx = state.context()
    document = parse_text(read_document(fichier))
    invoice_input.resolve_photo(document, fichier)  # prescription.photo.path: read here, beside the JSON file
    if vitale is not None:
        if not isinstance(document, dict):
            raise ValidationError("(document) : un objet JSON est attendu.", code="invoice_input",
                                  field="(document)")
        document["patient"] = {"id": drafts.patient_from_vitale(ctx, reader(), vitale)}
    _print(drafts.create_draft(ctx, document))


@app_invoice.command("update", help="Remplace le contenu d'une facture brouillon (le contrôle des taux est perdu).")
@handle_errors
def update(ref: str = ID,
           fichier: str = typer.Argument(..., metavar="FILE", help="Fichier JSON (« - » : entrée standard).")
           ) -> None:
    document = parse_text(read_document(fichier))
    invoice_input.resolve_photo(document, fichier)  # as for create: a photo path is read beside the JSON file
    _print(drafts.update_draft(state.context(), ref, document))


@app_invoice.command("check", help="Contrôle des taux (obligatoire avant la sécurisation).")
@handle_errors
def check(ref: str = ID, json_out: bool = JSON) -> None:
    _print(rate_check.check_rates(state.context(), ref), json_out)


@app_invoice.command("secure", help="Sécurise la facture avec les cartes insérées (désynchronisé : première "
                                    "signature seulement).")
@handle_errors
def secure(ref: str = ID,
           mode: str = typer.Option(..., "--mode", help=MODES_HELP),
           pin: str | None = PIN, json_out: bool = JSON) -> None:
    _print(securing.secure(state.context(), ref, mode, reader(), pin), json_out)


@app_invoice.command("finalise", help="Signature finale d'une facture désynchronisée (CPS du professionnel).")
@handle_errors
def finalise(ref: str = ID, pin: str | None = PIN, json_out: bool = JSON) -> None:
    _print(securing.finalise(state.context(), ref, reader(), pin), json_out)


@app_invoice.command("pay", help="Enregistre un paiement du patient (plusieurs possibles).")
@handle_errors
def pay(ref: str = ID,
        means: str = typer.Option(..., "--moyen", help="Moyen : cheque, CB, especes ou autre."),
        amount: str = typer.Option(..., "--montant", help="Montant, ex. 110.00."), json_out: bool = JSON) -> None:
    _print(payments.pay(state.context(), ref, means, amount), json_out)


@app_invoice.command("unpay", help="Retire un paiement saisi par erreur.")
@handle_errors
def unpay(ref: str = ID, paiement: int = typer.Argument(..., help="Numéro du paiement (voir show)."),
          json_out: bool = JSON) -> None:
    _print(payments.remove_payment(state.context(), ref, paiement), json_out)


@app_invoice.command("show", help="Affiche une facture.")
@handle_errors
def show(ref: str = ID, json_out: bool = JSON) -> None:
    _print(queries.show(state.context(), ref), json_out)


@app_invoice.command("list", help="Liste les factures, les plus récentes d'abord (1 000 au plus), avec le patient "
                                  "et le professionnel ; filtres par état, patient, professionnel et dates.")
@handle_errors
def list_command(etat: str | None = typer.Option(None, "--etat", help="Seulement cet état : brouillon, "
                                                 "« TP calculé », sécurisée, annulée… (ou draft, secured…)."),
                 patient: str | None = typer.Option(None, "--patient", help="Numéro interne du patient."),
                 pro: str | None = typer.Option(None, "--pro", help="Professionnel qui facture (numéro interne "
                                                "ou n° de facturation)."),
                 du: str | None = typer.Option(None, "--du", help="À partir de cette date (JJ/MM/AAAA)."),
                 au: str | None = typer.Option(None, "--au", help="Jusqu'à cette date incluse (JJ/MM/AAAA)."),
                 limite: int = typer.Option(200, "--limite", min=1, max=queries.MAX_LIST,
                                            help="Nombre de factures au plus."),
                 json_out: bool = JSON) -> None:
    listed = queries.list_invoices(state.context(), etat, limite, patient=patient, professional=pro, since=du,
                                   until=au)
    if json_out:
        print_json([item.to_json() for item in listed])
        return
    table = Table("id", "date", "état", "patient", "n° (professionnel)", "total", "solde",
                  title=f"{len(listed)} facture(s)")
    for item in listed:
        v = item.view
        table.add_row(str(v.id), queries.french_date(v.invoice_date), v.state_label, item.patient,
                      item.number_label, v.totals["total"], v.balance)
    console.print(table)


@app_invoice.command("delete", help="Supprime une facture non signée.")
@handle_errors
def delete(ref: str = ID, oui: bool = typer.Option(False, "--oui", help="Ne pas demander confirmation.")) -> None:
    ctx = state.context()
    if not confirm(_deletion_question(queries.show(ctx, ref)), oui):
        raise typer.Exit(code=1)
    cancel.delete_draft(ctx, ref)
    console.print(f"Facture {ref} supprimée.")


def _deletion_question(invoice: InvoiceView) -> str:
    """The question before deleting a draft; when the patient has already paid, what becomes of those payments."""
    question = f"Supprimer la facture {invoice.id} ?"
    if not invoice.payments:
        return question
    paid = sum((Decimal(p["amount"]) for p in invoice.payments), Decimal(0))
    return (f"La facture {invoice.id} porte {len(invoice.payments)} paiement(s) du patient, "
            f"{format_amount(paid).replace('.', ',')} € en tout : ils restent enregistrés sur la facture "
            "supprimée (à rembourser au patient ou à reporter sur une autre facture). " + question)


@app_invoice.command("cancel", help="Annule une facture signée par un avoir (nouvelle facture, montants opposés), "
                                    "signé avec la CPS du professionnel qui facture.")
@handle_errors
def cancel_command(ref: str = ID, oui: bool = typer.Option(False, "--oui", help="Ne pas demander confirmation."),
                   pin: str | None = PIN, json_out: bool = JSON) -> None:
    if not confirm(f"Annuler la facture {ref} par un avoir ?", oui):
        raise typer.Exit(code=1)
    _print(cancel.cancel_invoice(state.context(), ref, reader(), pin), json_out)


@app_invoice.command("attach", help="Joint la feuille de soins (PDF, PNG, JPEG) d'une facture en mode dégradé, "
                                    "ou la marque envoyée sur papier (--papier).")
@handle_errors
def attach(ref: str = ID,
           fichier: Path | None = typer.Argument(None, metavar="FILE", help="Fichier à joindre."),
           papier: bool = typer.Option(False, "--papier", help="Feuille de soins envoyée sur papier."),
           ordonnance: bool = typer.Option(False, "--ordonnance", help="Le fichier est l'ordonnance."),
           json_out: bool = JSON) -> None:
    ctx = state.context()
    if papier:
        _print(attachments.mark_paper(ctx, ref), json_out)
        return
    if fichier is None:
        raise ValidationError("FILE : indiquez le fichier à joindre, ou --papier.", code="attachment_missing",
                              field="FILE")
    content = read_file(fichier, "FILE")
    kind = "ordonnance" if ordonnance else "feuille_de_soins"
    _print(attachments.attach(ctx, ref, fichier.name, content, kind), json_out)


@app_invoice.command("verify", help="Vérifie une facture (ou --toutes) : signatures contrôlées avec le certificat "
                                   "de chaque carte, puis chaque champ comparé au contenu signé et au journal ; "
                                   "toute différence est listée, champ par champ.")
@handle_errors
def verify(ref: str = typer.Argument(None, help="Numéro interne de la facture."),
           toutes: bool = typer.Option(False, "--toutes", help="Vérifie toutes les factures."),
           json_out: bool = JSON) -> None:
    if (ref is None) == (not toutes):
        raise ValidationError("Donnez le numéro interne d'une facture, ou --toutes.", code="verify_target",
                              field="id")
    ctx = state.context()
    reports = list(verification.verify_all(ctx)) if toutes else [verification.verify_invoice(ctx, ref)]
    if json_out:
        print_json([r.to_json() for r in reports] if toutes else reports[0].to_json())
    else:
        for report in reports:
            for problem in report.problems:
                console.print(f"facture {report.invoice_id} : {problem}", markup=False, highlight=False)
        bad = sum(1 for r in reports if not r.ok)
        signatures = sum(len(r.checks) for r in reports)
        if not toutes and not bad:
            console.print(f"Facture {ref} : {signatures} signature(s) valide(s), aucune différence.",
                          highlight=False)
        elif toutes:
            console.print(f"{len(reports)} facture(s) vérifiée(s), {signatures} signature(s) ; "
                          + (f"{bad} facture(s) modifiée(s) en base." if bad else "aucune différence."),
                          highlight=False)
    if any(not r.ok for r in reports):
        raise typer.Exit(code=7)


@app_invoice.command("unused-numbers", help="Numéros de facture tirés pour une signature abandonnée (carte "
                                           "refusée, facture modifiée pendant la signature, délai dépassé…), "
                                           "jamais donnés à une facture, avec la raison.")
@handle_errors
def unused_numbers(json_out: bool = JSON) -> None:
    found = signing.unused_numbers(state.context())
    if json_out:
        print_json([u.to_json() for u in found])
        return
    if not found:
        console.print("Aucun numéro inutilisé.")
        return
    table = Table("Professionnel", "Numéro", "Facture (n° interne)", "Raison")
    for unused in found:
        table.add_row(str(unused.professional_id), str(unused.number), str(unused.invoice_id), unused.reason)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``feuille facture …`` to the root app."""
    app.add_typer(app_invoice, name="invoice")
