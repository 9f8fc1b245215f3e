"""The follow-up of a sent invoice (« Suivi », manual 003 section VII): its five states and THE rule deciding
which one an invoice is in from what was expected and what the NOEMIE returns said.

Pure: amounts and statuses in, a :class:`Decision` out. The follow-up state IS the invoice's state
(``domain.invoices``): sent and acknowledged are « En cours », the others map one to one. The returns service
(``feuille.returns``) applies the decision's event through :func:`feuille.domain.invoices.transition`.

The five labels are the manual's words. The rule is **feuille's own** reading of it (docs/returns.md, « La règle
du suivi »), in this order:

1. nothing returned yet → En cours;
2. a share paid more than expected, a negative total paid (a regularisation took back more than was paid), or a
   return claiming an amount different from the billed one → En anomalie (the reason says which);
3. a share rejected (status ``R``) and nothing paid → Rejeté;
4. paid = expected for every awaited share → Payé;
5. something paid, less than expected → Partiellement payé;
6. otherwise (deferred ``D`` or untreated) → En cours.

The AMO share is always awaited. The AMC share is awaited from the returns only when it was teletransmitted
(gestion unique: the AMO handles it; or a DRE to the complementary, ``billing.amc_part``); otherwise the
complementary pays on its own and its part is not followed here (expected AMC 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from feuille.domain.invoices import Event, InvoiceState
from feuille.money import ZERO, format_amount_fr

PAID, REJECTED, DEFERRED, UNTREATED = "P", "R", "D", ""   # share status (FORMATS.md §3)


class FollowUp(StrEnum):
    EN_COURS = "en_cours"
    PAYE = "paye"
    PARTIEL = "partiellement_paye"
    REJETE = "rejete"
    ANOMALIE = "en_anomalie"


#: Manual 003 section VII, its words.
LABELS: dict[FollowUp, str] = {
    FollowUp.EN_COURS: "En cours",
    FollowUp.PAYE: "Payé",
    FollowUp.PARTIEL: "Partiellement payé",
    FollowUp.REJETE: "Rejeté",
    FollowUp.ANOMALIE: "En anomalie",
}

#: The invoice states that are followed, and the follow-up state each one is.
FROM_INVOICE: dict[InvoiceState, FollowUp] = {
    InvoiceState.SENT: FollowUp.EN_COURS,
    InvoiceState.ACKNOWLEDGED: FollowUp.EN_COURS,
    InvoiceState.PAID: FollowUp.PAYE,
    InvoiceState.PARTLY_PAID: FollowUp.PARTIEL,
    InvoiceState.REJECTED: FollowUp.REJETE,
    InvoiceState.ANOMALY: FollowUp.ANOMALIE,
}

#: The invoice states a follow-up state stands for (a filter « En cours » is sent or acknowledged).
TO_INVOICE: dict[FollowUp, tuple[InvoiceState, ...]] = {
    FollowUp.EN_COURS: (InvoiceState.SENT, InvoiceState.ACKNOWLEDGED),
    FollowUp.PAYE: (InvoiceState.PAID,),
    FollowUp.PARTIEL: (InvoiceState.PARTLY_PAID,),
    FollowUp.REJETE: (InvoiceState.REJECTED,),
    FollowUp.ANOMALIE: (InvoiceState.ANOMALY,),
}

#: The invoice event that leads to a follow-up state (En cours has none: a return never takes an invoice back).
EVENTS: dict[FollowUp, Event | None] = {
    FollowUp.EN_COURS: None,
    FollowUp.PAYE: Event.PAY,
    FollowUp.PARTIEL: Event.PAY_PART,
    FollowUp.REJETE: Event.REJECT,
    FollowUp.ANOMALIE: Event.FLAG_ANOMALY,
}

_ALIASES = {"en_cours": FollowUp.EN_COURS, "encours": FollowUp.EN_COURS, "paye": FollowUp.PAYE,
            "partiel": FollowUp.PARTIEL, "partiellement_paye": FollowUp.PARTIEL, "rejete": FollowUp.REJETE,
            "anomalie": FollowUp.ANOMALIE, "en_anomalie": FollowUp.ANOMALIE}


def of_invoice(state: InvoiceState | str) -> FollowUp | None:
    """The follow-up state of an invoice in ``state`` (None: not followed, e.g. a draft or a cancelled one)."""
    try:
        return FROM_INVOICE.get(InvoiceState(state))
    except ValueError:
        return None


def parse(text: str) -> FollowUp | None:
    """A follow-up state typed by a user (« paye », « Payé », « partiel », « en-cours »…), None if unknown."""
    folded = (text.strip().lower().replace("é", "e").replace("-", "_").replace(" ", "_"))
    return _ALIASES.get(folded)


@dataclass(frozen=True)
class Observed:
    """What was expected of an invoice and what its matched returns said, summed (paid amounts are signed)."""

    expected_amo: Decimal
    expected_amc: Decimal = ZERO              # 0 when the AMC part is not awaited from the returns
    paid_amo: Decimal = ZERO
    paid_amc: Decimal = ZERO
    amo_statuses: frozenset[str] = field(default_factory=frozenset)   # P, R, D, "" as seen in the returns
    amc_statuses: frozenset[str] = field(default_factory=frozenset)
    amo_claims: tuple[Decimal, ...] = ()      # the AMO amounts the returns claim (each should be the billed one)
    amc_claims: tuple[Decimal, ...] = ()
    returns: int = 0                          # matched returns counted

    @property
    def paid(self) -> Decimal:
        return self.paid_amo + self.paid_amc

    @property
    def expected(self) -> Decimal:
        return self.expected_amo + self.expected_amc


@dataclass(frozen=True)
class Decision:
    state: FollowUp
    event: Event | None        # what to apply to the invoice (None: nothing to change)
    reason: str                # French, for the audit trail and the follow-up list

    @property
    def label(self) -> str:
        return LABELS[self.state]


def _claims_differ(claims: Iterable[Decimal], expected: Decimal, awaited: bool) -> Decimal | None:
    if not awaited:
        return None
    return next((claim for claim in claims if claim != expected), None)


def _anomaly(o: Observed) -> str | None:
    shares = (("AMO", o.expected_amo, o.paid_amo, o.amo_claims, True),
              ("AMC", o.expected_amc, o.paid_amc, o.amc_claims, o.expected_amc != ZERO))
    for name, expected, paid, _claims, _awaited in shares:
        if paid > expected:
            return (f"part {name} payée {format_amount_fr(paid)} € pour {format_amount_fr(expected)} € "
                    "attendus (trop-perçu)")
    if o.paid < ZERO:
        return f"total payé négatif ({format_amount_fr(o.paid)} €) : une régularisation a repris plus que payé"
    for name, expected, _paid, claims, awaited in shares:
        claim = _claims_differ(claims, expected, awaited)
        if claim is not None:
            return (f"le retour réclame {format_amount_fr(claim)} € en part {name} pour "
                    f"{format_amount_fr(expected)} € facturés")
    return None


def _state(o: Observed) -> tuple[FollowUp, str]:
    if o.returns == 0 and not (o.amo_statuses or o.amc_statuses):
        return FollowUp.EN_COURS, "aucun retour reçu"
    anomaly = _anomaly(o)
    if anomaly is not None:
        return FollowUp.ANOMALIE, anomaly
    if REJECTED in (o.amo_statuses | o.amc_statuses) and o.paid == ZERO:
        share = "AMO" if REJECTED in o.amo_statuses else "AMC"
        return FollowUp.REJETE, f"part {share} rejetée, rien n'a été payé"
    if o.paid_amo == o.expected_amo and o.paid_amc == o.expected_amc and (o.paid > ZERO or o.expected == ZERO):
        return FollowUp.PAYE, f"payée {format_amount_fr(o.paid)} € sur {format_amount_fr(o.expected)} € attendus"
    if o.paid > ZERO:
        return FollowUp.PARTIEL, (f"payée {format_amount_fr(o.paid)} € sur {format_amount_fr(o.expected)} € "
                                  f"attendus, reste {format_amount_fr(o.expected - o.paid)} €")
    return FollowUp.EN_COURS, "retour reçu sans paiement ni rejet (différé ou non traité)"


def decide(observed: Observed, current: InvoiceState | str | None = None) -> Decision:
    """THE follow-up rule (module docstring). ``event`` is None when the invoice in ``current`` already is in the
    decided state, or when the decision is En cours (a return never takes an invoice back to it)."""
    state, reason = _state(observed)
    event = EVENTS[state]
    if current is not None and of_invoice(current) == state:
        event = None
    return Decision(state, event, reason)


__all__ = ["DEFERRED", "EVENTS", "FROM_INVOICE", "LABELS", "PAID", "REJECTED", "TO_INVOICE", "UNTREATED", "Decision",
           "FollowUp", "Observed", "decide", "of_invoice", "parse"]
