"""NOEMIE integration benchmark (issue 13): returns of 250,000 / 500,000 / 1,000,000 records integrated and
reconciled against 500,000 stored invoices, on SQLite and PostgreSQL.

Stage (not timed as the product's; its time is reported as ``build_seconds``): a fresh database (SQLite file in a
temporary folder, or its own schema on the PostgreSQL test server) with 500,000 secured invoices of a GP's home
visit (G + MD: two priced lines; the first secured through the services, the others copied by bulk inserts,
``benchmarks.builders``), in lots of 999 and sent. Then one return file per size, written by the product's writer
(``formats.noemie_file.write_file``) with the caisse de test's own decisions (``feuille_sim.payments.build``:
102 + 103 + 198 + 210 per act, 990 per invoice and lot, lots as received): the paid lots under a transfer (071),
one invoice in ``PARTIAL_EVERY`` paid in part, one in ``REJECT_EVERY`` rejected under an accounting day (070,
with its 290 and 294), one in ``UNKNOWN_EVERY`` with a number no invoice has, a debt stated and withheld (250 CIN
and RPR) and a one-off payment (261 + 262). Each file takes invoices no earlier file took, so that every known
invoice is matched once, and is integrated in its own child process on the same database.

Measured per size and engine: wall and CPU seconds (this process's, so the database server's CPU is not in it on
PostgreSQL) of ``returns.integration.integrate_file`` with automatic reconciliation (the setting's default),
records and invoices per second, the child's peak resident memory (``resource``: the child does nothing else, so
it is the integration's; flat across sizes when the integration streams); then, in another child, the same file
parsed alone (``formats.noemie_stream.iter_returns``, every event consumed) and the ratio integration / parsing.
What the integration left is checked (states, matched rows) so that a fast wrong run is not a figure.

    .venv/bin/python -m benchmarks.noemie_integration                          # SQLite, 500k stored, 3 sizes
    .venv/bin/python -m benchmarks.noemie_integration --base postgresql        # noemie_integration_postgresql
    .venv/bin/python -m benchmarks.noemie_integration --stored 20000 --sizes 20000 40000   # a quick run

Figures go to ``benchmarks/results/noemie_integration.json`` (``make bench-noemie-integration``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.support import RESULTS, database_url, write_results

ROOT = Path(__file__).resolve().parent.parent
SIZES = (250_000, 500_000, 1_000_000)    # records (entities, header and trailer included) of each return
STORED = 500_000
DOCUMENT = {"acts": [{"code": "G"}, {"code": "MD"}]}   # a home visit: two priced lines, two 210
REJECT_EVERY, PARTIAL_EVERY, UNKNOWN_EVERY = 1_000, 2_000, 5_000
UNKNOWN_FROM = 900_000_000                 # invoice numbers no stored invoice has
DELAY = timedelta(days=5)                  # the caisse's: a lot is paid 5 days after it was received


@dataclass(frozen=True)
class Written:
    path: str
    records: int
    invoices: int
    rejected: int
    partial: int
    unknown: int
    lots: int
    next_position: int


def build(url: str, stored: int) -> dict[str, Any]:
    """The stage: ``stored`` secured invoices in lots of 999, sent."""
    from benchmarks import builders

    started = time.perf_counter()
    db, model = builders.secured_invoices(stored, url, DOCUMENT)
    lots = builders.sent_in_lots(db, model)
    db.dispose()
    return {"build_seconds": round(time.perf_counter() - started, 1), "lots_stored": lots}


def _stage(session: Any) -> tuple[Any, list[tuple[int, date, list[int]]], Any, str]:
    """The model invoice (with its lines), the stored lots in order (number, date, invoice numbers), the first
    lot's row and the recipient
    the lots were sent as (``files.sender_number``)."""
    from feuille.storage.models import Invoice, InvoiceLine, Lot, LotInvoice, Professional
    from feuille.transmission.files import sender_number

    model = session.scalars(sa.select(Invoice).order_by(Invoice.id).limit(1)).one()
    lines = list(session.scalars(sa.select(InvoiceLine).where(InvoiceLine.invoice_id == model.id)
                                 .order_by(InvoiceLine.line_number)))
    numbers: dict[int, list[int]] = {}
    for lot_id, number in session.execute(sa.select(LotInvoice.lot_id, Invoice.number)
                                          .join(Invoice, Invoice.id == LotInvoice.invoice_id)
                                          .order_by(LotInvoice.lot_id, LotInvoice.position)):
        numbers.setdefault(lot_id, []).append(number)
    rows = list(session.scalars(sa.select(Lot).order_by(Lot.id)))
    professional = session.get(Professional, model.professional_id)
    return ((model, lines), [(int(row.number), row.lot_date, numbers.get(row.id, [])) for row in rows], rows[0],
            sender_number(professional))


def _templates(model: Any, lines: list[Any], lot_row: Any, recipient: str) -> tuple[Any, Any]:
    """The caisse's view of the model invoice and of a lot (``feuille_sim.payments.store``), to decide with."""
    from feuille_sim.payments import store

    stored_lines = tuple(store.Line(x.line_number, x.care_date, x.code, x.quantity, x.coefficient or Decimal(1),
                                    x.unit_price or x.base, x.base, x.rate, x.amo) for x in lines)
    nir = (model.patient_nir or "").replace(" ", "")
    invoice = store.StoredInvoice(model.id, lot_row.id, model.billing_number, model.number, nir[:13], nir[13:15],
                                  None, model.patient_rank or 1, "10", model.invoice_date, model.invoice_date,
                                  model.amo, model.amc, stored_lines)
    lot = store.DueLot(lot_row.id, f"{lot_row.regime}{lot_row.caisse}", recipient, lot_row.number,
                       lot_row.lot_date)
    return invoice, lot


