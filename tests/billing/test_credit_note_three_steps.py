"""A credit note is signed in the three steps of an invoice: prepare (short transaction: the credit note written as
a draft, its number drawn), sign (no transaction open), commit (compare-and-set: credit note secured, invoice
cancelled). A refusal, a concurrent change, a timeout or a killed process releases the preparation, records its
number as unused, and the next cancellation takes the draft credit note up again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import cancel, drafts, queries, securing, signing, verification
from feuille.cards.port import Signature
from feuille.domain.invoices import SecureMode
from feuille.errors import ConflictError, StateError
from feuille.storage.models import Invoice, InvoicePreparation, InvoiceSignature
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.billing.test_drafts import count
from tests.billing.test_securing import priced
from tests.conftest import fixed_clock

ROOT = Path(__file__).resolve().parents[2]


class HoldingReader(FakeReader):
    """A card that, while it signs (no transaction open), lets something else happen first."""

    def __init__(self, during: Any) -> None:
        super().__init__()
        self.during = during

    def sign(self, serial: str, data: bytes) -> Signature:
        self.during()
        return super().sign(serial, data)


def secured(ctx: Context) -> int:
    return securing.secure(ctx, priced(ctx), "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)).id


def credit_rows(ctx: Context, invoice: int) -> list[tuple[int, str, int | None]]:
    with ctx.db.read() as session:
        return [(r.id, r.state, r.number) for r in session.scalars(
            sa.select(Invoice).where(Invoice.credit_of == invoice).order_by(Invoice.id))]


def all_verified(ctx: Context) -> bool:
    return all(check.ok for check in verification.verify_all(ctx))


def test_no_transaction_is_open_while_the_card_signs_the_credit_note(ctx: Context) -> None:
    """Another desk writes while the card signs the credit note: it does not wait (SQLite would time out)."""
    practice(ctx)
    invoice, other = secured(ctx), priced(ctx)

    def other_desk() -> None:
        drafts.update_draft(ctx, other, consultation(acts=[{"code": "G"}]))
        [(_, state, number)] = credit_rows(ctx, invoice)  # prepared and committed: the draft credit note
        assert (state, number) == ("draft", None)

    credit = cancel.cancel_invoice(ctx, invoice, HoldingReader(other_desk).insert(CPS_MEDECIN))
    assert (credit.state, credit.number) == ("secured", 2) and queries.show(ctx, invoice).state == "cancelled"
    assert all_verified(ctx)


def test_a_card_refusal_releases_the_number_and_the_next_cancel_takes_the_draft_up(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    with pytest.raises(StateError) as caught:
        cancel.cancel_invoice(ctx, invoice, FakeReader().insert(CPS_MEDECIN, pin=None))
    assert caught.value.code == "pin_not_verified"
    [(draft_id, state, number)] = credit_rows(ctx, invoice)
    assert (state, number) == ("draft", None) and queries.show(ctx, invoice).state == "secured"
    [unused] = signing.unused_numbers(ctx)
    assert (unused.number, unused.invoice_id) == (2, draft_id) and "Code porteur non vérifié" in unused.reason
    assert all_verified(ctx)  # the pending credit note is a draft, unsigned: nothing to report
    with pytest.raises(StateError) as refused:  # a draft credit note is changed by the cancellation only
        cancel.delete_draft(ctx, draft_id)
    assert refused.value.code == "credit_note_pending" and f"annuler {invoice}" in refused.value.message
    credit = cancel.cancel_invoice(ctx, invoice, FakeReader().insert(CPS_MEDECIN))
    assert (credit.id, credit.number, credit.state) == (draft_id, 3, "secured")
    assert credit_rows(ctx, invoice) == [(draft_id, "secured", 3)] and all_verified(ctx)


def test_a_change_of_the_credit_note_while_the_card_signs_releases_it(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)

    def changed_meanwhile() -> None:  # behind the services: the version guards what was prepared
        with ctx.db.transaction() as session:
            session.execute(sa.update(Invoice).where(Invoice.credit_of == invoice)
                            .values(version=Invoice.version + 1))

    with pytest.raises(ConflictError) as caught:
        cancel.cancel_invoice(ctx, invoice, HoldingReader(changed_meanwhile).insert(CPS_MEDECIN))
    assert caught.value.code == "signing_released" and "modifiée pendant la signature" in caught.value.message
    assert queries.show(ctx, invoice).state == "secured" and count(ctx, InvoiceSignature) == 2  # CPS, Vitale
    assert [(u.number, u.reason) for u in signing.unused_numbers(ctx)] == [
        (2, "la facture a été modifiée pendant la signature")]


def test_a_second_desk_cancelling_meanwhile_supersedes_the_first(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    done: list[Any] = []

    def cancelled_by_another_desk() -> None:
        done.append(cancel.cancel_invoice(ctx, invoice, FakeReader().insert(CPS_MEDECIN)))

    with pytest.raises(ConflictError) as caught:
        cancel.cancel_invoice(ctx, invoice, HoldingReader(cancelled_by_another_desk).insert(CPS_MEDECIN))
    assert caught.value.code == "signing_released"
    [credit] = done
    assert credit_rows(ctx, invoice) == [(credit.id, "secured", 3)] and queries.show(ctx, invoice).state == "cancelled"
    assert [(u.number, u.reason[:20]) for u in signing.unused_numbers(ctx)] == [(2, "remplacée par une no")]
    assert cancel.cancel_invoice(ctx, invoice, FakeReader()) == credit  # repeated: the same one, no card
    assert all_verified(ctx)


def test_a_late_commit_of_a_credit_note_is_released(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    late = Context(db=ctx.db, actor=ctx.actor,
                   clock=lambda: fixed_clock() + timedelta(seconds=signing.PREPARED_SECONDS + 1))
    reader = FakeReader().insert(CPS_MEDECIN)
    cards = securing.read_cards(reader, None, SecureMode.SANS_VITALE)
    prepared = cancel.prepare_credit_note(ctx, invoice, cards.professional)
    assert isinstance(prepared, signing.Prepared)
    signature = reader.sign(CPS_MEDECIN.serial, prepared.data)
    with pytest.raises(ConflictError) as caught:
        signing.commit(late, prepared.id, signature)
    assert "délai de signature dépassé" in caught.value.message
    with pytest.raises(ConflictError):  # released: committing it again is refused, nothing written
        signing.commit(ctx, prepared.id, signature)
    assert queries.show(ctx, invoice).state == "secured" and [u.number for u in signing.unused_numbers(ctx)] == [2]
    assert cancel.cancel_invoice(ctx, invoice, reader).number == 3


DYING = """
import os, signal, sys
from feuille.auth import Context, actor_for
from feuille.billing import cancel
from feuille.storage import Database
from tests.billing.support import CPS_MEDECIN, FakeReader
from tests.conftest import fixed_clock

