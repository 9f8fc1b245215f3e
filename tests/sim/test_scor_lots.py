"""The caisse de test receives a SCOR lot's own mail: read, checked, answered by its own ARL; a care sheet that
came in a SCOR lot counts for a degraded invoice (the old pieces inside the lot mail still do)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cryptography import x509

from feuille.formats import arl as arl_format
from feuille.formats import scor as scor_format
from feuille.transmission.mail_message import build_mail
from feuille.transmission.transport import SCOR, OutgoingFile, Recipient
from tests.sim.lots_desk import PARTNER, Desk, make_desk, next_stamp
from tests.support import lots as L
from tests.transmission import scor_samples as s

SENDER = "00000996102182"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    made = make_desk(tmp_path)
    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(tmp_path / "cartes"))
    return made


def scor_lot(fse_lot: str, *pieces: tuple[int, str, bytes], file_id: str = "000001") -> scor_format.ScorLot:
    return scor_format.ScorLot(SENDER, file_id, PARTNER, fse_lot, L.today(), "01", "996", L.today(), tuple(
        scor_format.Piece(PARTNER, number, kind, "application/pdf" if content.startswith(b"%PDF") else "image/png",
                          1, content) for number, kind, content in pieces))


def deliver_scor(desk: Desk, payload: bytes, count: int = 1) -> arl_format.Arl:
    certificate = x509.load_pem_x509_certificate(desk.certificate.read_bytes())
    item = OutgoingFile(SENDER, Recipient("01", "996"), SCOR, payload, True, count, next_stamp(), "000001")
    _, arls = desk.deliver(build_mail(item, certificate, sender="cabinet@example.org", subject_code="000001"))
    assert len(arls) == 1 and arls[0].subject.stamp == item.stamp
    return arls[0].arl


def reasons(arl: arl_format.Arl) -> set[str]:
    return {d.reason for d in arl.details}


def test_a_care_sheet_sent_in_a_scor_lot_before_its_lot_counts(desk: Desk) -> None:
    care_sheet = s.pdf(s.text_page())
    arl = deliver_scor(desk, scor_format.write_lot(scor_lot("001", (1, "feuille_de_soins", care_sheet),
                                                            (1, "ordonnance", s.good_png()))))
    assert arl.positive and arl.lot_number == "001" and arl.file_id == "000001"
    with desk.state.transaction() as tx:
        rows = tx.execute("SELECT numero, nature, type FROM pieces_scor_flux ORDER BY id").fetchall()
        lots = tx.execute("SELECT lot_fse, etat, pieces FROM lots_scor_recus").fetchall()
    assert [tuple(r) for r in rows] == [(1, "feuille_de_soins", "application/pdf"), (1, "ordonnance", "image/png")]
    assert [tuple(r) for r in lots] == [("001", "accepte", 2)]
    degraded = desk.invoice(1, signers=("cps",))
    _, arls = desk.send_file(L.b2_file(PARTNER, [("001", [degraded])], certification="D"))
    assert arls[0].arl.positive


def test_a_prescription_alone_is_not_a_care_sheet(desk: Desk) -> None:
    assert deliver_scor(desk, scor_format.write_lot(scor_lot("001", (1, "ordonnance", s.good_png())))).positive
    degraded = desk.invoice(1, signers=("cps",))
    _, arls = desk.send_file(L.b2_file(PARTNER, [("001", [degraded])], certification="D"))
    assert reasons(arls[0].arl) == {"4005"}


def test_a_scor_lot_after_its_lot_and_one_for_an_unknown_lot(desk: Desk) -> None:
    _, arls = desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1)])]))
    assert arls[0].arl.positive
    later = deliver_scor(desk, scor_format.write_lot(scor_lot("001", (1, "ordonnance", s.good_png()))))
    assert later.positive                         # the lot it names was received
    ahead = deliver_scor(desk, scor_format.write_lot(scor_lot("002", (2, "ordonnance", s.good_png()),
                                                              file_id="000002")))
    assert ahead.positive                         # the next lot expected from this partner
    unknown = deliver_scor(desk, scor_format.write_lot(scor_lot("007", (3, "ordonnance", s.good_png()),
                                                                file_id="000003")))
    assert not unknown.positive and reasons(unknown) == {"5103"}


def test_damaged_pieces_and_junk_lots_get_a_negative_arl(desk: Desk) -> None:
    good = scor_format.write_lot(scor_lot("001", (1, "ordonnance", s.good_png())))
    damaged = good.replace(b"iVBORw0KGgo", b"iVBORw0KGgp", 1)     # the PNG's first bytes changed in base64
    arl = deliver_scor(desk, damaged)
    assert not arl.positive and reasons(arl) == {"5102"}
    for junk in (b"", b"pas un lot SCOR", good.replace(b"SCOR/INDEX", b"SCOR/AUTRE")):
        refused = deliver_scor(desk, junk or b" ")
        assert not refused.positive and reasons(refused) == {"5101"}
    with desk.state.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) FROM pieces_scor_flux").fetchone()[0] == 0


def test_the_format_reads_back_what_it_writes() -> None:
    lot = scor_lot("042", (7, "ordonnance", s.good_png()), (8, "feuille_de_soins", s.pdf(s.text_page())))
    data = scor_format.write_lot(lot)
    assert data == scor_format.write_lot(lot)               # the same bytes for the same lot
    head, pieces = scor_format.read_lot(data)
    assert (head.fse_lot, head.partner, head.fse_lot_date, head.sender_number) == ("042", PARTNER, L.today(), SENDER)
    assert [(p.invoice_number, p.kind, p.media_type, p.problem) for p in pieces] == [
        (7, "ordonnance", "image/png", None), (8, "feuille_de_soins", "application/pdf", None)]
    assert pieces[0].content == s.good_png()
    assert isinstance(head.created, date)
