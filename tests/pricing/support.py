"""Builders for pricing documents, as the JSON contract carries them."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

from feuille.pricing import price_document

BASE: dict[str, Any] = {
    "date": "2025-01-01",
    "professional": {"profession": "medecin", "specialty": "01", "sector": 1},
    "coverage": {"nature": "maladie", "exoneration": "0", "ald_related": False, "regime_local": False,
                 "parcours": "T", "rate": None},
    "amc": None,
    "acts": [{"code": "C"}],
}


def doc(**changes: Any) -> dict[str, Any]:
    """The base document with top-level keys replaced; ``coverage``/``professional`` dicts are merged."""
    result = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key in ("coverage", "professional") and isinstance(value, dict):
            result[key] = {**result[key], **value}
        else:
            result[key] = value
    return result


def run(document: dict[str, Any]) -> dict[str, Any]:
    """Price a document as the CLI does (JSON text in, decimals read as Decimal)."""
    text = json.dumps(document)
    return price_document(json.loads(text, parse_float=Decimal))


def parts(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return [(line["code"], line["total"], line["amo"], line["amc"], line["patient"]) for line in result["lines"]]
