"""The cards and signatures as the agent's loopback interface writes them, read back on the server: the inverse of
``professional_json``/``vitale_json``/``signature_json``, with every problem in French at once."""

from __future__ import annotations

import json

import pytest

from feuille.cards.agent_http import (
    professional_from_json,
    professional_json,
    signature_from_json,
    signature_json,
    vitale_from_json,
    vitale_json,
)
from feuille.cards.port import CardKind
from feuille.errors import ValidationError
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, VITALE_ESSAI, FakeReader


def through_json(data: object) -> object:
    return json.loads(json.dumps(data))  # what the browser hands back: plain JSON


@pytest.mark.parametrize("card", [CPS_MEDECIN, CPE_SECRETAIRE])
def test_a_professional_card_reads_back_as_written(card: object) -> None:
    read = FakeReader().insert(card).professional_card()  # type: ignore[arg-type]
    assert read is not None and read.certificate
    assert professional_from_json(through_json(professional_json(read))) == read


def test_a_vitale_card_and_a_signature_read_back_as_written() -> None:
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    vitale = reader.vitale_card()
    assert vitale_from_json(through_json(vitale_json(vitale))) == vitale
    signature = reader.sign("CPS-MED", b"M")
    assert signature_from_json(through_json(signature_json(signature))) == signature


@pytest.mark.parametrize("junk", [None, "", "😴", 3, [], {"numero_serie": 12, "type": "cps"}])
def test_junk_is_refused_in_french(junk: object) -> None:
    for reader in (professional_from_json, vitale_from_json, signature_from_json):
        with pytest.raises(ValidationError) as caught:
            reader(junk)
        assert caught.value.code == "card_json" and caught.value.message[0].isupper()
        assert all(p.field and p.message.endswith(".") for p in caught.value.problems)


def test_every_problem_names_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        professional_from_json({"numero_serie": "S", "type": "cps", "nom": "X" * 300, "certificat": "%%"},
                               "cartes.professionnelle")
    assert {p.field: p.message for p in caught.value.problems} == {
        "cartes.professionnelle.nom": "Nom du porteur : texte de 200 caractères au plus attendu.",
        "cartes.professionnelle.numero_facturation": "Numéro de facturation : champ obligatoire.",
        "cartes.professionnelle.certificat": "Certificat de la carte : base64 attendu."}
    with pytest.raises(ValidationError) as caught:
        vitale_from_json({"numero_serie": "V", "type": "cps", "nir_assure": "1", "certificat": "AA==",
                          "beneficiaires": ["x"]})
    assert {p.field for p in caught.value.problems} == {"vitale.type", "vitale.beneficiaires"}
    card = professional_from_json({"numero_serie": "E", "type": "cpe", "nom": "SECRET", "certificat": "AA=="})
    assert card.kind == CardKind.CPE and card.billing_number is None  # a CPE has no billing number


def test_texts_are_no_longer_than_what_is_kept() -> None:
    signature = signature_json(FakeReader().insert(CPS_MEDECIN).sign("CPS-MED", b"M"))
    with pytest.raises(ValidationError) as caught:
        signature_from_json({**signature, "carte": "S" * 65, "algorithme": "A" * 33})
    assert {p.field: p.message for p in caught.value.problems} == {
        "signature.carte": "Carte qui a signé : texte de 64 caractères au plus attendu.",
        "signature.algorithme": "Algorithme : texte de 32 caractères au plus attendu."}
    assert signature_from_json({**signature, "carte": "S" * 64}).card_serial == "S" * 64