def write_return(url: str, folder: str, file_number: int, target: int, position: int) -> Written:
    """A return of about ``target`` records (never more) for the stored invoices from ``position`` (their rank
    in lot order) on, written to ``folder``."""
    from feuille.formats.noemie_file import (
        PAID,
        REJECTED,
        WITHHOLDING,
        Lot,
        Movement,
        NoemieFile,
        OneOffDetail,
        OneOffPayment,
        Payee,
        ReturnGroup,
        Settlement,
        write_file,
    )
    from feuille.storage import Database
    from feuille_sim.payments import build as caisse

    db = Database(url)
    with db.read() as session:
        (model, lines), lots, lot_row, recipient = _stage(session)
    db.dispose()
    template, due = _templates(model, lines, lot_row, recipient)
    decisions = {kind: caisse.settle(template, due, decision) for kind, decision in (
        ("paid", caisse.Decision(PAID)), ("partial", caisse.Decision(PAID, 70)),
        ("rejected", caisse.Decision(REJECTED, 0, "Droits fermés à la date des soins")))}
    per_invoice = {kind: _records(invoice) for kind, invoice in decisions.items()}
    budget = target - 30               # header, trailer, payee, two settlements, groups, movements, one-off
    paid_lots: list[Lot] = []
    rejected_lots: list[Lot] = []
    counts = {"paid": 0, "partial": 0, "rejected": 0, "unknown": 0}
    rank, full = 0, False
    day = lots[0][1]
    for lot_number, lot_date, numbers in lots:
        kept: list[Any] = []
        rejected: list[Any] = []
        for number in numbers:
            if rank + 1 <= position:
                rank += 1
                continue
            kind = ("rejected" if (rank + 1) % REJECT_EVERY == 0 else "partial" if (rank + 1) % PARTIAL_EVERY == 1
                    else "paid")
            full = budget < per_invoice[kind] + 4   # its lot's 080 and 990 may still be to come
            if full:
                break
            rank += 1
            budget -= per_invoice[kind]
            counts[kind] += 1
            if rank % UNKNOWN_EVERY == UNKNOWN_EVERY // 2:   # a paid one (the rejected are at 1,000, 2,000, …)
                counts["unknown"] += 1
                number = UNKNOWN_FROM + rank
            (rejected if kind == "rejected" else kept).append(replace(
                decisions[kind], number=f"{number:09d}", lot_number=f"{lot_number:03d}", lot_date=lot_date))
        day = max(day, lot_date)
        for target_lots, invoices in ((paid_lots, kept), (rejected_lots, rejected)):
            if invoices:
                budget -= 2
                target_lots.append(Lot(lot_date, lot_number, tuple(invoices)))
        if full:
            break
    paid_on = day + DELAY
    debt = Decimal("150.00")
    movements = (Movement(1, "DETTE00001", "IND", "CIN", debt, day, debt),
                 Movement(2, "DETTE00001", "IND", WITHHOLDING, -debt, day, Decimal("0.00")))
    one_off = OneOffPayment("00001", Decimal("490.00"), (OneOffDetail("00001", "AIDE A LA TELETRANSMISSION",
                                                                      amount=Decimal("490.00")),))
    organism = due.organism
    settlements = [Settlement(paid_on, caisse.transfer(organism, paid_on, file_number, 1), (
        ReturnGroup("01", lots=tuple(paid_lots)), ReturnGroup("03", payments=(one_off,)),
        ReturnGroup("05", movements=movements)))]
    if rejected_lots:
        settlements.append(Settlement(paid_on, None, (ReturnGroup("01", lots=tuple(rejected_lots)),)))
    file = NoemieFile(caisse.header(organism, recipient, file_number, paid_on, caisse.PAYMENTS),
                      (Payee(caisse.payee_number(model.billing_number), tuple(settlements)),))
    records = _file_records(file)
    path = Path(folder) / f"retour_{file_number:06d}.txt"
    path.write_text(write_file(file), encoding="ascii")
    return Written(str(path), records, counts["paid"] + counts["partial"] + counts["rejected"], counts["rejected"],
                   counts["partial"], counts["unknown"], len(paid_lots) + len(rejected_lots), rank)


