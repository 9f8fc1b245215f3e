"""billing.idempotency (one draft per Idempotency-Key and user) and billing.recap_parts (the recap's parts set by
hand on a stored draft)."""

from __future__ import annotations

import pytest

from feuille.auth import Context, actor_for
from feuille.billing import idempotency, queries, recap_parts
from feuille.billing import wizard_document as wd
from feuille.demo import load_demo
from feuille.errors import ConflictError, ValidationError
from feuille.practice import patients
from feuille.storage import Database


def _doctor(db: Database, ctx: Context) -> tuple[Context, dict[str, object]]:
    load_demo(ctx)
    patient = next(p for p in patients.search_patients(ctx, "DURAND", limit=5) if p.first_name == "Denis")
    doctor = Context(db=db, actor=actor_for(db, "vmedecin"), clock=ctx.clock)
    return doctor, {"date": "2025-01-14", "patient": {"id": patient.id}, "acts": [{"code": "GS"}]}


def test_same_key_same_document_one_invoice(db: Database, ctx: Context) -> None:
    doctor, document = _doctor(db, ctx)
    first, created = idempotency.create_draft_once(doctor, document, "cle-1")
    again, created_again = idempotency.create_draft_once(doctor, dict(reversed(list(document.items()))), "cle-1")
    assert created and not created_again and again.id == first.id and again.totals == first.totals
    with pytest.raises(ConflictError) as refused:
        idempotency.create_draft_once(doctor, {**document, "place": "domicile"}, "cle-1")
    assert refused.value.field == "Idempotency-Key"
    admin_copy, admin_created = idempotency.create_draft_once(
        Context(db=db, actor=actor_for(db, "secretaire"), clock=ctx.clock), {**document, "professional": "001033901"},
        "cle-1")
    assert admin_created and admin_copy.id != first.id  # keys belong to their user (else: 409)
    assert len(queries.list_invoices(ctx)) == 2


def test_refused_document_keeps_no_key(db: Database, ctx: Context) -> None:
    doctor, document = _doctor(db, ctx)
    with pytest.raises(ValidationError):
        idempotency.create_draft_once(doctor, {**document, "acts": [{"code": "!!"}]}, "cle-2")
    view, created = idempotency.create_draft_once(doctor, document, "cle-2")  # the key was not spent
    assert created and view.state == "draft"
    for junk in ("", " ", "x" * 300, "a\nb"):
        with pytest.raises(ValidationError):
            idempotency.check_key(junk)


def test_recap_parts_price_the_draft_again(db: Database, ctx: Context) -> None:
    doctor, document = _doctor(db, ctx)
    view, _ = idempotency.create_draft_once(doctor, document, None)
    same = recap_parts.change_parts(doctor, view.id, [])
    assert same.totals == view.totals
    changed = recap_parts.change_parts(doctor, view.id, [wd.Override(0, amo="19.00")])
    assert changed.totals["amo"] == "19.00" and changed.lines[0].code == "GS"
