"""Lot reception benchmark (issue 11): 1,000 invoices received, checked and acknowledged by the caisse de test.

``feuille-sim servir --cartes`` runs as a subprocess, as in the tests. One mail carries one B2 file of two lots of
500 invoices (a lot holds at most 999: its trailer counts them on 3 digits), each invoice signed by a CPS and a
Vitale card (ECDSA P-256), gzipped and encrypted for the organism (S/MIME). Timed: the SMTP exchange (the
caisse decrypts, reads, checks every invoice and signature, stores the accepted invoices and queues the ARLs
before it answers 250), then fetching the two ARLs over POP3. Each run sends the next two lot numbers and new
invoice numbers.

    .venv/bin/python -m benchmarks.sim_lots             # 3 runs of 1,000 invoices
    .venv/bin/python -m benchmarks.sim_lots --runs 1 -n 200

Figures go to ``benchmarks/results/sim_lots.json``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support import lots as L
from tests.support.caisse import CaisseDeTest, start_caisse

from benchmarks.support import write_results
from feuille.formats import b2_file as m

PARTNER = "996102182"


def one_run(caisse: CaisseDeTest, cards: dict[str, L.SoftCard], run: int, count: int) -> dict[str, Any]:
    partner = PARTNER                 # the test CPS's billing number: its lots follow one another across runs
    invoices = [L.invoice(partner, run * 10_000 + n, care=L.days_ago(2), cards=cards)
                for n in range(1, count + 1)]
    half = (count + 1) // 2
    lots = [(f"{2 * run - 1:03d}", invoices[:half]), (f"{2 * run:03d}", invoices[half:])]
    stamp = f"20261205120000{run:05d}"
    mail = L.lot_mail(m.write_b2(L.b2_file(partner, lots, file_id=f"{run:06d}")),
                      Path(caisse.info["organismes"]) / "01996.pem", stamp=stamp, invoices=count, compress=True)
    context = caisse.ssl_context()
    user, password = caisse.mailbox
    start = time.perf_counter()
    L.send(caisse.host, caisse.ports["smtp"], context, mail.recipient, mail.raw)
    received = time.perf_counter()
    arls = [a for a in L.fetch_arls(caisse.host, caisse.ports["pop3"], context, user, password)
            if a.subject.stamp == stamp]
    done = time.perf_counter()
    if len(arls) != len(lots) or not all(a.arl.positive for a in arls):
        raise SystemExit(f"ARL inattendus : {[(a.arl.lot_number, a.arl.reason) for a in arls]}")
    return {"invoices": count, "mail_bytes": len(mail.raw), "smtp_seconds": round(received - start, 3),
            "pop3_seconds": round(done - received, 3), "seconds": round(done - start, 3),
            "invoices_per_second": round(count / (done - start), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1_000, help="invoices per mail (2 to 1,998)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feuille-sim-lots-") as folder:
        root = Path(folder)
        cards = L.write_card_dir(root / "cartes")
        with start_caisse(root / "caisse", "--cartes", str(root / "cartes")) as caisse:
            runs = []
            for run in range(1, args.runs + 1):
                figures = one_run(caisse, cards, run, args.n)
                print(f"  essai {run} : {figures}")
                runs.append(figures)
    best = max(runs, key=lambda r: r["invoices_per_second"])
    print(f"Résultats écrits dans {write_results('sim_lots', {'runs': runs, 'best': best})}")


if __name__ == "__main__":
    main()
