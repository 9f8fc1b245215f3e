"""Desks writing at once, each in its own process: what the concurrency test and benchmark run.

A desk imports a patient CSV (one long transaction), then creates, checks, secures (synchronised mode, the
in-memory card reader of the tests) and pays invoices, as a practice's desks do while the secretary imports.
Processes are spawned (never forked) so that none inherits another's database connections.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
import traceback
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from feuille.auth import Context, actor_for
from feuille.billing import drafts, payments, rate_check, securing
from feuille.domain.identifiers import nir_key
from feuille.storage import Database
from feuille.storage.models import Invoice, InvoicePayment, Patient
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation
from tests.conftest import fixed_clock

SPAWN = multiprocessing.get_context("spawn")


def write_csv(path: Path, desk: int, rows: int) -> None:
    """``rows`` patients whose NIRs no other desk uses (the desk's number is in them)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("NOM;PRENOM;DATE_NAISSANCE;RANG;NIR\n")
        for i in range(rows):
            nir13 = f"1800175{desk:02d}{i:04d}"
            out.write(f"DESK{desk};Patient{i};15/01/1980;1;{nir13}{nir_key(nir13)}\n")


def _count_retries() -> list[int]:
    """Every pause before a new attempt (a wait for SQLite's lock that expired, a deadlock…), in this process."""
    from feuille.storage import db, retry

    pauses: list[int] = []
    original = retry.pause

    def counted(attempt: int) -> None:
        pauses.append(attempt)
        original(attempt)

    retry.pause = db.pause = counted  # type: ignore[assignment]
    return pauses


def desk(url: str, number: int, invoices: int, patients: int, go: Any, results: Any) -> None:
    """One desk's day (in a child process); puts ``("ok", figures)`` or ``("error", traceback)``."""
    try:
        retries = _count_retries()
        db = Database(url)
        ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
        reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
        with tempfile.TemporaryDirectory() as folder:
            csv = Path(folder) / "patients.csv"
            if patients:
                write_csv(csv, number, patients)
            results.put(("ready", number))
            go.wait(120)
            started = time.perf_counter()
            imported = 0
            if patients:
                from feuille.practice.patient_import import import_patients_csv

                imported = import_patients_csv(ctx, csv, report_path=Path(folder) / "refus.csv").imported
            paid = Decimal("0.00")
            for _ in range(invoices):
                draft = drafts.create_draft(ctx, consultation())
                rate_check.check_rates(ctx, draft.id)
                secured = securing.secure(ctx, draft.id, "synchronise", reader)
                due = Decimal(secured.totals["due_by_patient"])
                if due > 0:
                    payments.pay(ctx, draft.id, "CB", str(due))
                    paid += due
            seconds = time.perf_counter() - started
        db.dispose()
        results.put(("ok", {"desk": number, "imported": imported, "paid": str(paid), "seconds": seconds,
                            "retries": len(retries)}))
    except BaseException:  # reported to the parent, which fails the test with it
        results.put(("error", traceback.format_exc()))


def _wait_ready(results: Any, count: int) -> None:
    """Every desk has started (imports done, database reached): the clock starts with the work, not Python."""
    for _ in range(count):
        kind, detail = results.get(timeout=120)
        if kind == "error":
            raise AssertionError(f"a desk failed to start:\n{detail}")


@dataclass(frozen=True)
class Day:
    desks: list[dict[str, Any]]
    seconds: float  # from the start signal to the last desk's end


def run_desks(url: str, count: int, invoices: int, patients: int) -> Day:
    """Start ``count`` desks together; every desk's error is raised here with its traceback."""
    go, results = SPAWN.Event(), SPAWN.Queue()
    processes = [SPAWN.Process(target=desk, args=(url, n, invoices, patients, go, results))
                 for n in range(count)]
    for process in processes:
        process.start()
    _wait_ready(results, count)
    started = time.perf_counter()
    go.set()
    outcomes = [results.get(timeout=300) for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join(30)
    errors = [detail for kind, detail in outcomes if kind == "error"]
    if errors:
        raise AssertionError("a desk failed:\n" + "\n".join(errors))
    return Day([detail for _, detail in outcomes], seconds)


def totals(url: str) -> dict[str, Any]:
    """What the database holds after the day: counts, sums, the number series of each professional."""
    db = Database(url)
    with db.read() as session:
        numbers = session.execute(sa.select(Invoice.professional_id, Invoice.number)
                                  .where(Invoice.number.is_not(None))).all()
        found = {
            "invoices": session.scalar(sa.select(sa.func.count()).select_from(Invoice)),
            "secured": session.scalar(sa.select(sa.func.count()).where(Invoice.state == "secured")),
            "total": session.scalar(sa.select(sa.func.sum(Invoice.total))),
            "due": session.scalar(sa.select(sa.func.sum(Invoice.due_by_patient))),
            "paid": session.scalar(sa.select(sa.func.sum(InvoicePayment.amount))) or Decimal("0.00"),
            "patients": session.scalar(sa.select(sa.func.count()).select_from(Patient)),
            "numbers": sorted(number for _, number in numbers),
            "series": {pro for pro, _ in numbers},
        }
    db.dispose()
    return found


class Background:
    """One desk writing invoices in another process while the test does something else."""

    def __init__(self, url: str, invoices: int) -> None:
        self.go, self.results = SPAWN.Event(), SPAWN.Queue()
        self.process = SPAWN.Process(target=desk, args=(url, 90, invoices, 0, self.go, self.results))

    def __enter__(self) -> Background:
        self.process.start()
        _wait_ready(self.results, 1)
        self.go.set()
        return self

    def finish(self) -> dict[str, Any]:
        kind, detail = self.results.get(timeout=300)
        self.process.join(30)
        if kind == "error":
            raise AssertionError(f"the writing desk failed:\n{detail}")
        return dict(detail)

    def __exit__(self, *_exc: object) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join(10)
