"""DRE lots: the invoices whose complementary part goes to the complementary itself, grouped per professional and
AMC, and their B2 file (issue 12 point 7; manual 003 sections V and VI, where lot ``AAE`` goes to ``1100000…``).

An invoice with a DRE is signed once: its records 2 to 5 (which say ``F`` in column 95 and ``D`` in column 40,
see :mod:`feuille.billing.amc_part`) travel unchanged, with their signatures, in the FSE lot to the AMO **and**
in a DRE lot to the complementary. The lot side (states, numbers ``AAA`` … ``ZZZ`` per professional and AMC) is
``feuille.domain.lots`` (``LotKind.DRE``, ``RecipientKind.AMC``); this module says which invoices have a DRE, to
whom, and writes the envelope of a DRE file. **feuille's own** (docs/dre.md): the 000 header's recipient type
``OC`` (organisme complémentaire, a type the NOEMIE headers use) and number (the AMC number on 14 digits), the
lot header's organism ``000`` (a complementary has no caisse).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session, aliased

from feuille.auth import Context
from feuille.billing import amc_part, state
from feuille.domain.invoices import InvoiceState
from feuille.domain.lots import Certification, LotKind, LotState, RecipientKind
from feuille.errors import ValidationError, quoted
from feuille.formats import b2_file as m
from feuille.storage.models import AmcOrganism, Invoice, Lot, LotInvoice
from feuille.transmission import lot_state

RECIPIENT_TYPE = "OC"
LOT_ORGANISM = "000"
MAX_INVOICES = 999  # FORMATS.md §1: the lot trailer counts its invoices on 3 digits


@dataclass(frozen=True)
class DreRecipient:
    """Where an invoice's DRE goes: the complementary's AMC number (as record 2 carries it, 10 digits)."""

    amc_number: str


def recipient(document: Mapping[str, Any], amc_total: Decimal) -> DreRecipient | None:
    """The DRE recipient of a signed invoice (its stored document and its AMC total), None when it has no DRE."""
    if not amc_part.has_dre(document, amc_total):
        return None
    part = amc_part.read(document)
    assert part is not None  # has_dre read it
    return DreRecipient(part.amc_number.zfill(10))


@dataclass(frozen=True)
class DreItem:
    """One invoice to put in a DRE lot."""

    professional_id: int
    recipient: DreRecipient
    invoice_id: int


@dataclass(frozen=True)
class DreGroup:
    professional_id: int
    recipient: DreRecipient
    invoice_ids: tuple[int, ...]


def group(items: Iterable[DreItem], limit: int = MAX_INVOICES) -> list[DreGroup]:
    """Lots of at most ``limit`` invoices per professional and complementary, in the order the items came (the
    caller orders them, by invoice number for instance); the groups in the order of their first invoice."""
    if limit < 1:
        raise ValueError("limit must be positive")
    by_key: dict[tuple[int, str], list[int]] = {}
    for item in items:
        by_key.setdefault((item.professional_id, item.recipient.amc_number), []).append(item.invoice_id)
    out: list[DreGroup] = []
    for (professional, number), ids in by_key.items():
        out.extend(DreGroup(professional, DreRecipient(number), tuple(ids[start:start + limit]))
                   for start in range(0, len(ids), limit))
    return out


def recipient_number(amc_number: str) -> str:
    """The 000 header's recipient number of a DRE file: the AMC number right-aligned on 14 digits."""
    if not (amc_number.isdigit() and len(amc_number) <= 10 and int(amc_number)):
        raise ValidationError(f"N° AMC {quoted(amc_number)} : 10 chiffres au plus pour une DRE.",
                              code="b2_invoice", field="amc_number")
    return amc_number.zfill(14)


def check_invoices(amc_number: str, invoices: Iterable[m.Invoice]) -> None:
    """Every invoice of a DRE lot says, in its signed record 2, that its DRE goes to this complementary."""
    for invoice in invoices:
        header = invoice.header
        if header.dre != "D" or header.amc_separate != "F" or header.amc_number != amc_number.zfill(10) \
                or invoice.amc <= 0:
            raise ValidationError(f"Facture {invoice.number} : pas de DRE pour la complémentaire {amc_number} "
                                  "(enregistrement 2 : colonnes 40, 95 et 119, ou part AMC nulle).",
                                  code="b2_invoice", field="amc_number")


