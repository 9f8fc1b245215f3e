"""CLI group: pricing. ``feuille tarifer FILE`` reads the JSON contract and prints the priced invoice."""

from __future__ import annotations

from datetime import date

import typer

from feuille.cli.common import handle_errors, print_json, read_document, state
from feuille.nomenclature.tariffs import CcamTariff, CcamTariffs, NoCcamTariffs
from feuille.pricing import parse_text, price_document


class LazyCcamTariffs:
    """Opens the database only when a CCAM act comes without its price."""

    def __init__(self) -> None:
        self._tariffs: CcamTariffs | None = None

    def ccam_tariff(self, code: str, on: date, activity: str = "1", phase: str = "0",
                    sector: int = 1) -> CcamTariff | None:
        if self._tariffs is None:
            self._tariffs = _database_tariffs()
        return self._tariffs.ccam_tariff(code, on, activity, phase, sector)


def _database_tariffs() -> CcamTariffs:
    # FALLBACK (tiny, on purpose): without feuille.catalog.ccam.DbCcamTariffs there is no CCAM table and a
    # CCAM act needs its unit price. The catalog ships it now; the except branch can go when that is settled.
    try:
        from feuille.catalog.ccam import DbCcamTariffs
    except ImportError:  # pragma: no cover
        return NoCcamTariffs()
    tariffs: CcamTariffs = DbCcamTariffs(state.database())
    return tariffs


@handle_errors
def price_command(
    fichier: str = typer.Argument(..., metavar="FILE",
                                  help="Facture à tarifer, au format JSON (« - » pour l'entrée standard)."),
) -> None:
    """Tarifer une facture : parts AMO, AMC et patient par ligne et au total, avec la trace des règles.

    Lit le JSON décrit dans docs/pricing.md et écrit le résultat en JSON. Une entrée invalide
    affiche un message en français nommant le champ et sort avec le code 2.
    """
    print_json(price_document(parse_text(read_document(fichier)), ccam=LazyCcamTariffs()))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("price", help="Tarifer une facture (JSON en entrée, JSON en sortie) : parts AMO, AMC, "
                              "patient et trace des règles appliquées.")(price_command)
