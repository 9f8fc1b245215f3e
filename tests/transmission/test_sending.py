"""« Envoyer et Recevoir » with an in-memory transport: the outbox guarantee, ARLs positive and negative, the
missing ARL and its re-sending, a mail server down, crashes at the named checkpoints (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from feuille import audit
from feuille.auth import Context
from feuille.billing import drafts, rate_check, securing
from feuille.domain.lots import LotState
from feuille.errors import StateError, ValidationError
from feuille.storage.models import AuditEntry, Lot, LotInvoice, LotMail, ReceivedMail
from feuille.transmission import acknowledgements, checkpoints, sending
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.support.kill_points import Crash
from tests.support.sending import FakeTransport, arl_incoming, invoice_states, lot_row, make_lot

START = datetime(2025, 1, 15, 10, 30)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(ctx: Context, clock: Clock) -> Context:
    practice(ctx)
    return Context(ctx.db, ctx.actor, clock)


def secured(ctx: Context, count: int = 2) -> list[int]:
    out = []
    for _ in range(count):
        view = drafts.create_draft(ctx, consultation())
        rate_check.check_rates(ctx, view.id)
        out.append(securing.secure(ctx, view.id, "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)).id)
    return out


@pytest.fixture
def stop_at() -> Iterator[list[str]]:
    """Names of the checkpoints that raise (a crash there), for the next run only."""
    points: list[str] = []

    def crash(name: str) -> None:
        if name in points:
            points.remove(name)
            raise Crash(name)

    checkpoints.observe(crash)
    yield points
    checkpoints._OBSERVERS.remove(crash)


def mails(ctx: Context) -> list[LotMail]:
    with ctx.db.read() as session:
        rows = list(session.scalars(select(LotMail).order_by(LotMail.id)))
        session.expunge_all()
        return rows


def test_a_lot_is_sent_once_and_acknowledged(desk: Context) -> None:
    invoices = secured(desk)
    lot = make_lot(desk, invoices)
    transport = FakeTransport()
    report = sending.exchange(desk, transport)
    assert [s.lot_number for s in report.sent] == ["001"] and report.sent[0].ok
    assert [a.state for a in report.received.arls] == ["ARL positif reçu"]
    assert lot_row(desk, lot).state == LotState.ARL_POSITIF and lot_row(desk, lot).received_on is not None
    assert invoice_states(desk, invoices) == ["acknowledged", "acknowledged"]
    assert len(transport.sent) == 1 and transport.mailbox == {}
    [mail] = mails(desk)
    assert mail.state == "envoye" and mail.message_id == f"<{mail.stamp}@cabinet.test>"
    again = sending.exchange(desk, transport)
    assert again.sent == [] and again.received.arls == () and len(transport.sent) == 1
    with desk.db.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity.in_(
            ["lot", "received_mail"])).order_by(AuditEntry.id)))
    assert actions == ["lot.mail_prepared", "lot.send", "lot.arl_positive", "return.received"]
    assert audit.verify(desk.db).ok


def test_a_mail_server_down_leaves_the_lot_ready_then_it_leaves_with_the_same_stamp(desk: Context) -> None:
    invoices = secured(desk, 1)
    lot = make_lot(desk, invoices)
    transport = FakeTransport(refuse=True)
    report = sending.exchange(desk, transport)
    assert report.failures and "injoignable" in (report.failures[0].error or "")
    assert lot_row(desk, lot).state == LotState.FICHIER_CREE and invoice_states(desk, invoices) == ["in_lot"]
    [pending] = mails(desk)
    assert pending.state == "a_envoyer" and pending.tries == 1 and "injoignable" in (pending.last_error or "")
    transport.refuse = False
    assert sending.exchange(desk, transport).sent[0].ok
    assert [item.stamp for item in transport.sent] == [pending.stamp]
    assert lot_row(desk, lot).state == LotState.ARL_POSITIF


def test_a_crash_before_smtp_sends_the_same_mail_next_time(desk: Context, stop_at: list[str]) -> None:
    lot = make_lot(desk, secured(desk, 1))
    transport = FakeTransport()
    stop_at.append("avant_envoi")
    with pytest.raises(Crash):
        sending.exchange(desk, transport)
    assert transport.sent == [] and lot_row(desk, lot).state == LotState.FICHIER_CREE
    sending.exchange(desk, transport)
    assert [item.stamp for item in transport.sent] == [mails(desk)[0].stamp]
    assert lot_row(desk, lot).state == LotState.ARL_POSITIF


def test_a_crash_after_the_server_accepted_is_finished_by_the_arl_without_sending_again(
        desk: Context, stop_at: list[str]) -> None:
    invoices = secured(desk, 1)
    lot = make_lot(desk, invoices)
    transport = FakeTransport()
    stop_at.append("apres_acceptation")
    with pytest.raises(Crash):
        sending.exchange(desk, transport)
    assert lot_row(desk, lot).state == LotState.FICHIER_CREE and mails(desk)[0].state == "a_envoyer"
    report = sending.exchange(desk, transport)
    assert report.sent == [] and len(transport.sent) == 1
    assert lot_row(desk, lot).state == LotState.ARL_POSITIF and invoice_states(desk, invoices) == ["acknowledged"]


def test_a_crash_after_storing_a_return_before_deleting_it_changes_nothing_next_time(
        desk: Context, stop_at: list[str]) -> None:
    lot = make_lot(desk, secured(desk, 1))
    transport = FakeTransport()
    stop_at.append("apres_reception")
    sending.exchange(desk, FakeTransport(answer=None))   # sent, its ARL not come yet
    stop_at.clear()
    transport.mailbox["late"] = arl_incoming(sending_item(desk, lot), True, "", "<late@t>")
    stop_at.append("apres_reception")
    with pytest.raises(Crash):
        sending.exchange(desk, transport)
    assert "late" in transport.mailbox and lot_row(desk, lot).state == LotState.ARL_POSITIF
    report = sending.exchange(desk, transport)
    assert report.received.arls == () and transport.mailbox == {}


def sending_item(ctx: Context, lot: int):  # type: ignore[no-untyped-def]
    """What the lot's last mail was (for an ARL written by the test)."""
    from feuille.transmission.transport import OutgoingFile, Recipient

    mail = mails(ctx)[-1]
    return OutgoingFile("00000001033901", Recipient("01", "996"), "B2", b"x", True, 1, mail.stamp, "000001")


