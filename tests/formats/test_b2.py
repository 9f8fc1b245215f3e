"""The B2 file: layout tables against golden lines, writer and reader round trips, and every problem in French.

``golden/b2_file.txt`` (one record per line for reading; the file itself has no separator) is DOMAIN.md's worked
example 2 in lot 001 with its CPS signature record, and a plain C in lot 002. Key columns are checked below by
slicing, independently of the layout tables.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feuille.errors import ValidationError
from feuille.formats import b2, b2_file
from feuille.formats.b2_file import write_b2
from feuille.formats.b2_reader import read_b2, read_invoice
from feuille.formats.fixed_width import Kind, Layout, read, write
from tests.formats.b2_samples import GOLDEN_DIGEST, files, golden_file, golden_signature_d, invoices

GOLDEN = Path(__file__).parent / "golden"
PREFIX = {"billing_number": "996102182", "insured_nir": "1421962965165", "nir_key": "96"}


def golden_records() -> list[str]:
    return (GOLDEN / "b2_file.txt").read_text(encoding="ascii").splitlines()


def golden_text() -> str:
    return "".join(golden_records())


def test_the_file_is_written_as_the_golden_file() -> None:
    assert write_b2(golden_file(), separator="\n") + "\n" == (GOLDEN / "b2_file.txt").read_text(encoding="ascii")
    text = write_b2(golden_file())
    assert "\n" not in text and len(text) == 20 * 128 and text == golden_text()


def test_the_golden_file_carries_the_worked_example_at_its_columns() -> None:
    records = golden_records()
    assert [r[:1] if r[:3] not in ("000", "999") else r[:3] for r in records] == [
        "000", "1", "2", "2", "4", "4", "4", "4", "4", "5", "7", "7", "7", "6", "1", "2", "4", "5", "6", "999"]
    invoice_5, lot_6, file_999 = records[9], records[13], records[19]
    assert (invoice_5[38:41], invoice_5[57:65], invoice_5[65:73], invoice_5[89:97]) == (
        "005", "00007356", "00005149", "00002207")           # 4 + 4E + 4 + 4S + 4M; 73.56 / 51.49 / 22.07
    assert (lot_6[10:13], lot_6[13:17], lot_6[17:21], lot_6[21:24], lot_6[24:33], lot_6[51:54]) == (
        "001", "0002", "0002", "001", "000007356", "001")
    assert (file_999[55:63], file_999[82:85], file_999[49:55]) == ("00000020", "002", "000042")
    assert records[8][42:55] == "AFLB001      " and records[8][35:38] == "M01" and records[5][63:74] == "99700557897"
    assert records[10][35:42] == "C000002" and records[10][42:47] == "ES256"


def test_the_golden_file_reads_back_into_the_same_models() -> None:
    reading = read_b2(golden_text())
    assert reading.problems == () and reading.ok and not reading.separated
    assert reading.file == golden_file()
    assert reading.file.lots[0].invoices[0].header.birth_date == date(1942, 1, 19)  # century before the file's


@pytest.mark.parametrize("separator", ["\n", "\r\n"])
def test_separated_records_are_accepted_and_said(separator: str) -> None:
    reading = read_b2(write_b2(golden_file(), separator=separator) + separator)
    assert reading.file == golden_file() and reading.separated and reading.problems == ()
    assert read_b2(golden_text().encode("ascii")).file == golden_file()


def test_the_layout_tables_give_the_engines_golden_lines() -> None:
    """tests/formats/golden/b2_type5.txt and b2_type4m.txt were composed by hand from DOMAIN.md's table."""
    type_5 = {**PREFIX, "rank": 1, "invoice_number": 42, "line_count": 3, "fees": Decimal("73.56"),
              "amo": Decimal("51.50"), "amc": Decimal("22.06")}
    assert write(b2.RECORD_5, type_5) == (GOLDEN / "b2_type5.txt").read_text(encoding="ascii").rstrip("\n")
    type_4m = {**PREFIX, "invoice_number": 42, "sequence": 1, "ccam_code": "AFLB001", "activity": "1",
               "phase": "0", "modifier_1": "F", "association": "1", "session_date": date(2025, 1, 15)}
    assert write(b2.RECORD_4M, type_4m) == (GOLDEN / "b2_type4m.txt").read_text(encoding="ascii").rstrip("\n")


def test_record_2_keeps_both_invoice_number_forms() -> None:
    values = {**PREFIX, "invoice_number": 42, "regime": "01", "caisse": "996", "centre": "9881"}
    cp, generic = write(b2.RECORD_2, {**values, "rank": 1}), write(b2.RECORD_2_GENERIC, values)
    assert cp[29:38] == "000000042" and cp[26:29] == "001"
    assert generic[26:35] == "000000042" and generic[35:38] == "   "
    assert cp[38:] == generic[38:]


