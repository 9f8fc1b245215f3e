"""Signing in three steps: prepare (short transaction), sign (no transaction open), commit (compare-and-set); a
refusal, a concurrent change or a timeout releases the preparation and records its number as unused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import drafts, securing, signing, verification
from feuille.cards.port import Signature
from feuille.errors import ConflictError, FeuilleError
from feuille.storage.models import Invoice, InvoicePreparation, InvoiceSignature
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.billing.test_drafts import count
from tests.billing.test_securing import priced
from tests.conftest import fixed_clock


def state_and_number(ctx: Context, invoice: int) -> tuple[str, int | None]:
    with ctx.db.read() as session:
        row = session.get(Invoice, invoice)
        assert row is not None
        return row.state, row.number


def test_a_card_refusal_after_prepare_releases_the_number(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    with pytest.raises(FeuilleError) as caught:
        securing.secure(ctx, invoice, "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI, pin=None))
    assert caught.value.code == "pin_not_verified"
    assert state_and_number(ctx, invoice) == ("priced", None) and count(ctx, InvoiceSignature) == 0
    [unused] = signing.unused_numbers(ctx)
    assert (unused.number, unused.invoice_id) == (1, invoice) and "Code porteur non vérifié" in unused.reason
    view = securing.secure(ctx, invoice, "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    assert view.number == 2 and verification.verify_invoice(ctx, invoice).ok


class HoldingReader(FakeReader):
    """A card that, while it signs (no transaction open), lets something else happen first."""

    def __init__(self, during: Any) -> None:
        super().__init__()
        self.during = during

    def sign(self, serial: str, data: bytes) -> Signature:
        self.during()
        return super().sign(serial, data)


def test_no_transaction_is_open_while_the_card_signs(ctx: Context) -> None:
    """Another desk writes the same database while the card signs: it does not wait for the signing."""
    practice(ctx)
    invoice, other = priced(ctx), priced(ctx)

    def other_desk() -> None:
        drafts.update_draft(ctx, other, consultation(acts=[{"code": "G"}]))

    reader = HoldingReader(other_desk).insert(CPS_MEDECIN, VITALE_ESSAI)
    assert securing.secure(ctx, invoice, "synchronise", reader).state == "secured"
    assert state_and_number(ctx, other) == ("draft", None)


def test_a_concurrent_change_releases_the_prepared_invoice(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)

    def edited_meanwhile() -> None:
        drafts.update_draft(ctx, invoice, consultation(acts=[{"code": "G"}]))

    reader = HoldingReader(edited_meanwhile).insert(CPS_MEDECIN, VITALE_ESSAI)
    with pytest.raises(ConflictError) as caught:
        securing.secure(ctx, invoice, "synchronise", reader)
    assert caught.value.code == "signing_released" and "modifiée pendant la signature" in caught.value.message
    assert state_and_number(ctx, invoice) == ("draft", None) and count(ctx, InvoiceSignature) == 0
    assert [(u.number, u.reason) for u in signing.unused_numbers(ctx)] == [
        (1, "la facture a été modifiée pendant la signature")]
    assert verification.verify_invoice(ctx, invoice).ok  # the release is audited with the invoice's snapshot


def test_a_timeout_releases_and_a_late_commit_is_refused(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    late = Context(db=ctx.db, actor=ctx.actor,
                   clock=lambda: fixed_clock() + timedelta(seconds=signing.PREPARED_SECONDS + 1))

    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    with ctx.db.transaction() as session:
        row = session.get(Invoice, invoice)
        assert row is not None
        prepared = signing.prepare_in(ctx, session, row, step="final", event=securing.Event.SECURE,
                                      mode="synchronise", professional=reader.professional_card(),  # type: ignore[arg-type]
                                      vitale=reader.vitale_card(), number=7)
    signature = reader.sign(CPS_MEDECIN.serial, prepared.data)
    with pytest.raises(ConflictError) as caught:
        signing.commit(late, prepared.id, signature)
    assert "délai de signature dépassé" in caught.value.message
    with pytest.raises(ConflictError) as again:  # released: committing it again is refused, nothing written
        signing.commit(ctx, prepared.id, signature)
    assert again.value.code == "signing_released" and count(ctx, InvoiceSignature) == 0
    assert [u.number for u in signing.unused_numbers(ctx)] == [7]


def test_a_signature_by_another_key_is_not_committed(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    with ctx.db.transaction() as session:
        row = session.get(Invoice, invoice)
        assert row is not None
        prepared = signing.prepare_in(ctx, session, row, step="final", event=securing.Event.SECURE,
                                      mode="synchronise", professional=reader.professional_card(),  # type: ignore[arg-type]
                                      vitale=None, number=1)
    from cryptography.hazmat.primitives.asymmetric import ec

    forged = FakeReader(keys={CPS_MEDECIN.serial: ec.generate_private_key(ec.SECP256R1())}).insert(CPS_MEDECIN)
    with pytest.raises(ConflictError) as caught:
        signing.commit(ctx, prepared.id, forged.sign(CPS_MEDECIN.serial, prepared.data))
    assert "ne se vérifie pas avec le certificat" in caught.value.message
    assert state_and_number(ctx, invoice) == ("priced", None)


def test_a_second_desk_preparing_the_same_invoice_supersedes_the_first(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    first: list[signing.Prepared] = []

    def prepared_by_another_desk_meanwhile() -> None:
        with ctx.db.read() as session:
            first.extend(session.scalars(sa.select(InvoicePreparation.id)))  # type: ignore[arg-type]
        securing.secure(ctx, invoice, "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))

    with pytest.raises(ConflictError):
        securing.secure(ctx, invoice, "synchronise",
                        HoldingReader(prepared_by_another_desk_meanwhile).insert(CPS_MEDECIN, VITALE_ESSAI))
    assert state_and_number(ctx, invoice) == ("secured", 2)
    assert [(u.number, u.reason[:20]) for u in signing.unused_numbers(ctx)] == [(1, "remplacée par une no")]
    assert verification.verify_invoice(ctx, invoice).ok