class Dying(FakeReader):
    def sign(self, serial, data):
        os.kill(os.getpid(), signal.SIGKILL)  # the desk's process dies while the card signs

db = Database(sys.argv[1])
cancel.cancel_invoice(Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock), int(sys.argv[2]),
                      Dying().insert(CPS_MEDECIN))
"""


def test_a_process_killed_while_the_card_signs_loses_nothing(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    died = subprocess.run([sys.executable, "-c", DYING, ctx.db.url, str(invoice)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert died.returncode == -signal.SIGKILL, died.stderr
    [(draft_id, state, _)] = credit_rows(ctx, invoice)
    assert state == "draft" and queries.show(ctx, invoice).state == "secured"
    with ctx.db.read() as session:
        statuses = session.scalars(sa.select(InvoicePreparation.status).order_by(InvoicePreparation.id))
        assert list(statuses) == ["committed", "pending"]  # the invoice's signing, the credit note's
    credit = cancel.cancel_invoice(ctx, invoice, FakeReader().insert(CPS_MEDECIN))  # the next desk finishes it
    assert (credit.id, credit.number) == (draft_id, 3) and queries.show(ctx, invoice).state == "cancelled"
    assert [(u.number, u.reason[:20]) for u in signing.unused_numbers(ctx)] == [(2, "remplacée par une no")]
    assert all_verified(ctx)
