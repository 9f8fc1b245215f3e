"""Manual matching from the follow-up: the returns matched to nothing, matched by hand (refusals in French), undone."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from feuille import audit
from feuille.auth import Context
from feuille.errors import ConflictError, FeuilleError, StateError
from feuille.returns import manual_matching
from feuille.returns.follow_up_detail import invoice_detail
from feuille.storage.models import Invoice, NoemieFileRow
from tests.returns.follow_up_support import add_return, practice, send
from tests.transmission.support import secured


@pytest.fixture
def waiting(ctx: Context) -> tuple[int, int]:
    """(a sent invoice, a return of its amount matched to nothing)."""
    practice(ctx)
    (invoice,) = send(ctx, 1).ids
    with ctx.db.read() as session:
        row = session.get(Invoice, invoice)
        assert row is not None
        amo = row.amo
    rid = add_return(ctx, None, match="non_rapproche", number="000000777", amo_paid=amo, amo_claimed=amo)
    return invoice, rid


def test_list_match_and_undo(ctx: Context, waiting: tuple[int, int]) -> None:
    invoice, rid = waiting
    page = manual_matching.list_unmatched(ctx)
    assert [(r.return_id, r.invoice_number, r.match_label) for r in page.lines] == [(rid, "777", "non rapproché")]
    done = manual_matching.match(ctx, rid, invoice)
    assert (done.invoice_id, done.follow_up) == (invoice, "Payé")
    assert manual_matching.list_unmatched(ctx).total == 0
    detail = invoice_detail(ctx, invoice)
    assert detail.line.paid == detail.line.expected and detail.returns[0].match == "manuel"
    with pytest.raises(ConflictError) as again:
        manual_matching.match(ctx, rid, invoice)
    assert again.value.code == "retour_deja_rapproche"
    undone = manual_matching.unmatch(ctx, rid)
    assert (undone.state, undone.follow_up) == ("acknowledged", "En cours")
    assert invoice_detail(ctx, invoice).line.paid == Decimal("0.00")
    assert manual_matching.list_unmatched(ctx).total == 1
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.sum(NoemieFileRow.unmatched))) == 1
    with pytest.raises(StateError) as not_manual:
        manual_matching.unmatch(ctx, rid)
    assert not_manual.value.code == "retour_pas_manuel"
    assert audit.verify(ctx.db).ok


def test_automatic_match_is_not_undone(ctx: Context) -> None:
    practice(ctx)
    (invoice,) = send(ctx, 1).ids
    rid = add_return(ctx, invoice)
    with pytest.raises(StateError):
        manual_matching.unmatch(ctx, rid)


def test_refusals(ctx: Context, waiting: tuple[int, int]) -> None:
    _invoice, rid = waiting
    draft_like = secured(ctx)   # secured, never sent
    with pytest.raises(StateError):
        manual_matching.match(ctx, rid, draft_like)
    for junk_return, junk_invoice in (("abc", "1"), (rid, "x"), ("-1", "1"), ("99999", "1"), (rid, "99999")):
        with pytest.raises(FeuilleError) as caught:
            manual_matching.match(ctx, junk_return, junk_invoice)
        assert caught.value.code and caught.value.message
    with pytest.raises(FeuilleError) as missing:
        manual_matching.unmatch(ctx, "424242")
    assert missing.value.code == "retour_introuvable"
