"""The rights lookup in three steps (the CPS at the desk, behind a browser): the server prepares the bytes, the
card signs them elsewhere, the server sends only a request it would have prepared for this very patient."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feuille.auth import Context
from feuille.cards.virtual import VirtualCardReader
from feuille.domain.identifiers import nir_key
from feuille.errors import StateError, ValidationError
from feuille.practice import patients
from feuille.rights import lookup
from tests.rights.test_lookup import connect, desmaux
from tests.support.adri import RunningAdri


def test_prepared_signed_elsewhere_then_sent(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                                             tmp_path: Path) -> None:
    connect(ctx, adri, tmp_path)
    patient = desmaux(ctx)
    prepared = lookup.prepare_lookup(ctx, patient, cps_reader.professional_card())
    signature = cps_reader.sign(prepared.card_serial, prepared.body)
    view = lookup.send_signed_lookup(ctx, patient, prepared.body, signature)
    assert view.result == "ok" and view.patient_id == patient and view.applied is None
    assert lookup.get_lookup(ctx, view.id) == view == lookup.last_lookup(ctx, patient)
    assert lookup.choose(ctx, view.id, ["tout"]).applied


def test_a_request_about_someone_else_or_altered_is_refused(ctx: Context, adri: RunningAdri,
                                                            cps_reader: VirtualCardReader, tmp_path: Path) -> None:
    connect(ctx, adri, tmp_path)
    patient = desmaux(ctx)
    nir = "1500175000001" + nir_key("1500175000001").zfill(2)
    other = patients.create_patient(ctx, {"last_name": "AUTRE", "birth_date": "01/01/1950", "insured_nir": nir}).id
    prepared = lookup.prepare_lookup(ctx, patient, cps_reader.professional_card())
    signature = cps_reader.sign(prepared.card_serial, prepared.body)
    with pytest.raises(ValidationError) as elsewhere:
        lookup.send_signed_lookup(ctx, other, prepared.body, signature)
    assert elsewhere.value.code == "adri_request"
    altered = json.loads(prepared.body)
    altered["date_reference"] = "2020-01-01"
    for body in (json.dumps(altered).encode(), b"\xff", b"{}", b"[]"):
        with pytest.raises(ValidationError):
            lookup.send_signed_lookup(ctx, patient, body, signature)
    assert lookup.last_lookup(ctx, patient) is None


def test_not_configured_or_no_cps_before_anything(ctx: Context, tmp_path: Path, adri: RunningAdri,
                                                  reader: VirtualCardReader) -> None:
    patient = desmaux(ctx)
    with pytest.raises(StateError) as missing:
        lookup.prepare_lookup(ctx, patient, None)
    assert missing.value.code == "adri_not_configured"
    connect(ctx, adri, tmp_path)
    with pytest.raises(StateError) as no_card:
        lookup.prepare_lookup(ctx, patient, None)
    assert no_card.value.code == "no_card"
