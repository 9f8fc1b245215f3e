"""Expected, paid and remaining per invoice (returns.amounts), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from feuille.auth import Context
from feuille.returns.amounts import Amounts, amounts_for, amounts_query
from feuille.storage.models import Invoice, NoemieFileRow, ReturnInvoice
from tests.transmission.support import practice, secured

D = Decimal


def _file(session: Any, ctx: Context) -> int:
    row = NoemieFileRow(sha256="a" * 64, received_mail_id=None, source="test", size=0, blocked=False,
                        emitter_type="CP", emitter_number="1", recipient_type="PS", recipient_number="1",
                        file_id="000001", reference="576", created=ctx.clock().date(), flow="T", outcome="integre",
                        problems="[]", invoices=0, unmatched=0, integrated_by="test", integrated_at=ctx.clock())
    session.add(row)
    session.flush()
    return row.id


def _return(file_id: int, invoice_id: int | None, match: str, amo: str, amc: str = "0.00") -> dict[str, Any]:
    return {"noemie_file_id": file_id, "transfer_id": None, "invoice_id": invoice_id, "match": match,
            "return_kind": "01", "lot_number": "001", "lot_date": None, "invoice_number": "000000001",
            "invoice_type": "F", "invoice_date": None, "nir": "", "rank": "1", "patient_name": "",
            "amo_claimed": D(amo), "amo_status": "P", "amo_paid": D(amo), "amc_claimed": D(amc), "amc_status": "P",
            "amc_paid": D(amc), "amc_number": "", "entity": 1, "offset": 0, "matched_by": None, "matched_at": None}


def test_expected_paid_remaining(ctx: Context) -> None:
    practice(ctx)
    first, second, third = (secured(ctx) for _ in range(3))
    with ctx.db.transaction() as session:
        row = session.get(Invoice, third)
        assert row is not None
        document = json.loads(row.document)
        document["amc_transmission"] = {"routing": "fse", "amc_number": "12345678"}
        row.document = json.dumps(document)
        row.amc = D("4.60")
        amo = row.amo
        file_id = _file(session, ctx)
        session.execute(sa.insert(ReturnInvoice), [
            _return(file_id, first, "auto", str(amo)),
            _return(file_id, first, "auto", "-1.00"),           # a regularisation takes back
            _return(file_id, first, "a_rapprocher", "50.00"),   # not matched: not paid
            _return(file_id, None, "non_rapproche", "9.00"),
            _return(file_id, third, "manuel", "5.00", "4.60"),
        ])
    with ctx.db.read() as session:
        found = amounts_for(session, [first, second, third, 999_999])
    assert set(found) == {first, second, third}
    assert found[first] == Amounts(amo, D("0.00"), amo - 1, D("0.00"), 2)
    assert found[first].remaining_amo == D("1.00")
    assert found[second] == Amounts(amo, D("0.00"), D("0.00"), D("0.00"), 0)
    assert found[second].remaining == amo
    assert found[third] == Amounts(amo, D("4.60"), D("5.00"), D("4.60"), 1)
    assert found[third].remaining_amc == D("0.00")


def test_query_joins_and_filters(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    with ctx.db.read() as session:
        rows = session.execute(amounts_query().where(Invoice.__table__.c.id == invoice)).all()
    assert len(rows) == 1
    assert rows[0].remaining_amo == rows[0].expected_amo
    assert rows[0].expected_amc == D("0.00")
