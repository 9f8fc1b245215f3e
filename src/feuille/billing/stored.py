"""The stored forms of an invoice, typed: the ``priced`` column and the ``record_rights`` the document keeps.

What the ``invoices`` row keeps as JSON text is parsed once, when the row is read (:func:`read_priced`,
:func:`feuille.billing.document.read_stored`), into these models; billing, the views and the CLI then read typed
fields, never ``dict[str, Any]``. They are written from the models too (:meth:`StoredPriced.dumps`), and the
text is exactly what was stored before they existed (same keys, same order, amounts as strings with two
decimals): the signatures cover that text, so no stored row needed converting. ``docs/invoices.md`` documents
them, and their JSON schemas (``docs/schemas/``) are generated from them (a test checks the files are current).

Amounts stay the pricing contract's strings (``"23.00"``, ``"-2.90"``): they are read as ``Decimal`` through
:func:`feuille.money.parse_amount` and written back with two decimals.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema

from feuille.errors import StateError
from feuille.money import MoneyError, format_amount, parse_amount


def _amount(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | Decimal):
        raise ValueError("amount as text expected")
    try:
        return parse_amount(value, allow_negative=True)
    except MoneyError:
        raise ValueError("amount expected") from None


#: An amount of the stored JSON: text with two decimals (``"23.00"``), a ``Decimal`` in Python.
Amount = Annotated[Decimal, BeforeValidator(_amount), PlainSerializer(format_amount, return_type=str),
                   WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$"})]

def _iso_date(value: object) -> object:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


#: A date of the stored JSON: ``AAAA-MM-JJ`` text.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

STORED = ConfigDict(extra="forbid", frozen=True, strict=True)


class PricedLine(BaseModel):
    """One line of the stored ``priced`` JSON (the pricing contract's line, with its date, quantity and
    exoneration added by billing for the signed content)."""

    model_config = STORED

    code: str
    total: Amount
    base: Amount
    rate: int
    amo: Amount
    amc: Amount
    patient: Amount
    date: IsoDate | None = None
    quantity: int | None = None
    exoneration: str | None = None
    participation: Amount | None = None

    def negated(self) -> PricedLine:
        """The line of a credit note: every part the other way (the participation left on the line is a fact
        of the line, not an amount paid: kept, as :meth:`feuille.billing.lines.Line.negated` does)."""
        return self.model_copy(update={key: -getattr(self, key) for key in ("total", "base", "amo", "amc",
                                                                            "patient")})


class PricedTotals(BaseModel):
    model_config = STORED

    total: Amount
    amo: Amount
    amc: Amount
    patient: Amount
    due_by_amo: Amount
    due_by_amc: Amount
    due_by_patient: Amount

    def negated(self) -> PricedTotals:
        return self.model_copy(update={key: -getattr(self, key) for key in type(self).model_fields})


class StoredPriced(BaseModel):
    """The ``priced`` column: the pricing contract's result as billing stored (and signed) it."""

    model_config = STORED

    lines: tuple[PricedLine, ...]
    totals: PricedTotals
    warnings: tuple[str, ...] = ()
    trace: tuple[str, ...] = ()
    amc_contract_type: str | None = None

    def dumps(self) -> str:
        """The stored text: the keys given (never a default added), sorted, as ``state.dumps`` writes them."""
        return json.dumps(self.model_dump(mode="json", exclude_unset=True), sort_keys=True, ensure_ascii=False)

    def credit_note(self, number: int | None) -> StoredPriced:
        """The ``priced`` of the credit note of this invoice (number ``number``): every amount the other way."""
        return self.model_copy(update={"lines": tuple(line.negated() for line in self.lines),
                                       "totals": self.totals.negated(),
                                       "warnings": (f"avoir de la facture n° {number}",), "trace": ()})


class RecordCoverage(BaseModel):
    """The coverage fields the patient record gave (only those the invoice's own document did not give)."""

    model_config = STORED

    service_amo: str | None = None
    regime_local: bool | None = None
    rate: int | None = None
    exoneration: str | None = None

    def fields(self) -> dict[str, Any]:
        """The fields the record gave, as the pricing contract's ``coverage`` takes them."""
        return self.model_dump(exclude_unset=True)


class TiersPayant(BaseModel):
    model_config = STORED

    amo: bool
    amc: bool


class Complementary(BaseModel):
    """A C2S beneficiary's complementary: the C2S (contract type 89, gestion unique), for the B2 writer."""

    model_config = STORED

    kind: str
    contract_type: str
    management: str
    contract_id: int | None
    organism: str | None
    name: str


class Beneficiary(BaseModel):
    """Who the invoice is for and his AMO, as the patient record said when the invoice was written: what the B2
    invoice records need that the invoice row does not keep (:mod:`feuille.billing.fse`), frozen with the invoice
    so that its records are the same at signing and years later."""

    model_config = STORED

    birth_date: str                  # AAAAMMJJ, 00 for an unknown day or month (lunar date)
    beneficiary_nir: str | None = None
    amo_regime: str | None = None
    amo_caisse: str | None = None
    amo_centre: str | None = None
    amo_proof: str | None = None     # the record's pièce justificative (AmoProof)


class RecordRights(BaseModel):
    """What the patient record gave this invoice (``record_rights`` of the stored document, written by feuille)."""

    model_config = STORED

    coverage: RecordCoverage = RecordCoverage()
    tiers_payant: TiersPayant | None = None
    complementary: Complementary | None = None
    trace: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    beneficiary: Beneficiary | None = None   # absent from invoices written before the B2 mapping

    def to_json(self) -> dict[str, Any]:
        """The stored form: every key, the coverage with only the fields the record gave."""
        out = self.model_dump(mode="json", exclude={"coverage", "beneficiary"})
        if self.beneficiary is not None:
            out["beneficiary"] = self.beneficiary.model_dump(mode="json")
        return {**out, "coverage": self.coverage.fields(), "trace": list(self.trace),
                "warnings": list(self.warnings)}


def stored_refusal(column: str, error: pydantic.ValidationError) -> StateError:
    """A stored JSON that is not the stored form: changed in the database outside feuille (``verifier`` says
    where); refused in French rather than read half (a state of the invoice, not a fault of the user's input)."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(document)"
    return StateError(f"facture : la colonne {column} enregistrée est illisible ({where}) : elle a été modifiée "
                           "en base hors de l'application ; vérifiez-la (feuille facture verifier).",
                           code="stored_invoice", field=column)


def read_priced(text: str) -> StoredPriced:
    """The ``priced`` column of a row, parsed once."""
    try:
        return StoredPriced.model_validate_json(text, strict=False)
    except pydantic.ValidationError as exc:
        raise stored_refusal("priced", exc) from None


def priced_of(result: dict[str, Any]) -> StoredPriced:
    """The stored form of what billing priced (the engine's JSON with billing's additions)."""
    return StoredPriced.model_validate(json.loads(json.dumps(result, default=str)), strict=False)


def columns(priced: StoredPriced) -> dict[str, Decimal]:
    """The invoice row's amount columns, from its priced totals."""
    t = priced.totals
    return {"total": t.total, "amo": t.amo, "amc": t.amc, "patient_part": t.patient,
            "due_by_patient": t.due_by_patient}
