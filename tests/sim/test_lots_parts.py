"""The lot checker's parts on their own: gzip limits, SCOR pieces, where the cards are looked for, lunar dates."""

from __future__ import annotations

import gzip
import json
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest

from feuille_sim.lots import mime, references, store


def test_gunzip_refuses_junk_truncation_and_bombs(monkeypatch: pytest.MonkeyPatch) -> None:
    data = gzip.compress(b"0" * 5000)
    assert mime.gunzip(data) == b"0" * 5000
    with pytest.raises(mime.Unreadable, match="gzip"):
        mime.gunzip(b"pas du gzip")
    with pytest.raises(mime.Unreadable, match="tronqué"):
        mime.gunzip(data[:-10])
    monkeypatch.setattr(mime, "MAX_UNPACKED", 1000)
    with pytest.raises(mime.Unreadable, match="Mio"):
        mime.gunzip(data)


def test_scor_pieces_need_their_description_and_their_kind_of_file() -> None:
    message = EmailMessage()
    message.make_mixed()
    for description, subtype, content in (("SCOR/996102182/000000007", "pdf", b"%PDF-1.4 ok"),
                                          ("SCOR/996102182/000000008", "pdf", b"pas un PDF"),
                                          ("SCOR/7", "pdf", b"%PDF-1.4 sans numero")):
        message.add_attachment(content, maintype="application", subtype=subtype,
                               headers=[f"Content-Description: {description}"])
    parts = [p for p in message.walk() if not p.is_multipart()]
    assert mime._scor(parts) == [mime.ScorPiece("996102182", 7, "application/pdf", 11)]


def test_the_cards_come_from_ports_json_then_the_environment(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(tmp_path / "env"))
    assert references.cards_dir(tmp_path) == tmp_path / "env"
    (tmp_path / "ports.json").write_text(json.dumps({"cartes": str(tmp_path / "servies")}), encoding="utf-8")
    assert references.cards_dir(tmp_path) == tmp_path / "servies"
    (tmp_path / "ports.json").write_text("{", encoding="utf-8")
    assert references.cards_dir(tmp_path) == tmp_path / "env"


def test_a_damaged_card_file_is_left_out(tmp_path: Path) -> None:
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "abimee.json").write_text("{pas du JSON", encoding="utf-8")
    assert references.known_cards(tmp_path) == {}


def test_people_match_on_birth_date_and_rank_a_lunar_date_on_its_year(monkeypatch: pytest.MonkeyPatch) -> None:
    alain = {"date_naissance": "00001942", "rang": 1, "qualite": "0", "periodes_droits": [{"debut": "2020-01-01"}]}
    child = {"date_naissance": "11111991", "rang": 1, "qualite": "6",
             "periodes_droits": [{"debut": "2020-01-01", "fin": "2024-12-31"}]}
    monkeypatch.setattr(references, "people", lambda: {"1421962965165": {"beneficiaires": [alain, child]}})
    assert references.beneficiary("1421962965165", date(1942, 6, 1), 1) == (True, alain)
    assert references.beneficiary("1421962965165", None, 1) == (True, alain)
    assert references.beneficiary("1421962965165", date(1991, 11, 11), 1) == (True, child)
    assert references.beneficiary("1421962965165", date(1991, 11, 11), 2) == (True, None)
    assert references.beneficiary("1800175000001", None, 1) == (False, None)
    assert references.has_rights(child, date(2024, 12, 31)) and not references.has_rights(child, date(2025, 1, 1))


def test_lot_numbers_wrap_after_999() -> None:
    assert store.expected_lot(None) is None and store.expected_lot("A01") is None
    assert store.expected_lot("001") == "002" and store.expected_lot("999") == "001"
