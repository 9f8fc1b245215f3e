"""Follow-up data built through the services, as tests/returns does: three invoices sent in one lot, and a NOEMIE
file that rejects the first, pays half the second and all the third, plus a return for no known invoice."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from feuille.auth import Context
from feuille.returns import integration
from tests.returns.support import Sent, answer, file_of, practice, send, write

#: The test clock's day is 15/01/2025: the invoices are dated around it, the web lists are asked for that period.
PERIOD = {"du": "01/12/2024", "au": "31/01/2025"}


@dataclass(frozen=True)
class Returned:
    sent: Sent
    rejected: int
    partly_paid: int
    paid: int


def returned(ctx: Context) -> Returned:
    practice(ctx)
    sent = send(ctx, 3)
    a, b, c = sent.invoices
    half = (b.amo / 2).quantize(Decimal("0.01"))
    data = write(file_of(sent, [answer(a, sent, status="R", reject="ASSURE INCONNU"), answer(b, sent, paid=half),
                                answer(c, sent), answer(c, sent, number=999_999)]))
    report = integration.integrate_file(ctx, data, name="retour.txt")
    assert report.outcome in ("integre", "integre_partiel"), report.problems
    assert report.unmatched == 1
    return Returned(sent, a.id, b.id, c.id)