def _records(invoice: Any) -> int:
    """Entities an invoice takes in a return: itself, its details, its 990."""
    details = sum(1 for x in (invoice.beneficiary, invoice.insured, invoice.patient, invoice.amo, invoice.amc)
                  if x is not None)
    return 2 + details + bool(invoice.nature) + bool(invoice.archive) + len(invoice.acts) + len(
        invoice.messages) + len(invoice.rejects)


def _file_records(file: Any) -> int:
    """Every entity of the file as written (what its 999 counts)."""
    count = 2 + bool(file.mandataire)
    for payee in file.payees:
        count += 1
        for settlement in payee.settlements:
            count += 2
            for group in settlement.groups:
                count += 1 + len(group.movements) + sum(1 + len(p.details) for p in group.payments)
                count += sum(2 + sum(_records(i) for i in lot.invoices) for lot in group.lots)
    return count


def integrate(url: str, path: str) -> dict[str, Any]:
    """``integrate_file`` on the database at ``url`` (this process does nothing else: its peak memory is the
    integration's), then what it left, checked."""
    from tests.conftest import fixed_clock

    from feuille.auth import Context, actor_for
    from feuille.billing import install_guards
    from feuille.returns.integration import integrate_file
    from feuille.storage import Database

    install_guards()
    db = Database(url)
    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    integrate_file(ctx, Path(path), name=Path(path).name)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    figures = {"integrate_seconds": round(wall, 2),
               "integrate_cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                                              2),
               "integrate_peak_rss_mib": round(after.ru_maxrss / 1024, 1)}
    figures.update(_left(db))
    db.dispose()
    return figures


def _left(db: Any) -> dict[str, Any]:
    """What the last integrated file left: its outcome, its return rows by match, the invoices by state."""
    from feuille.storage.models import Invoice, NoemieFileRow, ReturnInvoice

    with db.read() as session:
        file = session.scalars(sa.select(NoemieFileRow).order_by(NoemieFileRow.id.desc()).limit(1)).one()
        matches = dict(session.execute(sa.select(ReturnInvoice.match, sa.func.count())
                                       .where(ReturnInvoice.noemie_file_id == file.id)
                                       .group_by(ReturnInvoice.match)).all())
        states = dict(session.execute(sa.select(Invoice.state, sa.func.count()).group_by(Invoice.state)).all())
        problems = json.loads(file.problems)
    return {"outcome": file.outcome, "file_invoices": file.invoices, "file_unmatched": file.unmatched,
            "matches": {str(k): int(v) for k, v in matches.items()},
            "invoice_states": {str(k): int(v) for k, v in states.items()},
            "problem_codes": sorted({str(p.get("code")) for p in problems})}


