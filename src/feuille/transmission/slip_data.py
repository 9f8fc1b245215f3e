"""The transmission slips read from the lots, written to the slips' folder and printed (« Edition Bordereau »).

One slip per professional: the lots asked for (``bordereau LOT``), or every lot whose mail left on a day
(``bordereau --date``; after a sending, the lots it sent). ``write_slips`` writes each PDF to the folder of the
settings (``dossier_bordereaux``, default ``bordereaux`` in the data folder) as
``bordereau-AAAAMMJJ-<n° de facturation>-<lots>.pdf`` and, when ``commande_impression`` is set, runs that command
with the file as its last argument (a print command such as ``lp``; feuille's own, documented in
docs/teletransmission.md). A command that fails is reported in French; the file stays written.
"""

from __future__ import annotations

import shlex
import subprocess
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.domain.lots import CERTIFICATION_LABELS, LABELS, Certification, LotState
from feuille.domain.professionals import format_billing_number
from feuille.errors import NotFoundError, ValidationError
from feuille.storage.models import Invoice, Lot, LotInvoice, LotMail, Patient, Professional
from feuille.transmission import bordereau, outbox, send_settings
from feuille.transmission.bordereau import Slip, SlipInvoice, SlipLot

PRINT_TIMEOUT = 60   # seconds: a print command that hangs does not hold the sending


@dataclass(frozen=True)
class WrittenSlip:
    path: Path
    lots: tuple[str, ...]
    printed: bool
    problem: str | None = None   # French: why printing failed (the file is written)


def _sent_at(session: Session, lot_id: int) -> datetime | None:
    last = outbox.last_sent(session, lot_id)
    return last.sent_at if last else None


def _invoices(session: Session, lot: Lot) -> tuple[SlipInvoice, ...]:
    rows = session.execute(
        select(Invoice, Patient).join(LotInvoice, LotInvoice.invoice_id == Invoice.id)
        .outerjoin(Patient, Patient.id == Invoice.patient_id)
        .where(LotInvoice.lot_id == lot.id).order_by(LotInvoice.position)).all()
    return tuple(SlipInvoice(invoice.number or 0, invoice.invoice_date,
                             f"{patient.last_name} {patient.first_name or ''}".strip() if patient else "-",
                             invoice.total, invoice.amo, invoice.amc) for invoice, patient in rows)


def _certification(letter: str) -> str:
    try:
        return CERTIFICATION_LABELS[Certification(letter)]
    except ValueError:
        return letter


def _slips(ctx: Context, session: Session, lots: list[Lot]) -> list[Slip]:
    by_professional: dict[int, list[Lot]] = defaultdict(list)
    for lot in lots:
        by_professional[lot.professional_id].append(lot)
    out = []
    for professional_id, group in sorted(by_professional.items()):
        pro = session.get(Professional, professional_id)
        assert pro is not None  # a foreign key
        slip_lots = tuple(SlipLot(lot.number, f"{lot.regime} {lot.caisse}" if lot.regime else lot.recipient,
                                  _certification(lot.certification), LABELS[LotState(lot.state)],
                                  _sent_at(session, lot.id), _invoices(session, lot))
                          for lot in sorted(group, key=lambda lot: lot.id))
        out.append(Slip(send_settings.read(session).practice_name or "", f"{pro.last_name} {pro.first_name}",
                        format_billing_number(pro.billing_number), ctx.clock().date(), slip_lots))
    return out


def slips_for_lots(ctx: Context, lot_ids: Iterable[int]) -> list[Slip]:
    require(ctx, Permission.READ)
    wanted = sorted(set(lot_ids))
    with ctx.db.read() as session:
        lots = list(session.scalars(select(Lot).where(Lot.id.in_(wanted))))
        missing = set(wanted) - {lot.id for lot in lots}
        if missing:
            raise NotFoundError(f"Lot n° {min(missing)} introuvable.", code="lot_not_found", field="lot")
        return _slips(ctx, session, lots)


def slips_for_day(ctx: Context, day: date) -> list[Slip]:
    """Every lot whose mail left on ``day`` (its first sending or a re-sending)."""
    require(ctx, Permission.READ)
    start = datetime.combine(day, time())
    with ctx.db.read() as session:
        ids = set(session.scalars(select(LotMail.lot_id).where(LotMail.state == outbox.SENT,
                                                               LotMail.sent_at >= start,
                                                               LotMail.sent_at < start + timedelta(days=1))))
        if not ids:
            raise NotFoundError(f"Aucun lot envoyé le {day:%d/%m/%Y} : pas de bordereau.", code="slip_empty",
                                field="date")
        return _slips(ctx, session, list(session.scalars(select(Lot).where(Lot.id.in_(ids)))))


def default_folder() -> Path:
    return Path(user_data_dir("feuille", appauthor=False)) / "bordereaux"


def write_slips(ctx: Context, slips: list[Slip], folder: Path | None = None, *,
                print_it: bool | None = None) -> list[WrittenSlip]:
    """Each slip as a PDF in ``folder`` (default: the settings', else the data folder's); printed with the
    settings' command when ``print_it`` (None: when a command is set)."""
    with ctx.db.read() as session:
        settings = send_settings.read(session)
    target = folder or (Path(settings.slip_folder) if settings.slip_folder else default_folder())
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"Dossier des bordereaux {target} : création impossible ({exc.strerror}).",
                              code="slip_folder", field="dossier") from None
    out = []
    for slip in slips:
        numbers = tuple(lot.number for lot in slip.lots)
        path = target / (f"bordereau-{slip.printed_on:%Y%m%d}-{slip.billing_number.replace(' ', '')}-"
                         f"{'-'.join(numbers)[:60]}.pdf")
        try:
            path.write_bytes(bordereau.render_pdf(slip, created=ctx.clock()))
        except OSError as exc:
            raise ValidationError(f"Bordereau {path} : écriture impossible ({exc.strerror}).", code="slip_folder",
                                  field="dossier") from None
        command = settings.print_command if print_it is not False else None
        problem = _print(command, path) if command else None
        out.append(WrittenSlip(path, numbers, command is not None and problem is None, problem))
    return out


def _print(command: str, path: Path) -> str | None:
    try:
        done = subprocess.run([*shlex.split(command), str(path)], capture_output=True, timeout=PRINT_TIMEOUT,
                              check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        return f"impression impossible ({command[:40]}) : {type(exc).__name__}"
    if done.returncode != 0:
        return f"impression refusée ({command[:40]}, code {done.returncode})"
    return None
