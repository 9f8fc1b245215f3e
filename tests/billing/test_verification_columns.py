"""Signed means sealed: every column of every invoice table, edited one at a time, is reported by the verification.

The invoice tables are read from the SQLAlchemy metadata (``invoices`` and every table with a foreign key to it),
so a table or a column added later is edited here too without being listed. What may change after signing
(``invoices.state``, ``version``, ``updated_at``, ``paper_sent`` and every row of the dependent tables) is covered
by the audit chain's snapshot; everything else by the signed content.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from feuille.auth import Context
from feuille.billing import (
    attachments,
    idempotency,
    payments,
    portable,
    rate_check,
    sealing,
    securing,
    state_bulk,
    verification,
)
from feuille.domain.invoices import Event
from feuille.errors import ConflictError, StateError
from feuille.practice import patients
from feuille.returns import corrections, integration, rejects
from feuille.storage.models import Invoice, InvoiceLine, Lot, LotInvoice
from feuille.transmission import lotting, releases
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, practice
from tests.billing.test_securing import PDF, consultation, priced
from tests.practice.test_patients import DESMAUX_CARD
from tests.returns import support as returns_support


def sealed_invoices(ctx: Context) -> tuple[int, int]:
    """A: tiers payant, degraded, its care sheet attached, a payment. B: signed on the portable reader at the
    patient's with the Vitale card, finalised at the desk, released from the automatic blocking. Both put in lots
    (degraded and SESAM-Vitale: two lots). C: priced, not signed."""
    practice(ctx)
    patients.create_patient(ctx, {k: v for k, v in DESMAUX_CARD.items() if k != "amc_contracts"})  # another one
    created, _ = idempotency.create_draft_once(ctx, consultation(), "cle-du-scenario")  # a row of request_keys
    a = rate_check.check_rates(ctx, created.id).id
    securing.secure(ctx, a, "degrade", FakeReader().insert(CPS_MEDECIN))
    attachments.attach(ctx, a, "feuille.pdf", PDF)
    payments.pay(ctx, a, "CB", "5.00")
    b = priced(ctx)
    portable.load(ctx, [b])
    recap = portable.sign(ctx, FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI), [b], pin="1234")
    assert [line.id for line in recap.signed] == [b]
    portable.unload(ctx)
    securing.finalise(ctx, b, FakeReader().insert(CPS_MEDECIN))
    releases.release(ctx, [b])  # released from the automatic blocking (a row of transmission_releases)
    assert [lot.invoice_count for lot in lotting.put_in_lots(ctx).lots] == [1, 1]  # rows of lot_invoices
    priced(ctx)  # a third invoice, not signed, that a row of theirs can be moved to
    return a, b


def rejected_handled_and_corrected(ctx: Context, invoice_id: int) -> None:
    """The invoice sent, rejected by a NOEMIE return (rows of return_invoices), its reject handled and corrected
    (rows of reject_handlings, one of them naming the correction)."""
    with ctx.db.transaction() as session:
        state_bulk.advance_many(ctx, session, [invoice_id], Event.SEND)
        row = session.get(Invoice, invoice_id)
        assert row is not None and row.number is not None
        lot = session.scalars(sa.select(Lot).join(LotInvoice, LotInvoice.lot_id == Lot.id)
                              .where(LotInvoice.invoice_id == invoice_id)).one()
        lines = tuple((line.line_number, line.code, line.quantity, line.amo) for line in session.scalars(
            sa.select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.line_number)))
        invoice = returns_support.SentInvoice(row.id, row.number, (row.patient_nir or "").replace(" ", ""), row.amo,
                                              row.amc, lines)
        sent = returns_support.Sent(lot.id, lot.number, lot.lot_date, (invoice,))
    rejected = returns_support.answer(invoice, sent, status="R", reject="ASSURE INCONNU")
    report = integration.integrate_file(ctx, returns_support.write(returns_support.file_of(sent, [rejected])))
    assert report.matched == 1, report
    rejects.mark_handled(ctx, invoice_id, "Rappel de la caisse")
    corrections.correct(ctx, invoice_id)


def problems(ctx: Context) -> list[str]:
    return [f"{r.invoice_id}: {p}" for r in verification.verify_all(ctx) for p in r.problems]


def tables() -> list[sa.Table]:
    return [Invoice.__table__, *(table for table, _ in sealing.dependent_tables())]


def candidates(session: sa.orm.Session, column: sa.Column[Any], current: object) -> list[object]:
    """New values to try, the first the database accepts is used: for a foreign key, the other rows it may point
    to; else a value of the column's type that differs from ``current``."""
    others: list[object] = []
    for fk in column.foreign_keys:
        target = fk.column
        others += list(session.scalars(sa.select(target).where(target != current) if current is not None
                                       else sa.select(target)))
    return [*others, changed_value(column, current)]


