"""Mails from the mailbox read: ARL positive and negative (as the caisse de test writes them), NOEMIE, other, junk."""

from __future__ import annotations

import gzip
from datetime import date
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.formats import arl as arl_format
from feuille.transmission.incoming import ARL, NOEMIE, OTHER, read_incoming
from feuille_sim.lots.answer import Reply, arl_mail

SENDER, STAMP = "00000996102182", "2025011510300000001"
BASE = arl_format.Arl("00000001001996", SENDER, "000001", "001", "01", "996", date(2025, 1, 15))


def mail(arl: arl_format.Arl) -> bytes:
    return arl_mail(Reply("01996", SENDER, STAMP, f"<{STAMP}@example.org>", "cabinet@example.org", True), arl,
                    "cle").raw


def test_a_positive_arl_names_the_lot_mail_it_answers() -> None:
    found = read_incoming(mail(BASE))
    assert found.kind == ARL and found.problem is None
    assert found.arl_subject is not None and found.arl_subject.stamp == STAMP and found.arl_subject.positive
    assert found.arl == BASE and found.message_id.startswith("<arl-")


def test_a_negative_arl_keeps_its_reasons() -> None:
    negative = arl_format.negative(BASE, arl_format.details_for([(3, "lot_number", "lot n 002 attendu")]))
    found = read_incoming(mail(negative))
    assert found.arl is not None and not found.arl.positive and found.arl.details[0].record == 3
    assert found.arl_subject is not None and not found.arl_subject.positive


def test_an_arl_with_unreadable_records_is_an_arl_with_a_problem() -> None:
    message = EmailMessage()
    message["Subject"] = f"ARL/{SENDER}/{STAMP}/P"
    message["Message-ID"] = "<x@y>"
    message.add_attachment(b"ARLE junk", maintype="application", subtype="EDI-consent",
                           headers=["Content-Description: IRIS/ARL"])
    found = read_incoming(message.as_bytes())
    assert found.kind == ARL and found.arl is None and found.problem and found.arl_subject is not None


def test_a_gzipped_arl_is_read() -> None:
    message = EmailMessage()
    message["Subject"] = f"ARL/{SENDER}/{STAMP}/P"
    message.add_attachment(gzip.compress(arl_format.write_arl(BASE).encode()), maintype="application",
                           subtype="EDI-consent", headers=["Content-Description: IRIS/ARL/Z"])
    found = read_incoming(message.as_bytes())
    assert found.arl == BASE and found.message_id.startswith("sha256:")


def test_noemie_and_other_mails() -> None:
    message = EmailMessage()
    message["Subject"] = "NOEMIE/576/01996/000001/20250115"
    message.add_attachment(b"000...", maintype="application", subtype="EDI-consent",
                           headers=["Content-Description: IRISTEST/NOEMIE"])
    assert read_incoming(message.as_bytes()).kind == NOEMIE
    plain = EmailMessage()
    plain["Subject"] = "Bonjour"
    plain.set_content("texte")
    assert read_incoming(plain.as_bytes()).kind == OTHER


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: ("Subject: ARL/" + t).encode()))
def test_junk_never_raises(raw: bytes) -> None:
    found = read_incoming(raw)
    assert found.kind in (ARL, NOEMIE, OTHER) and found.message_id
