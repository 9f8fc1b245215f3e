"""Where a lot's file takes its invoices' B2 records: ``feuille.billing.fse.b2_invoices`` (records 2 to 5 exactly
as signed, with their record-7 signatures), written in branch ``fse`` (issue 12, helper « fse »).

Until that module is in the tree, a provisional mapping from the invoice row and its typed lines stands in, so that
lots and files can be written and tested; its records are not the signed ones (the caisse de test refuses their
signatures). **To remove when ``feuille.billing.fse`` lands**: replace :func:`b2_invoices` by a direct import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from types import ModuleType
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.billing.state_bulk import chunks
from feuille.formats import b2_file as m
from feuille.storage.models import Invoice, InvoiceLine, InvoiceSignature, Patient

Source = Callable[[Session, Sequence[int]], dict[int, m.Invoice]]
_SIGNERS = {"cps": m.Signer.CPS, "cpe": m.Signer.CPE, "vitale": m.Signer.VITALE, "apcv": m.Signer.VITALE}


def _fse() -> ModuleType | None:
    try:
        return importlib.import_module("feuille.billing.fse")
    except ImportError:
        return None


def b2_invoices(session: Session, ids: Sequence[int]) -> dict[int, m.Invoice]:
    """The B2 invoices of ``ids`` (all of them, in few statements)."""
    fse = _fse()
    if fse is not None and hasattr(fse, "b2_invoices"):
        return cast(dict[int, m.Invoice], fse.b2_invoices(session, ids))
    return provisional(session, ids)


def provisional(session: Session, ids: Sequence[int]) -> dict[int, m.Invoice]:
    out: dict[int, m.Invoice] = {}
    for batch in chunks(list(ids)):
        rows = session.execute(select(Invoice, Patient.amo_regime, Patient.amo_caisse, Patient.amo_centre,
                                      Patient.birth_date).outerjoin(Patient, Patient.id == Invoice.patient_id)
                               .where(Invoice.id.in_(batch))).all()
        lines: dict[int, list[InvoiceLine]] = {}
        for line in session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id.in_(batch))
                                    .order_by(InvoiceLine.invoice_id, InvoiceLine.line_number)):
            lines.setdefault(line.invoice_id, []).append(line)
        signatures: dict[int, list[InvoiceSignature]] = {}
        for signature in session.scalars(select(InvoiceSignature).where(InvoiceSignature.invoice_id.in_(batch))
                                         .order_by(InvoiceSignature.invoice_id, InvoiceSignature.id)):
            signatures.setdefault(signature.invoice_id, []).append(signature)
        for row, regime, caisse, centre, birth in rows:
            out[row.id] = _invoice(row, (regime or "", caisse or "", centre or ""), birth,
                                   lines.get(row.id, []), signatures.get(row.id, []))
    return out


def _birth(text: str | None) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if text else None
    except ValueError:
        return None


def _invoice(row: Invoice, organism: tuple[str, str, str], birth: str | None, lines: list[InvoiceLine],
             signatures: list[InvoiceSignature]) -> m.Invoice:
    nir = (row.patient_nir or "").replace(" ", "")
    header = m.InvoiceHeader(*organism, insurance_nature="10", birth_date=_birth(birth))
    acts = tuple(m.Line(m.Act(care_date=line.care_date, act_code=line.code[:5], quantity=min(line.quantity, 99),
                              coefficient=line.coefficient or Decimal("1.00"),
                              unit_price=line.unit_price or line.base, base=line.base, rate=line.rate,
                              amo=line.amo, fees=line.total, amc=line.amc)) for line in lines)
    signed = tuple(m.InvoiceSignature(_SIGNERS.get(s.card_kind, m.Signer.CPS),
                                      m.SIGNATURE_ALGORITHMS.get(s.algorithm, "ES256"),
                                      m.key_fingerprint(s.public_key), s.value) for s in signatures)
    return m.Invoice(row.billing_number, nir[:13], nir[13:15], row.patient_rank or 1, row.number or 0, header,
                     acts, signatures=signed)
