"""« Mettre en lot », « Mettre en fichier », the list « à télétransmettre » and its blocking reasons, on SQLite and
PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from feuille import audit
from feuille.auth import Context
from feuille.billing import cancel, verification
from feuille.domain.lots import LotState
from feuille.formats import b2_reader
from feuille.storage.models import Invoice, Lot, LotCounter, LotInvoice, Patient, PatientPeriod
from feuille.transmission import files, lot_views, lotting, pending, releases
from feuille.transmission import settings as tsettings
from tests.billing.support import CPS_MEDECIN, FakeReader
from tests.transmission.support import copies, practice, secured


def states(ctx: Context) -> dict[int, str]:
    with ctx.db.read() as session:
        return {row.id: row.state for row in session.execute(sa.select(Invoice.id, Invoice.state))}


def test_lotting_groups_numbers_is_idempotent_and_audited(ctx: Context) -> None:
    practice(ctx)
    first, second = secured(ctx), secured(ctx, mode="sans-vitale")
    done = lotting.put_in_lots(ctx)
    assert [(lot.number, lot.recipient, lot.centre, lot.certification, lot.invoice_count) for lot in done.lots] == [
        ("001", "01 349", "9881", "F", 1), ("002", "01 349", "9881", "S", 1)]
    assert states(ctx) == {first: "in_lot", second: "in_lot"}
    assert lotting.put_in_lots(ctx).lots == ()          # running twice lots nothing twice
    assert all(verification.verify_invoice(ctx, i).ok for i in (first, second))   # seals follow the lot rows
    assert audit.verify(ctx.db).ok
    third = secured(ctx)
    again = lotting.put_in_lots(ctx)
    assert [lot.number for lot in again.lots] == ["003"] and states(ctx)[third] == "in_lot"


def test_a_lot_takes_999_invoices_at_most(ctx: Context) -> None:
    practice(ctx)
    model = secured(ctx)
    copies(ctx, model, 1000)
    done = lotting.put_in_lots(ctx)
    assert [(lot.number, lot.invoice_count) for lot in done.lots] == [("001", 999), ("002", 2)]
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LotInvoice)) == 1001
        assert session.scalar(sa.select(LotCounter.last_number)) == "002"
    assert audit.verify(ctx.db).ok


def test_the_file_of_a_lot_reads_back_and_is_never_rewritten(ctx: Context) -> None:
    practice(ctx)
    ids = [secured(ctx), secured(ctx)]
    lot = lotting.put_in_lots(ctx).lots[0]
    written = files.write_files(ctx)
    assert [(r.lot_id, r.file_id, r.invoices, r.error) for r in written] == [(lot.id, "000001", 2, None)]
    assert files.write_files(ctx) == []                # nothing « Mis en Lot » any more
    content = files.file_bytes(ctx, lot.id)
    reading = b2_reader.read_b2(content)
    assert reading.ok, reading.problems
    assert reading.file is not None
    header = reading.file.header
    assert (header.sender_type, header.sender_number, header.recipient_type, header.file_id) == (
        "TP", "00000001033901", "CT", "000001")
    assert header.recipient_number[6:8] == "01" and header.recipient_number[11:14] == "349"
    (b2_lot,) = reading.file.lots
    assert (b2_lot.header.lot_number, b2_lot.header.certification, b2_lot.closing.marking) == ("001", "S", "T")
    assert [i.number for i in b2_lot.invoices] == [1, 2] and len(ids) == 2
    shown = lot_views.detail(ctx, lot.id)
    assert shown.lot.state == LotState.FICHIER_CREE and shown.lot.file_id == "000001"
    assert [e["evenement"] for e in shown.history] == ["create", "write_file"]
    assert [row.number for row in lot_views.listing(ctx, "Fichier créé")] == ["001"]
    assert lot_views.listing(ctx, "mis_en_lot") == []


def test_each_blocking_reason(ctx: Context) -> None:
    practice(ctx)
    ok = secured(ctx)
    tsettings.update(ctx, {"blocage_automatique": "oui", "controle_regime": True, "regimes_actifs": "01"})
    listed = {c.id: c for c in pending.listing(ctx)}
    assert listed[ok].reasons == (f"blocage automatique : à débloquer (feuille teletransmission debloquer {ok})",)
    assert lotting.put_in_lots(ctx).lots == ()
    assert releases.release(ctx, [ok]) == [ok] and releases.release(ctx, [ok]) == []
    assert verification.verify_invoice(ctx, ok).ok
    assert pending.listing(ctx)[0].sendable
    tsettings.update(ctx, {"regimes_actifs": "02"})
    assert pending.listing(ctx)[0].reasons == (
        "régime 01 non télétransmis (contrôle télétransmission active du régime)",)
    tsettings.update(ctx, {"controle_regime": "non", "blocage_automatique": "non"})
    with ctx.db.transaction() as session:   # the patient's AMO rights closed before the care
        patient = session.scalar(sa.select(Patient))
        assert patient is not None
        session.add(PatientPeriod(patient_id=patient.id, position=1, kind="droits_amo",
                                  start_date=sa.func.date("2020-01-01"), end_date=sa.func.date("2024-12-31")))
    assert pending.listing(ctx)[0].reasons == ("droits AMO fermés à la date des soins (14/01/2025)",)


def test_the_states_of_the_manual_are_shown_for_invoices_not_secured(ctx: Context) -> None:
    from feuille.billing import drafts, rate_check
    from tests.billing.support import consultation
    practice(ctx)
    priced = rate_check.check_rates(ctx, drafts.create_draft(ctx, consultation()).id).id
    cancelled = secured(ctx)
    cancel.cancel_invoice(ctx, cancelled, FakeReader().insert(CPS_MEDECIN))
    listed = {c.id: c for c in pending.listing(ctx)}
    assert listed[priced].to_json()["etat_fse"] == "TP calculé" and not listed[priced].sendable
    assert listed[cancelled].to_json()["etat_fse"] == "FSE supprimée"
    row = listed[cancelled].to_json()
    assert (row["nom"], row["caisse_ro"], row["montant"]) == ("ESSAI", "01 349 9881", "23.00")
    credit_notes = [c for c in pending.listing(ctx, limit=1000) if c.id not in (priced, cancelled)]
    assert credit_notes == []   # the credit note is not listed, and the count agrees with the list
    assert pending.count(ctx) == len(pending.listing(ctx)) == 2
    assert pending.count(ctx, limit=1) == len(pending.listing(ctx, limit=1)) == 1
    lotting.put_in_lots(ctx)   # nothing sendable here: the list is unchanged
    assert pending.count(ctx) == len(pending.listing(ctx))


def test_the_count_follows_the_list_when_invoices_go_into_a_lot(ctx: Context) -> None:
    practice(ctx)
    secured(ctx)
    secured(ctx)
    assert pending.count(ctx) == len(pending.listing(ctx)) == 2
    lotting.put_in_lots(ctx)
    assert pending.count(ctx) == len(pending.listing(ctx)) == 0


def test_lots_are_listed_newest_first(ctx: Context) -> None:
    practice(ctx)
    secured(ctx)
    lotting.put_in_lots(ctx)
    with ctx.db.read() as session:
        assert session.scalar(sa.select(Lot.state)) == "mis_en_lot"
    (row,) = lot_views.listing(ctx)
    assert row.to_json()["etat_lot"] == "Mis en Lot" and row.to_json()["id_ps"] == "001033901"


def _desk(url: str) -> list[int]:
    """One desk lotting (its own process, its own connection)."""
    from feuille.auth import actor_for
    from feuille.billing import install_guards
    from feuille.storage import Database
    from tests.conftest import fixed_clock
    install_guards()
    db = Database(url)
    try:
        desk = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
        return [lot.invoice_count for lot in lotting.put_in_lots(desk).lots]
    finally:
        db.dispose()


def test_two_desks_lotting_at_once_never_put_an_invoice_in_two_live_lots(ctx: Context, db_url: str) -> None:
    import multiprocessing
    practice(ctx)
    model = secured(ctx)
    copies(ctx, model, 1500)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_desk, [db_url, db_url])
    assert sum(sum(desk) for desk in results) == 1501
    with ctx.db.read() as session:
        live = session.execute(sa.select(LotInvoice.invoice_id, sa.func.count()).where(LotInvoice.live.is_(True))
                               .group_by(LotInvoice.invoice_id)).all()
        assert len(live) == 1501 and all(count == 1 for _, count in live)
        numbers = sorted(session.scalars(sa.select(Lot.number)))
    assert numbers == [f"{n:03d}" for n in range(1, len(numbers) + 1)]   # one series, no number twice
    assert set(states(ctx).values()) == {"in_lot"}
    assert audit.verify(ctx.db).ok
