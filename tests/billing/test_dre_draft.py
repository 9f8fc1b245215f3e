"""The complementary part of a draft (docs/dre.md): the convention chosen in the directory (one, several, too
many then refined), the PEC (validated, required by a convention), the routing frozen in the stored document,
and what record 2 of the B2 carries in gestion unique and with a DRE. SQLite and PostgreSQL (``ctx``)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from feuille.auth import Context
from feuille.billing import amc_part, amc_transmission, drafts
from feuille.domain import conventions as dom
from feuille.errors import ValidationError
from feuille.practice import amc_contracts, amc_conventions, organisms
from feuille.storage.models import AuditEntry, Invoice
from feuille.transmission import settings as tt_settings
from tests.billing.support import consultation, practice
from tests.billing.test_drafts import count

AMC = "1100000000"


def organism(ctx: Context, **changes: Any) -> int:
    data = {"name": "MUT TEST CNDA", "number": AMC, "contract_type": "01", "dre_accepted": True,
            "dre_address": f"{AMC}@amc.rss.fr"}
    return organisms.add_amc_organism(ctx, {**data, **changes})


def contract(ctx: Context, patient: int, organism_id: int | None = None, **changes: Any) -> int:
    data: dict[str, Any] = {"formula": "052", **changes}
    if organism_id is not None:
        data["amc_organism_id"] = organism_id
    else:
        data.update({"amc_name": "MUT TEST CNDA", "amc_number": AMC})
    return amc_contracts.add_amc_contract(ctx, patient, data)


def convention(ctx: Context, kind: str = "CM", criterion: str | None = "T", **changes: Any) -> int:
    data = {"signatory_id": AMC, "signatory_label": "Zz1", "convention_type": kind, "amc_number": AMC,
            "dre": True, **({"secondary_criterion": criterion} if criterion else {}), **changes}
    return amc_conventions.add_convention(ctx, data)


def stored(ctx: Context, invoice_id: int) -> dict[str, Any]:
    with ctx.db.read() as session:
        row = session.get(Invoice, invoice_id)
        assert row is not None
        return dict(json.loads(row.document))


def payer(contract_id: int, **more: Any) -> dict[str, Any]:
    return {"amc_contract": contract_id, "tp_amo": True, "tp_amc": True, **more}


PEC = {"number": "1234", "date": "2025-01-10"}


# --- conventions --------------------------------------------------------------------------------------------------

def test_one_convention_in_the_directory_is_chosen_and_frozen(ctx: Context) -> None:
    setup = practice(ctx)
    chosen = convention(ctx, pec_required=True)
    mine = contract(ctx, setup.patient, organism(ctx))
    view = drafts.create_draft(ctx, consultation(payer=payer(mine, pec=PEC)))
    frozen = stored(ctx, view.id)["amc_transmission"]
    assert frozen == {"amc_number": AMC, "contract_type": "01", "management": "separee", "routing": "dre",
                      "convention": {"source": "annuaire", "signatory_id": AMC, "convention_type": "CM",
                                     "secondary_criterion": "T", "agreement_type": None, "group_convention": None,
                                     "dre": True, "pec_required": True},
                      "pec": {"number": "1234", "date": "2025-01-10"}}
    assert chosen and view.totals["amc"] == "6.90"
    fields = amc_part.record_2_fields(stored(ctx, view.id), Decimal("6.90"))
    assert fields == {"amc_separate": "F", "dre": "D", "contract_type": "01", "amc_number": AMC,
                      "pec_number": "1234", "pec_date": "250110", "convention_type": "CM", "secondary_criterion": "T"}


def test_several_conventions_ask_for_a_choice_then_the_chosen_one_is_kept(ctx: Context) -> None:
    setup = practice(ctx)
    convention(ctx, "CM", "T")
    convention(ctx, "CM", "U", dre=False)
    mine = contract(ctx, setup.patient, organism(ctx))
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(payer=payer(mine)))
    assert caught.value.code == "amc_convention_missing" and "CM / T, CM / U" in caught.value.message
    assert amc_transmission.list_conventions(ctx, mine) == [sp_convention("CM", "T"), sp_convention("CM", "U")]
    view = drafts.create_draft(ctx, consultation(payer=payer(mine), specifics={"amc_convention": {
        "type": "CM", "criterion": "U"}}))
    frozen = stored(ctx, view.id)["amc_transmission"]
    assert frozen["convention"]["secondary_criterion"] == "U"
    assert frozen["routing"] == "aucune"   # the convention does not allow DRE: the AMC part stays off the wire
    assert amc_part.record_2_fields(stored(ctx, view.id), Decimal("6.90")) == {"amc_separate": "F"}


def test_top_m_is_frozen_when_the_amc_part_stays_off_the_wire(ctx: Context) -> None:
    """« Demande à la CPAM de transmettre à la mutuelle (top M) » (manual 003 XI A): in gestion séparée without DRE,
    record 2 asks the AMO to forward the AMC part (feuille's own column 41), as the setting was when the draft was
    made; with a DRE the complementary gets its own copy and no top M is written."""
    setup = practice(ctx)
    without_dre = contract(ctx, setup.patient, organism(ctx, dre_accepted=False, dre_address=None))
    before = drafts.create_draft(ctx, consultation(payer=payer(without_dre)))
    tt_settings.update(ctx, {"top_m": True})
    after = drafts.create_draft(ctx, consultation(payer=payer(without_dre)))
    assert amc_part.record_2_fields(stored(ctx, before.id), Decimal("6.90")) == {"amc_separate": "F"}
    assert amc_part.record_2_fields(stored(ctx, after.id), Decimal("6.90")) == {"amc_separate": "F", "top_m": "M"}
    assert stored(ctx, after.id)["amc_transmission"]["top_m"] is True
    tt_settings.update(ctx, {"top_m": False})
    assert amc_part.record_2_fields(stored(ctx, after.id), Decimal("6.90"))["top_m"] == "M"   # frozen in the draft


def sp_convention(kind: str, criterion: str | None) -> Any:
    from feuille.billing.specifics import Convention
    return Convention(kind, criterion)


def test_too_many_conventions_are_refused_then_the_refined_search_finds_one(ctx: Context, tmp_path: Path) -> None:
    setup = practice(ctx)
    rows = [f"S{n:04d};CM;C{n:03d};{AMC};oui" for n in range(dom.SEARCH_LIMIT)] + [f"S9999;CM;T;{AMC};oui"]
    csv = tmp_path / "conventions.csv"
    csv.write_text("id_signataire;type_convention;critere_secondaire;numero_amc;dre\n" + "\n".join(rows) + "\n",
                   encoding="utf-8")
    assert amc_conventions.import_conventions(ctx, csv) == amc_conventions.ImportResult(dom.SEARCH_LIMIT + 1, 0, 0)
    mine = contract(ctx, setup.patient, organism(ctx))
    before = count(ctx, Invoice)
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(payer=payer(mine)))
    assert caught.value.code == "amc_conventions_too_many" and caught.value.field == "specifics.amc_convention"
    assert caught.value.message.startswith("Il y a trop de conventions avec ce numéro : renseignez le type de "
                                           "convention et le critère secondaire (carte mutuelle).")
    assert count(ctx, Invoice) == before
    with pytest.raises(ValidationError):
        amc_transmission.list_conventions(ctx, mine)
    refined = amc_transmission.list_conventions(ctx, mine, sp_convention("CM", "T"))
    assert refined == [sp_convention("CM", "T")]
    view = drafts.create_draft(ctx, consultation(payer=payer(mine), specifics={"amc_convention": {
        "type": "CM", "criterion": "T"}}))
    assert stored(ctx, view.id)["amc_transmission"]["convention"]["signatory_id"] == "S9999"
    # The carte mutuelle's values recorded on the contract refine the search by themselves.
    from_card = contract(ctx, setup.patient, organism_id=None, convention_type="CM", secondary_criterion="C007")
    other = drafts.create_draft(ctx, consultation(payer=payer(from_card)))
    assert stored(ctx, other.id)["amc_transmission"]["convention"]["signatory_id"] == "S0007"


def test_a_disabled_convention_is_not_offered(ctx: Context) -> None:
    setup = practice(ctx)
    convention(ctx, "CM", "T")
    convention(ctx, "CM", "U", disabled=True)
    mine = contract(ctx, setup.patient, organism(ctx))
    view = drafts.create_draft(ctx, consultation(payer=payer(mine)))
    assert stored(ctx, view.id)["amc_transmission"]["convention"]["secondary_criterion"] == "T"
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(payer=payer(mine), specifics={"amc_convention": {
            "type": "CM", "criterion": "U"}}))
    assert caught.value.code == "amc_convention" and "n'est pas identifiée" in caught.value.message


# --- PEC ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("pec", "code", "field"), [
    ("1234", "pec", "payer.pec"),
    ({"number": "12 34!", "date": "2025-01-10"}, "pec", "payer.pec.number"),
    ({"number": "1" * 19, "date": "2025-01-10"}, "pec", "payer.pec.number"),
    ({"number": 1234, "date": "2025-01-10"}, "pec", "payer.pec.number"),
    ({"number": "1234"}, "date_missing", "payer.pec.date"),
    ({"number": "1234", "date": "10/01/2025"}, "invoice_date", "payer.pec.date"),
    ({"number": "1234", "date": "2025-01-15"}, "pec_date", "payer.pec.date"),
    ({"number": "1234", "date": "2025-01-10", "montant": 100}, "unknown_key", "payer.pec.montant"),
])
def test_a_bad_pec_is_refused_in_french_and_nothing_is_written(ctx: Context, pec: object, code: str,
                                                                field: str) -> None:
    setup = practice(ctx)
    convention(ctx)
    mine = contract(ctx, setup.patient, organism(ctx))
    before = count(ctx, Invoice), count(ctx, AuditEntry)
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(payer=payer(mine, pec=pec)))
    assert (caught.value.code, caught.value.field) == (code, field)
    assert (count(ctx, Invoice), count(ctx, AuditEntry)) == before


def test_a_convention_requiring_a_pec_refuses_the_invoice_without_one(ctx: Context) -> None:
    setup = practice(ctx)
    convention(ctx, pec_required=True)
    mine = contract(ctx, setup.patient, organism(ctx))
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(payer=payer(mine)))
    assert caught.value.code == "pec_required" and "onglet PEC" in caught.value.message
    assert drafts.create_draft(ctx, consultation(payer=payer(mine, pec=PEC))).id


def test_a_pec_without_complementary_contract_is_refused(ctx: Context) -> None:
    practice(ctx)
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(payer={"tp_amo": True, "pec": PEC}))
    assert (caught.value.code, caught.value.field) == ("pec", "payer.pec")


def test_a_computed_key_given_in_the_input_is_replaced(ctx: Context) -> None:
    setup = practice(ctx)
    view = drafts.create_draft(ctx, consultation(amc_transmission={"routing": "dre", "amc_number": "666"}))
    assert "amc_transmission" not in stored(ctx, view.id)
    assert setup.patient


# --- gestion unique -----------------------------------------------------------------------------------------------

def test_gestion_unique_carries_the_amc_part_in_the_fse(ctx: Context) -> None:
    setup = practice(ctx)
    c2s = organism(ctx, name="C2S", number="99999997", contract_type="89", management="unique", dre_accepted=False,
                   dre_address=None)
    mine = contract(ctx, setup.patient, c2s)
    view = drafts.create_draft(ctx, consultation(payer=payer(mine)))
    document = stored(ctx, view.id)
    assert document["amc_transmission"]["routing"] == "fse"
    assert not amc_part.has_dre(document, Decimal("6.90"))
    assert amc_part.record_2_fields(document, Decimal("6.90")) == {"contract_type": "89",
                                                                    "amc_number": "0099999997"}
    assert amc_part.record_2_fields(document, Decimal("0.00")) == {}


def test_no_dre_without_tiers_payant_on_the_amc_part(ctx: Context) -> None:
    setup = practice(ctx)
    convention(ctx)
    mine = contract(ctx, setup.patient, organism(ctx))
    view = drafts.create_draft(ctx, consultation(payer={"amc_contract": mine, "tp_amo": True, "tp_amc": False}))
    document = stored(ctx, view.id)
    assert document["amc_transmission"]["routing"] == "dre" and not amc_part.has_dre(document, Decimal("6.90"))
    assert amc_part.record_2_fields(document, Decimal("6.90")) == {"amc_separate": "F"}


def test_an_amc_number_with_letters_cannot_be_teletransmitted(ctx: Context) -> None:
    setup = practice(ctx)
    letters = organism(ctx, number="AB12", dre_accepted=True)
    mine = contract(ctx, setup.patient, letters)
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(payer=payer(mine)))
    assert caught.value.code == "amc_b2" and "n'est pas télétransmissible" in caught.value.message