def dre_file(*, sender_number: str, file_id: str, created: date, lot: m.LotHeader, amc_number: str,
             invoices: tuple[m.Invoice, ...], closing: m.LotClosing | None = None, message: str = "") -> m.B2File:
    """One DRE lot in its B2 file (one lot per file, as the public implementations do): the envelope addressed
    to the complementary, the lot header's organism ``000``, the invoices as signed."""
    check_invoices(amc_number, invoices)
    if lot.organism != LOT_ORGANISM:
        raise ValidationError(f"Lot DRE : organisme {quoted(lot.organism)} au lieu de {LOT_ORGANISM}.",
                              code="b2_invoice", field="organism")
    header = m.FileHeader("TP", sender_number, RECIPIENT_TYPE, recipient_number(amc_number), file_id, created,
                          message=message)
    return m.B2File(header, (m.Lot(lot, invoices, closing or m.LotClosing()),))


# --- « Mettre en lot »: the DRE lots of one run ---------------------------------------------------------------------

Draw = Callable[[Session, int, LotKind, RecipientKind, str], str]
ZERO = Decimal("0.00")
#: The states in which a DRE given back is lotted again (the FSE went or goes to the AMO); never for an invoice
#: cancelled, or rejected by the AMO or in anomaly (a person looks at it first).
RELOTTED_STATES = (InvoiceState.IN_LOT.value, InvoiceState.SENT.value, InvoiceState.ACKNOWLEDGED.value,
                   InvoiceState.PAID.value, InvoiceState.PARTLY_PAID.value)


class Priced(Protocol):
    """What a DRE lot needs of an invoice (a ``pending.Candidate``, or a :class:`_Relotted`)."""

    @property
    def id(self) -> int: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def amo(self) -> Decimal: ...
    @property
    def amc(self) -> Decimal: ...


@dataclass(frozen=True)
class _Relotted:
    id: int
    total: Decimal
    amo: Decimal
    amc: Decimal


@dataclass
class _Open:
    lot: Lot
    ids: list[int] = field(default_factory=list)
    totals: list[Decimal] = field(default_factory=lambda: [ZERO, ZERO, ZERO])


