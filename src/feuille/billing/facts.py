"""The sourced facts billing applies beyond the pricing tables: ``data/billing_facts.json``.

What each « taux de remboursement » of the patient record means, the exoneration of the santé sexuelle specific,
the exonerations only an establishment bills, the C2S as complementary, the SMG billed on paper, the age limit of
a date of care. Each value has its public source beside it in the file; change a value there, never in code.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from feuille.nomenclature.rates import default_rates


@cache
def table() -> dict[str, Any]:
    text = resources.files("feuille.billing").joinpath("data", "billing_facts.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def proof_rate(code: str | None) -> dict[str, Any]:
    """The meaning of a « taux de remboursement » chosen on a proof (empty when unknown or none)."""
    found = table()["proof_rates"]["rates"].get(code or "")
    return found if isinstance(found, dict) else {}


def establishment_only() -> frozenset[str]:
    """Exoneration codes only an establishment bills (2: hospitalisation of more than 30 days)."""
    return frozenset(table()["exonerations"]["establishments_only"]["codes"])


def establishment_message(code: str) -> str:
    """Why ``code`` is refused: the rate table's own words (one message for the engine and billing)."""
    known = default_rates().exonerations.get(code)
    return str(known.refused) if known is not None and known.refused else f"exonération {code} refusée"


def sante_sexuelle_exoneration() -> str:
    return str(table()["exonerations"]["sante_sexuelle"]["code"])


def c2s() -> dict[str, Any]:
    """What billing adds to a service AMO that stands for a complementary (management, tiers payant)."""
    found: dict[str, Any] = table()["c2s"]
    return found


def complementary_services() -> dict[str, str]:
    """The AMO services that stand for a complementary (C2S), with its B2 contract type (89): rates.json's."""
    return {code: service.contract_type for code, service in default_rates().services_amo.items()
            if service.contract_type}


def smg() -> dict[str, Any]:
    found: dict[str, Any] = table()["smg"]
    return found


def max_care_age_days() -> int:
    return int(table()["care_dates"]["max_age_days"])