def test_a_negative_arl_rejects_the_lot_and_gives_its_invoices_back(desk: Context) -> None:
    invoices = secured(desk)
    lot = make_lot(desk, invoices)
    report = sending.exchange(desk, FakeTransport(answer="N", reason="2004"))
    [arl] = report.received.arls
    assert not arl.positive and arl.state == "Lot rejeté" and arl.label.startswith("Code: 2004 Numéro de lot")
    assert arl.details and "enregistrement 2" in arl.details[0]
    row = lot_row(desk, lot)
    assert row.state == LotState.REJETE and (row.arl_label or "").startswith("Code: 2004")
    assert invoice_states(desk, invoices) == ["secured", "secured"]
    with desk.db.read() as session:
        assert list(session.scalars(select(LotInvoice.live).where(LotInvoice.lot_id == lot))) == [None, None]
    with pytest.raises(StateError):
        sending.relaunch(desk, FakeTransport(), lot)


def test_a_negative_arl_on_the_mail_itself_is_sent_again_by_hand(desk: Context) -> None:
    invoices = secured(desk, 1)
    lot = make_lot(desk, invoices)
    sending.exchange(desk, FakeTransport(answer="N", reason="5001"))
    assert lot_row(desk, lot).state == LotState.ARL_NEGATIF and invoice_states(desk, invoices) == ["sent"]
    transport = FakeTransport()
    outcome = sending.relaunch(desk, transport, lot)
    assert outcome.ok and outcome.resent and outcome.state == "Réexpédié"
    sending.exchange(desk, transport)
    assert lot_row(desk, lot).state == LotState.ARL_POSITIF and invoice_states(desk, invoices) == ["acknowledged"]


def test_a_missing_arl_resends_the_same_file_once_then_asks_a_person(desk: Context, clock: Clock) -> None:
    lot = make_lot(desk, secured(desk, 1))
    silent = FakeTransport(answer=None)
    sending.exchange(desk, silent)
    assert lot_row(desk, lot).state == LotState.EXPEDIE
    clock.now += timedelta(days=2, hours=23)
    assert sending.exchange(desk, silent).missing == []
    clock.now += timedelta(hours=2)
    report = sending.exchange(desk, silent)
    assert [m.state for m in report.missing] == ["Absence ARL Renvoyer lot"]
    assert [s.resent for s in report.sent] == [True] and lot_row(desk, lot).state == LotState.REEXPEDIE
    first, second = silent.sent
    assert first.payload == second.payload and first.stamp != second.stamp
    clock.now += timedelta(days=3)
    report = sending.exchange(desk, silent)
    assert [m.state for m in report.missing] == ["Absence ARL Manuel obligatoire"] and report.sent == []
    assert len(silent.sent) == 2
    answering = FakeTransport()
    assert sending.relaunch(desk, answering, lot).state == "Réexpédié"
    sending.exchange(desk, answering)
    assert lot_row(desk, lot).state == LotState.ARL_POSITIF


