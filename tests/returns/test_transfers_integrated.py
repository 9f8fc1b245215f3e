"""From a NOEMIE file integrated by ``returns.integration`` to « Suivi Virements » and « Op. Ponctuelles »: the
transfer, its paid invoices, the manual's one-off payments CODE1 / CODE2 and the DETTE7FR withholding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from feuille.auth import Context
from feuille.formats.noemie_file import Movement, OneOffDetail, OneOffPayment
from feuille.returns import integration, one_off, transfers
from tests.returns.support import answer, file_of, practice, send, write

D = Decimal


def test_an_integrated_file_reads_back(ctx: Context) -> None:
    practice(ctx)
    sent = send(ctx, 2)
    movements = (Movement(1, "DETTE7FR", "ODL", "CIN", D("5.52"), date(2024, 5, 29)),
                 Movement(2, "DETTE7FR", "ODL", "RPR", D("-5.52"), date(2024, 5, 29)))
    payments = (OneOffPayment("00001", D("40.00"), (OneOffDetail("CODE1", "LIBELLE1", "PAT01", "00", "991130", "",
                                                                  "A", amount=D("40.00")),)),
                OneOffPayment("00002", D("60.00"), (OneOffDetail("CODE2", "LIBELLE2", amount=D("60.00")),)))
    data = write(file_of(sent, [answer(i, sent) for i in sent.invoices], movements=movements, payments=payments))
    report = integration.integrate_file(ctx, data, name="retour.txt")
    assert report.outcome == "integre", report.problems
    day = sent.lot_date.isoformat()
    _, [transfer] = transfers.listing_transfers(ctx, day, day)
    paid = sum((i.amo for i in sent.invoices), D("0.00"))
    assert transfer.label == "VIR AMO 01 349 REF" and transfer.paying_organism == "01349000"
    assert transfer.check.ok and transfer.paid == paid + D("100.00") - D("5.52")
    found = transfers.detail(ctx, transfer.id)
    assert [i.number for i in found.invoices] == [str(i.number) for i in sent.invoices]
    assert [(p.code, p.label, p.amount) for p in found.one_off] == [("00001", "LIBELLE1", D("40.00")),
                                                                    ("00002", "LIBELLE2", D("60.00"))]
    assert [m.operation for m in found.withholdings] == ["RPR"]
    _, lines = one_off.payments(ctx, day, day)
    detail = dict(one_off.detail(ctx, lines[0].id).rows)
    # the reader reads a key of zeros as no key (noemie_reader._opt)
    assert (detail["NIR"], detail["Date naissance"], detail["Période"]) == ("PAT01", "30/11/1999", "Annuel")
    _, [held] = one_off.withholdings(ctx, day, day)
    assert (held.debt_reference, held.amount, held.transfer_label) == ("DETTE7FR", D("5.52"), "VIR AMO 01 349")
