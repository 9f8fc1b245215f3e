"""ARL mails as the caisse de test writes them, read by the transport's mail reader then by ``arl_reading``:
positive, negative, unreadable, disagreeing, junk."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.formats import arl as arl_format
from feuille.transmission.incoming import arl_reading
from feuille.transmission.mail_message import read_incoming
from feuille_sim.lots.answer import Reply, arl_mail

SENDER, STAMP = "00000996102182", "2025011510300000001"
BASE = arl_format.Arl("00000001001996", SENDER, "000001", "001", "01", "996", date(2025, 1, 15))


def read(arl: arl_format.Arl):  # type: ignore[no-untyped-def]
    raw = arl_mail(Reply("01996", SENDER, STAMP, f"<{STAMP}@example.org>", "cabinet@example.org", True), arl,
                   "cle").raw
    mail = read_incoming("1", raw)
    assert mail.kind == "ARL", mail
    return arl_reading(mail.subject, mail.payload)


def test_a_positive_arl_names_the_lot_mail_it_answers() -> None:
    found = read(BASE)
    assert found.problem is None and found.arl == BASE
    assert found.subject is not None and found.subject.stamp == STAMP and found.subject.positive


def test_a_negative_arl_keeps_its_reasons() -> None:
    negative = arl_format.negative(BASE, arl_format.details_for([(3, "lot_number_sequence", "lot n 002 attendu")]))
    found = read(negative)
    assert found.arl is not None and not found.arl.positive and found.arl.details[0].record == 3
    assert found.arl.reason == "2004"


def test_unreadable_or_disagreeing_arls_are_problems_in_french() -> None:
    subject = f"ARL/{SENDER}/{STAMP}/P"
    assert arl_reading(subject, b"ARLE junk").problem
    assert arl_reading(subject, b"").problem == "ARL illisible (contenu absent ou mal encodé)."
    negative = arl_format.negative(BASE, arl_format.details_for([(1, "nir_key", "cle")]))
    assert "incohérent" in (arl_reading(subject, arl_format.write_arl(negative).encode()).problem or "")
    found = arl_reading("Bonjour", arl_format.write_arl(BASE).encode())
    assert found.subject is None and found.problem


def test_a_mail_that_is_not_an_arl_is_not_read_as_one() -> None:
    plain = EmailMessage()
    plain["Subject"] = "Bonjour"
    plain.set_content("texte")
    assert read_incoming("2", plain.as_bytes()).kind != "ARL"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.binary(max_size=400))
def test_junk_never_raises(subject: str, payload: bytes) -> None:
    found = arl_reading(subject, payload)
    assert (found.arl is None) == (found.problem is not None)
