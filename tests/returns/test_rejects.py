"""Rejects: the list with code and readable reason, warnings told apart, « Traitement manuel » idempotent, the
state changed by hand, the correction by a new invoice sent in a new lot."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from feuille import audit
from feuille.auth import Context
from feuille.billing import rate_check, securing
from feuille.billing import state as invoice_state
from feuille.domain.invoices import Event
from feuille.errors import ConflictError, StateError, ValidationError
from feuille.returns import corrections, rejects
from feuille.returns.follow_up import list_follow_up, parse_filters
from feuille.returns.follow_up_detail import invoice_detail
from feuille.returns.reject_codes import readable_reason
from feuille.storage.models import AuditEntry, Invoice, InvoiceLine, LotInvoice, RejectHandling
from feuille.transmission import lotting
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader
from tests.returns.follow_up_support import add_return, practice, send, set_state

MOTIF = "ASSURE INCONNU DE LA CAISSE"


@pytest.fixture
def rejected(ctx: Context) -> tuple[int, int]:
    """(rejected, partly paid with a warning)."""
    practice(ctx)
    first, second = send(ctx, 2).ids
    add_return(ctx, first, amo_status="R", rejects=(("290", "R001", MOTIF), ("294", "R001", MOTIF)))
    set_state(ctx, first, Event.REJECT)
    add_return(ctx, second, amo_paid="8.05", rejects=(("290", "A001", "PAIEMENT PARTIEL : 50 POUR CENT"),))
    set_state(ctx, second, Event.PAY_PART)
    return first, second


def test_readable_reasons() -> None:
    assert readable_reason("R001", MOTIF).startswith("Facture rejetée par l'organisme")
    assert readable_reason("R001", MOTIF).endswith(f"Libellé du retour : {MOTIF}")
    assert readable_reason("X999", "  CODE   INCONNU ") == "CODE INCONNU"
    assert "inconnu" in readable_reason("X999", "")


def test_rejects_list_and_detail(ctx: Context, rejected: tuple[int, int]) -> None:
    first, second = rejected
    page = rejects.list_rejects(ctx)
    assert [line.line.invoice_id for line in page.lines] == [first] and page.total == 1
    assert page.lines[0].codes == "R001"
    assert MOTIF in page.lines[0].reason
    detail = invoice_detail(ctx, first)
    (one,) = detail.returns
    assert one.rejected and [r.nature for r in one.rejects] == ["rejet", "rejet"]
    warned = invoice_detail(ctx, second)
    assert [r.nature for r in warned.returns[0].rejects] == ["avertissement"]
    assert warned.line.state_label == "Partiellement payé" and warned.line.paid == Decimal("8.05")


def test_traitement_manuel_is_idempotent_and_shown(ctx: Context, rejected: tuple[int, int]) -> None:
    first, second = rejected
    done = rejects.mark_handled(ctx, first, "PEC renvoyée à la mutuelle")
    again = rejects.mark_handled(ctx, first, "autre note")
    assert again == done
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(RejectHandling)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "invoice.follow_up_handled")) == 1
    line = list_follow_up(ctx, parse_filters(states=["rejete"])).lines[0]
    assert line.handled and line.follow_on == "TRAITÉ"
    assert rejects.list_rejects(ctx, unhandled_only=True).lines == []
    with pytest.raises(StateError) as caught:
        rejects.mark_handled(ctx, second, "note")
    assert caught.value.code == "follow_up_not_rejected"
    with pytest.raises(ValidationError) as empty:
        rejects.mark_handled(ctx, first, "  ")
    assert empty.value.field == "note"


def test_state_changed_by_hand(ctx: Context, rejected: tuple[int, int]) -> None:
    first, _ = rejected
    with pytest.raises(ValidationError) as caught:
        rejects.change_state(ctx, first, "partiellement-paye", "payé par chèque")
    assert caught.value.code == "follow_up_amount"
    with pytest.raises(ValidationError):
        rejects.change_state(ctx, first, "partiellement-paye", "note", "16,10")   # all of it is not partial
    with pytest.raises(ValidationError) as state:
        rejects.change_state(ctx, first, "rejete", "note")
    assert state.value.code == "follow_up_manual_state"
    done = rejects.change_state(ctx, first, "partiellement-paye", "virement hors flux", "10,00")
    assert (done.state_from, done.state_to, done.amount) == ("rejected", "partly_paid", Decimal("10.00"))
    assert rejects.change_state(ctx, first, "partiel", "encore", "10") == done      # the same change: a no-op
    with pytest.raises(StateError):
        rejects.change_state(ctx, first, "paye", "note")                            # no longer rejected
    assert invoice_detail(ctx, first).line.state_label == "Partiellement payé"
    assert audit.verify(ctx.db).ok


def test_correction_new_number_linked_and_sent_in_a_new_lot(ctx: Context, rejected: tuple[int, int]) -> None:
    first, _ = rejected
    made = corrections.correct(ctx, first)
    with pytest.raises(ConflictError) as twice:
        corrections.correct(ctx, first)
    assert twice.value.code == "correction_exists"
    with ctx.db.read() as session:
        draft = session.get(Invoice, made.draft_id)
        original = session.get(Invoice, first)
        assert draft is not None and original is not None
        assert (draft.state, draft.number, draft.document) == ("draft", None, original.document)
        assert session.scalar(sa.select(sa.func.count()).select_from(InvoiceLine)
                              .where(InvoiceLine.invoice_id == draft.id)) == 1
    rate_check.check_rates(ctx, made.draft_id)
    secured = securing.secure(ctx, made.draft_id, "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    assert secured.number is not None and secured.number != original.number
    lots = lotting.put_in_lots(ctx).lots
    with ctx.db.read() as session:
        lot_ids = set(session.scalars(sa.select(LotInvoice.lot_id).where(LotInvoice.invoice_id == made.draft_id)))
        old_lots = set(session.scalars(sa.select(LotInvoice.lot_id).where(LotInvoice.invoice_id == first)))
    assert len(lots) == 1 and lot_ids == {lots[0].id} and not lot_ids & old_lots
    set_state(ctx, made.draft_id, Event.SEND)
    page = {line.invoice_id: line for line in list_follow_up(ctx).lines}
    assert page[first].corrected_by == f"corrigée par n° {secured.number}"
    assert page[made.draft_id].corrects == f"corrige n° {original.number}"
    assert audit.verify(ctx.db).ok


def test_a_deleted_correction_may_be_made_again(ctx: Context, rejected: tuple[int, int]) -> None:
    first, second = rejected
    made = corrections.correct(ctx, first)
    with ctx.db.transaction() as session:
        invoice_state.advance(ctx, session, invoice_state.load(session, made.draft_id, lock=True), Event.DELETE)
    again = corrections.correct(ctx, first)
    assert again.draft_id != made.draft_id
    with pytest.raises(StateError):
        corrections.correct(ctx, second)               # partly paid: not rejected


def test_not_teletransmitted_refused(ctx: Context) -> None:
    practice(ctx)
    from tests.transmission.support import secured

    invoice = secured(ctx)
    for call in (lambda: corrections.correct(ctx, invoice), lambda: rejects.mark_handled(ctx, invoice, "n"),
                 lambda: invoice_detail(ctx, invoice)):
        with pytest.raises(StateError) as caught:
            call()
        assert caught.value.code == "follow_up_not_sent"
