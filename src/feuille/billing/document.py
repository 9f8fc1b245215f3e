"""The invoice document, typed: the input form ``feuille invoice create`` takes, parsed once at the edge.

The input is the pricing contract's document (``date``, ``coverage``, ``amc``, ``acts``, ``overrides``,
``tiers_payant``, ``group_identical``: typed by :func:`feuille.pricing.read_invoice` when priced) extended with
who, for whom and on whose prescription (``docs/invoices.md``). :func:`parse_input` validates the shape of each
key and reads the insurance details and specifics once (:class:`feuille.billing.specifics.Details`); the rules
then read typed fields. Unknown top-level keys are kept as typed (as before: the pricing document takes its own
keys only). Pydantic's errors become one French :class:`~feuille.errors.ValidationError` naming the JSON path
(``acts[1].date``), through :func:`refusal`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator

from feuille.billing import specifics as sp
from feuille.billing.stored import RecordRights, StoredPriced, stored_refusal
from feuille.domain.invoice_fields import named
from feuille.errors import StateError, ValidationError

#: The refusal of a field whose check predates the model: same code, same French message as before.
KNOWN = {
    "place": ("place", "« cabinet » ou « domicile » est attendu."),
    "mt_declaration": ("mt_declaration", "oui, non ou ne_sait_pas est attendu."),
}
#: Pydantic's error types, in French.
MESSAGES = {
    "missing": "un objet JSON est attendu.",
    "dict_type": "un objet JSON est attendu.",
    "model_type": "un objet JSON est attendu.",
    "model_attributes_type": "un objet JSON est attendu.",
    "list_type": "une liste est attendue.",
    "int_type": "un nombre entier est attendu.",
    "int_parsing": "un nombre entier est attendu.",
    "string_type": "un texte est attendu.",
    "bool_type": "true ou false est attendu.",
    "bool_parsing": "true ou false est attendu.",
    "literal_error": "valeur non admise.",
}

class InvoiceInput(BaseModel):
    """The input form of an invoice (the extended pricing contract). Fields in the order they are checked."""

    model_config = ConfigDict(extra="allow", strict=True, arbitrary_types_allowed=True)

    date: dt.date
    patient: dict[str, Any]
    professional: Any = None  # id, billing number or {"id" | "billing_number"}: resolved with its own messages
    performer: Any = None
    acts: Any = None  # the pricing contract's acts (``favourite`` and ``entente_prealable`` besides)
    coverage: Any = None
    amc: Any = None
    overrides: Any = None
    tiers_payant: Any = None
    group_identical: Any = None
    place: Literal["cabinet", "domicile"] = "cabinet"
    prescription: dict[str, Any] | None = None
    entente_prealable: dict[str, Any] | None = None
    payer: dict[str, Any] | None = None
    mt_declaration: Literal["oui", "non", "ne_sait_pas"] | None = None
    exoneration_justification: Any = None  # these five are read into ``details``
    ald: Any = None
    accident: Any = None
    accident_work: Any = None
    specifics: Any = None
    record_rights: Any = None  # computed from the patient record: a value given is replaced

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: object) -> dt.date:
        found = sp.iso_date(value, "date")  # its own codes (date_missing, invoice_date), raised as they are
        assert found is not None
        return found


def path(loc: tuple[int | str, ...]) -> str:
    """``("acts", 1, "date")`` → ``acts[1].date``; the document itself is ``(document)``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def refusal(error: pydantic.ValidationError) -> ValidationError:
    """The first problem pydantic found, as feuille's French refusal (stable code, the JSON path as field)."""
    first = error.errors()[0]
    where = path(tuple(first["loc"]))
    code, message = KNOWN.get(where, ("invoice_input", MESSAGES.get(first["type"], "valeur invalide.")))
    return ValidationError(f"{named(where)} : {message}", code=code, field=where)


def parse_input(document: object) -> tuple[InvoiceInput, sp.Details]:
    """The typed input and its insurance details, read once; refused in French at the first problem."""
    if not isinstance(document, dict):
        raise ValidationError("(document) : un objet JSON est attendu.", code="invoice_input", field="(document)")
    try:
        typed = InvoiceInput.model_validate(document)
    except pydantic.ValidationError as exc:
        raise refusal(exc) from None
    return typed, sp.read_details(document)


class StoredDocument(InvoiceInput):
    """The stored form of the input (the ``document`` column): the input as billing completed it (favourites
    expanded, prescriber id, photo reference) with ``record_rights``, what the patient record gave, typed. Read
    once when a row is read (:func:`read_stored`); :attr:`content` is the document as stored, which the pricing
    contract reads with its own typed parse (:func:`feuille.pricing.read_invoice`) and whose digest the rate check
    keeps."""

    record_rights: RecordRights | None = None
    _content: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def content(self) -> Mapping[str, Any]:
        return self._content


def read_stored(text: str) -> StoredDocument:
    """The ``document`` column of a row, parsed once (refused in French when it was changed in the database into
    something that is not the stored form)."""
    unreadable = StateError("facture : la colonne document enregistrée est illisible : elle a été modifiée en "
                                 "base hors de l'application ; vérifiez-la (feuille facture verifier).",
                                 code="stored_invoice", field="document")
    try:
        loaded = json.loads(text)
        typed = StoredDocument.model_validate(loaded, strict=False)
    except pydantic.ValidationError as exc:
        raise stored_refusal("document", exc) from None
    except (ValueError, ValidationError):  # not JSON; a date no longer a date
        raise unreadable from None
    typed._content = loaded
    return typed


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON schemas of the invoice's forms, as ``docs/schemas/`` publishes them (``make schemas`` writes the
    files; ``tests/billing/test_stored_forms.py`` checks they are current)."""
    return {"invoice_input": InvoiceInput.model_json_schema(),
            "invoice_document": StoredDocument.model_json_schema(),
            "invoice_priced": StoredPriced.model_json_schema()}


if __name__ == "__main__":  # python -m feuille.billing.document DIR: write the schemas (make schemas)
    import sys
    from pathlib import Path

    for name, schema in json_schemas().items():
        text = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        (Path(sys.argv[1]) / f"{name}.schema.json").write_text(text, encoding="utf-8")
