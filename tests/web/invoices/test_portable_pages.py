"""The portable reader's screens over HTTP: load, delete an unsigned invoice, unload and its recap."""

from __future__ import annotations

from html import unescape

from fastapi import FastAPI

from feuille.auth import Role
from feuille.billing import portable
from feuille.storage import Database
from tests.billing.support import CPE_SECRETAIRE, VITALE_ESSAI, FakeReader
from tests.web import support
from tests.web.invoices.data import admin, priced, some_invoices, state_of

ADDRESS = "/factures/lecteur-portable"


def carried(db: Database) -> list[int]:
    return [item.id for item in portable.listing(admin(db))]


def test_priced_invoices_are_loaded_then_unloaded_with_the_recap(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    other = priced(admin(db))
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    screen = unescape(signed.client.get(ADDRESS).text)
    assert "Charger des factures « TP calculé »" in screen and f'id="charger-{made.priced}"' in screen
    assert f'id="charger-{made.draft}"' not in screen and "Le lecteur ne porte aucune facture." in screen
    loaded = signed.post(f"{ADDRESS}/charger", {"ids": [str(made.priced), str(other)]}, follow_redirects=False)
    assert loaded.status_code == 303 and carried(db) == [made.priced, other]
    assert "Factures chargées sur le lecteur portable." in unescape(signed.client.get(loaded.headers["location"]).text)
    # signed at the patient's home (first signature on the reader), as « feuille lecteur signer » does
    with_vitale = FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)
    portable.sign(admin(db), with_vitale, [made.priced], reader=portable.DEFAULT_READER)
    unloaded = signed.post(f"{ADDRESS}/decharger", follow_redirects=False)
    assert unloaded.status_code == 303 and carried(db) == []
    recap = unescape(signed.client.get(unloaded.headers["location"]).text)
    assert "Récapitulatif du déchargement" in recap
    assert "1 facture(s) signée(s), à sécuriser au poste ; 1 inchangée(s)." in recap
    assert state_of(db, made.priced) == "partly_secured" and state_of(db, other) == "priced"


def test_loading_nothing_or_a_secured_invoice_is_refused_in_french(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    nothing = signed.post(f"{ADDRESS}/charger", {})
    assert nothing.status_code == 422
    assert 'id="ID-erreur">ID : indiquez au moins une facture à charger.<' in unescape(nothing.text)
    wrong = signed.post(f"{ADDRESS}/charger", {"ids": [str(made.secured)]})
    assert wrong.status_code in (409, 422) and carried(db) == []


def test_an_unsigned_invoice_is_deleted_from_the_reader(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    portable.load(admin(db), [made.priced])
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.post(f"{ADDRESS}/supprimer", {"sur_lecteur": [str(made.priced)]}, follow_redirects=False)
    assert answer.status_code == 303 and carried(db) == []
    none = signed.post(f"{ADDRESS}/supprimer", {})
    assert none.status_code == 422 and "sélectionnez au moins une facture à supprimer" in unescape(none.text)
