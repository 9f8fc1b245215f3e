"""Securing benchmark (issue 4): price + sign + store 10,000 invoices in synchronised mode, SQLite and PostgreSQL.

Each invoice goes the way a desk does it: ``create_draft`` (validate, price, store), ``check_rates`` (price again,
store the check), ``secure`` in synchronised mode in three steps (prepare: price the stored input again, draw the
number, fix the bytes; sign: the CPS through PKCS#11 on a SoftHSM2 token, no transaction open; commit: store the
signature). The time spent in the pricing engine and in the card's signature is measured by wrapping
those two calls; storage (and validation) is the rest.

    .venv/bin/python -m benchmarks.securing            # 10,000 invoices per database
    .venv/bin/python -m benchmarks.securing -n 500     # a quick run

Needs SoftHSM2 (``scripts/ensure-softhsm.sh``). Figures go to ``benchmarks/results/securing.json``.
``probe`` is one round of ``benchmarks.against`` (this tree against the commit before issue 10, whose
``secure`` signed inside its transaction): a fresh database, ``size`` invoices.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.support import database_url, invoice_document, write_results
from feuille.auth import Context, actor_for, bootstrap
from feuille.billing import drafts, rate_check, securing
from feuille.cards.virtual import VirtualCardReader
from feuille.demo import load_demo
from feuille.storage import Database
from feuille_sim.cards.provision import provision

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
DEFAULT_SIZE = 10_000
T = TypeVar("T")


class Stopwatch:
    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, func: Callable[..., T]) -> Callable[..., T]:
        def timed(*args: Any, **kwargs: Any) -> T:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


def desk(url: str, cards: Path) -> tuple[Database, Context, VirtualCardReader]:
    """The demo practice in a new database, its doctor logged in, her CPS (PIN verified) and a Vitale inserted."""
    db = Database(url)
    db.upgrade()
    bootstrap(db)
    load_demo(Context(db=db, actor=actor_for(db, "admin")))
    ctx = Context(db=db, actor=actor_for(db, "vmedecin"))
    reader = VirtualCardReader(cards, MODULE)
    reader.insert("vitale-essai")
    card, _ = reader.insert("cps-medecin")
    reader.verify_pin(card.serial, "1234")
    return db, ctx, reader


def run(url: str, cards: Path, count: int) -> dict[str, Any]:
    db, ctx, reader = desk(url, cards)
    pricing, signing = Stopwatch(), Stopwatch()
    # drafts.price_input (securing's re-pricing) calls drafts.price_document: wrapping it there times all three
    # (before issue 10, drafts and rate_check both called price_input, the name wrapped then)
    priced = "price_document" if hasattr(drafts, "price_document") else "price_input"
    original_price, original_sign = getattr(drafts, priced), reader.sign
    wrapped = [module for module in (drafts, rate_check) if hasattr(module, priced)]
    for module in wrapped:
        setattr(module, priced, pricing.wrap(original_price))
    reader.sign = signing.wrap(original_sign)  # type: ignore[method-assign]
    day = ctx.clock().date().isoformat()
    try:
        start = time.perf_counter()
        for n in range(count):
            draft = drafts.create_draft(ctx, invoice_document(day))
            rate_check.check_rates(ctx, draft.id)
            securing.secure(ctx, draft.id, "synchronise", reader)
            if (n + 1) % 500 == 0:
                print(f"\r  {n + 1:>6,} factures", end="", flush=True)
        total = time.perf_counter() - start
    finally:
        for module in wrapped:
            setattr(module, priced, original_price)
        db.dispose()
    print()
    storage = total - pricing.seconds - signing.seconds
    return {"invoices": count, "seconds": round(total, 2), "invoices_per_second": round(count / total, 1),
            "share_signing": round(signing.seconds / total, 3), "share_pricing": round(pricing.seconds / total, 3),
            "share_storage_and_validation": round(storage / total, 3)}


def probe(size: int, kind: str, workdir: Path) -> dict[str, Any]:
    cards = workdir / "cartes"
    if not cards.exists():   # once per tree: the cards of that tree's simulator
        provision(cards, module=MODULE)
    with database_url(kind) as url:
        figures = run(url, cards, size)
    figures["per_invoice_ms"] = round(figures["seconds"] / size * 1000, 2)
    return {"figures": figures, "notes": {"invoices_per_round": size, "database": kind}}


def cards_main(name: str, doc: str | None, default_size: int, what: str,
               run_one: Callable[[str, Path, int], dict[str, Any]]) -> None:
    """The command line of a benchmark with the virtual cards (``-n``, ``--kinds``): cards provisioned once, then
    ``run_one(url, cards, n)`` per database, figures printed and written to ``results/<name>.json``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=default_size)
    parser.add_argument("--kinds", default="sqlite,postgresql")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="feuille-cards-") as folder:
        cards = Path(folder) / "cartes"
        provision(cards, module=MODULE)
        for kind in args.kinds.split(","):
            print(f"[{kind}] {what.format(n=args.n)}")
            with database_url(kind) as url:
                figures[kind] = run_one(url, cards, args.n)
            print(f"  {figures[kind]}")
    print(f"Résultats écrits dans {write_results(name, figures)}")


def main() -> None:
    cards_main("securing", __doc__, 10_000, "sécurisation de {n:,} factures", run)


if __name__ == "__main__":
    main()
