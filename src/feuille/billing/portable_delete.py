"""Deleting invoices on the portable reader (« Supprimer les factures » of the eS-KAP+ manual).

On the reader the user selects one or several invoices and deletes them after a confirmation. Only unsigned
invoices (« TP calculé ») can go: an invoice signed on the reader (« à sécuriser ») already carries the patient's
signature and is cancelled by a credit note once back at the desk, like any signed invoice.

Split from ``portable`` (which it builds on) to keep each module readable. The deletion is one transaction for the
whole selection: the stay on the reader is closed (``current`` NULL, ``unloaded_at/by``) and the invoice goes to
« supprimée » through ``store.advance`` (state table, compare-and-set, audit) — all of them or none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import store
from feuille.billing.portable import (
    DEFAULT_READER,
    LoadedInvoice,
    _current,
    _ids,
    _loaded_view,
    lock_in_order,
    reader_name,
)
from feuille.domain.invoices import STATE_LABELS, Event, InvoiceState
from feuille.errors import ConflictError, StateError, ValidationError
from feuille.storage.models import Invoice, PortableLoad
from feuille.storage.retry import use_case


@dataclass(frozen=True)
class DeleteResult:
    reader: str
    deleted: list[LoadedInvoice]     # deleted by this call
    already: list[int]               # deleted before (a repeat: nothing done)

    def to_json(self) -> dict[str, Any]:
        return {"reader": self.reader, "deleted": [i.to_json() for i in self.deleted], "already": self.already}


def _deletable(session: Session, row: Invoice, reader: str) -> PortableLoad | None:
    """The invoice's stay on this reader; None for an invoice deleted before; else a French refusal."""
    stay = _current(session, row.id, lock=True)
    if stay is None and row.state == InvoiceState.DELETED:
        return None
    if stay is None or stay.reader != reader:
        raise StateError(f"La facture n° {row.id} n'est pas sur le lecteur « {reader} ».",
                         code="invoice_not_on_reader", field="ID")
    if row.state != InvoiceState.PRICED:
        label = STATE_LABELS[InvoiceState(row.state)]
        raise StateError(f"La facture n° {row.id} est « {label} » : signée sur le lecteur, elle ne peut plus être "
                         "supprimée ; déchargez-la puis annulez-la par un avoir (feuille facture annuler).",
                         code="invoice_signed_on_reader", field="ID")
    return stay


def _close_stay(ctx: Context, session: Session, stay: PortableLoad) -> None:
    result = session.execute(
        update(PortableLoad).where(PortableLoad.id == stay.id, PortableLoad.current.is_(True))
        .values(current=None, unloaded_at=ctx.clock(), unloaded_by=ctx.actor.login)
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise ConflictError(f"La facture n° {stay.invoice_id} vient d'être déchargée par un autre poste ; "
                            "recommencez.", code="invoice_changed", field="ID")
    session.refresh(stay)


@use_case
def delete_on_reader(ctx: Context, refs: Iterable[object], reader: object = DEFAULT_READER) -> DeleteResult:
    """Delete these unsigned invoices carried by the reader: all of them, or none with the French reason."""
    require(ctx, Permission.INVOICE_DRAFT)
    name = reader_name(reader)
    wanted = _ids(refs)
    if not wanted:
        raise ValidationError("ID : sélectionnez au moins une facture à supprimer.", code="no_invoice", field="ID")
    with ctx.db.transaction() as session:
        deleted: list[LoadedInvoice] = []
        already: list[int] = []
        # Every check (and its lock on the stays) before the first audit entry, as when loading.
        checked = [(row, _deletable(session, row, name)) for row in lock_in_order(session, wanted)]
        for row, stay in checked:
            if stay is None:
                already.append(row.id)
                continue
            _close_stay(ctx, session, stay)
            store.advance(ctx, session, row, Event.DELETE,
                          data={"total": row.total, "reader": name, "load": stay.id})
            store.record(ctx, session, row, "portable_delete", {"reader": name, "load": stay.id})
            deleted.append(_loaded_view(session, stay, row))
        return DeleteResult(name, deleted, already)
