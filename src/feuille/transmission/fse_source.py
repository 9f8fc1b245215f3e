"""Where a lot's file takes its invoices' B2 records: ``feuille.billing.fse.b2_invoices``, records 2 to 5 exactly as
the cards signed them, with their record-7 signatures (a few statements per thousand invoices).

A :data:`Source` is what ``files.write_files`` calls; tests may give another one (a lot whose records name another
organism, for instance).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from feuille.billing import fse
from feuille.formats import b2_file as m

Source = Callable[[Session, Sequence[int]], dict[int, m.Invoice]]


def b2_invoices(session: Session, ids: Sequence[int]) -> dict[int, m.Invoice]:
    """The B2 invoices of ``ids`` (all of them, in few statements)."""
    return fse.b2_invoices(session, ids)
