"""End to end against the caisse de test: invoices secured with the virtual cards, lotted, sent, acknowledged; the
caisse's clock advanced (`feuille-sim avancer`) so that it pays; the returns fetched from the mailbox and integrated
(`feuille.returns.receiving.receive`): paid, rejected, partly paid, a return sent twice integrated once, a debt
withheld from the transfer."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from feuille.auth import Context
from feuille.billing import drafts, rate_check, securing
from feuille.cards.virtual import VirtualCardReader
from feuille.domain.lots import LotState
from feuille.returns import receiving
from feuille.returns.amounts import amounts_for
from feuille.storage.models import FinancialMovement, Invoice, Lot, NoemieFileRow, ReceivedMail, TransferRow
from feuille.transmission import files, lotting, sending
from feuille.transmission.mail_transport import configured_transport
from tests.billing.support import consultation
from tests.support.caisse import CaisseDeTest
from tests.support.sending import invoice_states
from tests.transmission.test_sending_caisse import scenario

PIN = "1234"


def secure(ctx: Context, reader: VirtualCardReader) -> int:
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    day = (ctx.clock() - timedelta(days=1)).date().isoformat()
    draft = drafts.create_draft(ctx, consultation(date=day))
    rate_check.check_rates(ctx, draft.id)
    return securing.secure(ctx, draft.id, "synchronise", reader, PIN).id


def send(desk: Context, reader: VirtualCardReader, count: int) -> list[int]:
    ids = [secure(desk, reader) for _ in range(count)]
    lotting.put_in_lots(desk)
    assert all(f.error is None for f in files.write_files(desk))
    report = sending.exchange(desk, configured_transport(desk))
    assert all(a.positive for a in report.received.arls) and report.received.arls, report.received
    assert invoice_states(desk, ids) == ["acknowledged"] * count
    return ids


def pay(desk: Context, caisse: CaisseDeTest, days: int = 6) -> receiving.Received:
    done = caisse.sim("avancer", "--jours", str(days))
    assert done.returncode == 0, done.stderr
    return receiving.receive(desk, configured_transport(desk))


def nir_of(desk: Context, invoice_id: int) -> str:
    with desk.db.read() as session:
        row = session.get(Invoice, invoice_id)
        assert row is not None and row.patient_nir
        return row.patient_nir.replace(" ", "")


def lot_states(desk: Context) -> list[str]:
    with desk.db.read() as session:
        return [lot.state for lot in session.scalars(select(Lot).order_by(Lot.id))]


def test_paid_then_the_lot_is_settled(desk: Context, reader: VirtualCardReader, caisse: CaisseDeTest,
                                      tmp_path: Path) -> None:
    scenario(caisse, tmp_path)
    ids = send(desk, reader, 2)
    received = pay(desk, caisse)
    assert [r.outcome for r in received.integrated] == ["integre"], received.integrated
    assert invoice_states(desk, ids) == ["paid", "paid"]
    assert lot_states(desk) == [LotState.ACQUITTE.value]
    with desk.db.read() as session:
        amounts = amounts_for(session, ids)
        assert all(a.paid == a.expected_amo and a.remaining_amo == 0 for a in amounts.values())
    assert pay(desk, caisse, 1).integrated == ()   # nothing new


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_rejected_and_partly_paid(desk: Context, reader: VirtualCardReader, caisse: CaisseDeTest,
                                  tmp_path: Path) -> None:
    first = send(desk, reader, 1)
    scenario(caisse, tmp_path, {"regle": "rejeter", "nir": nir_of(desk, first[0]), "motif": "droits fermés",
                                "lot": 1}, {"regle": "payer_partiel", "lot": 2, "taux": 50})
    second = send(desk, reader, 1)
    received = pay(desk, caisse)
    assert sorted(r.outcome for r in received.integrated) == ["integre", "integre"], received.integrated
    assert invoice_states(desk, first + second) == ["rejected", "partly_paid"]
    with desk.db.read() as session:
        amounts = amounts_for(session, second)[second[0]]
        assert Decimal(0) < amounts.paid < amounts.expected_amo
        references = sorted(session.scalars(select(NoemieFileRow.reference)))
        assert references == ["576", "900"]


@SQLITE_ONLY
def test_a_return_sent_twice_is_integrated_once(desk: Context, reader: VirtualCardReader, caisse: CaisseDeTest,
                                                tmp_path: Path) -> None:
    scenario(caisse, tmp_path, {"regle": "doubler_retour"})
    ids = send(desk, reader, 1)
    received = pay(desk, caisse)
    assert [r.outcome for r in received.integrated].count("integre") == 1, received.integrated
    assert invoice_states(desk, ids) == ["paid"]
    with desk.db.read() as session:
        assert len(list(session.scalars(select(NoemieFileRow)))) == 1
        assert amounts_for(session, ids)[ids[0]].remaining == 0
        outcomes = sorted(session.scalars(select(ReceivedMail.outcome).where(ReceivedMail.kind == "noemie")))
        assert "a_rapprocher" not in outcomes


@SQLITE_ONLY
def test_a_withholding_is_stored_with_its_transfer(desk: Context, reader: VirtualCardReader,
                                                    caisse: CaisseDeTest, tmp_path: Path) -> None:
    scenario(caisse, tmp_path, {"regle": "retenue", "organisme": "01349", "montant": "5.00"})
    ids = send(desk, reader, 2)
    received = pay(desk, caisse)
    assert [r.outcome for r in received.integrated] == ["integre"], received.integrated
    with desk.db.read() as session:
        movements = list(session.scalars(select(FinancialMovement)))
        assert any(m.operation == "RPR" and m.amount < 0 for m in movements), movements
        transfer = session.scalar(select(TransferRow).where(TransferRow.is_transfer.is_(True)))
        assert transfer is not None and transfer.computed_total == transfer.declared_total
        paid = sum(a.paid for a in amounts_for(session, ids).values())
        assert transfer.computed_total == paid + sum(m.amount for m in movements if m.operation == "RPR")


@SQLITE_ONLY
def test_from_the_command_line(cli, desk: Context, reader: VirtualCardReader,  # type: ignore[no-untyped-def]
                               caisse: CaisseDeTest, tmp_path: Path) -> None:
    """« feuille teletransmission recevoir » integrates what it fetched (setting on); « feuille noemie recevoir »
    with nothing new says so; the files are listed."""
    scenario(caisse, tmp_path)
    ids = send(desk, reader, 1)
    assert caisse.sim("avancer", "--jours", "6").returncode == 0
    done = cli("teletransmission", "recevoir")
    assert done.exit_code == 0, done.stderr
    assert "Fichier NOEMIE intégré : 1 facture(s), 1 rapprochée(s)" in done.stdout, done.stdout
    assert invoice_states(desk, ids) == ["paid"]
    again = cli("noemie", "recevoir")
    assert again.exit_code == 0 and "Aucun retour NOEMIE à intégrer." in again.stdout, again.stdout
    listed = cli("noemie", "fichiers", "--json")
    assert listed.exit_code == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert (row["reference"], row["resultat"], row["factures"]) == ("576", "integre", 1)
    assert row["source"].startswith("courriel ")
