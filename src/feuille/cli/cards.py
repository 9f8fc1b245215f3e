"""CLI: the card reader (``feuille carte …``): insert, remove, status, unblock, list the virtual cards.

``insert NAME --pin`` also opens the card's session: the card agent keeps the PIN verified for the next commands
(see ``feuille.cards.agent_client``) until the card is removed or replaced, or stays unused too long.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer
from rich.table import Table

from feuille.cards.agent_client import AgentStatus
from feuille.cards.agent_http import LoopbackAgent
from feuille.cards.card_files import PRO_KINDS, CardFile
from feuille.cards.messages import KIND_LABELS, french_error, tries
from feuille.cards.port import (
    BeneficiaryData,
    CardDataError,
    CardError,
    CardKind,
    ProfessionalCardData,
    VitaleCardData,
)
from feuille.cards.virtual import CardSummary, VirtualCardReader
from feuille.cli.common import confirm, console, err_console, handle_errors, print_json, state
from feuille.config import get_settings
from feuille.domain.patients import QUALITIES
from feuille.domain.professionals import KIND_LABELS as PRO_KIND_LABELS
from feuille.domain.professionals import MODE_LABELS, Kind, ModeExercice, specialty_label
from feuille.errors import FeuilleError, ValidationError
from feuille.practice import card_certificates, patients, professionals

card_app = typer.Typer(help="Lecteur de cartes : CPS, CPE, carte Vitale et appli carte Vitale (cartes virtuelles).",
                       no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Sortie JSON.")
SLOT_CHOICES = {"cps": "professional", "cpe": "professional", "vitale": "vitale", "apcv": "vitale", "tout": None}


@dataclass
class ReaderOptions:
    folder: str | None = None
    module: str | None = None

    def reader(self) -> VirtualCardReader:
        settings = get_settings()
        return VirtualCardReader(self.folder or settings.cards_dir, self.module or settings.pkcs11_module,
                                 session_minutes=settings.card_session_minutes)


options = ReaderOptions()


@card_app.callback()
def _card_root(
    dossier: str = typer.Option(None, "--dossier", envvar="FEUILLE_CARDS_DIR",
                                help="Dossier des cartes virtuelles (défaut : « cartes » à côté de la base)."),
    module: str = typer.Option(None, "--module-pkcs11", envvar="FEUILLE_PKCS11_MODULE",
                               help="Module PKCS#11 (défaut : SoftHSM2 ; le module Cryptolib CPS avec une vraie "
                                    "carte)."),
) -> None:
    options.folder = dossier
    options.module = module


@contextmanager
def card_errors() -> Iterator[None]:
    """The reader's errors as French domain errors (``handle_errors`` prints them)."""
    try:
        yield
    except CardError as error:
        raise french_error(error) from None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _who(data: ProfessionalCardData) -> str:
    return f"{data.last_name} {data.first_name}"


def _summary_json(summary: CardSummary) -> dict[str, object]:
    out: dict[str, object] = {"nom": summary.name, "type": summary.kind.value, "numero_serie": summary.serial,
                              "porteur": summary.holder}
    if summary.pin_tries_left is not None:
        out.update(essais_restants=summary.pin_tries_left, bloquee=summary.blocked)
    return out


def _beneficiaries_json(data: VitaleCardData) -> list[dict[str, object]]:
    keys = ("last_name", "first_name", "birth_date", "rank", "quality")
    return [{k: b.fields.get(k) for k in keys} for b in data.beneficiaries]


def _ordered(data: VitaleCardData) -> list[BeneficiaryData]:
    """As the manual lists them: sorted by name."""
    return sorted(data.beneficiaries, key=lambda b: (str(b.fields.get("last_name", "")),
                                                     str(b.fields.get("first_name") or "")))


def _show_beneficiaries(card: CardFile) -> None:
    data = card.vitale
    assert data is not None
    how = {"qr": " (lue par QR code)", "nfc": " (lue par NFC)"}.get(data.reading or "", "")
    count = len(data.beneficiaries)
    console.print(f"{_cap(KIND_LABELS[card.kind])} {card.serial}{how} insérée : {count} "
                  f"bénéficiaire{'s' if count > 1 else ''} (assuré {data.insured_nir}).", highlight=False)
    table = Table("N°", "Nom", "Prénom", "Date de naissance", "Rang", "Qualité")
    for i, b in enumerate(_ordered(data), 1):
        quality = str(b.fields.get("quality", "0"))
        table.add_row(str(i), str(b.fields.get("last_name", "")), str(b.fields.get("first_name") or ""),
                      str(b.fields.get("birth_date", "")), str(b.fields.get("rank", 1)),
                      f"{quality} - {QUALITIES.get(quality, '?')}")
    console.print(table)


