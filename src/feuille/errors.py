"""Domain errors: a stable code for machines, a French message for users, English for logs.

Every error a user can cause is one of these. The CLI prints ``message`` on stderr and exits
``exit_code``; an API answers ``http_status`` with ``to_json()`` (code, message, and ``problems``: every
field problem of the refusal, so a form shows them all); logs use ``detail`` (English).

``CATALOGUE`` is the one table of what each kind of error means to an interface: class, exit code, HTTP
status, and the French message used when none more precise is given (``from_code``). The codes raised
across the code base with their own precise message belong to a class's row (``code_kind``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar


def quoted(value: object, limit: int = 40) -> str:
    """A value the user gave, as a French message shows it: « texte », 1,5, vide; never Python's repr.

    ``Decimal('1.5')`` or ``None`` in a message tell a desk user nothing: numbers take the decimal comma,
    text is cut at ``limit`` characters and put between guillemets, other shapes are named.
    """
    if value is None:
        return "vide"
    if isinstance(value, bool):
        return "« vrai »" if value else "« faux »"
    if isinstance(value, (int, float, Decimal)):
        return str(value).replace(".", ",")
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "…"
        printable = "".join(c if c.isprintable() else "�" for c in text)
        return f"« {printable} »"
    if isinstance(value, (list, tuple)):
        return "une liste"
    if isinstance(value, dict):
        return "un objet"
    return "une valeur d'un type inattendu"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of the input."""

    field: str | None
    code: str
    message: str

    def to_json(self) -> dict[str, str | None]:
        return {"field": self.field, "code": self.code, "message": self.message}


class FeuilleError(Exception):
    """Base of every error a user can cause. ``code`` is stable; ``message`` is French."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 400
    default_code: ClassVar[str] = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 detail: str | None = None, problems: list[Problem] | None = None) -> None:
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.detail = detail or message
        self._problems = list(problems or [])
        super().__init__(message)

    @property
    def problems(self) -> list[Problem]:
        """Every field problem of this refusal (itself alone when it names one)."""
        return self._problems or [Problem(self.field, self.code, self.message)]

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "field": self.field,
                "problems": [problem.to_json() for problem in self.problems]}

    def __str__(self) -> str:
        return self.message


class ValidationError(FeuilleError):
    """Bad input: names the field and says what is wrong."""

    exit_code = 2
    http_status = 422
    default_code = "validation"


class NotFoundError(FeuilleError):
    exit_code = 3
    http_status = 404
    default_code = "not_found"


class ConflictError(FeuilleError):
    """The request contradicts stored data (duplicate, record still in use, a concurrent change...)."""

    exit_code = 4
    http_status = 409
    default_code = "conflict"


class PermissionDeniedError(FeuilleError):
    exit_code = 5
    http_status = 403
    default_code = "permission_denied"


class StateError(FeuilleError):
    """A transition refused because the record (or the card, the reader...) is not in a state that allows it."""

    exit_code = 6
    http_status = 409
    default_code = "invalid_state"


class TransmissionError(FeuilleError):
    """The way out or in failed (mail server down, TLS, authentication, refusal, timeout, directory): nothing was
    marked sent; trying again later is safe."""

    exit_code = 7
    http_status = 502
    default_code = "transmission"


class TooLargeError(ValidationError):
    """An upload or a request body above its configured size (``feuille.web.uploads``): refused before it is read
    whole. A page shows it beside the file's field; the API answers 413."""

    exit_code = 8
    http_status = 413
    default_code = "too_large"


class UnexpectedError(FeuilleError):
    """A defect of ours, reported with a reference to the logged details (never a traceback)."""

    exit_code = 70   # EX_SOFTWARE (sysexits.h)
    http_status = 500
    default_code = "unexpected"


@dataclass(frozen=True)
class Entry:
    """What an error code means to every interface."""

    code: str
    kind: type[FeuilleError]
    template: str

    @property
    def exit_code(self) -> int:
        return self.kind.exit_code

    @property
    def http_status(self) -> int:
        return self.kind.http_status


def _entries(kind: type[FeuilleError], templates: Mapping[str, str]) -> dict[str, Entry]:
    return {code: Entry(code, kind, template) for code, template in templates.items()}


