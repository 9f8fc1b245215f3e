"""« Suivi Virements » (manual 003 IX): the list, the detail with its three parts, and the check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from feuille.auth import Context
from feuille.errors import NotFoundError, ValidationError
from feuille.returns import transfers
from feuille.returns.codes import Table, known, label
from tests.returns.transfer_data import MANUAL, VIR_1FR, VIR_7FR_2, VIR_9FR, VIR_REGUL, add

D = Decimal


def test_the_manuals_list(ctx: Context) -> None:
    add(ctx, *MANUAL)
    span, rows = transfers.listing_transfers(ctx, "29/04/2024", "29/05/2024")
    assert span.label() == "du 29/04/2024 au 29/05/2024"
    assert [(r.settlement_date, r.label, r.paying_organism, r.paid) for r in rows] == [
        (date(2024, 5, 28), "VIR AMO LIGNE 1-1FR VIR AMO LIGNE 2 -1FR", "01349000", D("5.52")),
        (date(2024, 5, 29), "VIR AMO LIGNE 1-7FR VIR AMO LIGNE 2 -7FR", "10349000", D("5.52")),
        (date(2024, 5, 29), "VIR AMO LIGNE 1-7FR-2 VIR AMO LIGNE 2 -7FR-2", "10349000", D("94.48")),
        (date(2024, 5, 29), "VIR AMO LIGNE 1-9FR VIR AMO LIGNE 2 -9FR", "01349000", D("3.22"))]
    assert all(r.check.ok and r.check.message() == "conforme" for r in rows)


def test_filters_by_dates_and_organism(ctx: Context) -> None:
    add(ctx, *MANUAL)
    _, rows = transfers.listing_transfers(ctx, "2024-05-29", "2024-05-29", " 10 349 000 ")
    assert [r.label_1 for r in rows] == ["VIR AMO LIGNE 1-7FR", "VIR AMO LIGNE 1-7FR-2"]
    _, none = transfers.listing_transfers(ctx, "01/01/2024", "27/05/2024")
    assert none == []
    _, one = transfers.listing_transfers(ctx, "01/01/2024", "31/12/2024", limit=1)
    assert len(one) == 1


def test_the_default_period_is_the_last_30_days(ctx: Context) -> None:
    # the fixed clock says 15/01/2025
    add(ctx, replace(VIR_1FR, day=date(2024, 12, 16)), replace(VIR_9FR, day=date(2024, 12, 15)))
    span, rows = transfers.listing_transfers(ctx)
    assert (span.start, span.end) == (date(2024, 12, 16), date(2025, 1, 15))
    assert [r.label_1 for r in rows] == ["VIR AMO LIGNE 1-1FR"]


def test_accounting_days_are_listed_on_demand(ctx: Context) -> None:
    add(ctx, VIR_1FR, replace(VIR_9FR, is_transfer=False, label_1="", label_2="", organism=""))
    assert len(transfers.listing_transfers(ctx, "01/05/2024", "31/05/2024")[1]) == 1
    assert len(transfers.listing_transfers(ctx, "01/05/2024", "31/05/2024", accounting_days=True)[1]) == 2


def test_detail_of_one_off_payments_and_withholding(ctx: Context) -> None:
    [transfer_id] = add(ctx, VIR_7FR_2)
    found = transfers.detail(ctx, str(transfer_id))
    assert found.invoices == []
    assert [(m.debt_reference, m.debt_date, label(Table.DEBT_NATURE, m.debt_nature),
             label(Table.OPERATION, m.operation), m.amount, m.remaining) for m in found.movements] == [
        ("DETTE7FR", date(2024, 5, 29), "Opposition interne paiement en double", "Constat initial", D("5.52"), D("0")),
        ("DETTE7FR", date(2024, 5, 29), "Opposition interne paiement en double", "Retenue sur prestation",
         D("-5.52"), D("0"))]
    assert [(p.code, p.label, p.amount) for p in found.one_off] == [("CODE1", "LIBELLE1", D("40.00")),
                                                                    ("CODE2", "LIBELLE2", D("60.00"))]
    assert [m.operation for m in found.withholdings] == ["RPR"]
    check = found.transfer.check
    assert (check.invoices, check.one_off, check.withheld, check.computed, check.declared) == (
        D("0.00"), D("100.00"), D("5.52"), D("94.48"), D("94.48"))
    data = found.to_json()
    assert data["controle"]["conforme"] is True and data["retenues_ponctuelles"][0]["montant"] == "-5.52"
    assert data["fichier"] == {"source": "essai-000001.txt", "identifiant": "000001"}


def test_detail_with_a_negative_regularisation(ctx: Context) -> None:
    [transfer_id] = add(ctx, VIR_REGUL)
    found = transfers.detail(ctx, transfer_id)
    [paid] = found.invoices
    assert (paid.number, paid.invoice_date, paid.patient_name, paid.organism, paid.amo_claimed, paid.amo_paid) == (
        "259", date(2024, 5, 29), "ESSAI ALEXA", "10349000", D("4.69"), D("-4.69"))
    assert found.transfer.check.computed == D("-10.21") and found.transfer.check.ok


def test_a_difference_is_shown_and_listed(ctx: Context) -> None:
    # the insurer declares 6,44 but withheld 3,22 on DETTE9FR: what the rows add up to is 3,22
    add(ctx, VIR_1FR, replace(VIR_9FR, declared=D("6.44")), replace(VIR_7FR_2, declared=None))
    _, rows = transfers.listing_transfers(ctx, "01/05/2024", "31/05/2024", differences=True)
    assert [r.label_1 for r in rows] == ["VIR AMO LIGNE 1-9FR", "VIR AMO LIGNE 1-7FR-2"]
    wrong, missing = rows
    assert wrong.check.difference == D("3.22") and wrong.check.message() == "écart de 3,22 €"
    assert wrong.paid == D("6.44")   # what the insurer says it transferred
    assert missing.check.difference is None and "non contrôlé" in missing.check.message()
    assert missing.paid == D("94.48")
    assert wrong.to_json()["controle"]["ecart"] == "3.22"


def test_a_difference_the_other_way(ctx: Context) -> None:
    add(ctx, replace(VIR_1FR, declared=D("2.30")))
    _, [row] = transfers.listing_transfers(ctx, "01/05/2024", "31/05/2024", differences=True)
    assert row.check.difference == D("-3.22") and row.check.message() == "écart de 3,22 €"


@pytest.mark.parametrize("junk", ["", "abc", "0", "-1", "1.5", "٣", "9" * 13, None, 1.5, True])
def test_detail_refuses_junk(ctx: Context, junk: object) -> None:
    with pytest.raises(ValidationError) as caught:
        transfers.detail(ctx, junk)
    assert caught.value.field == "virement"


def test_detail_of_an_unknown_transfer(ctx: Context) -> None:
    with pytest.raises(NotFoundError) as caught:
        transfers.detail(ctx, 999)
    assert caught.value.message == "Virement 999 introuvable."


@pytest.mark.parametrize(("start", "end", "field"), [("32/01/2024", None, "du"), ("x", None, "du"),
                                                     (None, "2024-13-01", "au"), ("02/01/2024", "01/01/2024", "au")])
def test_the_period_refuses_junk(ctx: Context, start: object, end: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        transfers.listing_transfers(ctx, start, end)
    assert caught.value.field == field


def test_labels_come_from_the_table_and_unknown_codes_show_themselves() -> None:
    assert label(Table.OPERATION, "CIN") == "Constat initial"
    assert label(Table.OPERATION, "RPR") == "Retenue sur prestation"
    assert label(Table.DEBT_NATURE, "IND") == "Indu sur prestations"
    assert label(Table.OPERATION, "ZZZ") == "ZZZ" and label(Table.DEBT_NATURE, None) == ""
    assert all(known(t) for t in Table)
