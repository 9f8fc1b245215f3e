"""What the card tests share: invoices on the portable reader, the cards as the desk's agent gives them to the page,
and the Vitale app (ApCV) of the insured person of tests/billing."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from feuille.billing import portable
from feuille.cards.agent_http import signature_json
from feuille.cards.port import CardKind
from feuille.storage import Database
from tests.billing.support import VITALE_ESSAI, FakeReader
from tests.web.invoices.data import admin, priced, some_invoices

ADDRESS = "/factures/lecteur-portable"
#: Essai's Vitale app, shown by NFC: the same insured person and beneficiaries as his card.
APCV_ESSAI = replace(VITALE_ESSAI, serial="APCV-ESSAI", kind=CardKind.APCV, reading="nfc")


def loaded(db: Database, count: int = 2, reader: str = portable.DEFAULT_READER) -> list[int]:
    """The practice of tests/billing and ``count`` priced consultations for Essai, loaded on ``reader``."""
    ctx = admin(db)
    ids = [some_invoices(db).priced, *(priced(ctx) for _ in range(count - 1))]
    portable.load(ctx, ids, reader)
    return ids


def signed_by(reader: FakeReader, prepared: dict[str, Any]) -> dict[str, Any]:
    """Step 2 as the agent does it: the professional card, then the Vitale card (or app) named, sign the bytes."""
    data = base64.b64decode(prepared["donnees"])
    body: dict[str, Any] = {"preparation": prepared["preparation"],
                            "signature": signature_json(reader.sign(prepared["carte"], data))}
    if prepared["vitale"]:
        body["vitale"] = signature_json(reader.sign(prepared["vitale"], data))
    return body
