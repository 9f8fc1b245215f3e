"""The client's side of the protocol: the request bytes, and any answer that is not the protocol's refused in
French (never an exception of another kind)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.errors import StateError
from feuille.rights.client import _answer
from feuille.rights.protocol import card_beneficiary, request_body

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                               max_size=4), max_leaves=10)
GOOD = {"identifiant": "x", "resultat": "ok", "date_reponse": "2025-01-15T10:30:00"}


def test_request_body_is_compact_utf8_json() -> None:
    body = request_body("id", date(2025, 1, 15), card_beneficiary("290022A004123 04", "19900208", 1), "001033901",
                        "01")
    assert json.loads(body)["beneficiaire"] == {"nir": "290022A004123", "cle": "04", "date_naissance": "08021990",
                                                "rang": 1}
    assert b" " not in body


@settings(max_examples=200, deadline=None)
@given(content=JSON | st.fixed_dictionaries({k: st.just(v) for k, v in GOOD.items()}, optional={
    "beneficiaire": JSON, "organisme": JSON, "periodes_droits": JSON, "accident_travail": JSON,
    "version": JSON | st.just(1)}), status=st.sampled_from([200, 200, 400, 401, 418, 500, 503]))
def test_junk_answers_are_refused_in_french(content: object, status: int) -> None:
    try:
        parsed = _answer(status, json.dumps(content).encode())
    except StateError as error:
        assert error.code in ("adri_bad_answer", "adri_unavailable", "adri_refused") and error.message
    else:
        assert status == 200 and parsed.resultat in ("ok", "autre_personne", "inconnu")


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe", b"[", b"null"])
def test_unreadable_answers(raw: bytes) -> None:
    with pytest.raises(StateError):
        _answer(200, raw)
