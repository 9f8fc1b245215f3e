"""Securing in the four modes: who may sign, the Vitale card, numbering, signatures, crash, tampering."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from feuille import audit
from feuille.auth import Context, Role
from feuille.billing import attachments, cancel, drafts, numbering, rate_check, securing, signing, verification
from feuille.errors import ConflictError, FeuilleError, PermissionDeniedError, StateError, ValidationError
from feuille.storage.models import Invoice, InvoiceNumberCounter, InvoiceSignature
from tests.billing.support import (
    CPE_SECRETAIRE,
    CPS_FIRMIER,
    CPS_MEDECIN,
    CPS_REMPLACANT,
    VITALE_ESSAI,
    VITALE_OTHER,
    FakeReader,
    consultation,
    nurse_care,
    practice,
)
from tests.billing.test_drafts import actions, count
from tests.conftest import context_as

PDF = b"%PDF-1.4 feuille de soins\n%%EOF"


def priced(ctx: Context, doc: dict[str, Any] | None = None) -> int:
    view = drafts.create_draft(ctx, doc or consultation())
    return rate_check.check_rates(ctx, view.id).id


def signatures(ctx: Context, invoice: int) -> list[tuple[str, str]]:
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(InvoiceSignature).where(InvoiceSignature.invoice_id == invoice)
                               .order_by(InvoiceSignature.id))
        return [(r.step, r.card_serial) for r in rows]


def test_synchronised_happy_path_and_idempotent(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    view = securing.secure(ctx, invoice, "synchronise", reader)
    assert view.state == "secured" and view.number == 1 and view.sendable
    assert signatures(ctx, invoice) == [("final", "CPS-MED"), ("vitale", "VIT-ESSAI")]
    assert reader.vitale_signed == reader.signed  # one card operation per card, over the same M
    assert verification.verify_invoice(ctx, invoice).ok
    again = securing.secure(ctx, invoice, "synchronise", reader)
    assert again == view and len(reader.signed) == 1 and actions(ctx).count("invoice.secure") == 1


def test_desynchronised_two_signatures(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    secretary = context_as(ctx.db, Role.SECRETAIRE, "sec")
    first = securing.secure(secretary, invoice, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    assert first.state == "partly_secured" and first.state_label == "à sécuriser" and first.number == 1
    assert not first.sendable
    with pytest.raises(PermissionDeniedError):  # a secretary never does the final signature
        securing.finalise(secretary, invoice, FakeReader().insert(CPS_MEDECIN))
    with pytest.raises(PermissionDeniedError) as caught:  # nor does a CPE, whoever holds it
        securing.finalise(ctx, invoice, FakeReader().insert(CPE_SECRETAIRE))
    assert "CPE" in caught.value.message
    with pytest.raises(PermissionDeniedError) as caught:  # another PS's CPS: first signature only
        securing.finalise(ctx, invoice, FakeReader().insert(CPS_FIRMIER))
    assert caught.value.code == "wrong_cps"
    final = securing.finalise(ctx, invoice, FakeReader().insert(CPS_MEDECIN))
    assert final.state == "secured" and final.number == 1 and final.sendable
    assert signatures(ctx, invoice) == [("first", "CPE-SEC"), ("vitale", "VIT-ESSAI"), ("final", "CPS-MED")]
    assert verification.verify_invoice(ctx, invoice).ok
    assert securing.finalise(ctx, invoice, FakeReader()) == final  # repeated: no-op, no card needed


def test_desynchronised_first_signature_with_another_professionals_cps(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    view = securing.secure(ctx, invoice, "desynchronise", FakeReader().insert(CPS_FIRMIER, VITALE_ESSAI))
    assert view.state == "partly_secured"


def test_crash_between_the_two_signatures_keeps_the_first(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    practice(ctx)
    invoice = priced(ctx)
    securing.secure(ctx, invoice, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    real = audit.record

    def crash(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("action") == "invoice.sign_final":
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", crash)
    with pytest.raises(RuntimeError):
        securing.finalise(ctx, invoice, FakeReader().insert(CPS_MEDECIN))
    monkeypatch.undo()
    assert signatures(ctx, invoice) == [("first", "CPE-SEC"), ("vitale", "VIT-ESSAI")]
    with ctx.db.read() as session:
        row = session.get(Invoice, invoice)
        assert row is not None and row.state == "partly_secured" and row.number == 1
    assert securing.finalise(ctx, invoice, FakeReader().insert(CPS_MEDECIN)).state == "secured"
    assert verification.verify_invoice(ctx, invoice).ok


def test_degraded_needs_its_care_sheet_before_sending(ctx: Context) -> None:
    practice(ctx)
    first, second = priced(ctx), priced(ctx)
    reader = FakeReader().insert(CPS_MEDECIN)  # no Vitale card
    view = securing.secure(ctx, first, "degrade", reader)
    assert view.state == "secured" and not view.sendable
    with pytest.raises(ValidationError):
        attachments.attach(ctx, first, "fds.txt", b"hello")
    attached = attachments.attach(ctx, first, "feuille.pdf", PDF)
    assert attached.sendable and attached.attachments[0]["media_type"] == "application/pdf"
    assert not securing.secure(ctx, second, "degrade", reader).sendable
    assert attachments.mark_paper(ctx, second).sendable
    assert attachments.mark_paper(ctx, second).sendable  # repeated: no-op
    sync = priced(ctx)
    securing.secure(ctx, sync, "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    with pytest.raises(StateError):
        attachments.mark_paper(ctx, sync)


def test_sans_vitale_cps_only(ctx: Context) -> None:
    practice(ctx)
    view = securing.secure(ctx, priced(ctx), "sans-vitale", FakeReader().insert(CPS_MEDECIN))
    assert view.state == "secured" and view.sendable


@pytest.mark.parametrize(("mode", "reader", "code"), [
    ("synchronise", FakeReader().insert(CPS_MEDECIN, None), "no_vitale"),
    ("synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_OTHER), "wrong_vitale"),
    ("desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_OTHER), "wrong_vitale"),
    ("synchronise", FakeReader().insert(None, VITALE_ESSAI), "no_card"),
    ("synchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI), "cpe_final_signature"),
    ("degrade", FakeReader().insert(CPE_SECRETAIRE), "cpe_final_signature"),
    ("sans-vitale", FakeReader().insert(CPS_FIRMIER), "wrong_cps"),
])
def test_securing_refusals_write_nothing(ctx: Context, mode: str, reader: FakeReader, code: str) -> None:
    practice(ctx)
    invoice = priced(ctx)
    with pytest.raises(FeuilleError) as caught:
        securing.secure(ctx, invoice, mode, reader)
    assert caught.value.code == code, caught.value.message
    with ctx.db.read() as session:
        row = session.get(Invoice, invoice)
        assert row is not None and row.state == "priced" and row.number is None
    assert count(ctx, InvoiceSignature) == 0 and count(ctx, InvoiceNumberCounter) == 0


def test_pin_given_wrong_then_blocked(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI, pin=None)
    with pytest.raises(ValidationError) as caught:
        securing.secure(ctx, invoice, "synchronise", reader, pin="0000")
    assert caught.value.code == "wrong_pin" and "2 essai" in caught.value.message
    securing.secure(ctx, invoice, "synchronise", reader, pin="1234")


def test_rates_must_be_checked_and_unchanged(ctx: Context) -> None:
    practice(ctx)
    draft = drafts.create_draft(ctx, consultation()).id
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    with pytest.raises(StateError, match="vérifiez d'abord les taux"):
        securing.secure(ctx, draft, "synchronise", reader)
    rate_check.check_rates(ctx, draft)
    with ctx.db.transaction() as session:  # the input edited behind the service's back
        session.execute(sa.update(Invoice).where(Invoice.id == draft).values(
            document=Invoice.document + " "))
        session.execute(sa.update(Invoice).where(Invoice.id == draft).values(
            document=sa.func.replace(Invoice.document, '"C"', '"G"')))
    with pytest.raises(StateError) as caught:
        securing.secure(ctx, draft, "synchronise", reader)
    assert caught.value.code == "rates_not_checked"


def test_remplacant_signs_for_the_titulaire_only_on_his_days(ctx: Context) -> None:
    setup = practice(ctx)
    on_day = priced(ctx, nurse_care())
    view = securing.secure(ctx, on_day, "synchronise", FakeReader().insert(CPS_REMPLACANT, VITALE_ESSAI))
    assert view.state == "secured"
    off_day = priced(ctx, nurse_care(date="2025-01-12", prescription={"date": "2025-01-10",
                                                                      "prescriber": "991000696"}))
    with pytest.raises(ValidationError) as caught:
        securing.secure(ctx, off_day, "synchronise", FakeReader().insert(CPS_REMPLACANT, VITALE_ESSAI))
    assert caught.value.code == "remplacant_off_calendar" and "12/01/2025" in caught.value.message
    assert securing.secure(ctx, off_day, "synchronise",
                           FakeReader().insert(CPS_FIRMIER, VITALE_ESSAI)).professional_id == setup.firmier


def test_change_and_delete_after_signature_are_refused(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    securing.secure(ctx, invoice, "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    with pytest.raises(StateError, match="immuable"):
        drafts.update_draft(ctx, invoice, consultation())
    with pytest.raises(StateError, match="immuable"):
        cancel.delete_draft(ctx, invoice)
    with pytest.raises(StateError):
        rate_check.check_rates(ctx, invoice)
    with pytest.raises(StateError):
        securing.secure(ctx, invoice, "degrade", FakeReader().insert(CPS_MEDECIN))
    with pytest.raises(StateError):
        securing.finalise(ctx, invoice, FakeReader().insert(CPS_MEDECIN))


def test_numbers_unique_per_professional_and_never_reused(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    practice(ctx)
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    first = securing.secure(ctx, priced(ctx), "synchronise", reader)
    failing = priced(ctx)
    real = audit.record

    def crash(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("action") == "invoice.secure":
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", crash)
    with pytest.raises(RuntimeError):
        securing.secure(ctx, failing, "synchronise", reader)
    monkeypatch.undo()
    second = securing.secure(ctx, priced(ctx), "synchronise", reader)
    third = securing.secure(ctx, failing, "synchronise", reader)
    credit = cancel.cancel_invoice(ctx, first.id, reader)
    nurse = securing.secure(ctx, priced(ctx, nurse_care()), "synchronise", FakeReader().insert(CPS_FIRMIER,
                                                                                               VITALE_ESSAI))
    # The crash came after the card signed: number 2 was drawn, and is recorded unused with the reason.
    assert [first.number, second.number, third.number, credit.number] == [1, 3, 4, 5]
    assert [(u.number, u.invoice_id, u.reason) for u in signing.unused_numbers(ctx)] == [
        (2, failing, "échec de l'enregistrement de la signature (RuntimeError)")]
    assert nurse.number == 1  # per professional
    with ctx.db.transaction() as session:  # a counter left behind never hands out a number in use
        session.execute(sa.update(InvoiceNumberCounter).values(last_number=0))
    assert securing.secure(ctx, priced(ctx), "synchronise", reader).number == 6
    with pytest.raises(sa.exc.IntegrityError), ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == second.id).values(number=1))


def test_number_race_is_retried(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    practice(ctx)
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    taken = securing.secure(ctx, priced(ctx), "synchronise", reader)
    real = numbering.draw_number
    calls: list[int] = []

    def stale(session: Any, professional_id: int) -> int:
        calls.append(professional_id)
        return taken.number if len(calls) == 1 else real(session, professional_id)  # type: ignore[return-value]

    monkeypatch.setattr(numbering, "draw_number", stale)
    assert securing.secure(ctx, priced(ctx), "synchronise", reader).number == 2 and len(calls) == 2
    monkeypatch.setattr(numbering, "draw_number", lambda session, pid: taken.number)
    with pytest.raises(ConflictError):
        securing.secure(ctx, priced(ctx), "synchronise", reader)


@pytest.mark.parametrize("tamper", [
    {"total": "99.00"},
    {"amo": "23.00"},
    {"number": 77},
    {"patient_rank": 2},
    {"priced": sa.func.replace(Invoice.priced, '"16.10"', '"17.10"')},
])
def test_a_tampered_stored_invoice_is_detected(ctx: Context, tamper: dict[str, Any]) -> None:
    practice(ctx)
    invoice = priced(ctx)
    securing.secure(ctx, invoice, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    securing.finalise(ctx, invoice, FakeReader().insert(CPS_MEDECIN))
    assert verification.verify_invoice(ctx, invoice).ok
    with ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == invoice).values(**tamper))
    report = verification.verify_invoice(ctx, invoice)
    # The signatures still hold for what was signed; the stored field differs from it, reported once.
    assert not report.ok and all(check.valid for check in report.checks)
    assert all("modifié" in problem and "(signé " in problem for problem in report.problems)


def test_tampering_between_the_signatures_blocks_the_final_one(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    securing.secure(ctx, invoice, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    with ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == invoice).values(total="1.00"))
    with pytest.raises(StateError) as caught:
        securing.finalise(ctx, invoice, FakeReader().insert(CPS_MEDECIN))
    assert caught.value.code == "invoice_tampered"


def test_a_forged_signature_value_is_detected(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    securing.secure(ctx, invoice, "sans-vitale", FakeReader().insert(CPS_MEDECIN))
    with ctx.db.transaction() as session:
        session.execute(sa.update(InvoiceSignature).values(value=b"\x30\x06\x02\x01\x01\x02\x01\x01"))
    assert not verification.verify_invoice(ctx, invoice).ok


def test_concurrent_securing_gives_distinct_numbers(ctx: Context) -> None:
    from concurrent.futures import ThreadPoolExecutor

    practice(ctx)
    invoices = [priced(ctx) for _ in range(4)]

    def secure_one(invoice: int) -> int | None:
        return securing.secure(ctx, invoice, "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)).number

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(secure_one, invoices))
    assert sorted(n for n in numbers if n is not None) == [1, 2, 3, 4]


@pytest.mark.parametrize("mode", ["synchronise", "degrade", "sans-vitale"])
def test_a_secretary_cannot_make_a_final_signature(ctx: Context, mode: str) -> None:
    practice(ctx)
    invoice = priced(ctx)
    secretary = context_as(ctx.db, Role.SECRETAIRE, "sec")
    with pytest.raises(PermissionDeniedError) as caught:
        securing.secure(secretary, invoice, mode, FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    assert "sec" in caught.value.message and count(ctx, InvoiceSignature) == 0
