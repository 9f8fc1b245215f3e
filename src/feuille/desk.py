"""The home page's tiles (manual 000, « Accueil »): what waits for the desk, counted.

Each tile names a list and how many rows it holds; the count comes from the same service as the list, so the
tile and the page it opens agree. « Factures à saisir »: the visits typed offline and sent since.
"""

from __future__ import annotations

from dataclasses import dataclass

from feuille.auth import Context, Permission, own_professional, require
from feuille.billing import offline_records, queries
from feuille.domain.invoices import InvoiceState
from feuille.returns import manual_matching
from feuille.transmission import pending, scor_pieces

RECENT = 10            # « Mes factures » on the home page: the newest ones


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    address: str
    count: int
    capped: bool = False


def tiles(ctx: Context) -> list[Tile]:
    require(ctx, Permission.READ)
    to_send = pending.count(ctx)
    missing = scor_pieces.list_pieces(ctx, wanted="MANQUANT")   # among the invoices the « Pièces » list shows
    unmatched = manual_matching.list_unmatched(ctx, 1, 1).total
    to_secure = queries.count_invoices(ctx, InvoiceState.PARTLY_SECURED)
    return [
        Tile("a_transmettre", "Factures à transmettre", "/teletransmission", to_send, to_send >= pending.LIST_LIMIT),
        Tile("documents", "Documents à ajouter", "/teletransmission/pieces", len(missing)),
        Tile("retours", "Retours NOEMIE à rapprocher", "/suivi/non-rapproches", unmatched),
        Tile("a_securiser", "Factures à sécuriser", "/factures/a-securiser", to_secure),
        Tile("a_saisir", "Factures à saisir", "/factures/a-saisir", offline_records.count_to_bill(ctx)),
    ]


def my_invoices(ctx: Context) -> list[queries.BriefInvoice]:
    """« Mes factures »: a professional's newest invoices; for a user who bills for no one, the practice's."""
    require(ctx, Permission.READ)
    return queries.recent_invoices(ctx, RECENT, professional=own_professional(ctx))