def test_the_first_arl_arriving_after_the_resend_settles_the_lot_and_the_second_changes_nothing(
        desk: Context, clock: Clock) -> None:
    invoices = secured(desk, 1)
    lot = make_lot(desk, invoices)
    silent = FakeTransport(answer=None)
    sending.exchange(desk, silent)
    clock.now += timedelta(days=4)
    sending.exchange(desk, silent)     # re-sent
    first, second = silent.sent
    silent.mailbox["a"] = arl_incoming(first, True, "", "<a@t>")
    silent.mailbox["b"] = arl_incoming(second, True, "", "<b@t>")
    report = sending.exchange(desk, silent)
    assert [a.duplicate for a in report.received.arls] == [False, True]
    assert lot_row(desk, lot).state == LotState.ARL_POSITIF and invoice_states(desk, invoices) == ["acknowledged"]
    silent.mailbox["a2"] = arl_incoming(first, True, "", "<a@t>")   # the same mail fetched again
    assert sending.exchange(desk, silent).received.arls == ()


def test_unknown_arls_noemie_and_junk_are_kept_and_reported(desk: Context) -> None:
    from feuille.transmission.transport import Incoming, OutgoingFile, Recipient

    transport = FakeTransport()
    stranger = OutgoingFile("00000001033901", Recipient("01", "996"), "B2", b"x", True, 1, "2025011510300099999",
                            "000001")
    transport.mailbox["x"] = arl_incoming(stranger, True, "", "<x@t>")
    transport.mailbox["n"] = Incoming("", "NOEMIE", True, "NOEMIE/576/01996/000001/20250115", b"000", "<n@t>",
                                      b"raw noemie")
    transport.mailbox["j"] = Incoming("", None, False, "???", b"", "<j@t>", b"junk", problem="illisible")
    report = acknowledgements.receive(desk, transport)
    assert report.noemie == 1 and len(report.problems) == 2 and "inconnu" in report.problems[0]
    assert list(transport.mailbox) == ["j"]
    with desk.db.read() as session:
        rows = {r.kind: (r.outcome, r.raw) for r in session.scalars(select(ReceivedMail))}
    assert rows == {"arl": ("arl_inconnu", rows["arl"][1]), "noemie": ("a_rapprocher", b"raw noemie")}


def test_a_mailbox_down_is_reported_and_the_lots_still_leave(desk: Context) -> None:
    invoices = secured(desk, 1)
    lot = make_lot(desk, invoices)
    transport = FakeTransport(mailbox_down=True)
    report = sending.exchange(desk, transport)
    assert report.failed and report.received.problems == ("Boîte aux lettres (POP3/IMAP) injoignable.",)
    assert [s.ok for s in report.sent] == [True] and lot_row(desk, lot).state == LotState.EXPEDIE
    transport.mailbox_down = False
    assert not sending.exchange(desk, transport).failed
    assert lot_row(desk, lot).state == LotState.ARL_POSITIF and invoice_states(desk, invoices) == ["acknowledged"]


def test_a_dre_lot_without_the_complementarys_address_stays_ready(desk: Context) -> None:
    """DRE lots leave with the others (docs/dre.md); one whose complementary has no DRE address is refused in
    French and stays ready, nothing sent."""
    lot = make_lot(desk, secured(desk, 1))
    with desk.db.transaction() as session:
        row = session.get(Lot, lot)
        assert row is not None
        row.kind, row.recipient_kind, row.regime, row.caisse = "DRE", "amc", None, None
        row.recipient = row.amc_number = "1100000000"
    transport = FakeTransport()
    [outcome] = sending.exchange(desk, transport).sent
    assert not outcome.ok and "n'a pas d'adresse DRE" in (outcome.error or "") and transport.sent == []
    assert lot_row(desk, lot).state == LotState.FICHIER_CREE


def test_manual_handling_notes_once_and_may_give_the_invoices_back(desk: Context, clock: Clock) -> None:
    from feuille.transmission import manual

    invoices = secured(desk, 1)
    lot = make_lot(desk, invoices)
    silent = FakeTransport(answer=None)
    sending.exchange(desk, silent)
    clock.now += timedelta(days=4)
    sending.exchange(desk, silent)
    clock.now += timedelta(days=4)
    sending.exchange(desk, silent)
    assert lot_row(desk, lot).state == LotState.ABSENCE_ARL_MANUEL
    done = manual.handle(desk, lot, "  appel à la  caisse ")
    assert done.changed and done.handling.endswith("par admin : appel à la caisse") and done.given_back == 0
    assert not manual.handle(desk, lot, "appel à la caisse").changed
    assert lot_row(desk, lot).state == LotState.ABSENCE_ARL_MANUEL
    given = manual.handle(desk, lot, "factures renvoyées sur papier", give_back=True)
    assert given.state == "Lot rejeté" and given.given_back == 1 and invoice_states(desk, invoices) == ["secured"]
    with pytest.raises(ValidationError):
        manual.handle(desk, lot, "   ")
    other = make_lot(desk, secured(desk, 1), number="002")
    sending.exchange(desk, FakeTransport())
    with pytest.raises(StateError):
        manual.handle(desk, other, "rien à faire")
