"""The integrated return files as the user reads them (``feuille noemie fichiers``, ``feuille noemie fichier N``):
views, never ORM rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from feuille.auth import Context, Permission, require
from feuille.errors import NotFoundError, ValidationError
from feuille.storage.models import NoemieFileRow, ReturnInvoice, TransferRow

OUTCOMES = {"integre": "Intégré", "integre_partiel": "Intégré en partie", "refuse": "Refusé", "en_cours": "En cours"}
MATCHES = {"auto": "rapprochée (auto.)", "manuel": "rapprochée (manuel)", "a_rapprocher": "à rapprocher",
           "non_rapproche": "non rapprochée"}


@dataclass(frozen=True)
class FileView:
    id: int
    integrated_at: datetime
    source: str
    emitter: str
    file_id: str
    reference: str
    created: date
    invoices: int
    unmatched: int
    outcome: str
    problems: int

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome, self.outcome)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "integre_le": self.integrated_at.isoformat(), "source": self.source,
                "emetteur": self.emitter, "numero": self.file_id, "reference": self.reference,
                "cree_le": self.created.isoformat(), "factures": self.invoices, "non_rapprochees": self.unmatched,
                "resultat": self.outcome, "resultat_libelle": self.outcome_label, "problemes": self.problems}


@dataclass(frozen=True)
class ReturnLine:
    id: int
    invoice_number: str
    invoice_id: int | None
    match: str
    lot_number: str
    nir: str
    amo_claimed: Decimal
    amo_status: str
    amo_paid: Decimal
    amc_paid: Decimal
    entity: int
    offset: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "numero_facture": self.invoice_number, "facture": self.invoice_id,
                "rapprochement": self.match, "lot": self.lot_number, "nir": self.nir,
                "amo_reclame": f"{self.amo_claimed:.2f}", "amo_statut": self.amo_status,
                "amo_paye": f"{self.amo_paid:.2f}", "amc_paye": f"{self.amc_paid:.2f}", "entite": self.entity,
                "position": self.offset}


@dataclass(frozen=True)
class FileDetail:
    file: FileView
    size: int
    blocked: bool
    recipient: str
    flow: str
    problems: tuple[dict[str, Any], ...]
    transfers: tuple[dict[str, Any], ...]
    returns: tuple[ReturnLine, ...]
    more_returns: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.file.to_json(), "taille": self.size, "blocs": self.blocked, "destinataire": self.recipient,
                "flux": self.flow, "problemes": list(self.problems), "virements": list(self.transfers),
                "retours": [r.to_json() for r in self.returns], "retours_tronques": self.more_returns}


def _view(row: NoemieFileRow) -> FileView:
    return FileView(row.id, row.integrated_at, row.source, f"{row.emitter_type} {row.emitter_number.strip()}",
                    row.file_id, row.reference, row.created, row.invoices, row.unmatched, row.outcome,
                    len(json.loads(row.problems or "[]")))


def list_files(ctx: Context, *, limit: int = 100) -> list[FileView]:
    """The latest integrated files, newest first."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        rows = session.scalars(select(NoemieFileRow).order_by(NoemieFileRow.id.desc()).limit(max(1, limit)))
        return [_view(row) for row in rows]


def file_detail(ctx: Context, ref: object, *, limit: int = 200) -> FileDetail:
    """One file: its problems (entity, offset), transfers and the first ``limit`` invoice returns."""
    require(ctx, Permission.READ)
    text = str(ref).strip() if isinstance(ref, str | int) and not isinstance(ref, bool) else ""
    if not text.isdigit() or len(text) > 12 or int(text) == 0:
        raise ValidationError("Fichier : son numéro est attendu (voir feuille noemie fichiers).", code="retour_id",
                              field="fichier")
    with ctx.db.read() as session:
        row = session.get(NoemieFileRow, int(text))
        if row is None:
            raise NotFoundError(f"Fichier NOEMIE n° {text} introuvable (voir feuille noemie fichiers).",
                                code="noemie_fichier_introuvable", field="fichier")
        transfers = tuple({"id": t.id, "date": t.settlement_date.isoformat(), "virement": t.is_transfer,
                           "libelle": " ".join(x for x in (t.label_1, t.label_2) if x), "organisme": t.paying_organism,
                           "destinataire": t.payee_number,
                           "total_annonce": f"{t.declared_total:.2f}" if t.declared_total is not None else None,
                           "total_calcule": f"{t.computed_total:.2f}"}
                          for t in session.scalars(select(TransferRow).where(TransferRow.noemie_file_id == row.id)
                                                   .order_by(TransferRow.id)))
        returns = [ReturnLine(r.id, r.invoice_number, r.invoice_id, r.match, r.lot_number, r.nir, r.amo_claimed,
                              r.amo_status, r.amo_paid, r.amc_paid, r.entity, r.offset)
                   for r in session.scalars(select(ReturnInvoice).where(ReturnInvoice.noemie_file_id == row.id)
                                            .order_by(ReturnInvoice.id).limit(limit + 1))]
        return FileDetail(_view(row), row.size, row.blocked, f"{row.recipient_type} {row.recipient_number.strip()}",
                          row.flow, tuple(json.loads(row.problems or "[]")), transfers, tuple(returns[:limit]),
                          len(returns) > limit)
