"""SCOR pieces of invoices: what is missing, adding, checking with the user's answers, the blocking function, the
purge after the retention (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from feuille.auth import Context
from feuille.billing import attachments, drafts, rate_check, securing, verification
from feuille.domain.scor import PieceEvent, PieceKind, PieceState
from feuille.errors import StateError, ValidationError
from feuille.storage.models import InvoiceAttachment, ScorPiece
from feuille.transmission import scor_conformity, scor_pieces
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.transmission import scor_samples as s

PRESCRIPTION = {"date": "2025-01-10", "prescriber": {"last_name": "TOUBIB", "first_name": "Paul",
                                                     "number": "991000696"}}


def secured(ctx: Context, mode: str = "degrade", **changes: object) -> int:
    view = drafts.create_draft(ctx, consultation(**changes))
    rate_check.check_rates(ctx, view.id)
    return securing.secure(ctx, view.id, mode, FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)).id


@pytest.fixture
def degraded(ctx: Context) -> int:
    practice(ctx)
    return secured(ctx, prescription=PRESCRIPTION)


def yes_to_all(ctx: Context, invoice: int) -> dict[tuple[int, str], bool]:
    found = scor_pieces.inspect_invoice(ctx, invoice)
    return {(page, criterion): True for item in found if item.inspection
            for page, criterion, _ in item.inspection.questions()}


def states(ctx: Context, invoice: int) -> dict[PieceKind, list[PieceState]]:
    out: dict[PieceKind, list[PieceState]] = {}
    for view in scor_pieces.list_pieces(ctx):
        if view.invoice_id == invoice:
            out.setdefault(view.kind, []).append(view.state)
    return out


def test_a_degraded_invoice_on_prescription_needs_both_pieces(ctx: Context, degraded: int) -> None:
    assert states(ctx, degraded) == {PieceKind.PRESCRIPTION: [PieceState.MANQUANT],
                                     PieceKind.CARE_SHEET: [PieceState.MANQUANT]}
    with ctx.db.read() as session:
        assert scor_pieces.missing_pieces(session, [degraded]) == {
            degraded: ["pièce SCOR manquante (ordonnance)", "pièce SCOR manquante (feuille de soins)"]}
    [row] = [v for v in scor_pieces.list_pieces(ctx, "manquant") if v.kind is PieceKind.CARE_SHEET]
    assert (row.sv, row.last_name.upper(), row.invoice_number) == ("DEO", "ESSAI", 1)


def test_a_synchronised_invoice_without_prescription_needs_nothing(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx, mode="synchronise")
    assert states(ctx, invoice) == {}
    with ctx.db.read() as session:
        assert scor_pieces.missing_pieces(session, [invoice]) == {}


def test_add_check_and_the_blocking_function(ctx: Context, degraded: int) -> None:
    view = scor_pieces.add_piece(ctx, degraded, "ordo.png", s.good_png(), "ordonnance")
    assert view.state is PieceState.A_CONTROLER
    with ctx.db.read() as session:
        assert scor_pieces.missing_pieces(session, [degraded])[degraded][0] == "pièce SCOR à contrôler (ordonnance)"
    # the user says « non » to one question: not conforming, with the reason in French
    answers = yes_to_all(ctx, degraded)
    answers[(1, scor_conformity.ONE_DOCUMENT)] = False
    judgement = scor_pieces.record_check(ctx, degraded, view.attachment_id or 0, answers)
    assert not judgement.conforming
    [listed] = [v for v in scor_pieces.list_pieces(ctx, "NON CONFORME")]
    assert listed.reasons == ("page 1 : un seul document : non (confirmé ou sans réponse)",)
    # checked again, every answer « oui »: conforming, and only the care sheet is missing now
    assert scor_pieces.record_check(ctx, degraded, view.attachment_id or 0, yes_to_all(ctx, degraded)).conforming
    with ctx.db.read() as session:
        assert scor_pieces.missing_pieces(session, [degraded]) == {
            degraded: ["pièce SCOR manquante (feuille de soins)"]}
    attachments.mark_paper(ctx, degraded)
    assert states(ctx, degraded)[PieceKind.CARE_SHEET] == [PieceState.COLLECTE_PAPIER]
    with ctx.db.read() as session:
        assert scor_pieces.missing_pieces(session, [degraded]) == {}


def test_a_failing_scan_is_not_conforming_whatever_the_answers(ctx: Context, degraded: int) -> None:
    skewed = s.png(s.text_page().rotate(7, expand=True, fillcolor=250))
    view = scor_pieces.add_piece(ctx, degraded, "fds.png", skewed, "feuille-de-soins")
    judgement = scor_pieces.record_check(ctx, degraded, view.attachment_id or 0, yes_to_all(ctx, degraded))
    assert not judgement.conforming and "page non droite" in judgement.reasons[0]


def test_a_piece_attached_through_billing_is_to_be_checked(ctx: Context, degraded: int) -> None:
    attachments.attach(ctx, degraded, "fds.pdf", s.pdf(s.text_page()), "feuille_de_soins")
    assert states(ctx, degraded)[PieceKind.CARE_SHEET] == [PieceState.A_CONTROLER]


def test_refusals(ctx: Context, degraded: int) -> None:
    with pytest.raises(ValidationError) as refused:
        scor_pieces.add_piece(ctx, degraded, "x.png", b"\x89PNX\r\n\x1a\n", "ordonnance")
    assert refused.value.code == "attachment_format"
    with pytest.raises(ValidationError):
        scor_pieces.add_piece(ctx, degraded, "x.png", s.good_png(), "radio")
    with pytest.raises(ValidationError):
        scor_pieces.list_pieces(ctx, "perdu")
    draft = drafts.create_draft(ctx, consultation()).id
    with pytest.raises(StateError) as state_refused:
        scor_pieces.add_piece(ctx, draft, "x.png", s.good_png(), "ordonnance")
    assert state_refused.value.code == "scor_invoice_state"


def sent(ctx: Context, invoice: int, attachment_id: int, day: date) -> None:
    """As the SCOR flow leaves a piece once sent (the flow itself is tested with the caisse de test)."""
    with ctx.db.transaction() as session:
        piece = session.query(ScorPiece).filter_by(attachment_id=attachment_id).one()
        scor_pieces.move(ctx, session, piece, PieceEvent.SEND, {"invoice_id": invoice},
                         sent_at=ctx.clock(), purge_on=day)


def test_purge_after_the_retention_keeps_the_row_and_its_digest(ctx: Context, degraded: int) -> None:
    view = scor_pieces.add_piece(ctx, degraded, "ordo.png", s.good_png(), "ordonnance")
    attachment_id = view.attachment_id or 0
    scor_pieces.record_check(ctx, degraded, attachment_id, yes_to_all(ctx, degraded))
    today = ctx.clock().date()
    with ctx.db.read() as session:
        assert scor_pieces.retention_days(session) == 90
    sent(ctx, degraded, attachment_id, scor_pieces.purge_day(ctx.clock(), 90))
    assert scor_pieces.purge(ctx, today + timedelta(days=89)).purged == ()
    done = scor_pieces.purge(ctx, today + timedelta(days=90))
    assert done.purged == (attachment_id,)
    assert scor_pieces.purge(ctx, today + timedelta(days=91)).purged == ()      # idempotent
    with ctx.db.read() as session:
        stored = session.get(InvoiceAttachment, attachment_id)
        assert stored is not None and stored.content == b"" and len(stored.sha256) == 64
    assert states(ctx, degraded)[PieceKind.PRESCRIPTION] == [PieceState.ARCHIVE]
    # the invoice's seal followed the purge: its verification finds nothing changed behind the services
    report = verification.verify_invoice(ctx, degraded)
    assert report.ok, report


def test_a_purged_piece_cannot_be_read_back(ctx: Context, degraded: int) -> None:
    view = scor_pieces.add_piece(ctx, degraded, "ordo.png", s.good_png(), "ordonnance")
    attachment_id = view.attachment_id or 0
    assert attachments.get_attachment(ctx, degraded, attachment_id).content == s.good_png()
    scor_pieces.record_check(ctx, degraded, attachment_id, yes_to_all(ctx, degraded))
    sent(ctx, degraded, attachment_id, ctx.clock().date())
    scor_pieces.purge(ctx)
    with pytest.raises(StateError) as refused:
        attachments.get_attachment(ctx, degraded, attachment_id)
    assert refused.value.code == "scor_purged" and "archivée" in refused.value.message
    assert scor_pieces.inspect_invoice(ctx, degraded) == []     # nothing left to check


def test_the_blocking_setting_holds_an_invoice_until_its_pieces_are_conforming(ctx: Context) -> None:
    from feuille.transmission import pending
    from feuille.transmission import settings as tsettings

    practice(ctx)
    invoice = secured(ctx, mode="synchronise", prescription=PRESCRIPTION)

    def held() -> tuple[str, ...]:
        return next(c.reasons for c in pending.listing(ctx) if c.id == invoice)

    assert held() == ()                                  # the setting is off by default
    tsettings.update(ctx, {"blocage_scor": "oui"})
    assert held() == ("pièce SCOR manquante (ordonnance)",)
    view = scor_pieces.add_piece(ctx, invoice, "ordo.png", s.good_png(), "ordonnance")
    assert held() == ("pièce SCOR à contrôler (ordonnance)",)
    assert scor_pieces.record_check(ctx, invoice, view.attachment_id or 0, yes_to_all(ctx, invoice)).conforming
    assert held() == ()
