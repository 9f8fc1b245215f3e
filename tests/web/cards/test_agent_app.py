"""The card agent reads the Vitale app (ApCV) as the manual's « Appli carte Vitale – NFC / QR code »: the app shown
the way chosen is read, a chip card or the app shown the other way is refused in French."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from feuille.cards.agent_http import LoopbackAgent, vitale_from_json, vitale_json
from feuille.cards.port import CardKind
from feuille.errors import ValidationError
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader
from tests.cards.test_agent_http import ORIGIN, call
from tests.web.cards.support import APCV_ESSAI


@pytest.fixture
def desk() -> FakeReader:
    return FakeReader().insert(CPS_MEDECIN, APCV_ESSAI)


@pytest.fixture
def agent(desk: FakeReader) -> Iterator[LoopbackAgent]:
    with LoopbackAgent(desk, ORIGIN) as running:
        yield running


def test_the_app_shown_by_nfc_is_read_by_nfc(agent: LoopbackAgent) -> None:
    status, cards, headers = call(agent, "GET", "/appli/nfc")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN
    assert cards["vitale"]["type"] == "apcv" and cards["vitale"]["lecture"] == "nfc"
    assert cards["vitale"]["nir_assure"] == VITALE_ESSAI.insured_nir
    assert cards["professionnelle"]["numero_serie"] == "CPS-MED"
    assert vitale_from_json(cards["vitale"]).reading == "nfc"


def test_the_other_way_or_a_chip_card_is_refused_in_french(agent: LoopbackAgent, desk: FakeReader) -> None:
    status, refused, _ = call(agent, "GET", "/appli/qr")
    assert status == 409 and refused["erreur"] == "app_reading"
    assert refused["message"] == ("L'appli carte Vitale présentée se lit en NFC, pas en QR code : choisissez "
                                  "« Appli carte Vitale – NFC ».")
    desk.insert(CPS_MEDECIN, VITALE_ESSAI)
    status, refused, _ = call(agent, "GET", "/appli/nfc")
    assert status == 409 and refused["erreur"] == "no_app"
    assert "Aucune appli carte Vitale lue en NFC" in refused["message"]
    status, unknown, _ = call(agent, "GET", "/appli/fax")
    assert status == 404 and "Lecture inconnue" in unknown["message"]
    status, _, _ = call(agent, "GET", "/appli/qr", token="faux")
    assert status == 401  # the pairing token, as for every other request


def test_the_reading_goes_through_json_and_back() -> None:
    app = FakeReader().insert(None, replace(APCV_ESSAI, reading="qr")).vitale_card()  # with its certificate
    assert app is not None and vitale_from_json(vitale_json(app)) == app
    with pytest.raises(ValidationError) as bad:
        vitale_from_json({**(vitale_json(app) or {}), "lecture": "fax"})
    assert [p.field for p in bad.value.problems] == ["vitale.lecture"]
    assert app.kind == CardKind.APCV
