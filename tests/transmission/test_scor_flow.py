"""The SCOR flow end to end: a degraded invoice on prescription, its pieces checked, its FSE lot put in a file,
the pieces sent in their own SCOR lot to a caisse de test, its ARL received; a transport failure leaves the SCOR
lot to send, sent again with the same stamp; the purge after the retention."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from feuille.auth import Context
from feuille.domain.scor import PieceKind, PieceState
from feuille.errors import TransmissionError
from feuille.storage.models import Lot
from feuille.transmission import files, lotting, scor, scor_pieces
from feuille.transmission.certificates import OrganismCertificates
from feuille.transmission.mail_settings import parse
from feuille.transmission.mail_transport import MailTransport
from feuille.transmission.transport import Incoming, OutgoingFile, SendReceipt, Transport
from feuille_sim.pki import Pki
from tests.billing.support import practice
from tests.support.caisse import CaisseDeTest, start_caisse
from tests.transmission import scor_samples as s
from tests.transmission.test_scor_pieces import PRESCRIPTION, secured, yes_to_all


@pytest.fixture
def caisse(tmp_path: Path) -> Iterator[CaisseDeTest]:
    """A caisse of our own per test (each database run draws the same stamps at its fixed time)."""
    with start_caisse(tmp_path / "caisse") as running:
        yield running


def mail_transport(caisse: CaisseDeTest) -> MailTransport:
    found = parse({
        "smtp": {"hote": caisse.host, "port": caisse.ports["smtp"], "securite": "starttls"},
        "releve": {"protocole": "pop3", "hote": caisse.host, "port": caisse.ports["pop3"], "securite": "starttls"},
        "utilisateur": caisse.mailbox[0], "expediteur": "cabinet@exemple.fr", "ca": caisse.ca.read_text("ascii"),
        "secret": "essai", "certificats_organismes": caisse.info["organismes"], "annuaire": caisse.adri_url,
        "delai": 10.0})
    certificates = OrganismCertificates(found.certificates_folder, found.directory_url, found.ca_pem,
                                        timeout=found.timeout, clock=datetime.now)
    return MailTransport(found, caisse.mailbox[1], certificates)


class Down:
    """A transport whose server refuses every mail (as the mail adapter says it)."""

    def send(self, item: OutgoingFile) -> SendReceipt:
        raise TransmissionError("Serveur d'envoi injoignable.", code="smtp_injoignable")

    def receive(self) -> list[Incoming]:
        return []

    def forget(self, incoming_ids: Iterable[str]) -> None:
        return None


def ready_lot(ctx: Context, caisse: CaisseDeTest) -> tuple[int, str]:
    """A degraded invoice on prescription, both pieces checked, in a lot whose file is written."""
    practice(ctx)
    invoice = secured(ctx, prescription=PRESCRIPTION)
    scor_pieces.add_piece(ctx, invoice, "fds.pdf", s.pdf(s.text_page(1)), "feuille-de-soins")
    scor_pieces.add_piece(ctx, invoice, "ordo.png", s.good_png(), "ordonnance")
    answers = yes_to_all(ctx, invoice)
    for item in scor_pieces.inspect_invoice(ctx, invoice):
        assert scor_pieces.record_check(ctx, invoice, item.attachment_id, answers).conforming
    assert scor.send_pieces(ctx, Down()) == []          # no lot yet: nothing goes
    lotting.put_in_lots(ctx)
    [written] = files.write_files(ctx)
    assert written.error is None, written
    with ctx.db.read() as session:
        lot = session.get(Lot, written.lot_id)
        assert lot is not None
        code = f"{lot.regime}{lot.caisse}"
    Pki(caisse.dir).organism_certificate(code)          # the organism's mailbox exists at the caisse
    return invoice, code


def pieces(ctx: Context, invoice: int) -> dict[PieceKind, PieceState]:
    return {v.kind: v.state for v in scor_pieces.list_pieces(ctx) if v.invoice_id == invoice}


def caisse_rows(caisse: CaisseDeTest, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(caisse.dir / "caisse.db") as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_pieces_go_in_their_own_scor_lot_and_are_acknowledged(ctx: Context, caisse: CaisseDeTest) -> None:
    invoice, code = ready_lot(ctx, caisse)
    transport: Transport = mail_transport(caisse)
    [sent] = scor.send_pieces(ctx, transport)
    assert sent.error is None and sent.state == scor.SENT and sent.pieces == 2
    assert sent.stamp.endswith("50000") and sent.organism == f"{code[:2]} {code[2:]}"
    assert pieces(ctx, invoice) == {PieceKind.PRESCRIPTION: PieceState.ENVOYE,
                                    PieceKind.CARE_SHEET: PieceState.ENVOYE}
    assert scor.send_pieces(ctx, transport) == []        # nothing twice
    answered, problems = scor.receive_acknowledgements(ctx, transport)
    assert problems == [] and [(v.id, v.state) for v in answered] == [(sent.id, scor.POSITIVE)]
    assert pieces(ctx, invoice) == {PieceKind.PRESCRIPTION: PieceState.SAUVEGARDE_PARTIELLE,
                                    PieceKind.CARE_SHEET: PieceState.SAUVEGARDE_PARTIELLE}
    assert scor.receive_acknowledgements(ctx, transport) == ([], [])
    assert caisse_rows(caisse, "SELECT lot_fse, etat, pieces FROM lots_scor_recus") == [("001", "accepte", 2)]
    assert caisse_rows(caisse, "SELECT nature FROM pieces_scor_flux ORDER BY id") == [
        ("feuille_de_soins",), ("ordonnance",)]
    # the retention: 90 days after sending, the content goes, the rows stay
    views = [v for v in scor_pieces.list_pieces(ctx) if v.invoice_id == invoice]
    assert {v.purge_on for v in views} == {ctx.clock().date() + timedelta(days=90)}
    purged = scor_pieces.purge(ctx, ctx.clock().date() + timedelta(days=90))
    assert len(purged.purged) == 2
    assert set(pieces(ctx, invoice).values()) == {PieceState.ARCHIVE}


def test_a_failed_send_leaves_the_scor_lot_to_send_with_its_stamp(ctx: Context, caisse: CaisseDeTest) -> None:
    invoice, _ = ready_lot(ctx, caisse)
    [failed] = scor.send_pieces(ctx, Down())
    assert failed.state == scor.PENDING and failed.error == "Serveur d'envoi injoignable."
    assert set(pieces(ctx, invoice).values()) == {PieceState.CONFORME}
    [sent] = scor.send_pieces(ctx, mail_transport(caisse))
    assert (sent.id, sent.stamp, sent.state) == (failed.id, failed.stamp, scor.SENT)
    assert set(pieces(ctx, invoice).values()) == {PieceState.ENVOYE}