def _mode_label(mode: str | None) -> str:
    try:
        return MODE_LABELS[ModeExercice(mode or "")]
    except ValueError:
        return mode or ""


def _professional_table(data: ProfessionalCardData) -> Table:
    table = Table("Informations PS", "", show_header=True)
    rows = [("Civilité", data.civility), ("Nom", data.last_name), ("Prénom", data.first_name),
            ("N° RPPS", data.rpps or ""), ("N° de facturation", data.billing_number or ""),
            ("Spécialité", specialty_label(data.specialty)), ("Mode d'exercice", _mode_label(data.mode)),
            ("N° de situation", str(data.situation or "")), ("Caisse de rattachement", data.caisse or ""),
            ("Secteur", str(data.sector or ""))]
    for label, value in rows:
        table.add_row(label, value)
    return table


def _register_if_unknown(data: ProfessionalCardData, pin_verified: bool, yes: bool) -> None:
    """The manual: once the PIN is accepted, a CPS seen for the first time shows its data and is registered."""
    if professionals.is_registered(state.context(), data):
        console.print(f"Professionnel connu : {_who(data)} ({data.billing_number}).", highlight=False)
        return
    if not pin_verified:
        err_console.print(f"{_who(data)} n'est pas encore enregistré : donnez le code porteur (--pin) pour "
                          "l'enregistrer à partir de sa carte.", highlight=False)
        return
    console.print("Première insertion de cette CPS : informations lues sur la carte.")
    console.print(_professional_table(data))
    if not confirm(f"Enregistrer {_who(data)} à partir de sa CPS ?", yes):
        err_console.print("Professionnel non enregistré.")
        raise typer.Exit(code=1)
    saved = professionals.register_from_card(state.context(), data)
    pro = professionals.get_professional(state.context(), saved.id)
    console.print(f"Professionnel enregistré ({PRO_KIND_LABELS[Kind(pro.kind)]}) : "
                  f"{professionals.label(pro)}, n° interne {pro.id}.", highlight=False)
    for warning in saved.warnings:
        err_console.print(f"[yellow]Attention :[/] {warning}", highlight=False)


def _register_certificate(card: CardFile) -> None:
    """The first reading of a card registers its certificate: its signatures are later verified against it."""
    data = card.professional or card.vitale
    if data is None or not data.certificate:
        return
    saved = card_certificates.register(state.context(), data)
    if saved.created:
        console.print(f"Certificat de la carte {saved.card_serial} enregistré (empreinte "
                      f"{saved.fingerprint[:16]}).", highlight=False)


