"""The card agent's loopback HTTP interface: 127.0.0.1 only, the paired page's origin only, the pairing token;
and the three-step signing driven through it as the web application will (prepare, sign at the desk, commit)."""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from feuille.auth import Context
from feuille.billing import securing, signing, verification
from feuille.cards.agent_http import LoopbackAgent
from feuille.cards.port import CardKind, Signature
from feuille.cards.signatures import verify
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, practice
from tests.billing.test_securing import priced

ORIGIN = "https://feuille.cabinet.example"


@pytest.fixture
def agent() -> Iterator[LoopbackAgent]:
    with LoopbackAgent(FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI), ORIGIN) as running:
        yield running


def call(agent: LoopbackAgent, method: str, path: str, body: object = None, *, origin: str | None = ORIGIN,
         token: str | None = "", host: str | None = None, raw: bytes | None = None) -> tuple[int, Any, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", agent.port, timeout=10)
    headers = {"Host": host or f"127.0.0.1:{agent.port}"}
    if origin is not None:
        headers["Origin"] = origin
    if token is not None:
        headers["Authorization"] = f"Bearer {token or agent.token}"
    payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if payload is not None:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else None, response.headers


def test_reads_the_cards_for_the_paired_page(agent: LoopbackAgent) -> None:
    status, cards, headers = call(agent, "GET", "/cartes")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN
    assert cards["professionnelle"]["numero_serie"] == "CPS-MED" and cards["professionnelle"]["certificat"]
    assert cards["vitale"]["nir_assure"] == VITALE_ESSAI.insured_nir


@pytest.mark.parametrize(("changes", "status", "code"), [
    ({"token": None}, 401, "pairing"),
    ({"token": "wrong"}, 401, "pairing"),
    ({"origin": None}, 403, "origin"),
    ({"origin": "https://evil.example"}, 403, "origin"),
    ({"origin": ORIGIN + ".evil.example"}, 403, "origin"),
    ({"host": "evil.example"}, 403, "host"),  # a DNS-rebinding page
])
def test_refuses_anyone_else(agent: LoopbackAgent, changes: dict[str, Any], status: int, code: str) -> None:
    got, body, headers = call(agent, "GET", "/cartes", **changes)
    assert (got, body["erreur"]) == (status, code) and body["message"][0].isupper()
    if "origin" in changes:
        assert "Access-Control-Allow-Origin" not in headers


def test_cors_preflight_names_the_origin_only(agent: LoopbackAgent) -> None:
    status, _, headers = call(agent, "OPTIONS", "/signer", token=None)
    assert status == 204 and headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Authorization" in headers["Access-Control-Allow-Headers"]
    status, _, headers = call(agent, "OPTIONS", "/signer", token=None, origin="https://evil.example")
    assert status == 403 and "Access-Control-Allow-Origin" not in headers


def test_signs_the_bytes_it_is_given(agent: LoopbackAgent) -> None:
    data = b'{"format":"feuille-facture/2"}'
    status, body, _ = call(agent, "POST", "/signer", {"carte": "CPS-MED",
                                                     "donnees": base64.b64encode(data).decode()})
    assert status == 200 and body["carte"] == "CPS-MED" and body["type"] == "cps"
    signature = Signature("CPS-MED", CardKind.CPS, body["algorithme"], base64.b64decode(body["signature"]),
                          base64.b64decode(body["cle_publique"]))
    assert verify(signature, data)


@pytest.mark.parametrize(("body", "raw", "status"), [
    ({"carte": "CPS-MED"}, None, 400),
    ({"carte": "CPS-MED", "donnees": "not base64!"}, None, 400),
    (None, b"\xff\xfe junk", 400),
    (None, b"[" * 100_000, 400),
    ({"carte": "CPS-OTHER", "donnees": "AA=="}, None, 409),
])
def test_junk_and_card_refusals_are_answered_in_french(agent: LoopbackAgent, body: object, raw: bytes | None,
                                                       status: int) -> None:
    got, answer, _ = call(agent, "POST", "/signer", body, raw=raw)
    assert got == status and answer["message"]
    assert call(agent, "GET", "/nulle-part")[0] == 404


def test_pin_not_verified_is_the_cards_answer() -> None:
    with LoopbackAgent(FakeReader().insert(CPS_MEDECIN, pin=None), ORIGIN) as unverified:
        status, body, _ = call(unverified, "POST", "/signer", {"carte": "CPS-MED", "donnees": "AA=="})
    assert status == 409 and body["erreur"] == "pin_not_verified"


def test_the_origin_must_be_exact() -> None:
    with pytest.raises(ValueError):
        LoopbackAgent(FakeReader(), ORIGIN + "/")


def test_three_steps_through_the_loopback_interface(ctx: Context) -> None:
    """The server prepares, the desk's card signs through the page, the server commits: no transaction open while
    the card signs, and the invoice verifies against the card's registered certificate."""
    practice(ctx)
    invoice = priced(ctx)
    desk = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    with LoopbackAgent(desk, ORIGIN) as agent:
        _, cards, _ = call(agent, "GET", "/cartes")
        assert cards["professionnelle"]["numero_serie"] == "CPS-MED"
        read = securing.Cards(desk.professional_card(), desk.vitale_card())  # type: ignore[arg-type]
        prepared = securing.prepare(ctx, invoice, "synchronise", read)
        assert isinstance(prepared, signing.Prepared) and prepared.number == 1
        answers = [call(agent, "POST", "/signer", {"carte": serial,
                                                    "donnees": base64.b64encode(prepared.data).decode()})
                   for serial in (prepared.card_serial, prepared.vitale_serial)]  # the CPS, then the Vitale card
    assert [status for status, _, _ in answers] == [200, 200]
    signature, vitale = (Signature(body["carte"], CardKind(body["type"]), body["algorithme"],
                                   base64.b64decode(body["signature"]), base64.b64decode(body["cle_publique"]))
                         for _, body, _ in answers)
    view = signing.commit(ctx, prepared.id, signature, vitale)
    assert view.state == "secured" and view.number == 1
    assert verification.verify_invoice(ctx, invoice).ok
    assert signing.commit(ctx, prepared.id, signature, vitale) == view  # repeated: the same answer


def test_cli_refuses_a_bad_origin(card_cli) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("card", "http", "--origine", "feuille.example/")
    assert result.exit_code == 2 and "https://hôte[:port] attendu" in result.stderr
