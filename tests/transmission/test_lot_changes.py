"""The guarded changes under the lots: a lot's state (compare-and-set, history, audit), many invoices at once
(``billing.state_bulk``), the lot counter's cycle, and the reasons not yet covered elsewhere."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from feuille import audit
from feuille.auth import Context, Role
from feuille.billing import drafts, portable, rate_check, securing, state_bulk, verification
from feuille.domain.invoices import Event
from feuille.domain.lots import LotEvent
from feuille.errors import ConflictError, NotFoundError, StateError, ValidationError
from feuille.storage.models import Lot, LotCounter, LotEventRow, Patient, PortableLoad
from feuille.transmission import lot_state, lotting, pending
from feuille.transmission import settings as tsettings
from tests.billing.support import CPE_SECRETAIRE, CPS_FIRMIER, VITALE_ESSAI, FakeReader, nurse_care
from tests.conftest import context_as
from tests.transmission.support import practice, secured


def test_a_lot_changes_through_its_table_with_history_and_audit(ctx: Context) -> None:
    practice(ctx)
    secured(ctx)
    made = lotting.put_in_lots(ctx).lots[0]
    with ctx.db.transaction() as session:
        lot = lot_state.load(session, made.id, lock=True)
        with pytest.raises(StateError, match="mettez-le d'abord en fichier") as refused:
            lot_state.advance(ctx, session, lot, LotEvent.SEND)
        assert refused.value.code == "lot_state"
        assert lot_state.advance(ctx, session, lot, LotEvent.FAIL, data={"detail": "test"}) == "erreur"
    with ctx.db.transaction() as session:
        lot = lot_state.load(session, made.id)
        session.execute(sa.update(Lot).values(version=Lot.version + 1)   # another desk changed it meanwhile
                        .execution_options(synchronize_session=False))
        with pytest.raises(ConflictError) as stale:
            lot_state.advance(ctx, session, lot, LotEvent.REJECT)
        assert stale.value.code == "lot_changed"
    with ctx.db.read() as session:
        assert list(session.scalars(sa.select(LotEventRow.event).order_by(LotEventRow.id))) == ["create", "fail"]
        assert session.scalar(sa.select(Lot.version)) == 3      # created 1, failed 2, the other desk 3
    assert audit.verify(ctx.db).ok


@pytest.mark.parametrize("ref", ["abc", "0", "-1", "1" * 12, None, True])
def test_junk_lot_references_are_refused(ctx: Context, ref: object) -> None:
    with ctx.db.read() as session, pytest.raises(ValidationError) as refused:
        lot_state.load(session, ref)
    assert refused.value.code == "lot_id"


def test_an_unknown_lot_is_not_found(ctx: Context) -> None:
    with ctx.db.read() as session, pytest.raises(NotFoundError):
        lot_state.load(session, 42)


def test_the_lot_counter_cycles_from_999_to_001(ctx: Context) -> None:
    practice(ctx)
    secured(ctx)
    with ctx.db.transaction() as session:
        session.add(LotCounter(professional_id=1, recipient_kind="amo", recipient="01 349", last_number="999"))
    assert [lot.number for lot in lotting.put_in_lots(ctx).lots] == ["001"]


def test_many_invoices_at_once_are_refused_together(ctx: Context) -> None:
    practice(ctx)
    first, second = secured(ctx), secured(ctx)
    with ctx.db.transaction() as session, pytest.raises(StateError) as refused:
        state_bulk.advance_many(ctx, session, [first, second], Event.SEND)   # secured, not in a lot
    assert refused.value.code == "invoice_state"
    with ctx.db.transaction() as session, pytest.raises(ConflictError):
        state_bulk.advance_many(ctx, session, [first, 999], Event.ADD_TO_LOT)
    assert all(verification.verify_invoice(ctx, i).ok for i in (first, second))


def test_reasons_organism_final_signature_and_scor(ctx: Context) -> None:
    practice(ctx)
    secretary = context_as(ctx.db, Role.SECRETAIRE, "sec")
    first_step = rate_check.check_rates(ctx, drafts.create_draft(ctx, nurse_care()).id).id
    securing.secure(secretary, first_step, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    prescribed = rate_check.check_rates(ctx, drafts.create_draft(ctx, nurse_care()).id).id
    securing.secure(ctx, prescribed, "synchronise", FakeReader().insert(CPS_FIRMIER, VITALE_ESSAI))
    with ctx.db.transaction() as session:
        session.execute(sa.update(Patient).values(amo_regime=None, amo_caisse=None, amo_centre=None))
    orphan = secured(ctx)
    tsettings.update(ctx, {"blocage_scor": "oui"})
    held = {c.id: c.reasons for c in pending.listing(ctx)}
    assert held[first_step] == ("signature finale manquante (mode désynchronisé)",)
    assert held[prescribed] == ("pièce SCOR manquante (ordonnance)",)
    assert held[orphan] == ("organisme AMO du patient inconnu (régime, caisse, centre)",)
    assert lotting.put_in_lots(ctx).lots == ()


def test_an_invoice_on_a_portable_reader_is_not_lotted_behind_its_back(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    with ctx.db.transaction() as session:
        session.add(PortableLoad(invoice_id=invoice, reader=portable.DEFAULT_READER, current=True, loaded_by="x",
                                 loaded_at=ctx.clock()))
    assert pending.listing(ctx)[0].reasons == ("sur un lecteur portable : déchargez-la (feuille lecteur decharger)",)
    assert lotting.put_in_lots(ctx).lots == ()
    with ctx.db.transaction() as session, pytest.raises(StateError) as refused:   # the guard under the list
        state_bulk.advance_many(ctx, session, [invoice], Event.ADD_TO_LOT)
    assert refused.value.code == "invoice_on_reader"
