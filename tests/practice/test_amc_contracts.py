"""A patient's AMC contracts: add (from the list or new), select, duplicate, edit, delete."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from feuille.auth import Context
from feuille.errors import NotFoundError, StateError, ValidationError
from feuille.practice import amc_contracts, organisms, patients
from tests.practice.test_organisms import audit_actions, count
from tests.practice.test_patients import DESMAUX_CARD, ESSAI

ALMERYS = {"name": "ALMERYS", "number": "0098532001", "contract_type": "0"}


def _patient(ctx: Context) -> int:
    return patients.create_patient(ctx, ESSAI).id


def selected(ctx: Context, patient_id: int) -> list[int]:
    return [c.id for c in amc_contracts.list_amc_contracts(ctx, patient_id) if c.selected]


def test_add_from_the_list_with_all_fields(ctx: Context) -> None:
    patient = _patient(ctx)
    amc = organisms.add_amc_organism(ctx, ALMERYS)
    contract = amc_contracts.add_amc_contract(ctx, patient, {
        "amc_organism_id": amc, "amc_proof": "attestation", "current_year": True, "adherent_number": "75822319",
        "secondary_criterion": "001", "convention_type": "AL", "treatment_indicator": "22",
        "reference_date": "execution", "sts_routing": "A1", "contract_type": "01", "complementary_number": "98532001",
        "routing_code": "R1", "host": "almerys", "domain": "sante.fr", "formula": "02A", "formula_rate": "100"})
    view = amc_contracts.get_amc_contract(ctx, contract)
    assert view.amc_name == "ALMERYS" and view.amc_number == "0098532001" and view.amc_organism_id == amc
    assert (view.rights_start, view.rights_end) == (date(2025, 1, 1), date(2025, 12, 31))  # clock: 15/01/2025
    assert view.formula == "02A" and view.formula_rate == Decimal("100.00") and view.selected
    assert view.label() == "ALMERYS du 01/01/2025 au 31/12/2025" and view.contract_type == "01"
    assert audit_actions(ctx.db)[-1] == "amc_contract.create"


def test_add_a_new_organism_and_put_it_in_the_list(ctx: Context) -> None:
    patient = _patient(ctx)
    amc_contracts.add_amc_contract(ctx, patient, {"amc_name": "ALMUTRA", "amc_number": "21400001",
                                                  "fixed_amount": "100", "add_to_list": True})
    assert [v.name for v in organisms.list_amc_organisms(ctx)] == ["ALMUTRA"]
    amc_contracts.add_amc_contract(ctx, patient, {"amc_name": "ALMUTRA", "amc_number": "21400001",
                                                  "add_to_list": True})
    assert count(ctx.db, "amc_organisms") == 1 and count(ctx.db, "patient_amc_contracts") == 2


@pytest.mark.parametrize(("data", "field"), [
    ({"amc_organism_id": 999}, "amc_organism_id"),
    ({"amc_name": "X"}, "amc_number"),
    ({"amc_number": "1"}, "amc_name"),
    ({"amc_name": "X", "amc_number": "1", "formula": "012"}, "formula_rate"),
    ({"amc_name": "X", "amc_number": "1", "formula": "020", "formula_rate": "10"}, "formula_rate"),
    ({"amc_name": "X", "amc_number": "1", "rights_start": "31/02/2025"}, "rights_start"),
])
def test_bad_contracts_write_nothing(ctx: Context, data: dict[str, object], field: str) -> None:
    patient = _patient(ctx)
    with pytest.raises((ValidationError, NotFoundError)) as caught:
        amc_contracts.add_amc_contract(ctx, patient, data)
    assert caught.value.field == field and count(ctx.db, "patient_amc_contracts") == 0


def test_unknown_patient(ctx: Context) -> None:
    with pytest.raises(NotFoundError) as caught:
        amc_contracts.add_amc_contract(ctx, 42, {"amc_name": "X", "amc_number": "1"})
    assert caught.value.field == "patient_id"


def test_select_duplicate_delete(ctx: Context) -> None:
    patient = _patient(ctx)
    first = amc_contracts.add_amc_contract(ctx, patient, {"amc_name": "A", "amc_number": "1"})
    second = amc_contracts.add_amc_contract(ctx, patient, {"amc_name": "B", "amc_number": "2"})
    assert selected(ctx, patient) == [second]
    amc_contracts.select_amc_contract(ctx, first)
    assert selected(ctx, patient) == [first]
    copy = amc_contracts.duplicate_amc_contract(ctx, first)
    assert selected(ctx, patient) == [copy] and amc_contracts.get_amc_contract(ctx, copy).amc_name == "A"
    amc_contracts.delete_amc_contract(ctx, copy)
    assert selected(ctx, patient) == [second]
    assert audit_actions(ctx.db)[-1] == "amc_contract.delete"


def test_card_contract_is_duplicated_to_be_edited(ctx: Context) -> None:
    patient = patients.create_patient_from_card(ctx, DESMAUX_CARD).id
    card_contract = amc_contracts.list_amc_contracts(ctx, patient)[0]
    with pytest.raises(StateError) as caught:
        amc_contracts.update_amc_contract(ctx, card_contract.id, {"adherent_number": "123"})
    assert "dupliquez" in caught.value.message
    copy = amc_contracts.duplicate_amc_contract(ctx, card_contract.id)
    amc_contracts.update_amc_contract(ctx, copy, {"adherent_number": "123", "formula": "052"})
    view = amc_contracts.get_amc_contract(ctx, copy)
    assert view.source == "manual" and view.adherent_number == "123" and view.formula == "052"
    assert amc_contracts.get_amc_contract(ctx, card_contract.id).adherent_number is None


def test_edit_validates(ctx: Context) -> None:
    patient = _patient(ctx)
    contract = amc_contracts.add_amc_contract(ctx, patient, {"amc_name": "A", "amc_number": "1"})
    with pytest.raises(ValidationError) as caught:
        amc_contracts.update_amc_contract(ctx, contract, {"contract_type": "89"})
    assert caught.value.field == "management"
    amc_contracts.update_amc_contract(ctx, contract, {"contract_type": "89", "management": "unique"})
    assert amc_contracts.get_amc_contract(ctx, contract).management == "unique"


def test_deleting_an_organism_keeps_the_contracts_copy(ctx: Context) -> None:
    patient = _patient(ctx)
    amc = organisms.add_amc_organism(ctx, ALMERYS)
    contract = amc_contracts.add_amc_contract(ctx, patient, {"amc_organism_id": amc})
    assert organisms.delete_amc_organism(ctx, amc) == 1
    view = amc_contracts.get_amc_contract(ctx, contract)
    assert view.amc_organism_id is None and view.amc_name == "ALMERYS"
