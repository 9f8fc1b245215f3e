"""What ``feuille-sim etat`` adds about lots and payments, per organism: lots received, accepted and refused,
returns waiting in the mailbox, invoices waiting for
their payment day, what the transfers paid, what was rejected and what is left to withhold (amounts as text)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from feuille.money import ZERO
from feuille_sim.lots import store as lots_store  # noqa: F401  (its tables exist before they are read)
from feuille_sim.payments import store  # noqa: F401
from feuille_sim.state import State

EMPTY: dict[str, Any] = {
    "lots_recus": 0, "lots_acceptes": 0, "lots_refuses": 0,
    "noemie_envoyes": 0, "noemie_en_attente": 0, "factures_a_payer": 0, "montant_a_payer": "0.00",
    "factures_payees": 0, "factures_rejetees": 0, "montant_rejete": "0.00", "paye": "0.00",
    "retenues_a_recuperer": "0.00",
}
QUERIES = {
    "lots_recus": "SELECT organisme, COUNT(*) FROM lots_recus GROUP BY organisme",
    "lots_acceptes": "SELECT organisme, COUNT(*) FROM lots_recus WHERE etat = 'accepte' GROUP BY organisme",
    "lots_refuses": "SELECT organisme, COUNT(*) FROM lots_recus WHERE etat = 'refuse' GROUP BY organisme",
    "noemie_envoyes": "SELECT organisme, COUNT(*) FROM courriels_sortants WHERE genre = 'noemie' GROUP BY organisme",
    "noemie_en_attente": "SELECT organisme, COUNT(*) FROM courriels_sortants WHERE genre = 'noemie' AND supprime = 0 "
                         "GROUP BY organisme",
    "factures_a_payer": "SELECT l.organisme, COUNT(*) FROM factures_recues f JOIN lots_recus l ON l.id = f.lot_recu "
                        "WHERE l.etat = 'accepte' AND l.paye = 0 GROUP BY l.organisme",
    "factures_payees": "SELECT organisme, COUNT(*) FROM factures_reglees WHERE statut = 'P' GROUP BY organisme",
    "factures_rejetees": "SELECT organisme, COUNT(*) FROM factures_reglees WHERE statut = 'R' GROUP BY organisme",
}
SUMS = {  # amounts stored as text: summed as Decimal here, never by SQLite (floats)
    "montant_a_payer": "SELECT l.organisme, f.amo FROM factures_recues f JOIN lots_recus l ON l.id = f.lot_recu "
                       "WHERE l.etat = 'accepte' AND l.paye = 0",
    "montant_rejete": "SELECT organisme, demande FROM factures_reglees WHERE statut = 'R'",
    "paye": "SELECT organisme, total FROM retours_noemie WHERE reference = '576'",
    "retenues_a_recuperer": "SELECT organisme, reste FROM dettes",
}


def payments_by_organism(state: State) -> dict[str, dict[str, Any]]:
    """Per organism, the counters of EMPTY; ``paye`` is what the transfers paid (invoices and one-off payments,
    withholdings deducted)."""
    out: dict[str, dict[str, Any]] = {}
    with state.transaction() as tx:
        for key, sql in QUERIES.items():
            for organism, count in tx.execute(sql):
                out.setdefault(str(organism), dict(EMPTY))[key] = int(count)
        for key, sql in SUMS.items():
            sums: dict[str, Decimal] = {}
            for organism, amount in tx.execute(sql):
                sums[str(organism)] = sums.get(str(organism), ZERO) + Decimal(amount)
            for organism, amount in sums.items():
                out.setdefault(organism, dict(EMPTY))[key] = f"{amount:.2f}"
    return dict(sorted(out.items()))
