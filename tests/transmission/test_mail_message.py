"""The mail of one file (FORMATS.md §2) and the reading of returns, without a network."""

from __future__ import annotations

import email
import email.policy
import gzip
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage

import pytest
from cryptography.hazmat.primitives.serialization import pkcs7
from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.errors import ValidationError
from feuille.formats import mail as mail_facts
from feuille.transmission import mail_message
from feuille.transmission.transport import B2, OutgoingFile, Recipient, check_outgoing, refuse_unknown_ids
from tests.transmission.keys import organism

B2_TEXT = ("000TP00000996102182" + " " * 109).encode("ascii")
ITEM = OutgoingFile("00000996102182", Recipient("01", "996"), B2, B2_TEXT, True, 3,
                    mail_facts.stamp(datetime(2026, 12, 5, 10, 0, 0), 42), "000001")
ORGANISM = organism()


def build(item: OutgoingFile = ITEM) -> bytes:
    return mail_message.build_mail(item, ORGANISM.certificate, sender="cabinet@exemple.fr", subject_code="000001")


def opened(raw: bytes) -> email.message.Message:
    inner = pkcs7.pkcs7_decrypt_smime(raw, ORGANISM.certificate, ORGANISM.key, [])
    return email.message_from_bytes(inner, policy=email.policy.default)


def test_the_mail_of_formats_md() -> None:
    raw = build()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "01996@996.01.rss.fr"
    assert message["Subject"] == "IR000001/00000996102182/2026120510000000042/00003"
    assert message["Message-ID"] == "<2026120510000000042@exemple.fr>"
    assert message.get_content_type() == "application/pkcs7-mime"
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    part = opened(raw)
    assert part.get_content_type() == "application/edi-consent"
    assert part["Content-Description"] == "IRISTEST/B2/Z"
    assert part["Content-Transfer-Encoding"] == "base64"
    assert gzip.decompress(part.get_payload(decode=True)) == B2_TEXT


def test_same_file_same_mail_except_the_random_key() -> None:
    first, second = build(), build()
    assert first != second   # S/MIME draws a new content key each time
    head = [line for line in first.split(b"\r\n\r\n", 1)[0].split(b"\r\n")]
    assert head == second.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert opened(first).as_bytes() == opened(second).as_bytes()


def test_production_description_and_scor_kind() -> None:
    assert opened(build(replace(ITEM, test=False)))["Content-Description"] == "IRIS/B2/Z"
    assert opened(build(replace(ITEM, kind="SCOR")))["Content-Description"] == "IRISTEST/SCOR/Z"


def test_a_dre_goes_to_the_complementary_address() -> None:
    item = replace(ITEM, recipient=Recipient(address="dre@mutuelle-essai.fr"))
    assert email.message_from_bytes(build(item))["To"] == "dre@mutuelle-essai.fr"
    assert item.recipient.directory_code == "dre"


@pytest.mark.parametrize("change", [
    {"sender_number": "123"}, {"kind": "PDF"}, {"stamp": "2026"}, {"file_id": "1"}, {"invoice_count": -1},
    {"invoice_count": 100_000}, {"payload": b""}, {"recipient": Recipient("1", "996")},
    {"recipient": Recipient(address="pas une adresse")},
])
def test_bad_outgoing_files_are_refused_in_french(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as caught:
        check_outgoing(replace(ITEM, **change))  # type: ignore[arg-type]
    assert caught.value.code == "transport_file" and len(caught.value.problems) == 1


def test_every_problem_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        check_outgoing(replace(ITEM, sender_number="1", stamp="2"))
    assert {p.field for p in caught.value.problems} == {"sender_number", "stamp"}


def test_forget_ids_must_be_text() -> None:
    assert refuse_unknown_ids(["1", "2-abc"]) == ["1", "2-abc"]
    with pytest.raises(ValidationError):
        refuse_unknown_ids([3])  # type: ignore[list-item]


def return_mail(payload: bytes, description: str = "IRISTEST/ARL", subject: str = "ARL/x/y/P") -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["Message-ID"] = "<1@caisse>"
    message.set_content("Accusé de réception.")
    message.add_attachment(payload, maintype="application", subtype="EDI-consent", cte="base64",
                           headers=[f"Content-Description: {description}"])
    return message.as_bytes()


def test_a_return_is_read() -> None:
    found = mail_message.read_incoming("7", return_mail(b"ARLE..."))
    assert (found.id, found.kind, found.test, found.payload, found.message_id, found.junk) == \
        ("7", "ARL", True, b"ARLE...", "<1@caisse>", False)
    zipped = mail_message.read_incoming("8", return_mail(gzip.compress(b"NOEMIE"), "IRIS/NOEMIE/Z"))
    assert (zipped.kind, zipped.test, zipped.payload) == ("NOEMIE", False, b"NOEMIE")


@pytest.mark.parametrize(("raw", "reason"), [
    (b"Subject: bonjour\r\n\r\nrien", "aucune pièce"),
    (return_mail(b"x", "FACTURE/PDF"), "Description de contenu"),
    (return_mail(b"pas du gzip", "IRIS/ARL/Z"), "pièce illisible"),
    (return_mail(b"", "IRIS/ARL"), "vide"),
    (return_mail(gzip.compress(b"\0" * (mail_message.MAX_DECOMPRESSED + 10)), "IRIS/ARL/Z"), "pièce illisible"),
])
def test_junk_is_reported_never_raised(raw: bytes, reason: str) -> None:
    found = mail_message.read_incoming("9", raw)
    assert found.junk and found.kind is None and found.payload == b"" and reason in (found.problem or "")
    assert found.raw == raw


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=600) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_give_an_incoming(raw: bytes) -> None:
    found = mail_message.read_incoming("1", raw)
    assert found.junk or found.kind in mail_facts.KINDS


@settings(max_examples=30, deadline=None)
@given(payload=st.binary(min_size=1, max_size=3000), test=st.booleans())
def test_round_trip_through_a_return_part(payload: bytes, test: bool) -> None:
    description = f"{'IRISTEST' if test else 'IRIS'}/NOEMIE/Z"
    found = mail_message.read_incoming("1", return_mail(gzip.compress(payload), description))
    assert (found.payload, found.test, found.kind) == (payload, test, "NOEMIE")
