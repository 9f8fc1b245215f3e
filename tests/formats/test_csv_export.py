"""The one CSV writer streams: a long list comes out in pieces, the first one the byte order mark and headers."""

from __future__ import annotations

from decimal import Decimal

from feuille.formats.csv_export import BOM, CHUNK_ROWS, Column, csv_chunks, csv_text


def test_a_long_list_comes_out_in_pieces() -> None:
    rows = ({"n": n, "amount": Decimal(n) / 100} for n in range(2 * CHUNK_ROWS + 5))
    pieces = list(csv_chunks(rows, (Column("N°", "n"), Column("Montant", "amount"))))
    assert len(pieces) == 3
    assert pieces[0].startswith(BOM + "N°;Montant\r\n0;0,00\r\n")
    assert pieces[-1] == "".join(f"{n};{Decimal(n) / 100:.2f}\r\n".replace(".", ",") for n in range(400, 405))
    assert "".join(pieces).count("\r\n") == 2 * CHUNK_ROWS + 6


def test_no_row_is_the_headers_alone() -> None:
    assert csv_text([], (Column("A", "a"),)) == BOM + "A\r\n"