def _values(layout: Layout) -> st.SearchStrategy[dict[str, object]]:
    """Any values the layout's fields accept, in the form the engine reads them back."""
    def one(kind: Kind, length: int) -> st.SearchStrategy[object]:
        if kind is Kind.ALPHA:
            return st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", max_size=length).map(str.rstrip)
        if kind is Kind.NUMERIC:
            return st.text("0123456789", min_size=length, max_size=length)
        if kind is Kind.DATE:
            return st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(lambda d: f"{d:%y%m%d}")
        return st.integers(0, 10 ** length - 1).map(lambda c: Decimal(c) / 100)
    return st.fixed_dictionaries({f.name: one(f.kind, f.length) for f in layout.fields if f.constant is None})


LAYOUTS = [*b2.LAYOUTS.values(), b2.RECORD_2_GENERIC, b2.SIGNATURE_HEAD, b2.SIGNATURE_DATA]


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: f"{layout.name}-{len(layout.fields)}")
@given(data=st.data())
def test_every_record_reads_back_what_was_written(layout: Layout, data: st.DataObject) -> None:
    values = data.draw(_values(layout))
    written = {k: (date(2000 + int(v[:2]), int(v[2:4]), int(v[4:])) if layout.fields[
        [f.name for f in layout.fields].index(k)].kind is Kind.DATE else v) for k, v in values.items()}
    line = write(layout, written)
    assert len(line) == 128 and b2.record_kind(line) is not None
    back = read(layout, line)
    assert {k: back[k] for k in values} == values


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(file=files())
def test_a_whole_file_reads_back_equal(file: b2_file.B2File) -> None:
    text = write_b2(file)
    reading = read_b2(text)
    assert reading.problems == ()
    assert reading.file == file


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_an_invoices_records_alone_read_back_equal(data: st.DataObject) -> None:
    """What a card signed (records 2 to 5) gives the invoice back, without its signatures."""
    created = data.draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
    invoice = data.draw(invoices(data.draw(st.text("0123456789", min_size=9, max_size=9)), created))
    found, problems = read_invoice(b2_file.signed_data(invoice), created)
    assert problems == () and found == b2_file.Invoice(**{**vars(invoice), "signatures": ()})


@pytest.mark.parametrize("junk", [b"", b"2" * 127, b"4" * 128, None])
def test_junk_records_of_an_invoice_are_problems(junk: object) -> None:
    found, problems = read_invoice(junk)
    assert found is None and problems


def _problems(text: str) -> set[str]:
    reading = read_b2(text)
    assert reading.problems and not reading.ok
    return {p.code for p in reading.problems}


def _replace(records: list[str], index: int, start: int, new: str) -> str:
    records = list(records)
    records[index] = records[index][:start - 1] + new + records[index][start - 1 + len(new):]
    return "".join(records)


def test_wrong_totals_and_counts_are_named_with_their_record_and_field() -> None:
    records = golden_records()
    reading = read_b2(_replace(records, 9, 58, "00007357"))   # record 5's fees
    assert [(p.record, p.field, p.code) for p in reading.problems] == [(10, "fees", "invoice_total")]
    assert "73,57 € annoncé, 73,56 € trouvé" in reading.problems[0].message
    assert reading.file is not None  # the models are given with what the records say
    assert _problems(_replace(records, 13, 25, "000007357")) == {"lot_total"}
    assert _problems(_replace(records, 13, 11, "002")) == {"lot_count"}
    assert _problems(_replace(records, 19, 56, "00000021")) == {"file_record_count"}
    assert _problems(_replace(records, 19, 83, "003")) == {"file_lot_count"}
    assert _problems(_replace(records, 13, 52, "003")) == {"lot_number_mismatch"}


def test_lot_numbers_must_follow_one_another() -> None:
    records = golden_records()
    text = _replace([*records[:14], records[14][:19] + "004" + records[14][22:], *records[15:]], 18, 52, "004")
    reading = read_b2(text)
    assert [(p.record, p.code) for p in reading.problems] == [(15, "lot_number_sequence")]


def test_broken_structure_gives_problems_and_no_file() -> None:
    records = golden_records()
    assert "missing_invoice_trailer" in _problems("".join(records[:9] + records[10:]))
    assert "missing_file_trailer" in _problems("".join(records[:-1]))
    assert "missing_file_header" in _problems("".join(records[1:]))
    assert "prefix_mismatch" in _problems(_replace(records, 4, 30, "000000043"))
    assert "unknown_record" in _problems(_replace(records, 2, 1, "8"))
    assert "record_length" in _problems(golden_text()[:-1])
    assert "unexpected_record" in _problems("".join([records[0], records[4], *records[1:]]))
    assert "invoice_without_lines" in _problems("".join(records[:16] + records[17:]))
    assert read_b2("").problems[0].code == "empty_file"
    assert read_b2(golden_text().encode("ascii").replace(b"ESSAI", "ÉSSAI".encode())).problems[0].code == "not_ascii"


def test_a_damaged_signature_record_is_a_problem() -> None:
    records = golden_records()
    assert _problems(_replace(records, 10, 43, "XX256")) == {"signature_algorithm"}
    assert _problems(_replace(records, 10, 48, "0071")) == {"signature_length"}
    assert _problems(_replace(records, 10, 40, "003")) == {"signature_sequence"}
    assert _problems("".join(records[:10] + records[11:])) == {"signature_sequence"}
    assert _problems(_replace(records, 11, 43, "1")) == {"signature_encoding"}


