"""The fixed-width engine: one layout table, written and read back, byte for byte against golden files.

The layouts below are B2 records as DOMAIN.md "B2 invoice file" gives them (columns 1-based); the golden lines
were composed column by column from that table, not by the engine.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.errors import ValidationError
from feuille.formats.fixed_width import Field, Kind, Layout, read, write

GOLDEN = Path(__file__).parent / "golden"
N, A, D, M = Kind.NUMERIC, Kind.ALPHA, Kind.DATE, Kind.AMOUNT

TYPE_5 = Layout("5", 128, (
    Field("type", 1, 1, N, constant="5"), Field("billing_number", 2, 9, N), Field("insured_nir", 12, 13, A),
    Field("nir_key", 25, 2, N), Field("rank", 27, 3, N), Field("invoice_number", 30, 9, N),
    Field("line_count", 39, 3, N), Field("fees", 58, 8, M), Field("amo", 66, 8, M), Field("amc", 90, 8, M),
))
TYPE_4M = Layout("4M", 128, (
    Field("type", 1, 1, N, constant="4"), Field("billing_number", 2, 9, N), Field("insured_nir", 12, 13, A),
    Field("nir_key", 25, 2, N), Field("invoice_number", 27, 9, N), Field("subtype", 36, 1, A, constant="M"),
    Field("sequence", 37, 2, N), Field("ccam_code", 43, 13, A), Field("extension", 56, 1, A),
    Field("activity", 57, 1, N), Field("phase", 58, 1, N), Field("modifier_1", 59, 1, A),
    Field("modifier_2", 60, 1, A), Field("modifier_3", 61, 1, A), Field("modifier_4", 62, 1, A),
    Field("association", 63, 1, N), Field("session_date", 65, 6, D),
))
PREFIX = {"billing_number": "996102182", "insured_nir": "1421962965165", "nir_key": "96"}


def golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="ascii").rstrip("\n")


def test_type_5_is_written_and_read_as_the_golden_line() -> None:
    values = {**PREFIX, "rank": 1, "invoice_number": 42, "line_count": 3, "fees": Decimal("73.56"),
              "amo": "51,50", "amc": Decimal("22.06")}
    assert write(TYPE_5, values) == golden("b2_type5.txt")
    assert read(TYPE_5, golden("b2_type5.txt")) == {
        **PREFIX, "type": "5", "rank": "001", "invoice_number": "000000042", "line_count": "003",
        "fees": Decimal("73.56"), "amo": Decimal("51.50"), "amc": Decimal("22.06")}


def test_type_4m_pads_the_ccam_code_and_writes_the_date_aammjj() -> None:
    values = {**PREFIX, "invoice_number": "000000042", "sequence": 1, "ccam_code": "AFLB001", "activity": 1,
              "phase": 0, "modifier_1": "f", "association": 1, "session_date": date(2025, 1, 15)}
    assert write(TYPE_4M, values) == golden("b2_type4m.txt")
    back = read(TYPE_4M, golden("b2_type4m.txt"))
    assert (back["ccam_code"], back["modifier_1"], back["modifier_2"], back["session_date"]) == (
        "AFLB001", "F", "", "250115")


def test_empty_fields_are_zeros_or_spaces_and_accents_are_folded() -> None:
    layout = Layout("x", 20, (Field("name", 1, 8, A), Field("n", 9, 3, N), Field("d", 12, 6, D),
                              Field("m", 18, 3, M)))
    assert write(layout, {}) == " " * 8 + "000" + "000000" + "000"
    assert write(layout, {"name": "Élodie"}).startswith("ELODIE  000")


@pytest.mark.parametrize(("values", "code"), [
    ({"name": "D'ARC"}, "format_alpha"), ({"name": "TROP LONGUE"}, "too_long"), ({"name": 12}, "format_alpha"),
    ({"n": "1234"}, "too_long"), ({"n": -1}, "format_numeric"), ({"n": "1a"}, "format_numeric"),
    ({"n": True}, "format_numeric"), ({"d": "250115"}, "format_date"), ({"m": Decimal("-1")}, "format_amount"),
    ({"m": 1.5}, "format_amount"), ({"m": "0.001"}, "format_amount"), ({"m": "10.00"}, "too_long"),
    ({"other": "1"}, "unknown_field"),
])
def test_nothing_is_cut_or_guessed_on_writing(values: dict[str, object], code: str) -> None:
    layout = Layout("x", 20, (Field("name", 1, 8, A), Field("n", 9, 3, N), Field("d", 12, 6, D),
                              Field("m", 18, 3, M)))
    with pytest.raises(ValidationError) as caught:
        write(layout, values)
    assert caught.value.code == code and caught.value.message.startswith("Enregistrement x")


@pytest.mark.parametrize(("line", "code"), [
    (golden("b2_type5.txt")[:-1], "record_length"), ("6" + golden("b2_type5.txt")[1:], "record_constant"),
    (golden("b2_type5.txt")[:30] + "x" + golden("b2_type5.txt")[31:], "format_numeric"),
    (golden("b2_type5.txt")[:12] + "é" + golden("b2_type5.txt")[13:], "format_alpha"),
])
def test_a_damaged_line_is_refused_in_french(line: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read(TYPE_5, line)
    assert caught.value.code == code


def test_a_layout_whose_fields_overlap_or_overflow_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        Layout("x", 10, (Field("a", 1, 5, N), Field("b", 5, 2, N)))
    with pytest.raises(ValueError, match="overflows"):
        Layout("x", 10, (Field("a", 8, 5, N),))


@given(name=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", max_size=8).map(str.rstrip),
       n=st.integers(0, 999), m=st.integers(0, 99_999_999), day=st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_what_is_written_reads_back(name: str, n: int, m: int, day: date) -> None:
    layout = Layout("x", 30, (Field("name", 2, 8, A), Field("n", 11, 3, N), Field("d", 15, 6, D),
                              Field("m", 22, 8, M)))
    amount = Decimal(m) / 100
    line = write(layout, {"name": name, "n": n, "d": day, "m": amount})
    assert len(line) == 30 and line[0] == line[9] == line[29] == " "
    assert read(layout, line) == {"name": name, "n": f"{n:03d}", "d": f"{day:%y%m%d}", "m": amount}


JUNK: list[object] = [None, "", "😴", "x" * 100_000, "9" * 100_000, 10**5000, -1, 1.5, float("nan"), True, b"12",
                      object(), [], [[]], {}, Decimal("NaN"), Decimal("1E+999"), date(1, 1, 1)]


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: type(j).__name__)
def test_junk_gives_a_line_or_a_validation_error(junk: object) -> None:
    layout = Layout("x", 20, (Field("name", 1, 8, A), Field("n", 9, 3, N), Field("d", 12, 6, D),
                              Field("m", 18, 3, M)))
    for name in ("name", "n", "d", "m"):
        try:
            assert len(write(layout, {name: junk})) == 20
        except ValidationError as exc:
            assert len(exc.message) < 200
    shown = junk if isinstance(junk, str) else type(junk).__name__
    for line in (junk, shown[:20].ljust(20), shown[:20].rjust(20, "9")):
        try:
            read(layout, line)  # type: ignore[arg-type]
        except ValidationError as exc:
            assert len(exc.message) < 200


def test_free_text_keeps_case_and_punctuation_but_folds_accents() -> None:
    layout = Layout("t", 24, (Field("label", 1, 20, Kind.TEXT), Field("n", 21, 4, N)))
    line = write(layout, {"label": "Vir AMO 1-1FR (José)", "n": 7})
    assert line == "Vir AMO 1-1FR (Jose)0007"
    assert read(layout, line) == {"label": "Vir AMO 1-1FR (Jose)", "n": "0007"}
    assert write(layout, {})[:20] == " " * 20
    for bad in ("tab\there", "€", 12):
        with pytest.raises(ValidationError) as caught:
            write(layout, {"label": bad})
        assert caught.value.code == "format_text"
    with pytest.raises(ValidationError) as caught:
        read(layout, "caf\u00e9" + " " * 16 + "0007")
    assert caught.value.code == "format_text"
