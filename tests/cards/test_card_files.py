"""Junk card files give clear French reasons, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from feuille.cards.card_files import FORMAT, CardDir, decode_apcv_payload, encode_apcv_payload, load_state, parse_card
from feuille.cards.port import CardDataError, UnknownCardError
from feuille.cards.virtual import VirtualCardReader
from tests.cards.conftest import MODULE

CPS: dict[str, Any] = {"format": FORMAT, "kind": "cps", "serial": "1", "token_label": "1",
                       "holder": {"civility": "Madame", "last_name": "X", "first_name": "Y", "billing_number": "1",
                                  "specialty": "01", "caisse": "991"}}
VITALE: dict[str, Any] = {"format": FORMAT, "kind": "vitale", "serial": "2", "insured_nir": "1",
                          "beneficiaries": [{"last_name": "X"}], "private_key": "pem"}


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


@pytest.mark.parametrize(("data", "reason"), [
    (_without(CPS, "serial"), "« serial » manquant"),
    (_without(CPS, "holder"), "« holder »"),
    ({**CPS, "holder": {"last_name": "X"}}, "« civility » manquant"),
    ({**CPS, "holder": {**CPS["holder"], "situation": "un"}}, "« situation » : nombre entier"),
    ({**CPS, "holder": {**CPS["holder"], "last_name": 12}}, "« last_name » : texte"),
    ({**CPS, "kind": "carte bleue"}, "type de carte « carte bleue » inconnu"),
    (_without(CPS, "kind"), "« kind » manquant"),
    ({**CPS, "format": 99}, "format 99"),
    (_without(CPS, "token_label"), "« token_label »"),
    ({**CPS, "public_key": "%%%"}, "base64"),
    (_without(VITALE, "insured_nir"), "« insured_nir »"),
    ({**VITALE, "beneficiaries": []}, "au moins un bénéficiaire"),
    ({**VITALE, "beneficiaries": ["x"]}, "bénéficiaire 1"),
    ({**VITALE, "beneficiaries": [{"first_name": "x"}]}, "bénéficiaire 1"),
    ({"format": FORMAT, "kind": "apcv", "serial": "3", "reading": "qr", "payload": "garbage"}, "préfixe"),
    ({"format": FORMAT, "kind": "apcv", "serial": "3", "reading": "qr", "payload": "APCV1:!!"}, "illisible"),
    ({"format": FORMAT, "kind": "apcv", "serial": "3", "reading": "fax",
      "payload": encode_apcv_payload({**VITALE, "serial": "3"})}, "lecture « fax »"),
    ({"format": FORMAT, "kind": "apcv", "serial": "3", "reading": "qr",
      "payload": encode_apcv_payload({**VITALE, "serial": "4"})}, "numéro de série"),
])
def test_junk_card_content(data: dict[str, Any], reason: str) -> None:
    with pytest.raises(CardDataError) as error:
        parse_card("junk", data)
    assert reason in error.value.reason
    assert error.value.name == "junk"


def test_cpe_needs_no_billing_number() -> None:
    holder = {"civility": "Madame", "last_name": "SECRETAIRE", "first_name": "Sophie"}
    card = parse_card("cpe", {**CPS, "kind": "cpe", "holder": holder})
    assert card.professional is not None and card.professional.billing_number is None


def test_apcv_payload_round_trip() -> None:
    content = {"serial": "4", "é": [1, 2]}
    assert decode_apcv_payload(encode_apcv_payload(content), "x") == content
    with pytest.raises(CardDataError):
        decode_apcv_payload(encode_apcv_payload(content)[:-1] + "[", "x")


@pytest.mark.parametrize("text", ["{", "[1, 2]", "", "\xff", "null"])
def test_bad_json_files(tmp_path: Path, text: str) -> None:
    card_dir = CardDir(tmp_path)
    card_dir.cards.mkdir()
    card_dir.card_path("bad").write_text(text, encoding="latin-1")
    reader = VirtualCardReader(tmp_path, MODULE)
    with pytest.raises(CardDataError):
        reader.insert("bad")
    [listed] = reader.available()
    assert isinstance(listed, CardDataError) and listed.name == "bad"


def test_unknown_name_and_empty_directory(tmp_path: Path) -> None:
    reader = VirtualCardReader(tmp_path / "absent", MODULE)
    assert reader.available() == [] and reader.names() == []
    for name in ("nope", "", "  "):
        with pytest.raises(UnknownCardError):
            reader.insert(name)
    assert reader.status().professional is None


@pytest.mark.parametrize("state", [{"pin_tries_left": 7, "blocked": False}, {"pin_tries_left": "3"},
                                   {"pin_tries_left": 3, "blocked": "no"}, {"pin_tries_left": 3, "blocked": False,
                                                                            "puk_tries_left": -1}])
def test_junk_state_files(tmp_path: Path, state: dict[str, Any]) -> None:
    card_dir = CardDir(tmp_path)
    card_dir.state.mkdir()
    card_dir.state_path("cps").write_text(json.dumps(state))
    with pytest.raises(CardDataError) as error:
        load_state(card_dir, "cps")
    assert "état de la carte" in error.value.reason


def test_junk_reader_file(card_dir: Path) -> None:
    (card_dir / "reader.json").write_text(json.dumps({"professional": {"name": "cps-firmier"}}))
    with pytest.raises(CardDataError) as error:
        VirtualCardReader(card_dir, MODULE).professional_card()
    assert error.value.name == "reader.json"


def test_card_file_removed_while_inserted(card_dir: Path) -> None:
    reader = VirtualCardReader(card_dir, MODULE)
    reader.insert("vitale-essai")
    (card_dir / "cards" / "vitale-essai.json").unlink()
    assert reader.vitale_card() is None


def test_vitale_without_key_cannot_sign(card_dir: Path) -> None:
    path = card_dir / "cards" / "vitale-essai.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps(_without(data, "private_key")))
    reader = VirtualCardReader(card_dir, MODULE)
    reader.insert("vitale-essai")
    with pytest.raises(CardDataError) as error:
        reader.sign("3001000001", b"x")
    assert "private_key" in error.value.reason
    path.write_text(json.dumps({**data, "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}))
    with pytest.raises(CardDataError):
        reader.sign("3001000001", b"x")
