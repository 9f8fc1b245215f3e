"""The SCOR lot (feuille's own format): the index against its golden records, written then read back for any lot
(Hypothesis), junk refused in French."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.errors import ValidationError
from feuille.formats import scor

GOLDEN = Path(__file__).parent / "golden" / "scor_index.txt"
PNG = b"\x89PNG\r\n\x1a\n" + b"image"
PDF = b"%PDF-1.4 feuille de soins"
LOT = scor.ScorLot("00000996102182", "000012", "996102182", "007", date(2026, 12, 4), "01", "349",
                   date(2026, 12, 5), (scor.Piece("996102182", 253, "ordonnance", "image/png", 1, PNG),
                                       scor.Piece("996102182", 253, "feuille_de_soins", "application/pdf", 2, PDF)))


def test_the_index_is_the_golden_records() -> None:
    text = scor.index_text(LOT)
    records = [text[i:i + 128] for i in range(0, len(text), 128)]
    assert "\n".join(records) + "\n" == GOLDEN.read_text(encoding="ascii")


pieces = st.builds(scor.Piece, st.from_regex(r"[0-9]{9}", fullmatch=True), st.integers(1, 999_999_999),
                   st.sampled_from(sorted(scor.KIND_CODES)), st.sampled_from(sorted(scor.MAGIC)),
                   st.integers(1, 999), st.binary(max_size=64))


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(pieces, min_size=1, max_size=5), lot=st.from_regex(r"[0-9A-Z]{3}", fullmatch=True),
       day=st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_what_is_written_reads_back(pieces: list[scor.Piece], lot: str, day: date) -> None:
    pieces = [scor.Piece(p.billing_number, p.invoice_number, p.kind, p.media_type, p.pages,
                         scor.MAGIC[p.media_type] + p.content) for p in pieces]
    written = scor.ScorLot("00000996102182", "000001", "996102182", lot, day, "01", "996", day, tuple(pieces))
    head, back = scor.read_lot(scor.write_lot(written))
    assert head == scor.ScorLot(*[getattr(written, f) for f in ("sender_number", "file_id", "partner", "fse_lot",
                                                                 "fse_lot_date", "regime", "caisse", "created")], ())
    assert [(p.billing_number, p.invoice_number, p.kind, p.media_type, p.pages, p.content, p.problem)
            for p in back] == [(p.billing_number, p.invoice_number, p.kind, p.media_type, p.pages, p.content, None)
                               for p in pieces]


@pytest.mark.parametrize("junk", [b"", b"\x00\xff" * 50, "😴".encode(), b"MIME-Version: 1.0\r\n\r\nrien",
                                  scor.write_lot(LOT).replace(b"SCOR/INDEX", b"SCOR/AUTRE"),
                                  scor.write_lot(LOT).split(b"--scor-")[0]])
def test_junk_is_refused_in_french(junk: bytes) -> None:
    with pytest.raises(ValidationError) as refused:
        scor.read_lot(junk)
    assert refused.value.message.startswith("Lot SCOR : ")


def test_a_piece_that_does_not_match_its_index_is_reported() -> None:
    data = scor.write_lot(LOT).replace(b"Content-Description: SCOR/996102182/000000253", b"Content-Description: "
                                       b"SCOR/996102182/000000254", 1)
    _, back = scor.read_lot(data)
    assert back[0].problem == "pièce n° 00001 (facture 253) : description de la partie différente de l'index."
    with pytest.raises(ValidationError):
        scor.index_text(scor.ScorLot(*[getattr(LOT, f) for f in ("sender_number", "file_id", "partner", "fse_lot",
                                                                 "fse_lot_date", "regime", "caisse", "created")],
                                     ()))
