"""« Op. Ponctuelles » (manual 003 X): payments tied to no invoice, withholdings, and the detail of one."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from feuille.auth import Context
from feuille.errors import NotFoundError, ValidationError
from feuille.returns import one_off
from feuille.storage.models import OneOffPaymentRow
from tests.returns.transfer_data import MANUAL, VIR_7FR_2, add

D = Decimal


def test_the_manuals_payments(ctx: Context) -> None:
    add(ctx, *MANUAL)
    _, rows = one_off.payments(ctx, "29/04/2024", "29/05/2024")
    assert [(r.accounting_date, r.organism, r.code, r.label, r.amount) for r in rows] == [
        (date(2024, 5, 29), "10349000", "CODE1", "LIBELLE1", D("40.00")),
        (date(2024, 5, 29), "10349000", "CODE2", "LIBELLE2", D("60.00"))]
    assert rows[0].to_json()["montant"] == "40.00"


def test_the_manuals_withholdings(ctx: Context) -> None:
    add(ctx, *MANUAL)
    _, rows = one_off.withholdings(ctx, "29/04/2024", "29/05/2024", "01349000")
    assert [(r.accounting_date, r.transfer_label, r.debt_reference, r.amount) for r in rows] == [
        (date(2024, 5, 29), "VIR AMO LIGNE 1-9FR", "DETTE9FR", D("3.22"))]
    assert rows[0].to_json()["operation_libelle"] == "Retenue sur prestation"
    _, both = one_off.withholdings(ctx, "29/04/2024", "29/05/2024")
    assert [r.debt_reference for r in both] == ["DETTE7FR", "DETTE9FR"]


def test_the_manuals_detail(ctx: Context) -> None:
    add(ctx, *MANUAL)
    _, rows = one_off.payments(ctx, "29/04/2024", "29/05/2024")
    found = dict(one_off.detail(ctx, str(rows[0].id)).rows)
    assert found["Date comptable"] == "29/05/2024"
    assert found["NIR"] == "PAT01 00"
    assert found["Date naissance"] == "30/11/1999"
    assert found["Rang"] == "Inconnu"
    assert found["Type retour"] == "Paiements ponctuels ou forfaitaires"
    assert found["Libellé virement 1"] == "VIR AMO LIGNE 1-7FR-2"
    assert found["Libellé virement 2"] == "VIR AMO LIGNE 2 -7FR-2"
    assert found["Total paiement"] == "40,00"
    assert found["Organisme payeur"] == "10349000"
    assert found["Numéro destinataire"] == "00000992604231"
    assert found["Type destinataire"] == "Autres partenaires de santé"
    assert found["Numéro destinataire règl."] == "000000992604231"


def test_a_detail_without_readable_details_still_shows(ctx: Context) -> None:
    add(ctx, replace(VIR_7FR_2, one_off=VIR_7FR_2.one_off[:1]))
    with ctx.db.transaction() as session:
        session.execute(update(OneOffPaymentRow).values(details="pas du JSON"))
    _, [row] = one_off.payments(ctx, "29/04/2024", "29/05/2024")
    assert row.label == ""
    found = one_off.detail(ctx, row.id)
    assert dict(found.rows)["NIR"] == "" and found.details == []
    assert json.dumps(found.to_json())


@pytest.mark.parametrize(("raw", "shown"), [("991130", "30/11/1999"), ("240229", "29/02/2024"),
                                            ("990231", "990231"), ("", ""), ("12", "12"), ("250116", "16/01/1925")])
def test_birth_dates(raw: str, shown: str) -> None:
    assert one_off.birth_date(raw, date(2025, 1, 15)) == shown


@pytest.mark.parametrize("junk", ["", "x", "0", None, [], "1 2"])
def test_detail_refuses_junk(ctx: Context, junk: object) -> None:
    with pytest.raises(ValidationError):
        one_off.detail(ctx, junk)


def test_detail_of_an_unknown_payment(ctx: Context) -> None:
    with pytest.raises(NotFoundError):
        one_off.detail(ctx, 12)