def duration(seconds: float) -> str:
    """``10 h``, ``1 h 30 min``, ``45 min``, ``12 s``: how long a card session lasts, in French."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total} s"
    hours, minutes = divmod(round(total / 60), 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" + (f" {minutes:02d} min" if minutes else "")


def _open_session(reader: VirtualCardReader, card: CardFile) -> None:
    """Hand the verified PIN to the card agent; without it, later commands simply need --pin again."""
    try:
        with card_errors():
            reader.start_session(card.serial)
    except FeuilleError as error:
        err_console.print(f"[yellow]Attention :[/] session de la carte non ouverte ({error.message}) : ajoutez "
                          "--pin aux commandes qui signent.", highlight=False)
        return
    console.print(f"Session de la carte ouverte : les commandes suivantes signent sans --pin jusqu'au retrait de "
                  f"la carte (ou après {duration(reader.session_minutes * 60)} sans signature).", highlight=False)


def _session_line(session: AgentStatus | None, verified: bool) -> str:
    if session is not None:
        return f"vérifié (session ouverte, fin après {duration(session.idle_left)} sans signature)"
    return "vérifié" if verified else "non vérifié (réinsérez la carte avec --pin)"


def _record_beneficiary(card: CardFile, number: int, yes: bool) -> None:
    """The manual: choose the beneficiary, confirm, and the patient is recorded from the card."""
    assert card.vitale is not None
    listed = _ordered(card.vitale)
    if number > len(listed):
        raise ValidationError(f"Bénéficiaire {number} : la carte en compte {len(listed)}.", code="beneficiary",
                              field="beneficiaire")
    fields = dict(listed[number - 1].fields)
    who = f"{fields.get('last_name', '')} {fields.get('first_name') or ''}".strip()
    if not confirm(f"Enregistrer {who} dans la base patients ?", yes):
        err_console.print("Patient non enregistré.")
        raise typer.Exit(code=1)
    saved = patients.create_patient_from_card(state.context(), fields)
    done = "enregistré" if saved.created else "mis à jour depuis la carte"
    console.print(f"Patient {who} {done} (n° {saved.id}).", highlight=False)
    for warning in saved.warnings:
        err_console.print(f"[yellow]Attention :[/] {warning}", highlight=False)


@card_app.command("insert", help="Insère une carte dans le lecteur : CPS/CPE (code porteur avec --pin ; une CPS "
                                 "inconnue enregistre son professionnel), carte Vitale ou appli carte Vitale "
                                 "(liste des bénéficiaires).")
@handle_errors
def insert(
    nom: str = typer.Argument(..., help="Nom de la carte (voir « feuille carte liste ») ou son numéro de série."),
    pin: str = typer.Option(None, "--pin", help="Code porteur (4 chiffres) de la CPS/CPE, vérifié par la carte."),
    oui: bool = typer.Option(False, "--oui", help="Enregistrer (professionnel ou patient) sans demander de "
                                                 "confirmation."),
    beneficiaire: int = typer.Option(None, "--beneficiaire", min=1,
                                     help="Carte Vitale : enregistre (ou met à jour) le bénéficiaire de ce numéro "
                                          "dans la base patients."),
) -> None:
    reader = options.reader()
    with card_errors():
        card, replaced = reader.insert(nom)
    if replaced is not None:
        console.print(f"Carte {replaced.serial} retirée du lecteur.", highlight=False)
    if card.professional is None:
        _register_certificate(card)
        _show_beneficiaries(card)
        if beneficiaire is not None:
            _record_beneficiary(card, beneficiaire, oui)
        return
    data = card.professional
    console.print(f"{KIND_LABELS[card.kind]} de {_who(data)} ({card.serial}) insérée.", highlight=False)
    verified = False
    if pin is not None:
        with card_errors():
            reader.verify_pin(card.serial, pin)
        console.print("Code porteur correct.")
        verified = True
        _open_session(reader, card)
    if card.kind == CardKind.CPS:
        _register_if_unknown(data, verified, oui)
    _register_certificate(card)  # after the professional, so that the certificate is linked to him


@card_app.command("remove", help="Retire la carte professionnelle (cps), la carte Vitale (vitale) ou les deux "
                                 "(tout, par défaut).")
@handle_errors
def remove(quoi: str = typer.Argument("tout", help="cps, cpe, vitale, apcv ou tout.")) -> None:
    key = quoi.strip().lower()
    if key not in SLOT_CHOICES:
        raise ValidationError(f"« {quoi[:20]} » : cps, vitale ou tout attendu.", code="slot", field="quoi")
    with card_errors():
        removed = options.reader().remove(SLOT_CHOICES[key])
    if not removed:
        console.print("Aucune carte à retirer.")
    for item in removed:
        ended = " : session fermée, le code porteur devra être saisi de nouveau" if item.kind in PRO_KINDS else ""
        console.print(f"{_cap(KIND_LABELS[item.kind])} {item.serial} ({item.name}) retirée{ended}.",
                      highlight=False)


@card_app.command("status", help="Cartes présentes dans le lecteur.")
@handle_errors
def status(json_out: bool = JSON) -> None:
    with card_errors():
        current = options.reader().status()
    session = current.session
    if json_out:
        pro_json = _summary_json(current.professional) if current.professional else None
        if pro_json is not None:
            pro_json.update(code_porteur_verifie=current.pin_verified, session=None if session is None else {
                "pid": session.pid, "fin_dans_secondes": round(session.idle_left)})
        print_json({
            "carte_professionnelle": pro_json,
            "carte_vitale": ({**_summary_json(current.vitale), "lecture": current.vitale_data.reading,
                              "beneficiaires": _beneficiaries_json(current.vitale_data)}
                             if current.vitale and current.vitale_data else None),
        })
        return
    pro = current.professional
    if pro is None:
        console.print("Carte professionnelle : aucune.")
    else:
        line = ("BLOQUÉE (débloquez-la avec son code de déblocage)" if pro.blocked
                else f"{tries(pro.pin_tries_left or 0)}, {_session_line(session, current.pin_verified)}")
        console.print(f"Carte professionnelle : {KIND_LABELS[pro.kind]} de {pro.holder} ({pro.serial}, "
                      f"{pro.name}) — code porteur : {line}.", highlight=False)
    vit = current.vitale
    if vit is None or current.vitale_data is None:
        console.print("Carte Vitale : aucune.")
    else:
        count = len(current.vitale_data.beneficiaries)
        console.print(f"Carte Vitale : {KIND_LABELS[vit.kind]} {vit.serial} ({vit.name}) — {count} "
                      f"bénéficiaire{'s' if count > 1 else ''}.", highlight=False)


@card_app.command("unblock", help="Débloque une CPS/CPE avec son code de déblocage (8 chiffres) et lui donne un "
                                  "nouveau code porteur.")
@handle_errors
def unblock(
    nom: str = typer.Argument(..., help="Nom de la carte ou son numéro de série."),
    puk: str = typer.Option(..., "--puk", help="Code de déblocage (8 chiffres)."),
    nouveau_pin: str = typer.Option(..., "--nouveau-pin", help="Nouveau code porteur (4 chiffres)."),
) -> None:
    reader = options.reader()
    with card_errors():
        card = reader.card(nom)
        reader.unblock(nom, puk, nouveau_pin)
    who = card.holder_label()
    console.print(f"{KIND_LABELS[card.kind]} de {who} débloquée : nouveau code porteur enregistré.",
                  highlight=False)


@card_app.command("list", help="Cartes virtuelles disponibles dans le dossier des cartes.")
@handle_errors
def list_cards(json_out: bool = JSON) -> None:
    reader = options.reader()
    with card_errors():
        found = reader.available()
    if json_out:
        print_json([_summary_json(c) if isinstance(c, CardSummary) else {"nom": c.name, "erreur": c.reason}
                    for c in found])
        return
    if not found:
        console.print(f"Aucune carte dans {reader.dir.root} (python -m feuille_sim.cards provision "
                      f"{reader.dir.root}).", highlight=False)
        return
    table = Table("Nom", "Type", "N° de série", "Porteur", "Code porteur")
    for c in found:
        if isinstance(c, CardDataError):
            table.add_row(c.name, "?", "", f"illisible : {c.reason}", "")
            continue
        pin_state = "" if c.pin_tries_left is None else ("bloquée" if c.blocked else tries(c.pin_tries_left))
        table.add_row(c.name, KIND_LABELS[c.kind], c.serial, c.holder, pin_state)
    console.print(table)


@card_app.command("http", help="Ouvre l'interface HTTP locale du lecteur (127.0.0.1 seulement) pour la page de "
                               "l'application à cette origine, et affiche le jeton d'appairage à saisir dans la "
                               "page ; Ctrl-C l'arrête.")
@handle_errors
def http_interface(
    origine: str = typer.Option(..., "--origine", help="Origine de l'application (https://hôte[:port])."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port local (0 : un port libre)."),
) -> None:
    try:
        agent = LoopbackAgent(options.reader(), origine.strip(), port=port)
    except ValueError:
        raise ValidationError(f"--origine : « {origine[:60]} » : https://hôte[:port] attendu, sans / final.",
                              code="origin", field="origine") from None
    except OSError as exc:
        raise ValidationError(f"--port : port {port} indisponible ({exc.strerror}).", code="port",
                              field="port") from None
    console.print(f"Interface du lecteur : {agent.url} (origine autorisée : {agent.origin}).", highlight=False)
    console.print(f"Jeton d'appairage : {agent.token}", highlight=False)
    with agent:
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("Interface du lecteur arrêtée.")


def register(app: typer.Typer) -> None:
    app.add_typer(card_app, name="card")
