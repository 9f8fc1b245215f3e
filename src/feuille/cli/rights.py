"""``feuille patient droits`` (ADRi and the « Choix informations AMO » step) and ``feuille caisse-de-test``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from feuille.auth import Context
from feuille.cards.port import CardError, CardReader
from feuille.cli.common import console, err_console, handle_errors, print_json, state
from feuille.cli.french import confirm
from feuille.cli.invoices import reader  # the desk's reader (tests plug theirs in there)
from feuille.cli.wizard_prompts import say, warn, yes_no
from feuille.domain.fields import parse_date
from feuille.domain.professionals import AdriMode
from feuille.errors import FeuilleError, StateError, ValidationError
from feuille.practice.patients import PatientView
from feuille.rights import lookup, policy, settings
from feuille.rights.compare import FIELDS

caisse_app = typer.Typer(help="Caisse de test : relier le cabinet à une caisse de test lancée sur ce poste.",
                         no_args_is_help=True)


def lookup_json(view: lookup.LookupView) -> dict[str, object]:
    return {"interrogation": view.id, "patient": view.patient_id, "date_reference": view.reference_date,
            "date_reponse": view.answered_at, "resultat": view.result, "personne_trouvee": view.found,
            "autre_personne": view.other_person, "applique": view.applied,
            "differences": [{"champ": d.field, "libelle": d.label, "dossier": d.stored, "adri": d.adri,
                             "differe": d.differs} for d in view.differences],
            "complementaire": view.complementary, "reponse": view.answer}


def show(view: lookup.LookupView) -> None:
    when = view.answered_at.strftime("%d/%m/%Y %H:%M")
    console.print(f"Consultation ADRi du {when} (date de référence {view.reference_date:%d/%m/%Y}) : "
                  f"{view.patient}")
    if view.result == "inconnu":
        console.print("Personne inconnue du service ADRi : les informations du dossier sont gardées.")
        return
    table = Table("Champ", "Informations du patient", "Informations provenant de l'ADRi", "",
                  title="Choix informations AMO")
    for diff in view.differences:
        table.add_row(f"{diff.label} ({diff.field})", diff.stored, diff.adri, "≠" if diff.differs else "=")
    console.print(table)
    for line in view.complementary:
        console.print(f"Complémentaire (pour information) : {line}")


def _ask_fields(view: lookup.LookupView) -> list[str]:
    differing = [d.field for d in view.differences if d.differs]
    if not differing:
        console.print("Aucune différence : le dossier est à jour.")
        return ["aucun"]
    answer = typer.prompt("Reprendre les informations de l'ADRi : tout, aucun, ou les champs séparés par des "
                          f"virgules ({', '.join(differing)})", default="tout")
    return [str(answer)]


@handle_errors
def patient_rights(patient_id: int = typer.Argument(..., help="Numéro du patient."),
                   date_ref: str | None = typer.Option(None, "--date", help="Date de référence JJ/MM/AAAA "
                                                                             "(défaut : aujourd'hui)."),
                   appliquer: list[str] | None = typer.Option(None, "--appliquer", help="tout, aucun, ou des champs : "
                                                              + ", ".join(FIELDS) + "."),
                   oui: bool = typer.Option(False, "--oui", help="Reprendre même si l'ADRi répond pour une autre "
                                                                 "personne (cas ADRUN)."),
                   pin: str | None = typer.Option(None, "--pin", help="Code porteur de la CPS (inutile tant que "
                                                                      "la session de la carte dure)."),
                   json_out: bool = typer.Option(False, "--json", help="Sortie JSON.")) -> None:
    """Interroge le service ADRi sur les droits du patient et propose de reprendre ses informations."""
    ctx = state.context()
    reference = parse_date(date_ref, "date", "Date de référence") if date_ref else None
    lookup.ready(ctx, patient_id)  # service configured, patient known: before the card counts a PIN try
    card_reader = reader()
    if pin is not None:
        _verify_pin(card_reader, pin)
    view = lookup.lookup_rights(ctx, patient_id, card_reader, reference=reference)
    choice = appliquer
    interactive = choice is None and sys.stdin.isatty() and not json_out
    if not json_out:
        show(view)
    if interactive and view.result != "inconnu":
        confirmed = not view.other_person or confirm(view.question())
        choice = _ask_fields(view) if confirmed else ["aucun"]
        oui = oui or view.other_person
    if choice:
        try:
            view = lookup.choose(ctx, view.id, choice, other_person_confirmed=oui)
        except StateError as refused:
            if refused.code == "adri_other_person":   # how this interface confirms: the option
                raise StateError(f"{refused.message} (option --oui)", code=refused.code, field="oui") from None
            raise
        if not json_out:
            taken = ", ".join(view.applied or []) or "aucune (informations du dossier gardées)"
            console.print(f"Informations reprises de l'ADRi : {taken}.")
    elif not json_out and view.result != "inconnu":
        err_console.print(f"Choix à faire : feuille patient droits {patient_id} --appliquer tout|aucun|CHAMPS")
    if json_out:
        print_json(lookup_json(view))


def _verify_pin(card_reader: CardReader, pin: str) -> None:
    from feuille.cards.messages import french_error

    try:
        card = card_reader.professional_card()
        if card is not None:
            card_reader.verify_pin(card.serial, pin)
    except CardError as exc:
        raise french_error(exc) from None


@caisse_app.command("connecter", help="Relie le cabinet à la caisse de test lancée dans DOSSIER (feuille-sim servir "
                                      "--dir DOSSIER) : service ADRi, messagerie.")
@handle_errors
def connect(dossier: Path = typer.Argument(..., help="Dossier de la caisse de test (ports.json, pki/ca.pem)."),
            delai: float | None = typer.Option(None, "--delai", help="Délai d'attente de l'ADRi en secondes "
                                               f"(défaut : {settings.DEFAULT_TIMEOUT:g})."),
            json_out: bool = typer.Option(False, "--json", help="Sortie JSON.")) -> None:
    from feuille.transmission import mail_settings

    done, mail = mail_settings.connect_test_caisse(state.context(), dossier, timeout=delai)
    if json_out:
        print_json({"adri": done.adri.url, "delai": done.adri.timeout, "dossier": done.directory,
                    "messagerie": done.mail})
        return
    console.print(f"Cabinet relié à la caisse de test de {done.directory} : ADRi {done.adri.url} "
                  f"(délai {done.adri.timeout:g} s).")
    for name, where in done.mail.items():
        console.print(f"{name.upper()} : {where['hote']}:{where['port']}")
    console.print(f"Messagerie : boîte « {mail.user} », mot de passe gardé hors de la base"
                  if mail.secret else f"Messagerie : boîte « {mail.user} », sans mot de passe", markup=False)


@caisse_app.command("etat", help="Affiche la caisse de test à laquelle le cabinet est relié.")
@handle_errors
def status(json_out: bool = typer.Option(False, "--json", help="Sortie JSON.")) -> None:
    found = settings.get_connection(state.context())
    if json_out:
        print_json(None if found is None else {"adri": found.adri.url, "delai": found.adri.timeout,
                                               "dossier": found.directory})
        return
    if found is None:
        console.print("Aucun service ADRi configuré (feuille caisse-de-test connecter DOSSIER).")
        return
    console.print(f"ADRi : {found.adri.url} (délai {found.adri.timeout:g} s), caisse de test : {found.directory}")


def register_patient(patient_app: typer.Typer) -> None:
    patient_app.command("droits", help="Interroge le service ADRi (droits AMO du patient) et propose de reprendre "
                                       "ses informations (Choix informations AMO).")(patient_rights)


def register(app: typer.Typer) -> None:
    app.add_typer(caisse_app, name="caisse-de-test")


def _presented_app(card_reader: CardReader, insured_nir: object) -> str | None:
    """The payload of the Vitale app presented for this patient, if it is in the reader."""
    try:
        return policy.presented_app(card_reader.vitale_card(), insured_nir)
    except CardError:
        return None


def wizard_rights(ctx: Context, patient: PatientView, mode: AdriMode, day: date) -> bool:
    """The wizard's ADRi step, per the professional's policy; True when the patient record changed.

    Nothing happens when no ADRi service is configured. A failure (service down, slow, no CPS) is a warning:
    billing goes on with the stored rights.
    """
    if settings.get_connection(ctx) is None:
        return False
    card_reader = reader()
    payload = _presented_app(card_reader, patient.values.get("insured_nir"))
    asked = False
    if payload is None and mode is AdriMode.MANUEL:
        asked = yes_no("Interroger le service ADRi sur les droits AMO du patient ?", False)
    if not policy.should_call(mode, apcv=payload is not None, periods=patient.periods, day=day, asked=asked):
        return False
    say("Interrogation du service ADRi en cours…")
    try:
        view = lookup.lookup_rights(ctx, patient.id, card_reader, reference=day, apcv_payload=payload)
    except FeuilleError as error:
        warn(error.message)
        return False
    show(view)
    if view.result == "inconnu":
        return False
    if view.other_person and not yes_no(view.question(), False):
        lookup.choose(ctx, view.id, ["aucun"])
        return False
    while True:
        try:
            view = lookup.choose(ctx, view.id, _ask_fields(view), other_person_confirmed=True)
            return bool(view.applied)
        except ValidationError as error:   # a field name mistyped: ask again
            warn(error.message)
        except FeuilleError as error:      # the record changed meanwhile...: bill with what is stored
            warn(error.message)
            return False