#: code -> class, exit code, HTTP status, French message template (``{name}`` placeholders, see ``from_code``).
CATALOGUE: dict[str, Entry] = {
    **_entries(FeuilleError, {"error": "Opération refusée."}),
    **_entries(ValidationError, {
        "validation": "{field} : valeur refusée.",
        "document_too_deep": "Document trop imbriqué : refusé.",
        "encoding": "Texte illisible : l'entrée n'est pas de l'UTF-8 valide.",
        "file_encoding": "{field} : le fichier n'est pas un texte UTF-8.",
        "number_too_large": "Nombre trop grand : refusé.",
        "value_out_of_range": "Valeur hors des limites de la base de données.",
        "database_url": "Adresse de la base de données invalide.",
        "setting": "Réglage {field} invalide.",
        "usage": "Ligne de commande invalide.",
        "search_page": "{field} : page hors des résultats.",
        "wrong_pin": "Code porteur erroné.",
        "pin_format": "{field} : nombre de chiffres incorrect.",
        "wrong_puk": "Code de déblocage erroné.",
        "card_file": "Carte illisible.",
        "caisse_de_test": "Dossier de la caisse de test illisible.",
        "adri_choice": "{field} : choix des informations AMO invalide.",
        "apcv_expected": "Appli carte Vitale attendue : c'est une carte Vitale qui a été lue.",
        "apcv_other_patient": "L'appli carte Vitale lue est celle d'un autre assuré que ce patient.",
        "b2_invoice": "Facture non conforme à la norme B2.",
        "b2_signature": "Signature non conforme à l'enregistrement 7 du fichier B2.",
        "arl_format": "Accusé de réception (ARL) illisible.",
        "mail_address": "Adresse de l'organisme invalide.",
        "mail_subject": "Objet de courriel de télétransmission invalide.",
        "content_description": "Description de contenu de télétransmission inconnue.",
        "amc_conventions_too_many": "Il y a trop de conventions avec ce numéro : renseignez le type de convention "
                                    "et le critère secondaire (carte mutuelle).",
        "amc_convention": "{field} : convention AMC non identifiée pour ce contrat.",
        "amc_convention_missing": "{field} : plusieurs conventions AMC : choisissez la convention appropriée.",
        "convention_format": "{field} : code de convention invalide.",
        "pec": "{field} : prise en charge (PEC) invalide.",
        "pec_date": "{field} : la prise en charge est postérieure à la facture.",
        "pec_required": "{field} : la convention exige un n° de prise en charge et sa date.",
        "amc_b2": "{field} : la part complémentaire ne peut pas être télétransmise.",
        "dre_management": "DRE acceptées : une complémentaire en gestion unique ne reçoit pas de DRE.",
        "dre_address_missing": "Adresse DRE : obligatoire quand la complémentaire accepte les DRE.",
        "scor_kind": "{field} : type de pièce SCOR inconnu (ordonnance ou feuille-de-soins).",
        "scor_state_name": "{field} : état de pièce SCOR inconnu.",
        "scor_unreadable": "Pièce SCOR illisible (PDF, PNG ou JPEG abîmé ou tronqué).",
        "scor_too_big": "Pièce SCOR trop grande (pages ou pixels).",
        "scor_format": "Lot SCOR illisible.",
        "lot_number": "Numéro de lot invalide.",
        "lot_certification": "Facture non sécurisée : elle ne peut pas être mise en lot.",
        "lot_id": "{field} : numéro interne de lot attendu.",
        "lot_state_name": "État de lot inconnu.",
        "lot_note": "Note du traitement manuel invalide (1 à 200 caractères).",
        "slip_folder": "Dossier des bordereaux inutilisable.",
        "lot_date": "Date des lots après la date du jour.",
        "b2_file_id": "Identifiants de fichier B2 épuisés pour cet émetteur.",
        "mail_settings": "Réglage de la messagerie {field} invalide.",
        "mail_plain_password": "Mot de passe refusé sur une connexion non chiffrée.",
        "transport_file": "Fichier à télétransmettre invalide.",
        "noemie_fichier": "Fichier NOEMIE illisible.",
        "retour_id": "{field} : numéro interne attendu.",
        "retour_autre_professionnel": "La facture n'est pas du professionnel payé par ce retour.",
        "offline_client_id": "Identifiant de l'enregistrement hors connexion invalide.",
        "offline_typed_at": "Date de saisie de l'enregistrement hors connexion invalide.",
        "offline_acts": "Actes de l'enregistrement hors connexion invalides.",
        "care_date_future": "{field} : date dans le futur.",
        "idempotency_key": "Idempotency-Key : une clé de 1 à 255 caractères imprimables est attendue.",
    }),
    **_entries(NotFoundError, {"not_found": "{field} : introuvable.",
                               "scor_no_piece": "Aucune pièce SCOR jointe à cette facture.",
                               "lot_not_found": "Lot introuvable.",
                               "retour_introuvable": "Retour NOEMIE introuvable.",
                               "noemie_fichier_introuvable": "Fichier NOEMIE introuvable.",
                               "slip_empty": "Aucun lot envoyé ce jour : pas de bordereau.",
                               "card_unknown": "Carte introuvable dans le dossier des cartes.",
                               "offline_record_unknown": "Enregistrement hors connexion introuvable."}),
    **_entries(ConflictError, {
        "conflict": "Refusé : contredit les données enregistrées.",
        "record_in_use": "Refusé : enregistrement encore utilisé par d'autres.",
        "record_duplicate": "Refusé : un enregistrement identique existe déjà.",
        "integrity": "Refusé par la base de données (contrainte d'intégrité).",
        "concurrent_change": "Un autre poste modifiait les mêmes données : recommencez.",
        "database_busy": "Base de données occupée par un autre poste : recommencez.",
        "adri_already_chosen": "Choix déjà fait pour cette interrogation ADRi.",
        "lot_changed": "Le lot a été modifié entre-temps par un autre poste : recommencez.",
        "adri_patient_changed": "Le dossier du patient a changé depuis l'interrogation ADRi : interrogez à nouveau.",
        "amc_convention_exists": "Cette convention est déjà dans l'annuaire.",
        "noemie_deja_integre": "Fichier NOEMIE déjà intégré : rien n'a changé.",
        "noemie_conflit": "Un autre poste intègre ce fichier NOEMIE en même temps : recommencez.",
        "retour_deja_rapproche": "Retour NOEMIE déjà rapproché d'une autre facture.",
        "offline_record_billed": "Enregistrement hors connexion déjà en facturation : la modification n'est pas "
                                 "reprise.",
        "offline_record_deleted": "Enregistrement hors connexion supprimé : la modification n'est pas reprise.",
        "idempotency_key_reused": "Idempotency-Key : cette clé a déjà servi à une autre demande ; utilisez une "
                                  "nouvelle clé.",
    }),
    **_entries(PermissionDeniedError, {"permission_denied": "Vous n'avez pas le droit de faire cela."}),
    **_entries(StateError, {
        "invalid_state": "Refusé dans l'état actuel.",
        "scor_state": "Opération refusée dans l'état actuel de la pièce SCOR.",
        "scor_invoice_state": "Une pièce SCOR se joint à une facture signée, non annulée.",
        "scor_purged": "Pièce SCOR archivée : son contenu a été effacé à la fin de sa durée de conservation.",
        "scor_no_lot": "Le lot de la facture n'est pas encore mis en fichier : ses pièces partiront avec lui.",
        "credit_note_pending": "Avoir en attente de sa signature : relancez l'annulation de la facture.",
        "stored_invoice": "Facture enregistrée illisible : vérifiez-la (feuille facture verifier).",
        "database_unavailable": "Base de données injoignable.",
        "card_blocked": "Carte bloquée : débloquez-la avec son code de déblocage.",
        "card_dead": "Carte définitivement bloquée : demandez une nouvelle carte.",
        "pin_not_verified": "Code porteur non vérifié : réinsérez la carte avec son code.",
        "no_card": "Carte absente du lecteur : insérez-la d'abord.",
        "card_device": "Lecteur de cartes en erreur.",
        "card_error": "Lecteur de cartes en erreur.",
        "invoice_not_on_reader": "Facture absente de ce lecteur portable.",
        "lot_state": "Opération refusée dans l'état actuel du lot.",
        "retour_etat_facture": "Seule une facture envoyée se rapproche d'un retour NOEMIE.",
        "lot_no_file": "Lot sans fichier B2 : mettez-le d'abord en fichier.",
        "lot_recipient": "Destinataire du lot sans adresse d'envoi : le lot reste prêt.",
        "adri_not_configured": "Service ADRi non configuré (feuille caisse-de-test connecter DOSSIER).",
        "adri_unavailable": "Service ADRi indisponible : la facturation continue avec les droits enregistrés.",
        "adri_timeout": "Service ADRi sans réponse dans le délai : la facturation continue avec les droits "
                        "enregistrés.",
        "adri_refused": "Demande refusée par le service ADRi.",
        "adri_bad_answer": "Réponse du service ADRi illisible : la facturation continue avec les droits enregistrés.",
        "adri_other_person": "Les données ADRi concernent une autre personne : confirmation nécessaire.",
        "adri_unknown_person": "Personne inconnue du service ADRi : rien à reprendre.",
        "mail_not_configured": "Messagerie non configurée (feuille messagerie configurer).",
        "mail_password_missing": "Mot de passe de la messagerie absent de ce poste (feuille messagerie configurer).",
        "secrets_file": "Fichier des secrets illisible.",
    }),
    **_entries(TransmissionError, {
        "transmission": "Télétransmission impossible : rien n'a été marqué envoyé, réessayez plus tard.",
        "smtp_unreachable": "Serveur d'envoi (SMTP) injoignable : rien n'a été envoyé.",
        "smtp_tls": "Connexion chiffrée au serveur d'envoi (SMTP) impossible : rien n'a été envoyé.",
        "smtp_auth_refused": "Identifiants refusés par le serveur d'envoi (SMTP) : rien n'a été envoyé.",
        "smtp_recipient_refused": "Destinataire refusé par le serveur d'envoi (SMTP) : rien n'a été envoyé.",
        "smtp_refused": "Courriel refusé par le serveur d'envoi (SMTP) : rien n'a été envoyé.",
        "smtp_timeout": "Serveur d'envoi (SMTP) sans réponse dans le délai : l'envoi est à refaire.",
        "mailbox_unreachable": "Boîte aux lettres (POP3/IMAP) injoignable.",
        "mailbox_tls": "Connexion chiffrée à la boîte aux lettres (POP3/IMAP) impossible.",
        "mailbox_auth_refused": "Identifiants refusés par la boîte aux lettres (POP3/IMAP).",
        "mailbox_timeout": "Boîte aux lettres (POP3/IMAP) sans réponse dans le délai.",
        "mailbox_error": "Boîte aux lettres (POP3/IMAP) en erreur.",
        "organism_certificate_unknown": "Certificat de l'organisme introuvable : le lot reste prêt.",
        "organism_certificate_invalid": "Certificat de l'organisme invalide ou expiré : le lot reste prêt.",
        "directory_unreachable": "Annuaire des certificats des organismes injoignable : le lot reste prêt.",
    }),
    **_entries(TooLargeError, {"too_large": "{field} : trop volumineux.",
                               "request_too_large": "Demande trop volumineuse : refusée avant d'être lue."}),
    **_entries(UnexpectedError, {"unexpected": "Erreur inattendue : transmettez la référence à votre support."}),
}


