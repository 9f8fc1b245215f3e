"""The follow-up rule (domain.follow_up), table-driven: expected and returned amounts → state, event, reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feuille.domain.follow_up import (
    FROM_INVOICE,
    LABELS,
    TO_INVOICE,
    FollowUp,
    Observed,
    decide,
    of_invoice,
    parse,
)
from feuille.domain.invoices import TRANSITIONS, Event, InvoiceState

D = Decimal
F = frozenset

CASES = [
    # (name, observed, state, event, words in the reason)
    ("nothing returned", Observed(D("20.00")), FollowUp.EN_COURS, None, "aucun retour"),
    ("AMO paid whole", Observed(D("20.00"), paid_amo=D("20.00"), amo_statuses=F("P"), amo_claims=(D("20.00"),),
                                returns=1), FollowUp.PAYE, Event.PAY, "payée 20,00"),
    ("AMO paid in part", Observed(D("20.00"), paid_amo=D("10.00"), amo_statuses=F("P"), returns=1),
     FollowUp.PARTIEL, Event.PAY_PART, "reste 10,00"),
    ("AMO rejected", Observed(D("20.00"), amo_statuses=F("R"), amo_claims=(D("20.00"),), returns=1),
     FollowUp.REJETE, Event.REJECT, "AMO rejetée"),
    ("AMC rejected, nothing paid", Observed(D("20.00"), D("5.00"), amo_statuses=F("D"), amc_statuses=F("R"),
                                            returns=1), FollowUp.REJETE, Event.REJECT, "AMC rejetée"),
    ("rejected then paid", Observed(D("20.00"), paid_amo=D("20.00"), amo_statuses=F("RP"), returns=2),
     FollowUp.PAYE, Event.PAY, "payée"),
    ("paid too much", Observed(D("20.00"), paid_amo=D("25.00"), amo_statuses=F("P"), returns=1),
     FollowUp.ANOMALIE, Event.FLAG_ANOMALY, "trop-perçu"),
    ("AMC paid too much", Observed(D("20.00"), D("5.00"), D("20.00"), D("6.00"), F("P"), F("P"), returns=1),
     FollowUp.ANOMALIE, Event.FLAG_ANOMALY, "part AMC"),
    ("negative total", Observed(D("20.00"), paid_amo=D("-5.00"), amo_statuses=F("P"), returns=2),
     FollowUp.ANOMALIE, Event.FLAG_ANOMALY, "négatif"),
    ("claim differs", Observed(D("20.00"), paid_amo=D("18.00"), amo_statuses=F("P"), amo_claims=(D("18.00"),),
                               returns=1), FollowUp.ANOMALIE, Event.FLAG_ANOMALY, "réclame 18,00"),
    ("AMC awaited, AMO only paid", Observed(D("20.00"), D("5.00"), D("20.00"), amo_statuses=F("P"),
                                            amc_statuses=F(""), returns=1), FollowUp.PARTIEL, Event.PAY_PART,
     "reste 5,00"),
    ("AMC awaited and paid", Observed(D("20.00"), D("5.00"), D("20.00"), D("5.00"), F("P"), F("P"), returns=1),
     FollowUp.PAYE, Event.PAY, "25,00"),
    ("AMC not awaited, claim ignored", Observed(D("20.00"), paid_amo=D("20.00"), amo_statuses=F("P"),
                                                amc_claims=(D("7.00"),), returns=1), FollowUp.PAYE, Event.PAY, ""),
    ("deferred", Observed(D("20.00"), amo_statuses=F("D"), returns=1), FollowUp.EN_COURS, None, "différé"),
    ("untreated", Observed(D("20.00"), amo_statuses=F(""), returns=1), FollowUp.EN_COURS, None, "non traité"),
    ("nothing expected, return says paid 0", Observed(D("0.00"), amo_statuses=F("P"), returns=1), FollowUp.PAYE,
     Event.PAY, "0,00"),
]


@pytest.mark.parametrize(("name", "observed", "state", "event", "words"), CASES, ids=[c[0] for c in CASES])
def test_the_rule(name: str, observed: Observed, state: FollowUp, event: Event | None, words: str) -> None:
    decision = decide(observed)
    assert (decision.state, decision.event) == (state, event), name
    assert words in decision.reason
    assert decision.label == LABELS[state]


def test_no_event_when_already_there() -> None:
    paid = Observed(D("20.00"), paid_amo=D("20.00"), amo_statuses=F("P"), returns=1)
    assert decide(paid, InvoiceState.PAID).event is None
    assert decide(paid, InvoiceState.ACKNOWLEDGED).event == Event.PAY
    assert decide(paid, "partly_paid").event == Event.PAY


@pytest.mark.parametrize("state", list(FROM_INVOICE))
def test_every_decided_event_is_allowed_from_every_followed_state(state: InvoiceState) -> None:
    for event in (Event.PAY, Event.PAY_PART, Event.REJECT, Event.FLAG_ANOMALY):
        assert (state, event) in TRANSITIONS


def test_mapping_both_ways() -> None:
    for follow_up, states in TO_INVOICE.items():
        assert all(FROM_INVOICE[state] == follow_up for state in states)
    assert of_invoice(InvoiceState.SENT) == FollowUp.EN_COURS
    assert of_invoice(InvoiceState.DRAFT) is None
    assert of_invoice("nimporte") is None
    assert [LABELS[f] for f in FollowUp] == ["En cours", "Payé", "Partiellement payé", "Rejeté", "En anomalie"]


@pytest.mark.parametrize(("text", "state"), [("Payé", FollowUp.PAYE), ("en-cours", FollowUp.EN_COURS),
                                             ("partiel", FollowUp.PARTIEL), ("Rejeté", FollowUp.REJETE),
                                             ("anomalie", FollowUp.ANOMALIE), ("x", None), ("", None)])
def test_parse(text: str, state: FollowUp | None) -> None:
    assert parse(text) == state
