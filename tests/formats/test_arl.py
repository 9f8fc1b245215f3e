"""The ARL (feuille's own records), its reason codes, and the mail-level facts of FORMATS.md §2."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.errors import ValidationError
from feuille.formats import arl, mail
from feuille.formats.b2_reader import read_b2
from tests.formats.b2_samples import alpha, digits
from tests.formats.test_b2 import _replace, golden_records, golden_text

GOLDEN = Path(__file__).parent / "golden"
BASE = arl.Arl("00000001996996", "00000996102182", "000042", "001", "01", "996", date(2025, 1, 17))


def golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="ascii")


def test_a_positive_arl_is_the_golden_record() -> None:
    assert arl.write_arl(BASE) + "\n" == golden("arl_positive.txt")
    back = arl.read_arl(golden("arl_positive.txt"))
    assert back == BASE and back.positive
    head = golden("arl_positive.txt")
    assert (head[:4], head[32:38], head[38:41], head[52:57]) == ("ARLE", "000042", "001", "P0000")


def test_a_negative_arl_names_each_problem_with_its_record() -> None:
    reading = read_b2(_replace(golden_records(), 9, 58, "00007357"))
    found = [(p.record, p.code, p.message) for p in reading.problems]
    problems = [*found, (None, "rights_closed", "Droits fermés le 31/12/2024 pour le NIR 1421962965165.")]
    negative = arl.negative(BASE, arl.details_for(problems))
    assert "\n".join(arl.arl_records(negative)) + "\n" == golden("arl_negative.txt")
    back = arl.read_arl(golden("arl_negative.txt").replace("\n", ""))
    assert back == negative and not back.positive
    assert [(d.reason, d.record) for d in back.details] == [("2001", 10), ("4002", 0)]
    assert arl.arl_label(back.reason) == "Fin de facture : nombre de lignes ou totaux incorrects"


def test_the_code_table_is_feuilles_own_and_covers_every_reader_problem() -> None:
    data = json.loads(resources.files("feuille.formats").joinpath("data", "arl_codes.json").read_text("utf-8"))
    assert "feuille's own" in data["source"]
    codes = arl.arl_codes()
    assert len(codes) == len(data["codes"]) and all(re.fullmatch(r"\d{4}", c) for c in codes)
    problems = [p for c in codes.values() for p in c.problems]
    assert len(problems) == len(set(problems))   # one reason per problem
    source = "".join(resources.files("feuille.formats").joinpath(name).read_text("utf-8")
                     for name in ("b2_reader.py", "b2_checks.py"))
    raised = set(re.findall(r'"([a-z_0-9]+)"', source)) & {p for c in codes.values() for p in c.problems}
    reader_codes = {"input_type", "not_ascii", "empty_file", "record_length", "unknown_record", "unexpected_record",
                    "missing_file_header", "missing_file_trailer", "missing_lot_trailer", "missing_invoice_trailer",
                    "invoice_without_lines", "too_many_ccam", "prefix_mismatch", "invoice_line_count",
                    "invoice_total", "lot_count", "lot_total", "lot_number_mismatch", "lot_number_sequence",
                    "partner_mismatch", "file_record_count", "file_lot_count", "file_trailer_mismatch",
                    "signature_sequence", "signature_encoding", "signature_length", "signature_algorithm",
                    "format_date"}
    assert reader_codes <= raised
    assert arl.arl_code("no_such_problem").code == data["default"] == "1999"
    assert arl.arl_label("9876") == "Motif « 9876 » inconnu"


@given(reason=st.sampled_from(sorted(set(arl.arl_codes()) - {arl.POSITIVE})),
       details=st.lists(st.tuples(st.integers(0, 99_999_999), alpha(109)), min_size=1, max_size=5),
       lot=alpha(3), file_id=digits(6), day=st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_what_is_written_reads_back(reason: str, details: list[tuple[int, str]], lot: str, file_id: str,
                                    day: date) -> None:
    base = arl.Arl("00000001996996", "00000996102182", file_id, lot, "01", "996", day)
    found = tuple(arl.ArlDetail(reason, record, arl.plain(label, 109)) for record, label in details)
    negative = arl.Arl(**{**vars(base), "reason": reason, "label": arl.plain(arl.arl_label(reason), 68),
                          "details": found})
    for one in (base, negative):
        assert arl.read_arl(arl.write_arl(one)) == one
        assert arl.read_arl("\r\n".join(arl.arl_records(one)).encode("ascii")) == one


def test_an_incoherent_arl_is_refused_on_writing() -> None:
    with pytest.raises(ValidationError) as caught:
        arl.write_arl(arl.Arl(**{**vars(BASE), "reason": "2001"}))
    assert caught.value.code == "arl_format"
    with pytest.raises(ValidationError):
        arl.negative(BASE, ())


@pytest.mark.parametrize("text", [
    "", None, 12, "ARLE", golden("arl_negative.txt").splitlines()[0],
    golden("arl_positive.txt").replace("P0000", "N0000"),
    golden("arl_positive.txt").replace("250117", "251340"),
    "".join(golden("arl_negative.txt").splitlines()[:1] + golden("arl_negative.txt").splitlines()[2:3] * 2),
])
def test_a_damaged_arl_is_refused_in_french(text: object) -> None:
    with pytest.raises(ValidationError) as caught:
        arl.read_arl(text)
    assert caught.value.message and "Error" not in caught.value.message


@given(junk=st.one_of(st.text(), st.binary()))
def test_junk_is_a_validation_error(junk: str | bytes) -> None:
    with pytest.raises(ValidationError):
        arl.read_arl(junk)


def test_the_recipient_address_of_an_organism() -> None:
    assert mail.recipient_address("01", "422") == "01422@422.01.rss.fr"
    assert mail.recipient_address("01", "996") == "01996@996.01.rss.fr"
    for regime, caisse in (("1", "422"), ("01", "42"), ("01", None), ("ab", "422")):
        with pytest.raises(ValidationError) as caught:
            mail.recipient_address(regime, caisse)  # type: ignore[arg-type]
        assert caught.value.code == "mail_address"


def test_subject_stamp_and_message_id() -> None:
    stamp = mail.stamp(datetime(2025, 1, 16, 10, 30, 5), 123_456)
    assert stamp == "2025011610300523456"
    subject = mail.Subject("000000", "00000996102182", stamp, 2)
    assert mail.build_subject(subject) == "IR000000/00000996102182/2025011610300523456/00002"
    assert mail.parse_subject(" IR000000/00000996102182/2025011610300523456/00002 ") == subject
    assert mail.message_id(stamp, "cabinet.example") == "<2025011610300523456@cabinet.example>"
    arl_subject = mail.ArlSubject("00000996102182", stamp, False)
    assert mail.build_arl_subject(arl_subject) == "ARL/00000996102182/2025011610300523456/N"
    assert mail.parse_arl_subject(mail.build_arl_subject(arl_subject)) == arl_subject


@given(code=digits(6), sender=digits(14), stamp=digits(19), count=st.integers(0, 99_999))
def test_subjects_read_back(code: str, sender: str, stamp: str, count: int) -> None:
    subject = mail.Subject(code, sender, stamp, count)
    assert mail.parse_subject(mail.build_subject(subject)) == subject


@pytest.mark.parametrize("junk", [None, "", "IR00/1/2/3", "IR000000/00000996102182/2025011610300523456/2", 5,
                                  "ARL/00000996102182/2025011610300523456/X"])
def test_bad_subjects_are_refused(junk: object) -> None:
    with pytest.raises(ValidationError) as caught:
        mail.parse_subject(junk)
    assert caught.value.code == "mail_subject"
    with pytest.raises(ValidationError):
        mail.parse_arl_subject(junk)
    with pytest.raises(ValidationError):
        mail.build_subject(mail.Subject("1", "2", "3", -1))


@pytest.mark.parametrize(("test", "compressed", "kind", "text"), [
    (False, False, "B2", "IRIS/B2"), (True, False, "B2", "IRISTEST/B2"), (False, True, "B2", "IRIS/B2/Z"),
    (True, True, "B2", "IRISTEST/B2/Z"), (False, False, "ARL", "IRIS/ARL"), (True, True, "ARL", "IRISTEST/ARL/Z"),
    (False, False, "NOEMIE", "IRIS/NOEMIE"), (True, False, "NOEMIE", "IRISTEST/NOEMIE"),
])
def test_content_descriptions(test: bool, compressed: bool, kind: str, text: str) -> None:
    description = mail.Description(kind, test, compressed)
    assert mail.content_description(description) == text
    assert mail.parse_content_description(text) == description
    assert mail.CONTENT_TYPE == "application/EDI-consent"


@pytest.mark.parametrize("junk", [None, "", "IRIS", "IRIS/RSP", "iris/b2", "IRIS/NOEMIE/X", 3])
def test_unknown_content_descriptions_are_refused(junk: object) -> None:
    with pytest.raises(ValidationError) as caught:
        mail.parse_content_description(junk)
    assert caught.value.code == "content_description"
    with pytest.raises(ValidationError):
        mail.content_description(mail.Description("RSP", False, False))


def test_the_golden_file_is_positive() -> None:
    assert read_b2(golden_text()).ok
