"""Invoices: their states, the one transition table, patient payments and the bytes that get signed.

Pure: no database, no clock. The billing services (``feuille.billing``) own the use cases and call
:func:`transition` before every state change, so a forbidden move is refused here, in French, whatever the
interface. The table is drawn in ``docs/invoices.md``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from feuille.domain.validators import validator
from feuille.errors import StateError, ValidationError
from feuille.money import MoneyError, format_amount, parse_amount


class InvoiceState(StrEnum):
    DRAFT = "draft"                    # brouillon: typed, priced for display, rates not checked
    PRICED = "priced"                  # TP calculé: rates checked, ready to secure
    PARTLY_SECURED = "partly_secured"  # à sécuriser: first signature of the desynchronised mode
    SECURED = "secured"                # sécurisée: signed, numbered, immutable
    IN_LOT = "in_lot"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    REJECTED = "rejected"
    ANOMALY = "anomaly"
    CANCELLED = "cancelled"            # annulée par un avoir
    DELETED = "deleted"                # supprimée avant signature (kept for the audit trail)


STATE_LABELS: dict[InvoiceState, str] = {
    InvoiceState.DRAFT: "brouillon",
    InvoiceState.PRICED: "TP calculé",
    InvoiceState.PARTLY_SECURED: "à sécuriser",
    InvoiceState.SECURED: "sécurisée",
    InvoiceState.IN_LOT: "en lot",
    InvoiceState.SENT: "envoyée",
    InvoiceState.ACKNOWLEDGED: "acquittée",
    InvoiceState.PAID: "payée",
    InvoiceState.PARTLY_PAID: "payée partiellement",
    InvoiceState.REJECTED: "rejetée",
    InvoiceState.ANOMALY: "en anomalie",
    InvoiceState.CANCELLED: "annulée",
    InvoiceState.DELETED: "supprimée",
}


class Event(StrEnum):
    EDIT = "edit"                  # any change of the draft: the rate check is lost
    CHECK_RATES = "check_rates"
    SECURE = "secure"              # synchronised, degraded, SESAM sans Vitale: one signature, final at once
    SIGN_FIRST = "sign_first"      # desynchronised, step 1 (Vitale + CPE or another PS's CPS)
    SIGN_FINAL = "sign_final"      # desynchronised, step 2 (the billing PS's CPS)
    ADD_TO_LOT = "add_to_lot"
    REMOVE_FROM_LOT = "remove_from_lot"
    SEND = "send"
    ACKNOWLEDGE = "acknowledge"
    PAY = "pay"
    PAY_PART = "pay_part"
    REJECT = "reject"
    FLAG_ANOMALY = "flag_anomaly"
    UNMATCH = "unmatch"            # the only return matched by hand taken off: back to « En cours »
    CANCEL = "cancel"              # by a credit note
    DELETE = "delete"


EVENT_LABELS: dict[Event, str] = {
    Event.EDIT: "modifier",
    Event.CHECK_RATES: "vérifier les taux",
    Event.SECURE: "sécuriser",
    Event.SIGN_FIRST: "faire la première signature",
    Event.SIGN_FINAL: "faire la signature finale",
    Event.ADD_TO_LOT: "mettre en lot",
    Event.REMOVE_FROM_LOT: "retirer du lot",
    Event.SEND: "envoyer",
    Event.ACKNOWLEDGE: "acquitter",
    Event.PAY: "marquer payée",
    Event.PAY_PART: "marquer payée partiellement",
    Event.REJECT: "marquer rejetée",
    Event.FLAG_ANOMALY: "marquer en anomalie",
    Event.UNMATCH: "dissocier de son retour",
    Event.CANCEL: "annuler par un avoir",
    Event.DELETE: "supprimer",
}

S = InvoiceState
E = Event
_SIGNED = (S.PARTLY_SECURED, S.SECURED, S.SENT, S.ACKNOWLEDGED, S.PAID, S.PARTLY_PAID, S.REJECTED, S.ANOMALY)

#: THE transition table of an invoice: (state, event) -> new state. Anything absent is refused.
TRANSITIONS: dict[tuple[InvoiceState, Event], InvoiceState] = {
    (S.DRAFT, E.EDIT): S.DRAFT,
    (S.PRICED, E.EDIT): S.DRAFT,
    (S.DRAFT, E.CHECK_RATES): S.PRICED,
    (S.PRICED, E.CHECK_RATES): S.PRICED,
    (S.PRICED, E.SECURE): S.SECURED,
    (S.PRICED, E.SIGN_FIRST): S.PARTLY_SECURED,
    (S.PARTLY_SECURED, E.SIGN_FINAL): S.SECURED,
    (S.SECURED, E.ADD_TO_LOT): S.IN_LOT,
    (S.IN_LOT, E.REMOVE_FROM_LOT): S.SECURED,
    (S.IN_LOT, E.SEND): S.SENT,
    # A lot re-sent (« Réexpédié », docs/teletransmission.md) keeps its invoices: they stay sent.
    (S.SENT, E.SEND): S.SENT,
    # A lot refused (negative ARL, given up): its invoices are sendable again, to be lotted once corrected.
    (S.SENT, E.REMOVE_FROM_LOT): S.SECURED,
    (S.SENT, E.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.SENT, E.REJECT): S.REJECTED,
    # The follow-up (NOEMIE returns, issue 13): what the returns integrated so far say of the invoice decides its
    # state (``domain.follow_up``); a return may come before the ARL (sent), a later return may complete a
    # partial payment, pay what was rejected (or the state is changed by hand once paid outside the flow), or take
    # back what was paid (a negative regularisation puts it in anomaly).
    **{(state, event): target
       for state in (S.SENT, S.ACKNOWLEDGED, S.PAID, S.PARTLY_PAID, S.REJECTED, S.ANOMALY)
       for event, target in ((E.PAY, S.PAID), (E.PAY_PART, S.PARTLY_PAID), (E.REJECT, S.REJECTED),
                             (E.FLAG_ANOMALY, S.ANOMALY))},
    # A match made by hand undone (``feuille suivi dissocier``) with no other return left: the invoice is awaited
    # again (« En cours »); its ARL had come, or a return would not have been matched to it.
    **{(state, E.UNMATCH): S.ACKNOWLEDGED for state in (S.PAID, S.PARTLY_PAID, S.REJECTED, S.ANOMALY)},
    (S.DRAFT, E.DELETE): S.DELETED,
    (S.PRICED, E.DELETE): S.DELETED,
    **{(state, E.CANCEL): S.CANCELLED for state in _SIGNED},
}

#: States in which nothing of the invoice's content may change any more.
IMMUTABLE = frozenset(set(InvoiceState) - {S.DRAFT, S.PRICED, S.DELETED})
#: States from which an invoice may be put in a lot and sent (degraded mode also needs its care sheet).
SENDABLE = frozenset({S.SECURED})


def transition(state: InvoiceState | str, event: Event | str) -> InvoiceState:
    """The state after ``event``; a French :class:`StateError` when the table forbids it."""
    try:
        current, what = InvoiceState(state), Event(event)
    except ValueError:
        raise StateError(f"État « {str(state)[:20]} » ou opération « {str(event)[:20]} » de facture inconnu.",
                         code="invoice_state", field="state") from None
    target = TRANSITIONS.get((current, what))
    if target is None:
        reason = ""
        if current in IMMUTABLE and what in (E.EDIT, E.DELETE):
            reason = " : une facture signée est immuable, elle s'annule par un avoir"
        elif current == S.DRAFT and what in (E.SECURE, E.SIGN_FIRST):
            reason = " : vérifiez d'abord les taux (le contrôle des taux est obligatoire avant la sécurisation)"
        elif current == S.PARTLY_SECURED and what in (E.ADD_TO_LOT, E.SEND):
            reason = " : la signature finale manque, elle ne peut pas être envoyée avant"
        raise StateError(f"Impossible de {EVENT_LABELS[what]} une facture « {STATE_LABELS[current]} »{reason}.",
                         code="invoice_state", field="state",
                         detail=f"transition {current} --{what}--> refused")
    return target


class SecureMode(StrEnum):
    SYNCHRONISE = "synchronise"
    DESYNCHRONISE = "desynchronise"
    DEGRADE = "degrade"
    SANS_VITALE = "sans-vitale"


MODE_LABELS = {
    SecureMode.SYNCHRONISE: "SESAM-Vitale synchronisé",
    SecureMode.DESYNCHRONISE: "SESAM-Vitale désynchronisé",
    SecureMode.DEGRADE: "dégradé",
    SecureMode.SANS_VITALE: "SESAM sans Vitale",
}
#: Modes in which the patient's Vitale card (or app) must be presented.
NEEDS_VITALE = frozenset({SecureMode.SYNCHRONISE, SecureMode.DESYNCHRONISE})


@validator
def parse_mode(value: object) -> SecureMode:
    try:
        return SecureMode(str(value).strip().lower().replace("é", "e"))
    except ValueError:
        choices = ", ".join(m.value for m in SecureMode)
        raise ValidationError(f"Mode de sécurisation « {str(value)[:30]} » inconnu (choix : {choices}).",
                              code="secure_mode", field="mode") from None


# --- patient payments ----------------------------------------------------------------------------------------------

class PaymentMeans(StrEnum):
    CHEQUE = "cheque"
    CB = "cb"
    ESPECES = "especes"
    AUTRE = "autre"


MEANS_LABELS = {PaymentMeans.CHEQUE: "chèque", PaymentMeans.CB: "CB", PaymentMeans.ESPECES: "espèces",
                PaymentMeans.AUTRE: "autre"}
_MEANS_ALIASES = {"cheque": PaymentMeans.CHEQUE, "chèque": PaymentMeans.CHEQUE, "cb": PaymentMeans.CB,
                  "carte": PaymentMeans.CB, "especes": PaymentMeans.ESPECES, "espèces": PaymentMeans.ESPECES,
                  "espece": PaymentMeans.ESPECES, "espèce": PaymentMeans.ESPECES, "autre": PaymentMeans.AUTRE}


@validator
def parse_means(value: object) -> PaymentMeans:
    found = _MEANS_ALIASES.get(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        raise ValidationError(f"Moyen de paiement « {str(value)[:20]} » inconnu (chèque, CB, espèces ou autre).",
                              code="payment_means", field="means")
    return found


@validator
def parse_payment_amount(value: object) -> Decimal:
    try:
        amount = parse_amount(value)
    except MoneyError:
        raise ValidationError(f"Montant du paiement « {str(value)[:20]} » invalide (ex. 110.00).",
                              code="payment_amount", field="amount") from None
    if amount <= 0 or amount >= Decimal("100000"):
        raise ValidationError("Montant du paiement : il doit être supérieur à zéro (et inférieur à 100 000).",
                              code="payment_amount", field="amount")
    return amount


@dataclass(frozen=True)
class Balance:
    due: Decimal          # what the patient owes on this invoice
    paid: Decimal         # sum of the payments
    balance: Decimal      # due - paid: > 0 incomplete, 0 settled, < 0 overpaid
    warnings: tuple[str, ...]


def balance(due: Decimal, payments: Iterable[Decimal]) -> Balance:
    """The patient balance; a negative one is allowed and comes with a warning."""
    paid = sum(payments, Decimal("0.00"))
    rest = due - paid
    warnings: list[str] = []
    if rest < 0:
        warnings.append(f"le solde patient est négatif ({format_amount(rest)}).")
    elif rest > 0 and paid > 0:
        warnings.append(f"le règlement est incomplet : reste {format_amount(rest)} à payer.")
    return Balance(due=due, paid=paid, balance=rest, warnings=tuple(warnings))


# --- what gets signed ---------------------------------------------------------------------------------------------

def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
