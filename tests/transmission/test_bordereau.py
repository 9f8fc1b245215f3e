"""The transmission slip: its text (golden file), its PDF, its totals (Hypothesis), read from sent lots, written
to the slips' folder and printed by the settings' command."""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from feuille.auth import Context
from feuille.errors import NotFoundError
from feuille.rights.settings import write_setting
from feuille.transmission import bordereau, sending, slip_data
from feuille.transmission.bordereau import Slip, SlipInvoice, SlipLot
from tests.support.sending import FakeTransport, make_lot
from tests.transmission.test_sending import Clock, secured

GOLDEN = Path(__file__).parent / "golden" / "bordereau.txt"
D = Decimal


def sample() -> Slip:
    first = SlipLot("025", "01 349", "SESAM-Vitale", "ARL positif reçu", datetime(2024, 5, 28, 9, 15), (
        SlipInvoice(257, date(2024, 5, 28), "DURAND Denis", D("30.00"), D("5.40"), D("0.00")),
        SlipInvoice(253, date(2024, 5, 28), "DESMAUX Nathalie", D("415.00"), D("0.09"), D("100.00"))))
    second = SlipLot("026", "01 999", "dégradé", "Lot expédié", None, (
        SlipInvoice(249, date(2024, 1, 9), "ISSNER Natacha", D("30.00"), D("5.40"), D("24.60")),))
    return Slip("Optique de la Gare", "MEDECIN0043390 Virginie", "00103390 1", date(2024, 5, 28), (first, second))


def test_slip_text_matches_the_golden_file() -> None:
    text = "\n".join(bordereau.slip_lines(sample())) + "\n"
    if os.environ.get("FEUILLE_REGEN_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_pdf_shows_each_lot_its_invoices_and_the_totals() -> None:
    pdf = bordereau.render_pdf(sample(), compress=False, created=datetime(2024, 5, 28, 12, 0))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("BORDEREAU DE T", "Optique de la Gare", "00103390 1", "Lot 025", "01 349", "SESAM-Vitale",
                     "000000257", "DESMAUX Nathalie", "415,00", "2 lot(s), 3 facture(s)", "475,00", "124,60"):
        assert expected in text, expected
    assert bordereau.render_pdf(sample(), compress=False, created=datetime(2024, 5, 28, 12, 0)) == pdf


amounts = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(amounts, amounts, amounts), max_size=30))
def test_totals_are_the_exact_sums_of_the_invoices(values: list[tuple[Decimal, Decimal, Decimal]]) -> None:
    invoices = tuple(SlipInvoice(n, date(2025, 1, 1), "X", f, a, c) for n, (f, a, c) in enumerate(values))
    slip = Slip("", "P", "1", date(2025, 1, 1), (SlipLot("001", "01 996", "S", "x", None, invoices),))
    assert slip.totals() == (sum((v[0] for v in values), D("0.00")), sum((v[1] for v in values), D("0.00")),
                             sum((v[2] for v in values), D("0.00")))
    assert all(isinstance(t, Decimal) for t in slip.totals())


def test_slips_of_the_lots_sent_on_a_day_are_written_and_printed(ctx: Context, tmp_path: Path) -> None:
    from tests.billing.support import practice

    practice(ctx)
    desk = Context(ctx.db, ctx.actor, Clock())
    invoices = secured(desk, 2)
    lot = make_lot(desk, invoices)
    sending.exchange(desk, FakeTransport())
    [slip] = slip_data.slips_for_day(desk, date(2025, 1, 15))
    assert [lot.number for lot in slip.lots] == ["001"] and slip.invoice_count == 2
    assert slip.lots[0].state == "ARL positif reçu" and slip.lots[0].fees == D("46.00")
    assert slip_data.slips_for_lots(desk, [lot]) == [slip]
    with pytest.raises(NotFoundError):
        slip_data.slips_for_day(desk, date(2025, 1, 16))
    with desk.db.transaction() as session:
        write_setting(desk, session, "bordereau", {"commande_impression": f"cp -t {tmp_path}"})
    [written] = slip_data.write_slips(desk, [slip], tmp_path / "bordereaux")
    assert written.printed and written.path.read_bytes().startswith(b"%PDF-")
    assert (tmp_path / written.path.name).exists()
    with desk.db.transaction() as session:
        write_setting(desk, session, "bordereau", {"commande_impression": "false"})
    [refused] = slip_data.write_slips(desk, [slip], tmp_path / "bordereaux")
    assert not refused.printed and "refusée" in (refused.problem or "")
