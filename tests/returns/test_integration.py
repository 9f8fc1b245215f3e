"""Integrating crafted return files (both forms): matched, paid, rejected, partly paid, once, refused, problems."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from feuille.auth import Context
from feuille.domain.lots import LotState
from feuille.errors import ValidationError
from feuille.formats.noemie import ENTITIES, encode
from feuille.formats.noemie_file import Movement, OneOffPayment
from feuille.returns import integration
from feuille.returns.amounts import amounts_for
from feuille.storage.models import (
    FinancialMovement,
    NoemieFileChunk,
    NoemieFileRow,
    OneOffPaymentRow,
    ReturnAct,
    ReturnInvoice,
    ReturnReject,
    TransferRow,
)
from tests.returns.support import answer, file_of, practice, send, write
from tests.support.sending import invoice_states, lot_row

D = Decimal


@pytest.fixture
def desk(ctx: Context) -> Context:
    practice(ctx)
    return ctx


def _count(ctx: Context, model: type) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("blocks", [False, True], ids=["continu", "blocs"])
def test_paid_and_settled(desk: Context, blocks: bool) -> None:
    sent = send(desk, 2)
    data = write(file_of(sent, [answer(i, sent) for i in sent.invoices]), blocks=blocks)
    report = integration.integrate_file(desk, data, name="retour.txt")
    assert report.outcome == "integre", report.problems
    assert (report.invoices, report.matched, report.unmatched) == (2, 2, 0)
    assert invoice_states(desk, [i.id for i in sent.invoices]) == ["paid", "paid"]
    assert lot_row(desk, sent.lot_id).state == LotState.ACQUITTE.value
    with desk.db.read() as session:
        amounts = amounts_for(session, [i.id for i in sent.invoices])
        assert all(a.remaining == 0 and a.paid == i.amo for i, a in zip(sent.invoices, amounts.values(), strict=True))
        acts = list(session.scalars(select(ReturnAct)))
        assert acts and all(a.invoice_line_id is not None and a.difference is None for a in acts)
        transfer = session.scalar(select(TransferRow))
        assert transfer is not None and transfer.computed_total == transfer.declared_total == sum(
            i.amo for i in sent.invoices)
        chunks = b"".join(session.scalars(select(NoemieFileChunk.data).order_by(NoemieFileChunk.seq)))
        assert chunks == data


def test_once(desk: Context) -> None:
    sent = send(desk, 1)
    data = write(file_of(sent, [answer(sent.invoices[0], sent)]))
    first = integration.integrate_file(desk, data, name="a.txt")
    again = integration.integrate_file(desk, data, name="a.txt")
    assert again.outcome == "deja_integre" and again.code == "noemie_deja_integre"
    assert "déjà intégré le" in again.message and again.file_id == first.file_id
    other_bytes = write(file_of(sent, [answer(sent.invoices[0], sent)]), blocks=True)  # same identifier
    assert integration.integrate_file(desk, other_bytes).outcome == "deja_integre"
    assert _count(desk, ReturnInvoice) == 1 and _count(desk, NoemieFileRow) == 1
    with desk.db.read() as session:
        assert amounts_for(session, [sent.invoices[0].id])[sent.invoices[0].id].paid == sent.invoices[0].amo


def test_rejected_partly_paid_and_regularised(desk: Context) -> None:
    sent = send(desk, 3)
    a, b, c = sent.invoices
    half = (b.amo / 2).quantize(D("0.01"))
    data = write(file_of(sent, [answer(a, sent, status="R", reject="ASSURE INCONNU"), answer(b, sent, paid=half),
                                answer(c, sent)]))
    report = integration.integrate_file(desk, data)
    assert report.outcome == "integre", report.problems
    assert invoice_states(desk, [a.id, b.id, c.id]) == ["rejected", "partly_paid", "paid"]
    assert lot_row(desk, sent.lot_id).state == LotState.RSP.value
    with desk.db.read() as session:
        rejects = list(session.scalars(select(ReturnReject)))
        assert {r.entity_kind for r in rejects} == {"290", "294"} and rejects[0].label == "ASSURE INCONNU"
        differences = [d for d in session.scalars(select(ReturnAct.difference)) if d]
        assert any("AMO" in d for d in differences)
    # the rest comes in a later file, then a regularisation takes back more than was paid on c
    later = write(file_of(sent, [answer(b, sent, paid=b.amo - half)], file_id="000002"))
    assert integration.integrate_file(desk, later).outcome == "integre"
    assert invoice_states(desk, [b.id]) == ["paid"]
    back = write(file_of(sent, [answer(c, sent, paid=-c.amo - 1)], file_id="000003"))
    third = integration.integrate_file(desk, back)
    assert third.outcome == "integre_partiel"
    assert [p["code"] for p in third.problems] == ["anomalie"]
    assert invoice_states(desk, [c.id]) == ["anomaly"]


def test_problems_kept_and_integrated_as_far_as_valid(desk: Context) -> None:
    sent = send(desk, 2)
    a, b = sent.invoices
    data = write(file_of(sent, [answer(a, sent, number=999_999), answer(b, sent, lot_number=7),
                                answer(a, sent, claimed=a.amo + 1, nir="2990999999999" "00")],
                         movements=(Movement(1, "D123", "IND", "RPR", D("-5.00")),),
                         payments=(OneOffPayment("00001", D("100.00")),)))
    report = integration.integrate_file(desk, data)
    assert report.outcome == "integre_partiel"
    codes = [p["code"] for p in report.problems]
    assert codes == ["facture_inconnue", "lot_different", "nir_different"], report.problems
    assert (report.invoices, report.matched, report.unmatched) == (3, 1, 2)
    assert invoice_states(desk, [a.id, b.id]) == ["acknowledged", "paid"]
    assert _count(desk, FinancialMovement) == 1 and _count(desk, OneOffPaymentRow) == 1
    with desk.db.read() as session:
        row = session.scalar(select(NoemieFileRow))
        assert row is not None and row.unmatched == 2 and json.loads(row.problems)[0]["code"] == "facture_inconnue"
        matches = sorted(session.scalars(select(ReturnInvoice.match)))
        assert matches == ["auto", "non_rapproche", "non_rapproche"]


def test_addressed_to_another_professional(desk: Context) -> None:
    sent = send(desk, 1)
    file = file_of(sent, [answer(sent.invoices[0], sent)], payee="123456789", recipient="123456789")
    report = integration.integrate_file(desk, write(file))
    assert report.outcome == "refuse" and report.problems[0]["code"] == "destinataire_inconnu"
    assert _count(desk, ReturnInvoice) == 0 and _count(desk, TransferRow) == 0
    assert invoice_states(desk, [sent.invoices[0].id]) == ["acknowledged"]
    assert integration.integrate_file(desk, write(file)).outcome == "deja_integre"
    payee_only = file_of(sent, [answer(sent.invoices[0], sent)], payee="123456789", file_id="000009")
    assert integration.integrate_file(desk, write(payee_only)).outcome == "refuse"


def test_junk_is_reported_not_raised(desk: Context) -> None:
    report = integration.integrate_file(desk, b"\x00garbage\xff" * 10)
    assert report.outcome == "illisible" and report.problems
    assert _count(desk, NoemieFileRow) == 0


def _wrong_settlement_total(text: str, settlement_total: Decimal) -> str:
    """The settlement's closing 990 (closes 03) announcing one euro more than its returns add up to."""
    right = encode(ENTITIES["990"], {"closes": "03", "count": 1, "total": settlement_total, "sign": "P"})
    wrong = encode(ENTITIES["990"], {"closes": "03", "count": 1, "total": settlement_total + 1, "sign": "P"})
    assert text.count(right[5:]) == 1, "the writer's 990 changed"
    return text.replace(right[5:], wrong[5:])


def test_a_wrong_transfer_total_is_reported_and_the_rest_integrated(desk: Context) -> None:
    sent = send(desk, 1)
    invoice = sent.invoices[0]
    text = write(file_of(sent, [answer(invoice, sent)])).decode("latin-1")
    report = integration.integrate_file(desk, _wrong_settlement_total(text, invoice.amo).encode("latin-1"))
    assert report.outcome == "integre_partiel"
    # the stream checks the 990 itself (noemie_control_total); the integration checks paid − withheld against it
    assert {"total_virement", "noemie_control_total"} & {p["code"] for p in report.problems}, report.problems
    assert invoice_states(desk, [invoice.id]) == ["paid"]
    with desk.db.read() as session:
        transfer = session.scalar(select(TransferRow))
        assert transfer is not None and transfer.computed_total == invoice.amo


@pytest.mark.parametrize("name", ["absent.txt", "a\x00b", "."])
def test_a_path_that_cannot_be_read_is_refused_in_french(desk: Context, name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        integration.integrate_file(desk, name)
    assert refused.value.code == "noemie_fichier" and "illisible" in refused.value.message
