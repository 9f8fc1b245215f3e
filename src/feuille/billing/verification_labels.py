"""French names of what the verification compares, and the sentence of one difference.

A column without a name here is still reported, under its technical name: a new column is never silently skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime

from feuille.domain.invoices import MEANS_LABELS, MODE_LABELS, STATE_LABELS
from feuille.nomenclature.rates import default_rates

#: (table, column) → (French name, feminine)
FIELDS: dict[tuple[str, str], tuple[str, bool]] = {
    ("invoices", "id"): ("numéro interne", False),
    ("invoices", "professional_id"): ("professionnel qui facture", False),
    ("invoices", "performer_id"): ("professionnel exécutant", False),
    ("invoices", "patient_id"): ("patient", False),
    ("invoices", "billing_number"): ("n° de facturation du professionnel", False),
    ("invoices", "patient_nir"): ("NIR de l'assuré", False),
    ("invoices", "patient_rank"): ("rang du bénéficiaire", False),
    ("invoices", "number"): ("numéro de facture", False),
    ("invoices", "state"): ("état", False),
    ("invoices", "version"): ("version", True),
    ("invoices", "invoice_date"): ("date de la facture", True),
    ("invoices", "nature"): ("nature d'assurance", True),
    ("invoices", "document"): ("saisie de la facture", True),
    ("invoices", "priced"): ("résultat de la tarification", False),
    ("invoices", "total"): ("total", False),
    ("invoices", "amo"): ("part AMO", True),
    ("invoices", "amc"): ("part AMC", True),
    ("invoices", "patient_part"): ("part patient", True),
    ("invoices", "due_by_patient"): ("reste dû par le patient", False),
    ("invoices", "rate_checked"): ("contrôle des taux", False),
    ("invoices", "rate_hash"): ("empreinte du contrôle des taux", True),
    ("invoices", "secure_mode"): ("mode de sécurisation", False),
    ("invoices", "paper_sent"): ("envoi papier de la feuille de soins", False),
    ("invoices", "credit_of"): ("facture annulée par l'avoir", True),
    ("invoices", "created_by"): ("auteur de la facture", False),
    ("invoices", "created_at"): ("date de création", True),
    ("invoices", "updated_at"): ("date de dernière modification", True),
    ("lines", "code"): ("code de l'acte", False),
    ("lines", "date"): ("date des soins", True),
    ("lines", "quantity"): ("quantité", True),
    ("lines", "total"): ("montant", False),
    ("lines", "base"): ("base de remboursement", True),
    ("lines", "rate"): ("taux", False),
    ("lines", "amo"): ("part AMO", True),
    ("lines", "amc"): ("part AMC", True),
    ("lines", "patient"): ("part patient", True),
    ("lines", "exoneration"): ("exonération", True),
    ("lines", "due_by_patient"): ("reste dû par le patient", False),
    ("priced", "totals"): ("totaux de la tarification", False),
    ("priced", "warnings"): ("avertissements de la tarification", False),
    ("invoice_payments", "amount"): ("montant", False),
    ("invoice_payments", "means"): ("moyen de paiement", False),
    ("invoice_payments", "at"): ("date", True),
    ("invoice_payments", "recorded_by"): ("auteur", False),
    ("invoice_attachments", "content"): ("contenu", False),
    ("invoice_attachments", "filename"): ("nom de fichier", False),
    ("invoice_attachments", "kind"): ("type", False),
    ("invoice_signatures", "value"): ("valeur", True),
    ("invoice_signatures", "public_key"): ("clé publique", True),
    ("invoice_signatures", "card_serial"): ("carte", True),
    ("invoice_signatures", "signed_data"): ("contenu signé", False),
    ("invoice_signatures", "signed_hash"): ("empreinte", True),
}

ROWS = {"invoice_payments": "paiement", "invoice_signatures": "signature", "invoice_attachments": "pièce jointe",
        "portable_loads": "chargement sur lecteur portable"}

_AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _labelled(labels: Callable[[], Mapping[str, str]]) -> Callable[[str], str]:
    """A stored code shown under its label; a code the table does not know (edited in the database) as is."""
    return lambda code: labels().get(code, code)


#: (table, column) → the label of a stored code, from the table that defines the codes (never retyped here).
CODES: dict[tuple[str, str], Callable[[str], str]] = {
    ("invoices", "state"): _labelled(lambda: {s.value: label for s, label in STATE_LABELS.items()}),
    ("invoices", "secure_mode"): _labelled(lambda: {m.value: label for m, label in MODE_LABELS.items()}),
    ("invoices", "nature"): _labelled(lambda: {c: n.label for c, n in default_rates().natures.items()}),
    ("invoice_payments", "means"): _labelled(lambda: {m.value: label for m, label in MEANS_LABELS.items()}),
}


def field_label(table: str, column: str) -> tuple[str, bool]:
    return FIELDS.get((table, column), (f"champ « {column} »", False))


def row_label(table: str, key: str) -> str:
    return f"{ROWS.get(table, f'ligne de « {table} »')} {key}"


def state_label(code: object) -> str:
    return CODES[("invoices", "state")](str(code))


def shown(value: object, column: tuple[str, str] | None = None) -> str:
    """A value as the desk reads it: 7,95 for an amount, 05/12/2026 for a date, a code under its French label
    (``column``: the (table, column) it comes from), « vide », oui/non; digests and long texts shortened."""
    if value is None:
        return "vide"
    if isinstance(value, bool):
        return "oui" if value else "non"
    text = str(value)
    if column in CODES:
        return CODES[column](text)
    if _DATE.match(text) or _DATETIME.match(text):
        return _french_date(text)
    if _AMOUNT.match(text):
        return text.replace(".", ",")
    if text.startswith("sha256:"):
        return "empreinte " + text[7:19]
    return text if len(text) <= 40 else text[:37] + "…"


def _french_date(text: str) -> str:
    """05/12/2026, or 05/12/2026 10:30:00 for a time (with its microseconds when set: an edit may touch only them);
    a text that only looks like a date is shown as is."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text
    if _DATE.match(text):
        return f"{when:%d/%m/%Y}"
    return f"{when:%d/%m/%Y %H:%M:%S}" + (f",{when.microsecond:06d}" if when.microsecond else "")


def changed(table: str, column: str, before: object, after: object, source: str) -> str:
    """« part patient modifiée en base (signé 7,95, trouvé 0,00) »; ``source``: « signé » or « journal »."""
    name, feminine = field_label(table, column)
    verb = "modifiée" if feminine else "modifié"
    if before is None and after is None:
        return f"{name} {verb} en base."
    where = (table, column)
    return f"{name} {verb} en base ({source} {shown(before, where)}, trouvé {shown(after, where)})."