def code_kind(code: str) -> type[FeuilleError] | None:
    """The class a catalogued code is raised as (None for a code only its raising site knows)."""
    entry = CATALOGUE.get(code)
    return entry.kind if entry else None


def from_code(code: str, *, field: str | None = None, **values: object) -> FeuilleError:
    """The catalogue's error for ``code``, its template filled with ``field`` and ``values``."""
    entry = CATALOGUE[code]
    message = entry.template.format(field=field or "", **values)
    return entry.kind(message, code=code, field=field)


@dataclass
class Problems:
    """Collects several validation problems so a form can show them all at once."""

    items: list[ValidationError] = field(default_factory=list)

    def add(self, field_name: str, message: str, code: str = "validation") -> None:
        self.items.append(ValidationError(message, code=code, field=field_name))

    def check(self, condition: bool, field_name: str, message: str, code: str = "validation") -> None:
        if not condition:
            self.add(field_name, message, code)

    def raise_if_any(self) -> None:
        """Raise one ``ValidationError`` carrying every problem (``problems``); its message joins them all."""
        if not self.items:
            return
        if len(self.items) == 1:
            raise self.items[0]
        first = self.items[0]
        joined = " ; ".join(f"{e.message}" for e in self.items)
        problems = [problem for error in self.items for problem in error.problems]
        raise ValidationError(joined, code=first.code, field=first.field, problems=problems)