def changed_value(column: sa.Column[Any], current: object) -> object:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return not current
    if isinstance(kind, sa.Integer):
        return current + 1000 if isinstance(current, int) else 4242  # past the numbers and ids in use
    if isinstance(kind, sa.Numeric):
        return (current or Decimal(0)) + Decimal("1.00")
    if isinstance(kind, sa.DateTime):
        return (current or datetime(2025, 1, 1)) + timedelta(seconds=1)
    if isinstance(kind, sa.Date):
        return (current or date(2025, 1, 1)) - timedelta(days=1)
    if isinstance(kind, sa.LargeBinary):
        data = bytes(current or b"")
        return data[:-1] + bytes([data[-1] ^ 1]) if data else b"x"
    if isinstance(kind, sa.String | sa.Text):
        text = str(current or "")
        last = "Y" if text.endswith("X") else "X"
        length = getattr(kind, "length", None)
        return (text[:-1] + last) if length and len(text) >= length else text + last
    raise AssertionError(f"no edit for {column}")


def _rows(session: sa.orm.Session, table: sa.Table, invoices: tuple[int, int]) -> list[Any]:
    if table is Invoice.__table__:
        return list(session.execute(sa.select(table).where(table.c.id.in_(invoices))).mappings())
    # A table may refer to invoices twice (a reject's handling: the invoice and its correction): a row is theirs
    # by either key.
    keys = [column for dependent, column in sealing.dependent_tables() if dependent is table]
    return list(session.execute(sa.select(table).where(sa.or_(*(key.in_(invoices) for key in keys)))).mappings())


def edit(ctx: Context, table: sa.Table, column: sa.Column[Any], invoices: tuple[int, int]) -> tuple[Any, object]:
    """Change ``column`` in the first row of ``table`` that belongs to one of ``invoices``; (where, old value).
    Returns None for ``where`` when the database itself refuses the edit (a key other rows refer to)."""
    with ctx.db.transaction() as session:
        found = _rows(session, table, invoices)
        assert found, f"{table.name}: no row to edit (the scenario must give every invoice table a row)"
        row = found[0]
        where = sa.and_(*(c == row[c.name] for c in table.primary_key.columns))
        old = row[column.name]
        tries = candidates(session, column, old)
    for new in tries:
        try:
            with ctx.db.transaction() as session:
                session.execute(sa.update(table).where(where).values({column.name: new}))
            break
        except DBAPIError:
            continue
    else:
        return None, old  # refused by the database (a key other rows refer to): not an edit that can be made
    primary = column.primary_key
    return (sa.and_(*(c == (new if c is column else row[c.name]) for c in table.primary_key.columns))
            if primary else where), old


def test_every_column_of_every_invoice_table_edited_is_reported(ctx: Context) -> None:
    invoices = sealed_invoices(ctx)
    rejected_handled_and_corrected(ctx, invoices[1])
    assert problems(ctx) == []
    covered, refused = [], []
    for table in tables():
        for column in table.columns:
            where, old = edit(ctx, table, column, invoices)
            name = f"{table.name}.{column.name}"
            if where is None:
                refused.append(name)
                continue
            found = problems(ctx)
            assert found, f"{name}: edit not reported"
            with ctx.db.transaction() as session:
                session.execute(sa.update(table).where(where).values({column.name: old}))
            assert problems(ctx) == [], f"{name}: restored, yet {problems(ctx)}"
            covered.append(name)
    # Only keys may be refused by the database itself: those other rows refer to (an invoice's, a return's, by
    # its acts and rejects), and a return's file and transfer (the scenario has one of each: no other to point to).
    assert set(refused) <= {"invoices.id", "return_invoices.id", "return_invoices.noemie_file_id",
                            "return_invoices.transfer_id"}, refused
    assert len(covered) > 50


def test_the_reports_name_the_field_and_both_values(ctx: Context) -> None:
    a, _ = sealed_invoices(ctx)
    with ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == a).values(due_by_patient=Decimal("0.00"),
                                                                           secure_mode="synchronise"))
    found = verification.verify_invoice(ctx, a).problems
    assert "reste dû par le patient modifié en base (signé 6,90, trouvé 0,00)." in found
    assert "mode de sécurisation modifié en base (signé dégradé, trouvé SESAM-Vitale synchronisé)." in found


