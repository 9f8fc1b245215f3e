"""A prescriber created on the spot by an invoice is created as the prescriber commands create it: one audit."""

from __future__ import annotations

import json

import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import drafts
from feuille.practice import prescribers
from feuille.storage.models import AuditEntry
from tests.billing.support import nurse_care, practice


def created(ctx: Context) -> list[dict[str, object]]:
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(AuditEntry.data).where(AuditEntry.action == "prescriber.create")
                               .order_by(AuditEntry.id))
        return [json.loads(data) for data in rows]


def test_both_paths_write_the_same_audit_payload(ctx: Context) -> None:
    practice(ctx)
    drafts.create_draft(ctx, nurse_care())
    prescribers.create_prescriber(ctx, {"last_name": "DOCTEUR", "first_name": "Anne", "number": "991000704"})
    from_invoice, from_command = created(ctx)
    assert from_invoice.pop("from") == "invoice" and "from" not in from_command
    assert set(from_invoice) == set(from_command) == set(prescribers.FIELDS)
    assert from_invoice["number"] == "991000696" and from_invoice["last_name"] == "TOUBIB"
