"""Reports benchmark (issue 13): the four reports and the transfer list among 500,000 followed invoices.

The database holds ``-n`` invoices (copies of one secured invoice, invoice dates spread over 400 days, states
sent / paid / partly paid / rejected), in lots of 1,000 to 20 caisses, two in three paid by a matched NOEMIE
return row under one transfer per lot, and an AMC number on one in four. Measured: each report (best of three,
in process) and the plan of the aggregate (SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN``).

    .venv/bin/python -m benchmarks.reports                      # 500,000 invoices, SQLite
    .venv/bin/python -m benchmarks.reports -n 20000 --base postgresql

Figures go to ``benchmarks/results/reports.json`` (one entry per database).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from benchmarks.support import database_url, previous_results, write_results
from feuille.auth import Context, actor_for, bootstrap
from feuille.storage import Database
from feuille.storage.models import Invoice, Lot, LotInvoice, NoemieFileRow, ReturnInvoice, TransferRow

DEFAULT_SIZE = 500_000
LOT = 1000
BATCH = 5000
TODAY = date(2025, 1, 15)
STATES = ("sent", "paid", "partly_paid", "paid", "rejected", "paid")


def _model(ctx: Context) -> dict[str, Any]:
    from tests.billing.support import practice
    from tests.transmission.support import secured

    practice(ctx)
    invoice_id = secured(ctx)
    with ctx.db.read() as session:
        base = dict(session.execute(sa.select(Invoice.__table__).where(Invoice.id == invoice_id)).mappings().one())
    del base["id"]
    return base


def _insert(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(sa.insert(model), rows[start:start + BATCH])


def fill(ctx: Context, count: int) -> None:
    base = _model(ctx)
    amc_doc = json.dumps({**json.loads(base["document"]), "amc_transmission": {"routing": "fse",
                                                                              "amc_number": "99999997"}})
    now = datetime(2025, 1, 15, 9)
    with ctx.db.transaction() as session:
        file = NoemieFileRow(sha256="b" * 64, received_mail_id=None, source="bench", size=0, blocked=False,
                             emitter_type="CP", emitter_number="1", recipient_type="PS", recipient_number="1",
                             file_id="000001", reference="576", created=TODAY, flow="T", outcome="integre",
                             problems="[]", invoices=0, unmatched=0, integrated_by="bench", integrated_at=now)
        session.add(file)
        session.flush()
        for first in range(0, count, LOT):
            size = min(LOT, count - first)
            lot_no = first // LOT
            invoices = [{**base, "number": 1_000_000 + first + n, "state": STATES[(first + n) % len(STATES)],
                         "invoice_date": TODAY - timedelta(days=(first + n) % 400),
                         "document": amc_doc if n % 4 == 0 else base["document"],
                         "amc": Decimal("4.60") if n % 4 == 0 else Decimal("0.00")} for n in range(size)]
            ids = list(session.execute(sa.insert(Invoice).returning(Invoice.id), invoices).scalars())
            lot = Lot(professional_id=base["professional_id"], kind="FSE", recipient_kind="amo",
                      recipient=f"01 {300 + lot_no % 20}", regime="01", caisse=f"{300 + lot_no % 20}",
                      centre="0000", amc_number=None, certification="S", number=f"{lot_no % 999 + 1:03d}",
                      lot_date=TODAY, state="rsp", version=1, b2_file_id=None, invoice_count=size,
                      total_fees=Decimal(0), total_amo=Decimal(0), total_amc=Decimal(0), received_on=None,
                      arl_label=None, handling=None, created_by="bench", created_at=now, updated_at=now)
            transfer = TransferRow(noemie_file_id=file.id, professional_id=None, payee_number="1",
                                   settlement_date=TODAY - timedelta(days=lot_no % 30), is_transfer=True,
                                   label_1=f"VIR {lot_no}", label_2="", paying_organism=f"01{300 + lot_no % 20}000",
                                   declared_total=None, computed_total=Decimal(0), entity=1, offset=0)
            session.add_all([lot, transfer])
            session.flush()
            _insert(session, LotInvoice, [{"lot_id": lot.id, "invoice_id": i, "kind": "FSE", "position": p,
                                           "live": True} for p, i in enumerate(ids, start=1)])
            _insert(session, ReturnInvoice, [
                {"noemie_file_id": file.id, "transfer_id": transfer.id, "invoice_id": i, "match": "auto",
                 "return_kind": "01", "lot_number": lot.number, "lot_date": TODAY, "invoice_number": "1",
                 "invoice_type": "F", "invoice_date": TODAY, "nir": "", "rank": "1", "patient_name": "",
                 "amo_claimed": base["amo"], "amo_status": "P", "amo_paid": base["amo"], "amc_claimed": Decimal(0),
                 "amc_status": "", "amc_paid": Decimal(0), "amc_number": "", "entity": 1, "offset": 0,
                 "matched_by": "bench", "matched_at": now} for n, i in enumerate(ids) if n % 3])


def best_of_three(call: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return round(best, 3)


def plan(db: Database, span: Any) -> list[str]:
    from feuille.returns.reports import _base

    base = _base(span)
    query = sa.select(base.c.regime, sa.func.count()).group_by(base.c.regime)
    compiled = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    with db.engine.connect() as conn:
        return [" ".join(str(c) for c in row) for row in conn.execute(sa.text(explain + compiled))]


def run(url: str, count: int) -> dict[str, Any]:
    from tests.conftest import fixed_clock

    from feuille.returns import listing, reports, transfers

    db = Database(url)
    db.upgrade()
    bootstrap(db)
    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    start = time.perf_counter()
    fill(ctx, count)
    filled = round(time.perf_counter() - start, 1)
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    year = ("16/01/2024", "15/01/2025")
    figures = {
        "invoices": count, "fill_s": filled,
        "organismes_s": best_of_three(lambda: reports.by_organism(ctx, *year)),
        "anciennete_s": best_of_three(lambda: reports.ageing(ctx, TODAY, "01/01/2020")),
        "sesam_vitale_s": best_of_three(lambda: reports.sesam_vitale(ctx, *year)),
        "mensuel_s": best_of_three(lambda: reports.monthly(ctx, *year)),
        "virements_liste_s": best_of_three(lambda: transfers.listing_transfers(ctx, "16/12/2024", "15/01/2025")),
        "plan": plan(db, listing.Period(date(2024, 1, 16), TODAY)),
    }
    db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=DEFAULT_SIZE, help="invoices")
    parser.add_argument("--base", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with database_url(args.base) as url:
        figures = run(url, args.n)
    results = {**previous_results("reports"), args.base: figures}
    results.pop("machine", None)
    print(json.dumps(figures, indent=2))
    print(write_results("reports", results))


if __name__ == "__main__":
    main()