def test_dates_states_and_natures_are_shown_in_french(ctx: Context) -> None:
    """JJ/MM/AAAA and the labels of the domain tables, never ISO dates or stored codes (review, issue 16)."""
    a, b = sealed_invoices(ctx)
    with ctx.db.transaction() as session:
        signed_date = session.scalar(sa.select(Invoice.invoice_date).where(Invoice.id == a))
        assert signed_date is not None
        session.execute(sa.update(Invoice).where(Invoice.id == a).values(
            invoice_date=signed_date - timedelta(days=1), nature="at"))
        session.execute(sa.update(Invoice).where(Invoice.id == b).values(state="paid"))
    found = verification.verify_invoice(ctx, a).problems
    before, after = f"{signed_date:%d/%m/%Y}", f"{signed_date - timedelta(days=1):%d/%m/%Y}"
    assert f"date de la facture modifiée en base (signé {before}, trouvé {after})." in found
    assert "nature d'assurance modifiée en base (signé maladie, trouvé accident du travail)." in found
    assert "état modifié en base (journal en lot, trouvé payée)." in verification.verify_invoice(ctx, b).problems


def test_a_signature_forged_with_any_new_key_is_refused(ctx: Context) -> None:
    """Replacing the signature, its public key and its hash with a new key's passes no more: the key must be the
    certificate registered for the card."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from feuille.domain.invoices import digest
    from feuille.storage.models import InvoiceSignature

    a, _ = sealed_invoices(ctx)
    forger = ec.generate_private_key(ec.SECP256R1())
    with ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == a).values(patient_part=Decimal("0.00")))
        row = session.get(Invoice, a)
        assert row is not None
        data = sealing.signed_bytes(session, row, "secured")
        public = forger.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        session.execute(sa.update(InvoiceSignature).where(InvoiceSignature.invoice_id == a).values(
            value=forger.sign(data, ec.ECDSA(hashes.SHA256())), public_key=public, signed_hash=digest(data),
            signed_data=data))
    found = verification.verify_invoice(ctx, a).problems
    assert any("n'est pas celle du certificat de la carte CPS-MED" in p for p in found)
    assert any(p.startswith("signature finale (carte CPS-MED) invalide") for p in found)


def test_securing_refuses_lines_altered_after_the_rate_check(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    with ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == invoice).values(
            patient_part=Decimal("0.00"), priced=sa.func.replace(Invoice.priced, '"6.90"', '"0.00"')))
    with pytest.raises(StateError) as refused:
        securing.secure(ctx, invoice, "degrade", FakeReader().insert(CPS_MEDECIN))
    assert refused.value.code == "priced_altered"
    assert "part patient enregistré 0,00, recalculé 6,90" in refused.value.message
    assert verification.verify_invoice(ctx, invoice).checks == ()


def test_a_card_presenting_another_key_is_refused(ctx: Context) -> None:
    practice(ctx)
    securing.secure(ctx, priced(ctx), "degrade", FakeReader().insert(CPS_MEDECIN))
    from cryptography.hazmat.primitives.asymmetric import ec

    counterfeit = FakeReader(keys={"CPS-MED": ec.generate_private_key(ec.SECP256R1())}).insert(CPS_MEDECIN)
    invoice = priced(ctx)
    with pytest.raises(ConflictError) as refused:
        securing.secure(ctx, invoice, "degrade", counterfeit)
    assert refused.value.code == "card_certificate_mismatch"
    assert verification.verify_invoice(ctx, invoice).checks == ()  # nothing signed, nothing written


def test_cli_verify_lists_every_difference_in_french(db_url: str, ctx: Context) -> None:
    from tests.billing.test_invoices_cli import Run

    a, b = sealed_invoices(ctx)
    run = Run(db_url)
    code, out, _ = run("verify", "--toutes")
    assert code == 0 and "3 facture(s) vérifiée(s), 4 signature(s) ; aucune différence." in out
    with ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == a).values(patient_part=Decimal("0.00")))
        session.execute(sa.update(Invoice).where(Invoice.id == b).values(state="paid"))
    code, out, _ = run("verify", str(a))
    assert code == 7 and f"facture {a} : part patient modifiée en base (signé 6,90, trouvé 0,00)." in out
    code, out, _ = run("verify", "--toutes")
    assert code == 7 and f"facture {b} : état modifié en base (journal en lot, trouvé payée)." in out
    assert "2 facture(s) modifiée(s) en base." in out
    code, out, _ = run("verify", "--toutes", "--json")
    assert code == 7 and [r["ok"] for r in json.loads(out)] == [False, False, True]
    code, _, err = run("verify")
    assert code == 2 and "--toutes" in err