def test_the_writer_refuses_what_the_norm_forbids() -> None:
    file = golden_file()
    invoice = file.lots[0].invoices[0]
    with pytest.raises(ValidationError) as caught:
        b2_file.invoice_records(b2_file.Invoice(**{**vars(invoice), "lines": ()}))
    assert caught.value.code == "b2_invoice"
    line = invoice.lines[1]
    many = b2_file.Line(line.act, ccam=line.ccam * 27)
    with pytest.raises(ValidationError, match="26 séances"):
        b2_file.invoice_records(b2_file.Invoice(**{**vars(invoice), "lines": (many,)}))
    with pytest.raises(ValidationError, match="2 chiffres attendus, 1 donnés"):
        b2_file.invoice_records(b2_file.Invoice(**{**vars(invoice), "header": b2_file.InvoiceHeader(
            "1", "996", "9881", "10")}))
    with pytest.raises(ValidationError) as caught:
        b2_file.signature_records(invoice, b2_file.InvoiceSignature(b2_file.Signer.CPS, "MD5", "A" * 64, b"x"))
    assert caught.value.code == "b2_signature"


def test_signed_data_is_the_invoices_records_2_to_5() -> None:
    records = golden_records()
    assert b2_file.signed_data(golden_file().lots[0].invoices[0]) == "".join(records[2:10]).encode("ascii")


def _with_signature_d() -> tuple[b2_file.B2File, list[str]]:
    """The golden file with a content-D signature added to its first invoice, and its records."""
    file = golden_file()
    lot = file.lots[0]
    first = lot.invoices[0]
    signed = b2_file.Invoice(**{**vars(first), "signatures": (*first.signatures, golden_signature_d())})
    changed = b2_file.B2File(file.header, (b2_file.Lot(lot.header, (signed,), lot.closing), *file.lots[1:]))
    return changed, b2_file.b2_records(changed)


def test_a_content_d_signature_is_written_as_its_golden_records() -> None:
    golden = (GOLDEN / "b2_signature_d.txt").read_text(encoding="ascii").splitlines()
    file, records = _with_signature_d()
    assert records[13:17] == golden
    head, digest = golden[0], golden[1]
    assert (head[35], head[36:39], head[39:42], head[42:47], head[47:51], head[51]) == (
        "V", "000", "003", "ES256", "0071", "D")                # digest record + 2 records of the value
    assert digest[36:39] == "001" and digest[42:94] == b2_file.b32(GOLDEN_DIGEST) and digest[94:] == " " * 34
    reading = read_b2("".join(records))
    assert reading.problems == () and reading.file == file
    invoice = file.lots[0].invoices[0]
    assert b2_file.signed_message(invoice, golden_signature_d()) == (
        b2_file.signed_data(invoice) + b"\n" + GOLDEN_DIGEST.hex().encode("ascii"))
    assert b2_file.signed_message(invoice, invoice.signatures[0]) == b2_file.signed_data(invoice)


def test_a_damaged_content_d_signature_is_a_problem() -> None:
    _, records = _with_signature_d()
    assert _problems(_replace(records, 13, 52, "X")) == {"signature_encoding"}      # unknown content
    assert _problems(_replace(records, 14, 43, "1" * 52)) == {"signature_encoding"}  # digest not base32
    assert _problems(_replace(records, 14, 43, "A" * 50 + "  ")) == {"signature_encoding"}  # 31 bytes
    with pytest.raises(ValidationError) as caught:
        b2_file.signature_records(golden_file().lots[0].invoices[0], b2_file.InvoiceSignature(
            b2_file.Signer.VITALE, "ES256", "A" * 64, b"x", b"short"))
    assert caught.value.code == "b2_signature"


def test_recipient_facts_of_the_file_header() -> None:
    assert b2.recipient_type("01") == "CT" and b2.recipient_type("95") == "SM" and b2.recipient_type("11") is None
    assert b2.recipient_number("01", "996", "996") == "00000001996996"


@settings(max_examples=300)
@given(junk=st.one_of(st.text(), st.binary(), st.text("0123456789 ABCDEFSM", min_size=128, max_size=1024)))
def test_junk_always_gives_problems(junk: str | bytes) -> None:
    reading = read_b2(junk)
    assert reading.problems and reading.file is None
    assert all(p.message and p.code for p in reading.problems)


@settings(max_examples=200)
@given(cut=st.integers(0, 20 * 128 - 1))
def test_a_truncated_file_gives_problems(cut: int) -> None:
    reading = read_b2(golden_text()[:cut])
    assert reading.problems and reading.file is None


@settings(max_examples=200)
@given(seed=st.integers(0, 2**32))
def test_shuffled_records_give_problems(seed: int) -> None:
    records = golden_records()
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    if shuffled != records:
        assert read_b2("".join(shuffled)).problems


@pytest.mark.parametrize("junk", [None, 12, object(), ["000"], {"a": 1}, 3.5])
def test_what_is_not_a_file_is_a_problem(junk: object) -> None:
    assert read_b2(junk).problems[0].code == "input_type"