class DreLotter:
    """The DRE lots made while « Mettre en lot » puts FSE in lots: an invoice with a DRE joins the open DRE lot of
    its professional, complementary and certification (a new one, numbered ``AAA`` … per professional and AMC, when
    there is none or it is full) in the same transaction and **before** its FSE moves to « in lot », so that the
    seal of that audited move covers both of its lot rows (``billing.sealing``: ``lot_invoices`` is sealed)."""

    def __init__(self, ctx: Context, session: Session, day: date, draw: Draw) -> None:
        self.ctx, self.session, self.day, self.draw = ctx, session, day, draw
        self.open: dict[tuple[int, str, str], _Open] = {}
        self.made: list[_Open] = []

    def _with_dre(self, candidates: Sequence[Priced]) -> list[tuple[Priced, DreRecipient]]:
        by_id = {c.id: c for c in candidates if c.amc > 0}
        if not by_id:
            return []
        held = set(self.session.scalars(select(LotInvoice.invoice_id).where(
            LotInvoice.invoice_id.in_(list(by_id)), LotInvoice.kind == LotKind.DRE.value,
            LotInvoice.live.is_(True))))
        out = []
        for invoice_id, text in self.session.execute(select(Invoice.id, Invoice.document)
                                                     .where(Invoice.id.in_([i for i in by_id if i not in held]))
                                                     .order_by(Invoice.id)):
            found = recipient(json.loads(text), by_id[invoice_id].amc)
            if found is not None:
                out.append((by_id[invoice_id], found))
        return out

    def _lot(self, professional_id: int, number: str, certification: Certification) -> _Open:
        key = (professional_id, number, certification.value)
        current = self.open.get(key)
        if current is not None and len(current.ids) < MAX_INVOICES:
            return current
        drawn = self.draw(self.session, professional_id, LotKind.DRE, RecipientKind.AMC, number)
        now = self.ctx.clock()
        lot = Lot(professional_id=professional_id, kind=LotKind.DRE.value, recipient_kind=RecipientKind.AMC.value,
                  recipient=number, regime=None, caisse=None, centre=None, amc_number=number,
                  certification=certification.value, number=drawn, lot_date=self.day,
                  state=LotState.MIS_EN_LOT.value, version=1, b2_file_id=None, invoice_count=0, total_fees=ZERO,
                  total_amo=ZERO, total_amc=ZERO, created_by=self.ctx.actor.login, created_at=now, updated_at=now)
        self.session.add(lot)
        self.session.flush()
        self.open[key] = made = _Open(lot)
        self.made.append(made)
        return made

    def add(self, professional_id: int, certification: Certification,
            candidates: Sequence[Priced]) -> list[tuple[int, int]]:
        """Put the candidates that have a DRE (and are in no live DRE lot) in their DRE lots; returns each one's
        invoice and lot ids."""
        rows, placed = [], []
        for candidate, found in self._with_dre(candidates):
            target = self._lot(professional_id, found.amc_number, certification)
            target.ids.append(candidate.id)
            for index, value in enumerate((candidate.total, candidate.amo, candidate.amc)):
                target.totals[index] += value
            rows.append({"lot_id": target.lot.id, "invoice_id": candidate.id, "position": len(target.ids),
                         "live": True, "kind": LotKind.DRE.value})
            placed.append((candidate.id, target.lot.id))
        if rows:
            self.session.execute(insert(LotInvoice), rows)
        return placed

    def relot(self) -> int:
        """The DRE given back by a refused DRE lot (``lot_moves``) while the invoice's FSE stays in its live lot:
        in a new DRE lot (same professional and certification as that FSE lot), each invoice re-sealed by an
        audited record, since no state change carries the new row. Returns how many."""
        fse = aliased(LotInvoice)
        dre_row = aliased(LotInvoice)
        given_back = exists().where(dre_row.invoice_id == Invoice.id, dre_row.kind == LotKind.DRE.value,
                                    dre_row.live.is_(None))
        held = exists().where(dre_row.invoice_id == Invoice.id, dre_row.kind == LotKind.DRE.value,
                              dre_row.live.is_(True))
        found: dict[tuple[int, str], list[Priced]] = {}
        for invoice_id, professional, certification, total, amo, amc in self.session.execute(
                select(Invoice.id, Lot.professional_id, Lot.certification, Invoice.total, Invoice.amo, Invoice.amc)
                .join(fse, (fse.invoice_id == Invoice.id) & (fse.kind == LotKind.FSE.value) & fse.live.is_(True))
                .join(Lot, Lot.id == fse.lot_id).where(Invoice.state.in_(RELOTTED_STATES), given_back, ~held)
                .order_by(Invoice.id)):
            found.setdefault((professional, certification), []).append(_Relotted(invoice_id, total, amo, amc))
        done = 0
        for (professional, certification), items in found.items():
            for invoice_id, lot_id in self.add(professional, Certification(certification), items):
                row = state.load(self.session, invoice_id, lock=True)
                state.record(self.ctx, self.session, row, "dre_relot", {"lot": lot_id})
                done += 1
        return done

    def close(self) -> list[Lot]:
        """The DRE lots made, their counts and totals written, each with its history and audit entry."""
        for made in self.made:
            lot = made.lot
            lot.invoice_count = len(made.ids)
            lot.total_fees, lot.total_amo, lot.total_amc = made.totals
            lot_state.history(self.ctx, self.session, lot, "create", None, LotState.MIS_EN_LOT.value,
                              {"number": lot.number, "recipient": lot.amc_number, "kind": LotKind.DRE.value,
                               "certification": lot.certification, "invoices": len(made.ids),
                               "date": self.day.isoformat()})
        self.session.flush()
        return [made.lot for made in self.made]


def mailbox(session: Session, amc_number: str) -> str | None:
    """Where a DRE lot to this complementary is sent: its DRE address in the AMC list (None when unknown)."""
    found = session.scalars(select(AmcOrganism.dre_address).where(
        AmcOrganism.number.in_({amc_number, amc_number.lstrip("0")}), AmcOrganism.dre_accepted.is_(True))).first()
    return found or None
