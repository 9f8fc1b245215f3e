"""Synchronised and desynchronised securing: the invoice's patient must be a beneficiary of the card presented."""

from __future__ import annotations

from typing import Any

import pytest

from feuille.auth import Context
from feuille.billing import securing
from feuille.cards.port import BeneficiaryData, CardKind, VitaleCardData
from feuille.errors import ValidationError
from feuille.practice import patients
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, FakeReader, consultation, practice
from tests.billing.test_securing import priced

NIR = "1421962965165 96"
ALAIN = {"last_name": "ESSAI", "first_name": "Alain", "birth_date": "00/00/1942", "lunar": True, "rank": 1}
ALEXIS = {"last_name": "ESSAI", "first_name": "Alexis", "birth_date": "11/11/1991", "rank": 1, "quality": "6"}
TWIN_1 = {"last_name": "ESSAI", "first_name": "Léa", "birth_date": "02/02/2020", "rank": 1, "quality": "6"}
TWIN_2 = {"last_name": "ESSAI", "first_name": "Léo", "birth_date": "02/02/2020", "rank": 2, "quality": "6"}


def card(*beneficiaries: dict[str, Any]) -> VitaleCardData:
    return VitaleCardData(serial="VIT-E", kind=CardKind.VITALE, insured_nir=NIR,
                          beneficiaries=tuple(BeneficiaryData(dict(b)) for b in beneficiaries))


def patient(ctx: Context, **fields: Any) -> int:
    return patients.create_patient(ctx, {"insured_nir": NIR, **fields}).id


def secure(ctx: Context, patient_id: int, vitale: VitaleCardData, mode: str = "synchronise") -> Any:
    reader = FakeReader().insert(CPE_SECRETAIRE if mode == "desynchronise" else CPS_MEDECIN, vitale)
    return securing.secure(ctx, priced(ctx, consultation(patient={"id": patient_id})), mode, reader)


def test_a_beneficiary_of_the_card_is_secured(ctx: Context) -> None:
    practice(ctx)  # ESSAI Alain born 01/01/1942, typed at the desk; the card says 00/00/1942 (lunar)
    alexis = patient(ctx, last_name="Essai", first_name="Alexis", birth_date="11/11/1991")
    assert secure(ctx, alexis, card(ALAIN, ALEXIS)).state == "secured"
    assert secure(ctx, 1, card(ALAIN, ALEXIS)).state == "secured"  # the card's lunar date, confirmed by the names
    assert secure(ctx, alexis, card(ALAIN, ALEXIS), "desynchronise").state == "partly_secured"


@pytest.mark.parametrize("mode", ["synchronise", "desynchronise"])
def test_a_patient_who_is_not_on_the_card_is_refused(ctx: Context, mode: str) -> None:
    practice(ctx)
    albert = patient(ctx, last_name="ESSAI", first_name="Albert", birth_date="01/06/1942")
    with pytest.raises(ValidationError) as caught:
        secure(ctx, albert, card(ALAIN, ALEXIS), mode)  # same year and rank as Alain's lunar date: not his name
    assert (caught.value.code, caught.value.field) == ("not_on_vitale", "carte_vitale")
    assert caught.value.message.startswith("carte Vitale : ESSAI Albert, né(e) le 01/06/1942 (rang 1) n'est pas "
                                           "parmi les bénéficiaires de la carte présentée (ESSAI Alain, ESSAI "
                                           "Alexis)")
    with pytest.raises(ValidationError, match="bénéficiaires de la carte présentée \\(aucun\\)"):
        secure(ctx, albert, card(), mode)


def test_twins_differ_by_rank_and_modes_without_the_card_are_not_checked(ctx: Context) -> None:
    practice(ctx)
    leo = patient(ctx, last_name="ESSAI", first_name="Léo", birth_date="02/02/2020", rank=2)
    third = patient(ctx, last_name="ESSAI", first_name="Léo", birth_date="02/02/2020", rank=3)
    assert secure(ctx, leo, card(TWIN_1, TWIN_2)).state == "secured"
    with pytest.raises(ValidationError) as caught:
        secure(ctx, third, card(TWIN_1, TWIN_2))
    assert caught.value.code == "not_on_vitale"
    assert secure(ctx, third, card(TWIN_1, TWIN_2), "degrade").state == "secured"


def test_the_same_beneficiary_nir_is_a_match(ctx: Context) -> None:
    practice(ctx)
    own = "2910299123456"
    key = 97 - int(own) % 97
    marie = patient(ctx, last_name="ESSAI", first_name="Marie", birth_date="03/03/1991",
                    beneficiary_nir=f"{own} {key:02d}")
    on_card = {**ALEXIS, "first_name": "Marie", "birth_date": "04/03/1991", "beneficiary_nir": f"{own}{key:02d}"}
    assert secure(ctx, marie, card(ALAIN, on_card)).state == "secured"


def test_a_junk_beneficiary_matches_nobody(ctx: Context) -> None:
    practice(ctx)
    with pytest.raises(ValidationError) as caught:
        secure(ctx, 1, card({"last_name": "ESSAI", "first_name": "Alain", "birth_date": "bof"}))
    assert caught.value.code == "not_on_vitale"
