"""NOEMIE return benchmark (issue 11): a return for 100,000 invoices produced by the caisse de test.

The accepted invoices are put straight into the lot checker's tables (``lots_recus``, ``factures_recues``,
``lignes_recues``: what ``feuille_sim.lots.store`` writes for accepted lots), 100 lots of 1,000 invoices of one
act each, from one professional to one organism, so that reception is not measured (``benchmarks.sim_lots`` does
that). Timed: ``feuille_sim.clock.advance`` — the ``noemie`` producer reads the invoices, decides, builds and
writes the return file (continuous form), puts it in a mail and stores it, all in the advance's transaction,
then commits. Memory: the process's peak resident size (``resource``, the setup being small SQL inserts) and,
in a second run on a fresh folder, the peak of Python allocations (``tracemalloc``, which slows the run: its
time is not the figure). The return is then read back with ``feuille.formats.noemie_reader`` and checked.

    .venv/bin/python -m benchmarks.sim_noemie            # 100,000 invoices
    .venv/bin/python -m benchmarks.sim_noemie -n 5000    # a quick run

Figures go to ``benchmarks/results/sim_noemie.json``.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import resource
import tempfile
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.support import write_results
from feuille.domain.identifiers import nir_key
from feuille.formats.noemie_reader import read_file
from feuille_sim import clock
from feuille_sim.lots import store as lots_store  # noqa: F401  (the lot checker's tables)
from feuille_sim.payments import produce
from feuille_sim.state import State

PER_LOT = 1_000
PARTNER = "996102182"
AMO = Decimal("21.00")


def fill(state: State, count: int) -> None:
    """``count`` accepted invoices in lots of PER_LOT, received today (the caisse's date)."""
    with state.transaction() as tx:
        today = tx.today().isoformat()
        care = (tx.today() - timedelta(days=2)).isoformat()
        for lot in range((count + PER_LOT - 1) // PER_LOT):
            size = min(PER_LOT, count - lot * PER_LOT)
            lot_id = tx.execute(
                "INSERT INTO lots_recus (courriel, organisme, emetteur, partenaire, fichier, lot, empreinte, recu_le, "
                "etat, motif, factures, total_honoraires, total_amo, total_amc, arl) VALUES (0, '01996', "
                "'00000996102182', ?, '000001', ?, ?, ?, 'accepte', '0000', ?, '0', '0', '0', '')",
                (PARTNER, f"{lot % 999 + 1:03d}", f"bench-{lot}", today, size)).lastrowid
            for n in range(lot * PER_LOT + 1, lot * PER_LOT + size + 1):
                first13 = f"1800175{n % 1_000_000:06d}"
                invoice_id = tx.execute(
                    "INSERT INTO factures_recues (lot_recu, organisme, numero_facturation, numero, nir, cle_nir, "
                    "date_naissance, rang, regime, caisse, centre, nature_assurance, premier_soin, dernier_soin, "
                    "honoraires, amo, amc) VALUES (?, '01996', ?, ?, ?, ?, '1980-01-15', 1, '01', '996', '9881', "
                    "'10', ?, ?, '30.00', '21.00', '9.00')",
                    (lot_id, PARTNER, n, first13, nir_key(first13), care, care)).lastrowid
                tx.execute("INSERT INTO lignes_recues (facture, rang_ligne, date_soins, code_acte, quantite, "
                           "coefficient, prix_unitaire, base, taux, honoraires, amo, amc) VALUES "
                           "(?, 1, ?, 'C', 1, '1.00', '30.00', '30.00', 70, '30.00', '21.00', '9.00')",
                           (invoice_id, care))


def produce_once(folder: Path, count: int, trace: bool) -> dict[str, Any]:
    state = State(folder)
    fill(state, count)
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    done = clock.advance(state, produce.DEFAULT_DELAY)
    seconds = time.perf_counter() - start
    figures: dict[str, Any] = {"seconds": round(seconds, 3), "mails": done.produced.get("noemie", 0)}
    if trace:
        figures["tracemalloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return figures


def check(folder: Path, count: int) -> dict[str, Any]:
    [stored] = State(folder).mailbox_content("cabinet")
    message = email.message_from_bytes(stored.raw, policy=email.policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "application/edi-consent")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    start = time.perf_counter()
    reading = read_file(payload)
    seconds = time.perf_counter() - start
    if not reading.ok or reading.file is None or reading.file.total != count * AMO:
        raise SystemExit(f"retour illisible ou faux : {reading.problems[:3]}")
    return {"file_bytes": len(payload), "mail_bytes": len(stored.raw), "read_seconds": round(seconds, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100_000, help="invoices in the return")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feuille-sim-noemie-") as folder:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        timed = produce_once(Path(folder) / "mesure", args.n, trace=False)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        checked = check(Path(folder) / "mesure", args.n)
        traced = produce_once(Path(folder) / "memoire", args.n, trace=True)
    figures = {"invoices": args.n, "lots": (args.n + PER_LOT - 1) // PER_LOT, **timed,
               "invoices_per_second": round(args.n / timed["seconds"], 1),
               "peak_rss_mib": round(peak / 1024, 1), "rss_before_mib": round(before / 1024, 1),
               "tracemalloc_peak_mib": traced["tracemalloc_peak_mib"], **checked,
               "load_average_1min": round(os.getloadavg()[0], 2)}   # the machine may be shared: read with it
    print(f"  {figures}")
    print(f"Résultats écrits dans {write_results('sim_noemie', figures)}")


if __name__ == "__main__":
    main()
