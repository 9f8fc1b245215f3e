"""Junk lots and truncated mails (Hypothesis): every mail gets an ARL when its subject names its sender, and is
never left unprocessed nor crashes the hook; otherwise it is logged."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feuille.formats import b2_file as m
from tests.formats import b2_samples
from tests.sim.lots_desk import PARTNER, Desk, make_desk, next_stamp
from tests.support import lots as L

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def desk() -> Iterator[Desk]:
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        made = make_desk(Path(folder))
        patch.setenv("FEUILLE_CARDS_DIR", str(Path(folder) / "cartes"))
        yield made


@pytest.fixture(scope="module")
def good_file(desk: Desk) -> str:
    return m.write_b2(L.b2_file(PARTNER, [("001", [desk.invoice(1)]), ("002", [desk.invoice(2)])]))


def answered(desk: Desk, raw: bytes) -> tuple[str, list[L.ArlMail]]:
    mail_id, arls = desk.deliver(raw)
    status, _ = desk.status(mail_id)
    assert status in ("traite", "sans_reponse", "doublon")
    return status, arls


@SETTINGS
@given(content=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(lambda t: t.encode("utf-8")),
                         st.lists(st.text("0123456789 ABCDEFGHIJ", min_size=128, max_size=128), max_size=12)
                         .map(lambda records: "".join(records).encode("ascii"))),
       compress=st.booleans())
def test_a_junk_file_in_a_proper_mail_gets_a_negative_arl(desk: Desk, content: bytes, compress: bool) -> None:
    mail = L.lot_mail(content, desk.certificate, stamp=next_stamp(), compress=compress)
    status, arls = answered(desk, mail.raw)
    assert status == "traite" and arls
    assert all(not a.arl.positive and a.subject.stamp == mail.stamp for a in arls)


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=10**6))
def test_a_truncated_mail_is_answered_or_logged(desk: Desk, good_file: str, cut: int) -> None:
    good_mail = L.lot_mail(good_file, desk.certificate, stamp=next_stamp(), invoices=2)   # its own Message-ID
    raw = good_mail.raw[:cut % len(good_mail.raw)]
    status, arls = answered(desk, raw)
    subject_line = next(line for line in good_mail.raw.split(b"\r\n") if line.startswith(b"Subject: "))
    if subject_line in raw:          # the sender is identifiable (the whole subject, even without its line end): an ARL
        assert arls and all(a.subject.stamp == good_mail.stamp for a in arls)
    else:   # cut before its stamp, two examples may give the same bytes: the same mail, logged once (doublon)
        assert status in ("sans_reponse", "doublon") and not arls


@SETTINGS
@given(raw=st.binary(max_size=3000))
def test_random_bytes_never_break_the_hook(desk: Desk, raw: bytes) -> None:
    _, arls = answered(desk, raw + next_stamp().encode())   # each a distinct mail
    assert all(not a.arl.positive for a in arls)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=b2_samples.files())
def test_any_well_formed_file_gets_one_arl_per_lot(desk: Desk, file: m.B2File) -> None:
    """Random well-formed files (other organisms, unknown cards, odd dates…): one ARL per lot, never a crash."""
    mail_id, arls = desk.send_file(file)
    assert desk.status(mail_id)[0] == "traite"
    assert sorted(a.arl.lot_number for a in arls) == sorted(lot.header.lot_number for lot in file.lots)
