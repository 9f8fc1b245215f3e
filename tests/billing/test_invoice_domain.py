"""The pure invoice domain: the one transition table, payments and balance, the signed bytes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.domain.invoices import (
    IMMUTABLE,
    TRANSITIONS,
    Event,
    InvoiceState,
    PaymentMeans,
    SecureMode,
    balance,
    parse_means,
    parse_mode,
    parse_payment_amount,
    transition,
)
from feuille.errors import StateError, ValidationError

FORBIDDEN = [(s, e) for s in InvoiceState for e in Event if (s, e) not in TRANSITIONS]


@pytest.mark.parametrize(("state", "event"), sorted(TRANSITIONS))
def test_allowed_transitions(state: InvoiceState, event: Event) -> None:
    assert transition(state, event) == TRANSITIONS[(state, event)]


@pytest.mark.parametrize(("state", "event"), FORBIDDEN)
def test_every_forbidden_transition_is_refused_in_french(state: InvoiceState, event: Event) -> None:
    with pytest.raises(StateError) as caught:
        transition(state, event)
    assert caught.value.message.startswith("Impossible de ") and caught.value.field == "state"


def test_table_shape() -> None:
    assert len(FORBIDDEN) + len(TRANSITIONS) == len(InvoiceState) * len(Event)
    # a signed invoice never goes back to an editable state, and cannot be deleted
    for (state, event), target in TRANSITIONS.items():
        if state in IMMUTABLE:
            assert target in IMMUTABLE and event not in (Event.EDIT, Event.DELETE)
    assert not any(s == InvoiceState.PARTLY_SECURED and e in (Event.ADD_TO_LOT, Event.SEND) for s, e in TRANSITIONS)
    with pytest.raises(StateError, match="immuable"):
        transition(InvoiceState.SECURED, Event.EDIT)
    with pytest.raises(StateError, match="signature finale manque"):
        transition(InvoiceState.PARTLY_SECURED, Event.ADD_TO_LOT)
    with pytest.raises(StateError, match="vérifiez d'abord les taux"):
        transition(InvoiceState.DRAFT, Event.SECURE)


@pytest.mark.parametrize("junk", [None, "", "😴", object(), "x" * 1000, 3])
def test_junk_state_event_mode_means(junk: Any) -> None:
    with pytest.raises(StateError):
        transition(junk, Event.EDIT)
    with pytest.raises(StateError):
        transition(InvoiceState.DRAFT, junk)
    with pytest.raises(ValidationError):
        parse_mode(junk)
    with pytest.raises(ValidationError):
        parse_means(junk)
    if not isinstance(junk, int):
        with pytest.raises(ValidationError):
            parse_payment_amount(junk)


def test_parse_mode_and_means() -> None:
    assert parse_mode("Désynchronisé") == SecureMode.DESYNCHRONISE
    assert parse_mode("sans-vitale") == SecureMode.SANS_VITALE
    assert parse_means("CB") == PaymentMeans.CB and parse_means("chèque") == PaymentMeans.CHEQUE
    assert parse_means("espèces") == PaymentMeans.ESPECES
    assert parse_payment_amount("110,00") == Decimal("110.00")
    for bad in ("0", "-3", "1.234", 1.5, "100000"):
        with pytest.raises(ValidationError):
            parse_payment_amount(bad)


def test_domain_example_3_balance() -> None:
    due = Decimal("113.80")
    settled = balance(due, [Decimal("110"), Decimal("3.80")])
    assert settled.balance == Decimal("0.00") and settled.warnings == ()
    over = balance(due, [Decimal("110"), Decimal("4")])
    assert over.balance == Decimal("-0.20")
    assert over.warnings == ("le solde patient est négatif (-0.20).",)
    part = balance(due, [Decimal("100")])
    assert part.balance == Decimal("13.80") and "incomplet" in part.warnings[0]
    assert balance(due, []).warnings == ()


CENTS = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)


@given(due=st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: Decimal(c) / 100),
       paid=st.lists(CENTS, max_size=6))
def test_balance_invariants(due: Decimal, paid: list[Decimal]) -> None:
    settled = balance(due, paid)
    assert settled.paid == sum(paid, Decimal("0.00"))
    assert settled.balance == due - settled.paid
    assert any("négatif" in w for w in settled.warnings) == (settled.balance < 0)
    assert any("incomplet" in w for w in settled.warnings) == (settled.balance > 0 and settled.paid > 0)
