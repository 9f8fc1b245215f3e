"""The complementary part of a signed invoice, read from what its stored document froze (``amc_transmission``,
written by :mod:`feuille.billing.amc_transmission` when the draft was made), and what it puts in the B2 record 2.

Pure: a mapping in, values out. The FSE mapping (``billing.fse``) puts :func:`record_2_fields` in record 2, so
the same signed records travel in the FSE lot to the AMO and, when there is a DRE, in the DRE lot to the
complementary (docs/dre.md):

* gestion unique (routing ``fse``): the AMO handles the AMC part: record 2 carries the contract type and the AMC
  number (FIDES columns 117 and 119; 89 = C2S), nothing else;
* gestion séparée with DRE (``dre``): column 95 ``F`` (FIDES: the AMC is billed separately), the AMC number and
  contract type, and feuille's own columns: 40 ``D`` (a DRE goes to the AMC), 59-76 the PEC number, 80-85 its
  date, 103-107 the convention's type, 108-116 its secondary criterion;
* gestion séparée without DRE (``aucune``): column 95 ``F``, and feuille's own column 41 ``M`` when the practice's
  setting « Demande à la CPAM de transmettre à la mutuelle (top M) » was on when the draft was made.

Nothing is written when the invoice has no AMC amount, and a DRE needs the tiers payant on the AMC part (the
complementary pays the professional).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

KEY = "amc_transmission"
#: B2 widths of feuille's own columns (formats/b2.py RECORD_2): what does not fit is refused at the draft.
WIDTHS = {"pec_number": 18, "convention_type": 5, "secondary_criterion": 9, "amc_number": 10}


@dataclass(frozen=True)
class AmcPart:
    amc_number: str
    contract_type: str
    routing: str                     # fse, dre, aucune (feuille.domain.organisms.Routing)
    convention_type: str = ""
    secondary_criterion: str = ""
    pec_number: str = ""
    pec_date: date | None = None
    top_m: bool = False              # gestion séparée without DRE: the AMO forwards the AMC part (« top M »)


def read(document: Mapping[str, Any]) -> AmcPart | None:
    """The frozen part, or None (no complementary contract chosen, or an invoice drafted before it existed)."""
    raw = document.get(KEY)
    if not isinstance(raw, Mapping):
        return None
    convention = _mapping(raw.get("convention"))
    pec = _mapping(raw.get("pec"))
    return AmcPart(amc_number=str(raw.get("amc_number") or ""), contract_type=str(raw.get("contract_type") or ""),
                   routing=str(raw.get("routing") or "aucune"),
                   convention_type=str(convention.get("convention_type") or ""),
                   secondary_criterion=str(convention.get("secondary_criterion") or ""),
                   pec_number=str(pec.get("number") or ""),
                   pec_date=date.fromisoformat(pec["date"]) if pec.get("date") else None,
                   top_m=raw.get("top_m") is True)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _tiers_payant_amc(document: Mapping[str, Any]) -> bool:
    tiers = document.get("tiers_payant")
    return bool(tiers.get("amc")) if isinstance(tiers, Mapping) else False


def has_dre(document: Mapping[str, Any], amc_total: Decimal) -> bool:
    """A DRE goes to the complementary: gestion séparée with DRE, an AMC amount, and the tiers payant on it."""
    part = read(document)
    return part is not None and part.routing == "dre" and amc_total > 0 and _tiers_payant_amc(document)


def _b2_number(text: str) -> str:
    return text.zfill(WIDTHS["amc_number"]) if text.isdigit() else ""


def _contract(text: str) -> str:
    return text.zfill(2) if text.isdigit() and len(text) <= 2 else ""


def record_2_fields(document: Mapping[str, Any], amc_total: Decimal) -> dict[str, Any]:
    """Record 2's AMC columns for this invoice (``b2_file.InvoiceHeader`` field names); empty when none."""
    part = read(document)
    if part is None or amc_total <= 0:
        return {}
    if part.routing == "fse":
        return {"contract_type": _contract(part.contract_type), "amc_number": _b2_number(part.amc_number)}
    if not has_dre(document, amc_total):
        return {"amc_separate": "F", **({"top_m": "M"} if part.top_m and part.routing == "aucune" else {})}
    return {"amc_separate": "F", "dre": "D", "contract_type": _contract(part.contract_type),
            "amc_number": _b2_number(part.amc_number), "pec_number": part.pec_number,
            "pec_date": f"{part.pec_date:%y%m%d}" if part.pec_date else "",
            "convention_type": part.convention_type, "secondary_criterion": part.secondary_criterion}


def b2_problems(part: AmcPart) -> list[tuple[str, str]]:
    """(field, French reason) for what record 2 could not carry: checked when the draft is made, so that a
    signed invoice is never refused at the lot."""
    out = []
    number = part.amc_number
    if part.routing in ("fse", "dre") and not (number.isdigit() and len(number) <= 10 and int(number)):
        out.append(("payer.amc_contract", f"le n° AMC {part.amc_number} n'est pas télétransmissible (10 chiffres au "
                                          "plus dans le fichier B2)"))
    if part.routing == "dre":
        for name, value in (("secondary_criterion", part.secondary_criterion),
                            ("convention_type", part.convention_type), ("pec_number", part.pec_number)):
            if len(value) > WIDTHS[name]:
                out.append((name, f"{value} dépasse les {WIDTHS[name]} caractères du fichier B2"))
    return out
