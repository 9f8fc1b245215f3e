"""The pure pricing engine: invoice + coverage + tables + date -> priced lines and a trace."""

from __future__ import annotations

from typing import Any

from feuille.nomenclature.tariffs import CcamTariffs
from feuille.pricing.contract import parse_text, read_invoice, result_to_json
from feuille.pricing.engine import price
from feuille.pricing.model import Invoice, PricedLine, PricingResult, Totals

__all__ = ["Invoice", "PricedLine", "PricingResult", "Totals", "parse_text", "price", "price_document",
           "read_invoice", "result_to_json"]


def price_document(document: object, ccam: CcamTariffs | None = None) -> dict[str, Any]:
    """The whole contract of ``feuille tarifer`` on an already parsed JSON document: read, price, write."""
    return result_to_json(price(read_invoice(document), ccam=ccam))
