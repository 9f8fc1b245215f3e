"""Invoices for the web tests, built through the services as tests/billing does."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from feuille.auth import Context, actor_for
from feuille.billing import drafts, queries, rate_check, securing
from feuille.storage import Database
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.conftest import fixed_clock


def admin(db: Database) -> Context:
    return Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)


def draft(ctx: Context, **changes: object) -> int:
    return drafts.create_draft(ctx, consultation(**changes)).id


def priced(ctx: Context, **changes: object) -> int:
    return rate_check.check_rates(ctx, draft(ctx, **changes)).id


def secured(ctx: Context, mode: str = "synchronise", **changes: object) -> int:
    return securing.secure(ctx, priced(ctx, **changes), mode, FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)).id


@dataclass(frozen=True)
class Invoices:
    draft: int
    priced: int
    secured: int
    patient: int
    medecin: int


def some_invoices(db: Database) -> Invoices:
    """A draft, a priced and a secured consultation of MEDECIN for Essai (23,00 €)."""
    ctx = admin(db)
    known = practice(ctx)
    return Invoices(draft(ctx), priced(ctx), secured(ctx), known.patient, known.medecin)


def with_desk_cards(app: FastAPI) -> FastAPI:
    """The desk's card reader: MEDECIN's CPS, unlocked (as after « feuille carte inserer … --pin »)."""
    app.state.card_reader_factory = lambda: FakeReader().insert(CPS_MEDECIN)
    return app


def state_of(db: Database, invoice: int) -> str:
    return queries.show(admin(db), invoice).state
