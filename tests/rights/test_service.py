"""The caisse de test's ADRi service: signed requests only, answers from the people fixture, faults, junk."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feuille.cards.virtual import VirtualCardReader
from feuille.rights.client import headers_for, ssl_context
from feuille.rights.protocol import card_beneficiary, request_body
from feuille_sim.rights.service import LOG_FILE, write_fault
from tests.support.adri import Pki, RunningAdri, serve_adri

DESMAUX = card_beneficiary("2550699999999 34", "19550615", 1)


def _body(beneficiary: dict[str, object] | None = None, reference: str = "2025-01-15",
          ident: str | None = None) -> bytes:
    from datetime import date

    return request_body(ident or str(uuid.uuid4()), date.fromisoformat(reference), beneficiary or DESMAUX,
                        "001033901", "01")


def _post(adri: RunningAdri, body: bytes, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(verify=ssl_context(adri.ca_pem), timeout=10) as http:
        return http.post(adri.url + "/adri/v1/droits", content=body, headers=headers)


def _signed(adri: RunningAdri, reader: VirtualCardReader, body: bytes) -> httpx.Response:
    return _post(adri, body, headers_for(reader.sign("2501000002", body)))


def test_signed_request_gets_the_insurers_record(adri: RunningAdri, cps_reader: VirtualCardReader) -> None:
    answer = _signed(adri, cps_reader, _body()).json()
    assert answer["resultat"] == "ok"
    assert answer["beneficiaire"]["nom"] == "DESMAUX"
    assert answer["organisme"]["caisse"] == "999"
    assert answer["periodes_droits"] == [{"debut": "2020-02-01", "fin": None}]
    lines = (adri.state_dir / LOG_FILE).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["resultat"] == "ok"


def test_same_request_same_answer_and_an_id_is_not_reused(adri: RunningAdri, cps_reader: VirtualCardReader) -> None:
    body = _body()
    first, second = _signed(adri, cps_reader, body).json(), _signed(adri, cps_reader, body).json()
    assert first == second
    ident = first["identifiant"]
    other = _signed(adri, cps_reader, _body(reference="2024-06-01", ident=ident))
    assert other.status_code == 400 and other.json()["champs"][0]["champ"] == "identifiant"


def test_rights_are_those_of_the_year_before_the_reference(adri: RunningAdri, cps_reader: VirtualCardReader) -> None:
    closed = card_beneficiary("2600692123456 29", "19600614", 1)
    assert _signed(adri, cps_reader, _body(closed, "2024-06-01")).json()["periodes_droits"]
    assert _signed(adri, cps_reader, _body(closed, "2025-06-01")).json()["periodes_droits"] == []


def test_unknown_and_other_person(adri: RunningAdri, cps_reader: VirtualCardReader) -> None:
    nobody = card_beneficiary("1010101010101 " + f"{97 - 1010101010101 % 97:02d}", "19010101", 1)
    assert _signed(adri, cps_reader, _body(nobody)).json()["resultat"] == "inconnu"
    wrong_birth = card_beneficiary("1850775123456 08", "20150520", 3)
    answer = _signed(adri, cps_reader, _body(wrong_birth)).json()
    assert answer["resultat"] == "autre_personne" and answer["beneficiaire"]["prenom"] in ("Léa", "Hugo")


def test_corsican_nir(adri: RunningAdri, cps_reader: VirtualCardReader) -> None:
    answer = _signed(adri, cps_reader, _body(card_beneficiary("290022A004123 04", "19900208", 1))).json()
    assert answer["resultat"] == "ok" and answer["service_amo"][0]["code"] == "C2S"


def test_unsigned_badly_signed_and_unknown_cps(adri: RunningAdri, cps_reader: VirtualCardReader) -> None:
    body = _body()
    assert _post(adri, body, {"Content-Type": "application/json"}).json()["code"] == "signature_absente"
    good = headers_for(cps_reader.sign("2501000002", body))
    tampered = _post(adri, body.replace(b"2025-01-15", b"2025-01-16"), good)
    assert tampered.status_code == 401 and tampered.json()["code"] == "signature_invalide"
    key = ec.generate_private_key(ec.SECP256R1())
    stranger = _signed_by(key, "2501000002", body)
    assert _post(adri, body, stranger).json()["code"] == "cps_inconnue"


def _signed_by(key: ec.EllipticCurvePrivateKey, serial: str, body: bytes) -> dict[str, str]:
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"Content-Type": "application/json", "X-CPS-Serie": serial,
            "X-CPS-Certificat": base64.b64encode(public).decode(),
            "X-CPS-Signature": base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()}


def test_fault_modes(adri: RunningAdri, cps_reader: VirtualCardReader) -> None:
    with httpx.Client(verify=ssl_context(adri.ca_pem), timeout=10) as http:
        set_mode = http.post(adri.url + "/admin/panne", json={"mode": "erreur"})
    assert set_mode.json() == {"mode": "erreur", "secondes": 0.0}
    failed = _signed(adri, cps_reader, _body())
    assert failed.status_code == 503 and failed.json()["code"] == "service_indisponible"
    write_fault(adri.state_dir, "muet", 30)
    with pytest.raises(httpx.ReadTimeout), httpx.Client(verify=ssl_context(adri.ca_pem), timeout=0.5) as http:
        body = _body()
        http.post(adri.url + "/adri/v1/droits", content=body, headers=headers_for(cps_reader.sign("2501000002", body)))
    write_fault(adri.state_dir, "aucune")
    assert _signed(adri, cps_reader, _body()).status_code == 200


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                               max_size=5), max_leaves=12)
FIELDS = st.fixed_dictionaries({}, optional={
    "version": JSON, "identifiant": JSON | st.uuids().map(str), "date_reference": JSON | st.just("2025-01-15"),
    "beneficiaire": JSON | st.just(DESMAUX) | st.just({"apcv": "APCV1:e30="}),
    "professionnel": JSON | st.just({"numero_facturation": "001033901", "specialite": "01"}), "autre": JSON})


@pytest.fixture(scope="module")
def open_adri(tmp_path_factory: pytest.TempPathFactory, adri_pki: Pki):  # type: ignore[no-untyped-def]
    """Without a card directory: any well-signed request passes the signature check, so junk reaches the parser."""
    with serve_adri(tmp_path_factory.mktemp("open-caisse"), None, adri_pki) as running:
        yield running


KEY = ec.generate_private_key(ec.SECP256R1())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=FIELDS | JSON, raw=st.binary(max_size=60), use_raw=st.booleans())
def test_junk_is_always_refused_with_a_4xx(open_adri: RunningAdri, content: Any, raw: bytes, use_raw: bool) -> None:
    body = raw if use_raw else json.dumps(content).encode()
    response = _post(open_adri, body, _signed_by(KEY, "2501000002", body))
    assert 200 <= response.status_code < 500
    if response.status_code != 200:
        refusal = response.json()
        assert refusal["code"] == "requete_invalide" and refusal["message"] and refusal["champs"]
    unsigned = _post(open_adri, body, {"X-CPS-Serie": "x", "X-CPS-Signature": "@@", "X-CPS-Certificat": "e30="})
    assert unsigned.status_code == 401


def test_admin_refuses_junk(open_adri: RunningAdri, tmp_path: Path) -> None:
    with httpx.Client(verify=ssl_context(open_adri.ca_pem), timeout=10) as http:
        assert http.post(open_adri.url + "/admin/panne", content=b"\xff").status_code == 400
        assert http.post(open_adri.url + "/admin/panne", json={"mode": "autre"}).status_code == 400


def test_the_vitale_app_identity(adri: RunningAdri, cps_reader: VirtualCardReader) -> None:
    from feuille.rights.policy import apcv_payload

    cps_reader.insert("apcv-durand")
    app = cps_reader.vitale_card()
    assert app is not None
    answer = _signed(adri, cps_reader, _body({"apcv": apcv_payload(app)})).json()
    assert answer["resultat"] == "ok" and answer["beneficiaire"]["nom"] == "DURAND"
    junk = _signed(adri, cps_reader, _body({"apcv": "APCV1:bm9wZQ=="}))
    assert junk.status_code == 400 and junk.json()["champs"][0]["champ"] == "beneficiaire.apcv"
