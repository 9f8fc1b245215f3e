"""Where an invoice stays: on a portable reader or at the desk (read by every state change).

The lowest billing module that knows about portable readers: :func:`check_at_desk` is asked by
:func:`feuille.billing.state.allowed` before any change, and the pending invoices of an insured person are listed
for the draft's warning; loading, signing on the reader and unloading are in :mod:`feuille.billing.portable`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from feuille.domain.invoices import Event, InvoiceState
from feuille.errors import StateError
from feuille.storage.models import Invoice, PortableLoad

#: Workstation invoices waiting for the patient's Vitale card.
WAITING = (InvoiceState.DRAFT.value, InvoiceState.PRICED.value)
MAX_BATCH = 500  # invoices listed or handled at once

#: The reader currently signing in this context (set by :func:`sign` around ``secure``): the only one allowed
#: to change an invoice it carries.
_SIGNING_ON: ContextVar[str | None] = ContextVar("feuille_portable_signing_on", default=None)


@functools.cache
def _current_load_statement(lock: bool) -> Select[PortableLoad]:
    query = select(PortableLoad).where(PortableLoad.invoice_id == bindparam("invoice_id"),
                                       PortableLoad.current.is_(True))
    return query.with_for_update() if lock else query


def current_load(session: Session, invoice_id: int, *, lock: bool = False) -> PortableLoad | None:
    """The invoice's stay on a portable reader, if it is on one (asked before every change: built once)."""
    return session.scalar(_current_load_statement(lock), {"invoice_id": invoice_id})


# --- the desk guard ------------------------------------------------------------------------------------------------

class Unknown:
    """Not read yet: :func:`check_at_desk` reads the invoice's stay itself."""


UNKNOWN = Unknown()


def check_at_desk(session: Session, row: Invoice, event: Event, stay: PortableLoad | Unknown | None = UNKNOWN) -> None:
    """Refuse any state change of an invoice that is on a portable reader, except its first signature there.
    ``stay``: its current stay when the caller read it with the invoice, in the same transaction."""
    load = current_load(session, row.id) if isinstance(stay, Unknown) else stay
    signing = _SIGNING_ON.get()
    if signing is not None:  # the reader's side: only the first signature of an invoice it still carries
        if load is None or load.reader != signing or event != Event.SIGN_FIRST:
            raise StateError(f"La facture n° {row.id} n'est plus sur le lecteur portable « {signing} » (déchargée "
                             "entre-temps) : elle ne peut pas y être signée.", code="invoice_not_on_reader",
                             field="id")
        return
    if load is None:
        return
    raise StateError(f"La facture n° {row.id} est sur le lecteur portable « {load.reader} » (chargée le "
                     f"{load.loaded_at:%d/%m/%Y à %H:%M}) : déchargez-la (feuille lecteur decharger) avant de la "
                     "modifier ou de la sécuriser au poste.", code="invoice_on_reader", field="id")


@contextmanager
def signing_on(reader: str) -> Iterator[None]:
    token = _SIGNING_ON.set(reader)
    try:
        yield
    finally:
        _SIGNING_ON.reset(token)


WARNING_IDS = 10   # the numbers a « factures en attente » warning lists; more are counted, not listed


def pending_ids(session: Session, nir: str | None, *, exclude: int | None = None, limit: int = MAX_BATCH
                ) -> list[int]:
    if not nir:
        return []
    query = select(Invoice.id).where(Invoice.patient_nir == nir, Invoice.state.in_(WAITING)).order_by(Invoice.id)
    if exclude is not None:
        query = query.where(Invoice.id != exclude)
    return list(session.scalars(query.limit(limit)))


def pending_warning(ids: list[int]) -> str | None:
    """Give it ``pending_ids(…, limit=WARNING_IDS + 1)``: a list a user can read, the rest said to exist."""
    if not ids:
        return None
    listed = ", ".join(map(str, ids[:WARNING_IDS])) + (" et d'autres" if len(ids) > WARNING_IDS else "")
    return ("Des factures en attente existent pour cette carte Vitale : n° " + listed +
            " ; sécurisez-les avant, ou poursuivez la nouvelle facture.")
