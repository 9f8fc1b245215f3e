"""The home page: the tiles and « Mes factures »."""

from __future__ import annotations

from decimal import Decimal

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


def test_the_tiles_count_what_their_lists_hold(db: Database) -> None:
    from feuille import desk
    from feuille.billing import queries

    admin = Context(db=db, actor=actor_for(db, "admin"))
    practice(admin)
    priced(admin)
    priced(admin)
    assert queries.count_invoices(admin, "priced") == 2 == len(queries.list_invoices(admin, "priced"))
    counts = {tile.key: tile.count for tile in desk.tiles(admin)}
    assert counts["a_securiser"] == 0 and counts["a_saisir"] == 0
    from feuille.transmission import pending
    assert counts["a_transmettre"] == 2 == len(pending.listing(admin))
    recent = desk.my_invoices(admin)   # the admin bills for no one: the practice's newest first
    listed = queries.list_invoices(admin, limit=10)
    assert [(r.id, r.number, r.total, r.state_label) for r in recent] == [
        (x.id, x.view.number, Decimal(x.view.totals["total"]), x.view.state_label) for x in listed]


def test_my_invoices_are_those_of_the_professional_i_bill_as(app: FastAPI, db: Database) -> None:
    from feuille.practice import professionals
    from tests.billing.support import nurse_care

    admin = Context(db=db, actor=actor_for(db, "admin"))
    place = practice(admin)
    gp, nurse = priced(admin), priced(admin, nurse_care())
    signed = support.sign_in(app, db, Role.TITULAIRE, "medecin")
    professionals.link_user(admin, "medecin", place.medecin)
    text = signed.client.get("/").text
    assert f'href="/factures/{gp}"' in text and f'href="/factures/{nurse}"' not in text
