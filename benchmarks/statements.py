"""SQL statements per use case of the desk's securing path (create_draft, check_rates, secure synchronised), on
each database: the load-independent side of ``benchmarks.securing`` (a statement is a round trip on PostgreSQL and
a few hundred microseconds of SQLAlchemy on either). Counted by a ``before_cursor_execute`` listener (an
executemany counts once), after a few invoices of warm-up; the card's signature is not a statement.

    .venv/bin/python -m benchmarks.statements                 # 50 invoices per database
    .venv/bin/python -m benchmarks.statements -n 20 --kinds sqlite

Prints the figures; ``--write`` adds them to ``benchmarks/results/securing.json`` (key ``statements_per_invoice``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks.securing import MODULE, desk
from benchmarks.support import RESULTS, database_url, invoice_document
from feuille.billing import drafts, rate_check, securing
from feuille_sim.cards.provision import provision

WARM_UP = 5


def count(url: str, cards: Path, invoices: int) -> dict[str, float]:
    db, ctx, reader = desk(url, cards)
    day = ctx.clock().date().isoformat()
    counted: Counter[str] = Counter()
    current = ["warm-up"]

    def listener(*_: Any) -> None:
        counted[current[0]] += 1

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for n in range(WARM_UP + invoices):
            if n == WARM_UP:
                counted.clear()
            current[0] = "create_draft"
            draft = drafts.create_draft(ctx, invoice_document(day))
            current[0] = "check_rates"
            rate_check.check_rates(ctx, draft.id)
            current[0] = "secure"
            securing.secure(ctx, draft.id, "synchronise", reader)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
        db.dispose()
    figures = {name: round(counted[name] / invoices, 1) for name in ("create_draft", "check_rates", "secure")}
    return {**figures, "total": round(sum(figures.values()), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--kinds", default="sqlite,postgresql")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="feuille-cards-") as folder:
        cards = Path(folder) / "cartes"
        provision(cards, module=MODULE)
        for kind in args.kinds.split(","):
            with database_url(kind) as url:
                figures[kind] = count(url, cards, args.n)
            print(f"[{kind}] requêtes SQL par facture : {figures[kind]}")
    if args.write:
        path = RESULTS / "securing.json"
        results = json.loads(path.read_text()) if path.exists() else {}
        results.setdefault("statements_per_invoice", {})["now"] = figures
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(f"Résultats écrits dans {path}")


if __name__ == "__main__":
    main()