def parse(path: str) -> dict[str, Any]:
    """The same file parsed alone: every event of ``iter_returns`` consumed (this process does nothing else)."""
    from feuille.formats.noemie_stream import iter_returns

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    source: Any = Path(path)   # read in chunks, as the integration reads it
    events = sum(1 for _ in iter_returns(source))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {"parse_seconds": round(wall, 4), "events": events,
            "parse_cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
            "parse_peak_rss_mib": round(after.ru_maxrss / 1024, 1)}


def check(run: dict[str, Any], written: Written) -> None:
    """A run that did not integrate what the file says is refused (a fast wrong integration is no figure)."""
    known = written.invoices - written.unknown
    matched = run["matches"].get("auto", 0)
    if run["file_invoices"] != written.invoices or matched != known or run["file_unmatched"] != written.unknown:
        raise SystemExit(f"intégration incomplète : {json.dumps(run)} pour {written}")


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.noemie_integration", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:1])} a échoué ({done.returncode}) : {done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(base: str, stored: int, sizes: list[int], name: str | None = None) -> dict[str, Any]:
    """The stage, then each size written, integrated and parsed in its own child processes; the figures so far
    written to ``results/<name>.json`` after each size when ``name`` is given (a long run keeps what it measured)."""
    runs: list[dict[str, Any]] = []
    with database_url(base) as url, tempfile.TemporaryDirectory(prefix="feuille-bench-noemie-") as folder:
        stage = _child("--build", url, str(stored))
        print(json.dumps(stage), flush=True)
        position = 0
        for number, size in enumerate(sizes, start=1):
            written = Written(**_child("--write", url, folder, str(number), str(size), str(position)))
            position = written.next_position
            integrated = _child("--integrate", url, written.path)
            check(integrated, written)
            parsed = _child("--parse", written.path)
            # a tiny run on a quick machine may round to 0 s: the rates divide by a tenth of a millisecond at least
            seconds, parsing = max(integrated["integrate_seconds"], 1e-4), max(parsed["parse_seconds"], 1e-4)
            runs.append({"records": written.records, "invoices": written.invoices, "lots": written.lots,
                         "rejected": written.rejected, "partly_paid": written.partial,
                         "unknown": written.unknown, "file_mib": round(Path(written.path).stat().st_size / 2**20, 1),
                         **integrated, "records_per_second": round(written.records / seconds),
                         "invoices_per_second": round(written.invoices / seconds), **parsed,
                         "parse_records_per_second": round(written.records / parsing),
                         "integration_to_parse_ratio": round(seconds / parsing, 1)})
            Path(written.path).unlink()
            print(json.dumps(runs[-1]), flush=True)
            if name is not None:
                write_results(name, _figures(base, stored, stage, runs))
    return _figures(base, stored, stage, runs)


def _figures(base: str, stored: int, stage: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"database": base, "stored_invoices": stored, **stage, "runs": runs,
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="records of each return")
    parser.add_argument("--stored", type=int, default=STORED, help="invoices stored")
    parser.add_argument("--base", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--no-write", action="store_true", help="print the figures, write no result file")
    parser.add_argument("--build", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--integrate", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--parse", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        print(json.dumps(build(args.build[0], int(args.build[1]))))
    elif args.write:
        url, folder, number, size, position = args.write
        print(json.dumps(vars(write_return(url, folder, int(number), int(size), int(position)))))
    elif args.integrate:
        print(json.dumps(integrate(*args.integrate)))
    elif args.parse:
        print(json.dumps(parse(args.parse)))
    else:
        name = "noemie_integration" if args.base == "sqlite" else f"noemie_integration_{args.base}"
        run(args.base, args.stored, args.sizes, None if args.no_write else name)
        if not args.no_write:
            print(f"Résultats écrits dans {RESULTS / (name + '.json')}")


if __name__ == "__main__":
    main()
