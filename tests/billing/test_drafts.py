"""Drafting and the rate check: validation in French naming the field, nothing half-written, the hash."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from feuille.auth import Context, Role
from feuille.billing import drafts, queries, rate_check
from feuille.domain.invoice_fields import named
from feuille.errors import FeuilleError, NotFoundError, PermissionDeniedError, ValidationError
from feuille.storage.models import AuditEntry, Invoice, Prescriber
from tests.billing.support import ESSAI_NIR, consultation, nurse_care, practice
from tests.conftest import context_as


def count(ctx: Context, model: Any) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def actions(ctx: Context) -> list[str]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_create_draft_prices_and_stores(ctx: Context) -> None:
    setup = practice(ctx)
    view = drafts.create_draft(ctx, consultation())
    assert view.state == "draft" and view.state_label == "brouillon" and view.number is None
    assert view.patient_id == setup.patient and view.professional_id == setup.medecin
    assert view.totals == {"total": "23.00", "amo": "16.10", "amc": "0.00", "patient": "6.90",
                           "due_by_patient": "6.90"}
    assert view.lines[0].code == "C" and view.lines[0].care_date.isoformat() == "2025-01-14"
    assert not view.rate_checked and actions(ctx)[-1] == "invoice.create"
    with ctx.db.read() as session:
        row = session.get(Invoice, view.id)
        assert row is not None and row.patient_nir == ESSAI_NIR and row.patient_rank == 1
    assert queries.show(ctx, view.id).to_json()["id"] == view.id
    assert [v.id for v in queries.list_invoices(ctx)] == [view.id]
    assert queries.list_invoices(ctx, state="priced") == []


def test_patient_by_id_and_professional_by_id(ctx: Context) -> None:
    setup = practice(ctx)
    view = drafts.create_draft(ctx, consultation(patient={"id": setup.patient}, professional={"id": setup.medecin}))
    assert view.patient_id == setup.patient


def test_rate_check_then_any_change_invalidates_it(ctx: Context) -> None:
    practice(ctx)
    draft = drafts.create_draft(ctx, consultation())
    checked = rate_check.check_rates(ctx, draft.id)
    assert checked.state == "priced" and checked.state_label == "TP calculé" and checked.rate_checked
    again = rate_check.check_rates(ctx, draft.id)  # idempotent: no second audit entry
    assert again == checked and actions(ctx).count("invoice.check_rates") == 1
    changed = drafts.update_draft(ctx, draft.id, consultation(acts=[{"code": "C"}, {"code": "C"}]))
    assert changed.state == "draft" and not changed.rate_checked and changed.totals["total"] == "46.00"
    assert rate_check.check_rates(ctx, draft.id).totals["total"] == "46.00"


@pytest.mark.parametrize(("change", "field"), [
    ({"coverage": {"nature": "maternite"}}, "coverage.maternity_date"),
    ({"coverage": {"nature": "at"}}, "coverage.accident_date"),
    ({"date": "14/01/2025"}, "date"),
    ({"patient": {"nir": "1421962965165 96", "rank": 7}}, "patient.nir"),
    ({"patient": {"id": 999}}, "patient.id"),
    ({"patient": "Essai"}, "patient"),
    ({"patient": {"nir": None}}, "patient"),
    ({"professional": "123456789"}, "professional"),
    ({"professional": None}, "professional"),
    ({"acts": []}, "acts"),
    ({"place": "plage"}, "place"),
    ({"mt_declaration": "peut-être"}, "mt_declaration"),
    ({"payer": {"amc_contract": 42}}, "payer.amc_contract"),
    ({"prescription": {"date": "2025-01-20", "prescriber": 1}}, "prescription.date"),
    ({"prescription": {"date": "2025-01-10"}}, "prescription.prescriber"),
    ({"entente_prealable": {"code": "Z"}}, "entente_prealable.code"),
    ({"ald": "oui"}, "ald"),
    ({"exoneration_justification": "x" * 201}, "exoneration_justification"),
    ({"accident_work": {"identifier": 12}}, "accident_work.identifier"),
    ({"acts": [{"favourite": 99}]}, "acts[0].favourite"),
])
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(ctx: Context, change: dict[str, Any],
                                                                    field: str) -> None:
    practice(ctx)
    before = count(ctx, AuditEntry)
    with pytest.raises(FeuilleError) as caught:
        drafts.create_draft(ctx, consultation(**change))
    assert caught.value.field == field, caught.value.message
    assert named(field).split(",")[0] in caught.value.message or caught.value.field in ("patient.id",
                                                                                          "professional")
    assert count(ctx, Invoice) == 0 and count(ctx, AuditEntry) == before


def test_maternity_with_its_date_is_priced_at_100(ctx: Context) -> None:
    practice(ctx)
    view = drafts.create_draft(ctx, consultation(coverage={"nature": "maternite", "maternity_date": "2024-12-01"}))
    assert view.totals["amo"] == "23.00" and view.nature == "maternite"


def test_nurse_act_needs_a_prescription_created_on_the_spot(ctx: Context) -> None:
    practice(ctx)
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, nurse_care(prescription=None))
    assert caught.value.field == "prescription" and "AMI" in caught.value.message
    view = drafts.create_draft(ctx, nurse_care())
    assert view.totals["total"] == "3.15" and count(ctx, Prescriber) == 1
    drafts.create_draft(ctx, nurse_care())  # the same prescriber again: found, not duplicated
    assert count(ctx, Prescriber) == 1


def test_entente_prealable_required_when_the_act_needs_one(ctx: Context) -> None:
    practice(ctx)
    ais = [{"code": "AIS", "coefficient": 3}]
    for ep in (None, {"code": "9"}):
        with pytest.raises(ValidationError) as caught:
            drafts.create_draft(ctx, nurse_care(acts=ais, entente_prealable=ep))
        assert caught.value.field == "entente_prealable" and "AIS" in caught.value.message
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, nurse_care(acts=ais, entente_prealable={"code": "4"}))
    assert caught.value.field == "entente_prealable.date"
    view = drafts.create_draft(ctx, nurse_care(acts=ais, entente_prealable={"code": "4", "date": "2025-01-05"}))
    assert view.state == "draft"


def test_failed_draft_does_not_keep_the_prescriber_created_on_the_spot(ctx: Context) -> None:
    practice(ctx)
    with pytest.raises(ValidationError):
        drafts.create_draft(ctx, nurse_care(acts=[{"code": "AMI", "coefficient": "x"}]))
    assert count(ctx, Prescriber) == 0 and count(ctx, Invoice) == 0


def test_remplacant_bills_for_the_titulaire_only_on_his_days(ctx: Context) -> None:
    setup = practice(ctx)
    view = drafts.create_draft(ctx, nurse_care(performer={"id": setup.remplacant}))
    assert view.performer_id == setup.remplacant and view.billing_number == "996102182"
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, nurse_care(date="2025-01-12", performer={"id": setup.remplacant},
                                            prescription={"date": "2025-01-10", "prescriber": "991000696"}))
    assert caught.value.field == "performer" and "12/01/2025" in caught.value.message
    assert "calendrier" in caught.value.message


def test_permissions_and_secretary_drafts(ctx: Context) -> None:
    practice(ctx)
    secretary = context_as(ctx.db, Role.SECRETAIRE, "sec")
    assert drafts.create_draft(secretary, consultation()).state == "draft"
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(secretary, consultation(professional=None))
    assert "sec" in caught.value.message
    with pytest.raises(NotFoundError):
        queries.show(ctx, 999)
    with pytest.raises(ValidationError):
        queries.show(ctx, "abc")
    with pytest.raises(ValidationError):
        queries.list_invoices(ctx, state="bof")
    with pytest.raises(PermissionDeniedError):
        from feuille.billing import cancel
        from tests.billing.support import FakeReader
        cancel.cancel_invoice(secretary, 1, FakeReader())


def test_patient_from_the_vitale_card_beneficiary(ctx: Context) -> None:
    from feuille.cards.port import BeneficiaryData, CardKind, VitaleCardData
    from tests.billing.support import FakeReader
    from tests.practice.test_patients import DESMAUX_CARD

    practice(ctx)
    card = VitaleCardData(serial="VIT-D", kind=CardKind.APCV, insured_nir="2550699999999 34",
                          beneficiaries=(BeneficiaryData(dict(DESMAUX_CARD)),))
    reader = FakeReader(vitale=card)
    with pytest.raises(ValidationError) as caught:
        drafts.patient_from_vitale(ctx, reader, 2)
    assert caught.value.field == "beneficiaire"
    with pytest.raises(ValidationError):
        drafts.patient_from_vitale(ctx, FakeReader(), 1)
    patient = drafts.patient_from_vitale(ctx, reader, 1)
    assert drafts.patient_from_vitale(ctx, reader, 1) == patient  # read again: the same patient, refreshed
    view = drafts.create_draft(ctx, consultation(patient={"id": patient}))
    assert view.patient_id == patient


def test_acts_from_a_favourite(ctx: Context) -> None:
    from feuille.practice import favourites

    setup = practice(ctx)
    fav = favourites.create_favourite(ctx, setup.medecin, "Visite", [{"code": "V", "indemnity": "MD"}])
    view = drafts.create_draft(ctx, consultation(acts=[{"code": "C"}, {"favourite": fav}]))
    assert [line.code for line in view.lines] == ["C", "V", "MD"]
    assert view.totals["total"] == "56.00"
    other = favourites.create_favourite(ctx, setup.firmier, "Soin", [{"code": "AMI"}])
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(acts=[{"favourite": other}]))
    assert caught.value.field == "acts[0].favourite" and "MEDECIN0043390" in caught.value.message


def test_the_chosen_amc_contract_prices_the_complementary_part(ctx: Context) -> None:
    from feuille.practice import amc_contracts

    setup = practice(ctx)
    contract = amc_contracts.add_amc_contract(ctx, setup.patient, {
        "amc_name": "ALMERYS", "amc_number": "0098532001", "formula": "052", "current_year": True})
    view = drafts.create_draft(ctx, consultation(payer={"amc_contract": contract, "tp_amo": True, "tp_amc": True}))
    assert view.totals["amc"] == "6.90" and view.totals["patient"] == "0.00"  # 052: 100 % of the TM
    explicit = drafts.create_draft(ctx, consultation(payer={"amc_contract": contract}, amc=None))
    assert explicit.totals["amc"] == "0.00"  # a document that says "no AMC pricing" is obeyed
