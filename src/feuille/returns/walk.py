"""One return file walked event by event (``formats.noemie_stream``) inside the integration's transaction: the file
row and its chunks, the transfers, the invoice returns in batches (Core ``insert`` per ~1,000 rows, invoices looked
up per batch with ``IN``), matched as they go when the automatic reconciliation is on, every problem kept.

Memory stays flat: at most one batch of returns is held; the file's bytes go to ``noemie_file_chunks`` in chunks.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from feuille.auth import Context
from feuille.formats import noemie_stream as ns
from feuille.money import ZERO, format_amount_fr
from feuille.returns import matching, rows
from feuille.returns.matching import Problem
from feuille.returns.source import ReturnSource
from feuille.storage.bulk import reserve_ids
from feuille.storage.models import (
    FinancialMovement,
    NoemieFileChunk,
    NoemieFileRow,
    OneOffPaymentRow,
    Professional,
    ReturnAct,
    ReturnInvoice,
    ReturnReject,
    TransferRow,
)
from feuille.transmission.checkpoints import checkpoint

BATCH = 1000
CHUNK = 1 << 20            # bytes per stored chunk
MAX_PROBLEMS = 1000        # kept per file; beyond, one more problem says how many were left out
AUTO = "lettrage auto"


def table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


class Refused(Exception):
    """The file is not for this practice (header recipient or payee unknown): nothing of it is integrated."""

    def __init__(self, problem: Problem, header: ns.Start) -> None:
        super().__init__(problem.message)
        self.problem, self.start = problem, header


class Already(Exception):
    """A file with the same identifier (emitter type, emitter number, file id) is integrated already."""

    def __init__(self, file_id: int) -> None:
        super().__init__(str(file_id))
        self.file_id = file_id


def professionals(session: Session) -> dict[str, int]:
    """Billing number without its leading zeros → professional id (the practice's few professionals)."""
    return {number.lstrip("0"): pid for pid, number in session.execute(
        select(Professional.id, Professional.billing_number))}


def file_row(start: ns.Start, *, sha: str, size: int, source: str, mail_id: int | None, outcome: str,
             problems: list[Problem], actor: str, at: datetime) -> dict[str, Any]:
    h = start.header
    return {"sha256": sha, "received_mail_id": mail_id, "source": source[:255], "size": size,
            "blocked": start.blocked, "emitter_type": rows.clip(h.emitter_type, 2),
            "emitter_number": rows.clip(h.emitter_number, 14), "recipient_type": rows.clip(h.recipient_type, 2),
            "recipient_number": rows.clip(h.recipient_number, 14), "file_id": rows.clip(h.file_id, 6),
            "reference": rows.clip(h.reference, 4), "created": h.created, "flow": rows.clip(h.flow, 1),
            "outcome": outcome, "problems": problems_json(problems), "invoices": 0, "unmatched": 0,
            "integrated_by": actor[:64], "integrated_at": at}


def problems_json(problems: Iterable[Problem]) -> str:
    return json.dumps([p.to_json() for p in problems], ensure_ascii=False)


def store_chunks(session: Session, file_id: int, source: ReturnSource) -> None:
    """The content in chunks of 1 MiB, inserted 8 at a time (an empty file: one empty chunk)."""
    group: list[dict[str, Any]] = []
    for seq, piece in enumerate(source.chunks(CHUNK)):
        group.append({"noemie_file_id": file_id, "seq": seq, "data": piece})
        if len(group) == 8:
            session.execute(insert(table(NoemieFileChunk)), group)
            group = []
    if group or source.size == 0:
        session.execute(insert(table(NoemieFileChunk)), group or [{"noemie_file_id": file_id, "seq": 0,
                                                                    "data": b""}])


@dataclass
class _Pending:
    row: dict[str, Any]
    acts: list[dict[str, Any]]
    rejects: list[dict[str, Any]]
    professional_id: int | None


@dataclass
class Walk:
    """The walk of one file; :meth:`run` returns when the stream ends (the caller commits)."""

    ctx: Context
    session: Session
    source: ReturnSource
    mail_id: int | None
    auto: bool
    problems: list[Problem] = field(default_factory=list)
    dropped: int = 0
    file_id: int | None = None
    start: ns.Start | None = None
    invoices: int = 0
    unmatched: int = 0
    matched: int = 0
    pending: list[_Pending] = field(default_factory=list)
    others: list[tuple[type[Any], dict[str, Any]]] = field(default_factory=list)
    lots: set[int] = field(default_factory=set)
    _payees: dict[str, int] = field(default_factory=dict)
    _transfer: int | None = None
    _professional: int | None = None
    _computed: Decimal = ZERO
    _file_total: Decimal = ZERO
    _batches: int = 0

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.dropped += 1

    def run(self) -> None:
        self._payees = professionals(self.session)
        for event in ns.iter_returns(self.source.for_stream()):
            self._on(event)
        self._flush()
        if self.file_id is not None:
            matching.advance_lots(self.ctx, self.session, self.lots, self.file_id)

    def _on(self, event: ns.Event) -> None:
        if isinstance(event, ns.Problem):
            self.add(Problem(event.code, event.message, event.entity, event.offset,
                             ".".join(p for p in (event.kind, event.field) if p) or None))
        elif isinstance(event, ns.Start):
            self._start(event)
        elif self.file_id is None:
            return  # nothing before the header can be stored (the stream reports it)
        elif isinstance(event, ns.SettlementStart):
            self._settlement(event)
        elif isinstance(event, ns.InvoiceReturn):
            self._invoice(event)
        elif isinstance(event, ns.MovementReturn | ns.OneOffReturn):
            self._other(event)
        elif isinstance(event, ns.SettlementEnd):
            self._settlement_end(event)
        elif isinstance(event, ns.End):
            self._end(event)

    def _start(self, start: ns.Start) -> None:
        h = start.header
        known = self.session.scalar(select(NoemieFileRow.id).where(
            NoemieFileRow.emitter_type == rows.clip(h.emitter_type, 2),
            NoemieFileRow.emitter_number == rows.clip(h.emitter_number, 14),
            NoemieFileRow.file_id == rows.clip(h.file_id, 6)))
        if known is not None:
            raise Already(known)
        if h.recipient_type.strip() == "PS" and h.recipient_number.strip().lstrip("0") not in self._payees:
            raise Refused(Problem("destinataire_inconnu", f"Fichier adressé au professionnel n° "
                                  f"{h.recipient_number.strip()}, qui n'est pas de ce cabinet : refusé, rien n'a "
                                  "été intégré.", 1, 0, "000.recipient_number"), start)
        self.start = start
        values = file_row(start, sha=self.source.sha, size=self.source.size, source=self.source.name,
                          mail_id=self.mail_id, outcome="en_cours", problems=[], actor=self.ctx.actor.login,
                          at=self.ctx.clock())
        self.file_id = self.session.execute(insert(table(NoemieFileRow)).returning(table(NoemieFileRow).c.id),
                                            [values]).scalar_one()
        checkpoint("retour_fichier")
        store_chunks(self.session, self.file_id, self.source)
        checkpoint("retour_morceaux")

    def _settlement(self, event: ns.SettlementStart) -> None:
        assert self.file_id is not None and self.start is not None
        self._flush()
        professional = self._payees.get(event.payee.strip().lstrip("0"))
        if professional is None:
            raise Refused(Problem("destinataire_inconnu", f"Destinataire de règlement n° {event.payee.strip()} "
                                  "inconnu : ce n'est pas un professionnel de ce cabinet ; fichier refusé, rien n'a "
                                  "été intégré.", event.entity, event.offset, "040.payee"), self.start)
        self._professional, self._computed = professional, ZERO
        transfers = table(TransferRow)
        self._transfer = self.session.execute(insert(transfers).returning(transfers.c.id),
                                              [rows.transfer(event, self.file_id, professional)]).scalar_one()

    def _invoice(self, event: ns.InvoiceReturn) -> None:
        assert self.file_id is not None
        self.invoices += 1
        self._computed += rows.settles(event)
        self.pending.append(_Pending(rows.return_invoice(event, self.file_id, self._transfer),
                                     rows.acts(event.invoice), rows.rejects(event.invoice), self._professional))
        if len(self.pending) >= BATCH:
            self._flush()

    def _other(self, event: ns.MovementReturn | ns.OneOffReturn) -> None:
        if self._transfer is None:
            return
        self._computed += rows.settles(event)
        if isinstance(event, ns.MovementReturn):
            self.others.append((FinancialMovement, rows.movement(event, self._transfer)))
        else:
            self.others.append((OneOffPaymentRow, rows.one_off(event, self._transfer)))
        if len(self.others) >= BATCH:
            self._flush()

    def _settlement_end(self, event: ns.SettlementEnd) -> None:
        self._flush()
        if self._transfer is None:
            return
        declared = event.declared_total
        self.session.execute(update(table(TransferRow)).where(table(TransferRow).c.id == self._transfer)
                             .values(computed_total=self._computed, declared_total=declared))
        if declared is not None and declared != self._computed:
            start = event.settlement
            self.add(Problem("total_virement", f"Règlement du {start.date:%d/%m/%Y} : total annoncé "
                             f"{format_amount_fr(declared)} €, les montants lus font {format_amount_fr(self._computed)}"
                             f" € (payé − retenu) ; écart {format_amount_fr(declared - self._computed)} €.",
                             start.entity, start.offset, "990.total"))
        self._file_total += self._computed
        self._transfer = None

    def _end(self, event: ns.End) -> None:
        if event.total is not None and event.total != self._file_total:
            self.add(Problem("total_fichier", f"Total du fichier annoncé {format_amount_fr(event.total)} €, les "
                             f"règlements lus font {format_amount_fr(self._file_total)} €.", None, None, "999.total"))

    # --- batches --------------------------------------------------------------------------------------------------

    def _flush(self) -> None:
        if self.pending:
            self._flush_invoices(self.pending)
            self.pending = []
        if self.others:
            by_model: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)
            for model, values in self.others:
                by_model[model].append(values)
            for model, values_list in by_model.items():
                self.session.execute(insert(table(model)), values_list)
            self.others = []

    def _flush_invoices(self, batch: list[_Pending]) -> None:
        touched: set[int] = set()
        if self.auto:
            touched = self._match(batch)
        self.unmatched += sum(1 for p in batch if p.row["invoice_id"] is None)
        self.matched += sum(1 for p in batch if p.row["invoice_id"] is not None)
        insert_returns(self.session, [(p.row, p.acts, p.rejects) for p in batch])
        self._batches += 1
        if self._batches == 1:
            checkpoint("retour_factures")
        if touched:
            for problem in matching.apply_follow_up(self.ctx, self.session, touched, self.file_id):
                self.add(problem)

    def _match(self, batch: list[_Pending]) -> set[int]:
        now, touched = self.ctx.clock(), set()
        by_professional: dict[int | None, list[_Pending]] = defaultdict(list)
        for pending in batch:
            by_professional[pending.professional_id].append(pending)
        for professional, members in by_professional.items():
            numbers = [n for p in members if (n := matching.number_of(p.row["invoice_number"])) is not None]
            found = matching.find(self.session, professional, numbers) if professional is not None else {}
            for p in members:
                number = matching.number_of(p.row["invoice_number"])
                invoice_id, lot_id, problems = matching.judge(p.row, found.get(number) if number else None)
                for problem in problems:
                    self.add(problem)
                set_match(p.row, invoice_id, "auto", AUTO, now)
                if invoice_id is not None:
                    touched.add(invoice_id)
                    if lot_id is not None:
                        self.lots.add(lot_id)
        lines = matching.lines_of(self.session, touched)
        for p in batch:
            if p.row["invoice_id"] is not None:
                for act in p.acts:
                    matching.match_act(act, lines.get(p.row["invoice_id"], {}))
        return touched

    def finish(self) -> str:
        """Write the file's outcome and counts; the outcome."""
        assert self.file_id is not None
        if self.dropped:
            self.problems.append(Problem("problemes_tronques", f"{self.dropped} autres problèmes non gardés."))
        outcome = "integre_partiel" if self.problems else "integre"
        files = table(NoemieFileRow)
        self.session.execute(update(files).where(files.c.id == self.file_id).values(
            outcome=outcome, problems=problems_json(self.problems), invoices=self.invoices,
            unmatched=self.unmatched))
        return outcome


def set_match(row: dict[str, Any], invoice_id: int | None, how: str, by: str, at: datetime) -> None:
    row["invoice_id"] = invoice_id
    row["match"] = how if invoice_id is not None else "non_rapproche"
    row["matched_by"], row["matched_at"] = (by[:64], at) if invoice_id is not None else (None, None)


def insert_returns(session: Session, batch: list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]
                   ) -> None:
    """Insert return invoices, then their acts and rejects, under ids reserved first (``storage.bulk``: plain
    multi-row inserts, much faster than ``RETURNING`` on PostgreSQL)."""
    returns = table(ReturnInvoice)
    ids = reserve_ids(session, returns, len(batch))
    session.execute(insert(returns), [{**row, "id": rid} for rid, (row, _a, _r) in zip(ids, batch, strict=True)])
    acts = [{**act, "return_invoice_id": rid} for rid, (_row, a, _r) in zip(ids, batch, strict=True) for act in a]
    rejects = [{**rej, "return_invoice_id": rid} for rid, (_row, _a, r) in zip(ids, batch, strict=True) for rej in r]
    if acts:
        session.execute(insert(table(ReturnAct)), acts)
    if rejects:
        session.execute(insert(table(ReturnReject)), rejects)
