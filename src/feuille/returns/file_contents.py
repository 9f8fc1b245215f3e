"""What one integrated NOEMIE file carried, as its own page shows it: the file (``files.file_detail``), how many
records it has, how many of its returns pay, reject or only inform, what was matched and what is not, and its
one-off payments and movements. Views, never ORM rows."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.formats.noemie_stream import Entity, iter_entities
from feuille.money import ZERO
from feuille.returns import files
from feuille.returns.amounts import MATCHED
from feuille.storage.models import FinancialMovement, NoemieFileChunk, OneOffPaymentRow, ReturnInvoice, TransferRow

#: Files bigger than this are not read again to count their records on a page (a page answers at once; the
#: command ``feuille noemie lire`` reads any size).
COUNT_LIMIT = 20 * 1024 * 1024
PAYMENT, REJECT, INFORMATION = "paiement", "rejet", "information"


@dataclass(frozen=True)
class FileContents:
    detail: files.FileDetail
    records: int | None          # entities of the stored file, header and trailer included (None: not counted)
    payments: int                # returns with a share paid (status P) and none rejected
    rejects: int                 # returns with a share rejected (status R)
    informations: int            # returns that neither pay nor reject (deferred, information only)
    matched: int                 # returns matched to an invoice (automatically or by hand)
    to_match: int                # « à rapprocher » (automatic matching off)
    unmatched: int               # matched to no stored invoice
    paid_amo: Decimal
    paid_amc: Decimal
    one_off: int                 # one-off payments (261) of its transfers
    movements: int               # financial movements (250) of its transfers

    def to_json(self) -> dict[str, Any]:
        return {**self.detail.to_json(), "enregistrements": self.records, "paiements": self.payments,
                "rejets": self.rejects, "informations": self.informations, "rapprochees": self.matched,
                "a_rapprocher": self.to_match, "non_rapprochees_total": self.unmatched,
                "amo_paye": f"{self.paid_amo:.2f}", "amc_paye": f"{self.paid_amc:.2f}",
                "paiements_ponctuels": self.one_off, "mouvements": self.movements}


class _Chunks(io.RawIOBase):
    """The stored file read back chunk by chunk (the file is never held whole in memory)."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self._parts, self._left = parts, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            part = next(self._parts, None)
            if part is None:
                return 0
            self._left = bytes(part)
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


def _records(session: Session, file_id: int, size: int) -> int | None:
    if size > COUNT_LIMIT:
        return None
    parts = session.scalars(select(NoemieFileChunk.data).where(NoemieFileChunk.noemie_file_id == file_id)
                            .order_by(NoemieFileChunk.seq))
    stream = io.BufferedReader(_Chunks(iter(parts)))
    return sum(1 for item in iter_entities(stream) if isinstance(item, Entity))


def _kind_counts(session: Session, file_id: int) -> dict[str, int]:
    ri = ReturnInvoice
    rejected = or_(ri.amo_status == "R", ri.amc_status == "R")
    paid = or_(ri.amo_status == "P", ri.amc_status == "P")
    kind = case((rejected, REJECT), (paid, PAYMENT), else_=INFORMATION)
    return {str(name): int(count) for name, count in session.execute(
        select(kind, func.count()).where(ri.noemie_file_id == file_id).group_by(kind))}


def _match_counts(session: Session, file_id: int) -> dict[str, int]:
    return {str(match): int(count) for match, count in session.execute(
        select(ReturnInvoice.match, func.count()).where(ReturnInvoice.noemie_file_id == file_id)
        .group_by(ReturnInvoice.match))}


def file_contents(ctx: Context, ref: object, *, limit: int = 200) -> FileContents:
    """One integrated file and what it carried (``ref``: its number, as ``feuille noemie fichier N``)."""
    require(ctx, Permission.READ)
    detail = files.file_detail(ctx, ref, limit=limit)
    file_id = detail.file.id
    with ctx.db.read() as session:
        kinds = _kind_counts(session, file_id)
        matches = _match_counts(session, file_id)
        amo, amc = session.execute(select(func.coalesce(func.sum(ReturnInvoice.amo_paid), ZERO),
                                          func.coalesce(func.sum(ReturnInvoice.amc_paid), ZERO))
                                   .where(ReturnInvoice.noemie_file_id == file_id)).one()
        transfers = select(TransferRow.id).where(TransferRow.noemie_file_id == file_id).scalar_subquery()
        one_off = session.scalar(select(func.count()).select_from(OneOffPaymentRow)
                                 .where(OneOffPaymentRow.transfer_id.in_(transfers))) or 0
        movements = session.scalar(select(func.count()).select_from(FinancialMovement)
                                   .where(FinancialMovement.transfer_id.in_(transfers))) or 0
        records = _records(session, file_id, detail.size)
    return FileContents(detail, records, kinds.get(PAYMENT, 0), kinds.get(REJECT, 0), kinds.get(INFORMATION, 0),
                        sum(matches.get(m, 0) for m in MATCHED), matches.get("a_rapprocher", 0),
                        matches.get("non_rapproche", 0), Decimal(amo), Decimal(amc), int(one_off), int(movements))
