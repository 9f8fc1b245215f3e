"""A SCOR piece answered as the manual's screen asks (« Le document est-il conforme ? » with the reasons seen),
deleted or replaced while it is not sent, and the FSE lot its pieces leave with (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feuille.auth import Context
from feuille.billing import attachments, drafts, verification
from feuille.domain.scor import PieceKind, PieceState
from feuille.errors import NotFoundError, StateError, ValidationError
from feuille.storage.models import AuditEntry, InvoiceAttachment, ScorPiece
from feuille.transmission import scor, scor_pieces
from tests.billing.support import consultation
from tests.transmission import scor_samples as s
from tests.transmission.test_scor_pieces import degraded, secured, sent, states  # noqa: F401  (fixture)


def added(ctx: Context, invoice: int, content: bytes | None = None, kind: str = "ordonnance") -> int:
    view = scor_pieces.add_piece(ctx, invoice, "ordo.png", content or s.good_png(), kind)
    assert view.attachment_id is not None
    return view.attachment_id


def test_the_answer_for_the_whole_document(ctx: Context, degraded: int) -> None:  # noqa: F811
    piece = added(ctx, degraded)
    assert scor_pieces.record_answer(ctx, degraded, piece, "oui").conforming
    assert scor_pieces.piece(ctx, degraded, piece).state is PieceState.CONFORME
    judged = scor_pieces.record_answer(ctx, degraded, piece, "non", ["non_droite", "plusieurs_documents"])
    assert not judged.conforming
    assert "document : page non droite (constaté)" in judged.reasons
    assert "page 1 : un seul document : non (confirmé ou sans réponse)" in judged.reasons
    view = scor_pieces.piece(ctx, degraded, piece)
    assert view.state is PieceState.NON_CONFORME and "document : page non droite (constaté)" in view.reasons


def test_the_answer_refused_in_french_with_every_field(ctx: Context, degraded: int) -> None:  # noqa: F811
    piece = added(ctx, degraded)
    with pytest.raises(ValidationError) as both:
        scor_pieces.record_answer(ctx, degraded, piece, "peut-être", ["bleu"])
    assert {p.field for p in both.value.problems} == {"conforme", "motifs"}
    with pytest.raises(ValidationError) as no_reason:
        scor_pieces.record_answer(ctx, degraded, piece, "non", [])
    assert no_reason.value.field == "motifs" and "au moins un motif" in no_reason.value.message
    with pytest.raises(ValidationError) as contradiction:
        scor_pieces.record_answer(ctx, degraded, piece, "oui", ["illisible"])
    assert contradiction.value.field == "motifs"
    for junk in (None, 3, "😴", [["x"]], "illisible"):
        with pytest.raises(ValidationError):
            scor_pieces.record_answer(ctx, degraded, piece, "non", junk)
    assert scor_pieces.piece(ctx, degraded, piece).state is PieceState.A_CONTROLER   # nothing was stored


def test_a_failing_scan_stays_non_conforming_even_when_answered_yes(ctx: Context, degraded: int) -> None:  # noqa: F811
    piece = added(ctx, degraded, s.png(s.text_page().rotate(8, expand=True, fillcolor=250)))
    judged = scor_pieces.record_answer(ctx, degraded, piece, "oui")
    assert not judged.conforming and any("non droite" in reason for reason in judged.reasons)


def test_delete_a_piece_not_sent(ctx: Context, degraded: int) -> None:  # noqa: F811
    piece = added(ctx, degraded)
    scor_pieces.record_answer(ctx, degraded, piece, "non", ["illisible"])
    left = scor_pieces.remove_piece(ctx, degraded, piece)
    assert (left.kind, left.state, left.attachment_id) == (PieceKind.PRESCRIPTION, PieceState.MANQUANT, None)
    assert states(ctx, degraded)[PieceKind.PRESCRIPTION] == [PieceState.MANQUANT]
    with ctx.db.read() as session:
        assert session.get(InvoiceAttachment, piece) is None
        assert session.query(ScorPiece).filter_by(attachment_id=piece).count() == 0
        actions = [entry.action for entry in session.query(AuditEntry).filter(AuditEntry.action.in_(
            ["scor_piece.remove", "invoice.attachment_remove"]))]
    assert sorted(actions) == ["invoice.attachment_remove", "scor_piece.remove"]
    report = verification.verify_invoice(ctx, degraded)   # the seal followed the deletion
    assert report.ok, report
    with pytest.raises(NotFoundError):
        scor_pieces.remove_piece(ctx, degraded, piece)                       # gone: said so, nothing else


def test_a_piece_sent_or_in_a_scor_lot_is_not_deleted(ctx: Context, degraded: int) -> None:  # noqa: F811
    piece = added(ctx, degraded)
    scor_pieces.record_answer(ctx, degraded, piece, "oui")
    sent(ctx, degraded, piece, ctx.clock().date() + timedelta(days=90))
    with pytest.raises(StateError) as refused:
        scor_pieces.remove_piece(ctx, degraded, piece)
    assert refused.value.code == "scor_state" and "ENVOYE" in refused.value.message
    with pytest.raises(StateError):
        scor_pieces.replace_piece(ctx, degraded, piece, "autre.png", s.good_png())
    assert scor_pieces.piece(ctx, degraded, piece).state is PieceState.ENVOYE


def test_a_draft_photo_is_not_deleted_here(ctx: Context, degraded: int) -> None:  # noqa: F811
    draft = drafts.create_draft(ctx, consultation()).id
    view = attachments.attach(ctx, draft, "ordo.png", s.good_png(), "ordonnance")
    with pytest.raises(StateError) as refused:
        scor_pieces.remove_piece(ctx, draft, int(view.attachments[-1]["id"]))
    assert refused.value.code == "scor_invoice_state"


def test_replace_a_non_conforming_piece(ctx: Context, degraded: int) -> None:  # noqa: F811
    piece = added(ctx, degraded, kind="feuille-de-soins")
    scor_pieces.record_answer(ctx, degraded, piece, "non", ["pas_claire"])
    new = scor_pieces.replace_piece(ctx, degraded, piece, "C:\\scans\\propre.png", s.good_png())
    assert (new.kind, new.state, new.filename) == (PieceKind.CARE_SHEET, PieceState.A_CONTROLER, "propre.png")
    with ctx.db.read() as session:   # SQLite may give the new file the old one's id: compare the contents
        [stored] = session.query(InvoiceAttachment).filter_by(invoice_id=degraded, kind="feuille_de_soins").all()
        assert stored.filename == "propre.png" and stored.id == new.attachment_id
    assert states(ctx, degraded)[PieceKind.CARE_SHEET] == [PieceState.A_CONTROLER]
    with pytest.raises(ValidationError) as junk:
        scor_pieces.replace_piece(ctx, degraded, new.attachment_id, "x.png", b"\x89PNX")
    assert junk.value.field == "fichier"
    assert verification.verify_invoice(ctx, degraded).ok


def test_the_lot_pieces_leave_with(ctx: Context, degraded: int) -> None:  # noqa: F811
    with pytest.raises(StateError) as refused:
        scor.lot_of_invoice(ctx, degraded)
    assert refused.value.code == "scor_no_lot" and "Mettre en lot et envoyer" in refused.value.message
    with pytest.raises(NotFoundError):
        scor.lot_of_invoice(ctx, 99_999)


def test_unknown_piece(ctx: Context, degraded: int) -> None:  # noqa: F811
    other = secured(ctx)
    piece = added(ctx, other)
    for wrong in (piece + 100, "1", None, True):
        with pytest.raises(NotFoundError):
            scor_pieces.piece(ctx, degraded, wrong)
    with pytest.raises(NotFoundError):
        scor_pieces.remove_piece(ctx, degraded, piece)                       # a piece of another invoice
