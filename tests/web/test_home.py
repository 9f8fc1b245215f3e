"""The home page: the tiles and « Mes factures »."""

from __future__ import annotations

from fastapi import FastAPI

from feuille.auth import Context, Role, actor_for
from feuille.storage import Database
from tests.billing.support import practice
from tests.billing.test_securing import priced
from tests.web import support


def test_the_home_lists_my_invoices_newest_first(app: FastAPI, db: Database) -> None:
    admin = Context(db=db, actor=actor_for(db, "admin"))
    practice(admin)
    first, second = priced(admin), priced(admin)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    text = signed.client.get("/").text
    assert "Mes factures" in text
    assert text.index(f'href="/factures/{second}"') < text.index(f'href="/factures/{first}"')
