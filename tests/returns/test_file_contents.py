"""What one integrated NOEMIE file carried (its own web page): records, payments, rejects, informations, what
was matched and what is not (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feuille.auth import Context
from feuille.errors import NotFoundError, ValidationError
from feuille.formats.noemie_stream import Entity, iter_entities
from feuille.returns import file_contents, integration
from tests.returns.support import answer, file_of, practice, send, write


@pytest.mark.parametrize("blocks", [False, True])
def test_counts_of_a_file(ctx: Context, blocks: bool) -> None:
    practice(ctx)
    sent = send(ctx, 3)
    a, b, c = sent.invoices
    half = (b.amo / 2).quantize(Decimal("0.01"))
    data = write(file_of(sent, [answer(a, sent, status="R", reject="ASSURE INCONNU"), answer(b, sent, paid=half),
                                answer(c, sent, status="D", paid=Decimal("0.00")),
                                answer(c, sent, number=999_999)]), blocks=blocks)
    report = integration.integrate_file(ctx, data, name="retour.txt")
    assert report.file_id is not None
    found = file_contents.file_contents(ctx, str(report.file_id))
    assert (found.payments, found.rejects, found.informations) == (2, 1, 1)
    assert (found.matched, found.to_match, found.unmatched) == (3, 0, 1)
    assert found.records == sum(1 for item in iter_entities(data) if isinstance(item, Entity))
    assert found.records is not None and found.records > 8
    assert found.paid_amo == half + c.amo
    assert found.detail.file.id == report.file_id and len(found.detail.returns) == 4
    shown = found.to_json()
    assert shown["paiements"] == 2 and shown["enregistrements"] == found.records and shown["amo_paye"] == \
        f"{half + c.amo:.2f}"


def test_a_file_too_big_is_not_read_again(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    practice(ctx)
    sent = send(ctx, 1)
    report = integration.integrate_file(ctx, write(file_of(sent, [answer(sent.invoices[0], sent)])), name="r")
    monkeypatch.setattr(file_contents, "COUNT_LIMIT", 10)
    assert file_contents.file_contents(ctx, report.file_id).records is None


def test_refusals(ctx: Context) -> None:
    with pytest.raises(NotFoundError):
        file_contents.file_contents(ctx, "42")
    for junk in ("", "abc", None, "0", "😴"):
        with pytest.raises(ValidationError):
            file_contents.file_contents(ctx, junk)
