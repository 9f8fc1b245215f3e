"""« Envoyer et Recevoir » with SCOR: a degraded invoice's care sheet, checked, leaves in its SCOR lot just before
its FSE lot; the caisse de test then accepts the lot (its care sheet came in the SCOR flow), and the SCOR lot's own
ARL, received with the lots' ARLs, moves the pieces on."""

from __future__ import annotations

from pathlib import Path

import pytest

from feuille.auth import Context
from feuille.billing import care_sheet
from feuille.cards.virtual import VirtualCardReader
from feuille.domain.lots import LotState
from feuille.domain.scor import PieceState
from feuille.transmission import files, lotting, scor, scor_pieces, sending
from feuille.transmission.mail_transport import configured_transport
from tests.support.caisse import CaisseDeTest
from tests.support.sending import invoice_states
from tests.transmission.test_sending_caisse import caisse, desk, lots, scenario, secure  # noqa: F401 (fixtures)

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_the_care_sheet_leaves_in_its_scor_lot_before_the_lot(desk: Context, reader: VirtualCardReader,  # noqa: F811
                                                              caisse: CaisseDeTest, tmp_path: Path) -> None:  # noqa: F811
    scenario(caisse, tmp_path)
    reader.insert("cps-medecin")
    degraded = secure(desk, reader, "degrade")
    piece = scor_pieces.add_piece(desk, degraded, "feuille.pdf", care_sheet.care_sheet_pdf(desk, degraded),
                                  "feuille-de-soins")
    found = scor_pieces.inspect_invoice(desk, degraded)
    answers = {(page, criterion): True for item in found if item.inspection
               for page, criterion, _ in item.inspection.questions()}
    assert scor_pieces.record_check(desk, degraded, piece.attachment_id or 0, answers).conforming
    lotting.put_in_lots(desk)
    files.write_files(desk)
    report = sending.exchange(desk, configured_transport(desk))
    assert [(v.state, v.pieces, v.error) for v in report.scor] == [(scor.SENT, 1, None)]
    [arl] = report.received.arls
    assert arl.positive and arl.state == "ARL positif reçu", arl
    assert lots(desk)["D"][0] == LotState.ARL_POSITIF and invoice_states(desk, [degraded]) == ["acknowledged"]
    [view] = [v for v in scor_pieces.list_pieces(desk) if v.invoice_id == degraded]
    assert view.state is PieceState.SAUVEGARDE_PARTIELLE
    assert [v.state for v in scor.list_lots(desk)] == [scor.POSITIVE]
    again = sending.exchange(desk, configured_transport(desk))
    assert again.scor == [] and again.sent == [] and again.received.arls == ()
