"""Signing on the portable reader from the browser, over HTTP: the three steps with the cards read at the desk
(the CPS/CPE and the patient's Vitale card or app), the refusals noted for the recap, a card's refusal, the
reader's name; as ``feuille lecteur signer`` does it with the cards in the reader."""

from __future__ import annotations

from html import unescape

from fastapi import FastAPI

from feuille.auth import Role
from feuille.billing import portable, signing
from feuille.storage import Database
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, VITALE_ESSAI, VITALE_OTHER, FakeReader
from tests.web import support
from tests.web.cards.support import ADDRESS, APCV_ESSAI, loaded, signed_by
from tests.web.invoices.data import admin, state_of
from tests.web.securing.support import cards


def test_an_invoice_is_signed_on_the_reader_in_three_steps_then_the_recap(app: FastAPI, db: Database) -> None:
    first, second = loaded(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    desk = FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)
    prepared = signed.api("POST", f"{ADDRESS}/{first}/preparer", json={"cartes": cards(desk)})
    assert prepared.status_code == 200, prepared.text
    body = prepared.json()
    assert body["termine"] is False and body["carte"] == "CPE-SEC" and body["vitale"] == "VIT-ESSAI"
    done = signed.api("POST", f"{ADDRESS}/{first}/valider", json=signed_by(desk, body))
    assert done.status_code == 200, done.text
    assert done.json()["facture"]["state"] == "partly_secured" and state_of(db, first) == "partly_secured"
    assert desk.vitale_signed == desk.signed  # the card and the professional card signed the same bytes
    again = signed.api("POST", f"{ADDRESS}/{first}/preparer", json={"cartes": cards(desk)})
    assert again.status_code == 200 and again.json()["termine"] is True  # signed before: nothing more

    recap = unescape(signed.client.get(f"{ADDRESS}?lecteur=portable&fait=signe&factures={first},{second}").text)
    assert "Signature terminée : 1 facture(s) signée(s), 1 non signée(s)." in recap
    assert "Factures signées (1)" in recap and f'data-signee="{first}"' in recap
    assert f'data-non-signee="{second}"' in recap
    assert [item.signed for item in portable.listing(admin(db))] == [True, False]  # still on the reader


def test_the_vitale_app_signs_on_the_reader_as_the_card_does(app: FastAPI, db: Database) -> None:
    [invoice] = loaded(db, 1)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN, APCV_ESSAI)
    prepared = signed.api("POST", f"{ADDRESS}/{invoice}/preparer", json={"cartes": cards(desk)}).json()
    assert prepared["vitale"] == "APCV-ESSAI"
    done = signed.api("POST", f"{ADDRESS}/{invoice}/valider", json=signed_by(desk, prepared))
    assert done.status_code == 200, done.text
    assert state_of(db, invoice) == "partly_secured" and len(desk.vitale_signed) == 1


def test_refusals_are_french_and_noted_for_the_recap(app: FastAPI, db: Database) -> None:
    first, second = loaded(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    other = signed.api("POST", f"{ADDRESS}/{first}/preparer",
                       json={"cartes": cards(FakeReader().insert(CPE_SECRETAIRE, VITALE_OTHER))})
    assert other.status_code == 422 and other.json()["code"] == "wrong_vitale"
    assert "n'est pas celle de l'assuré de la carte présentée (255069999999934)" in other.json()["message"]
    no_vitale = signed.api("POST", f"{ADDRESS}/{first}/preparer",
                           json={"cartes": cards(FakeReader().insert(CPE_SECRETAIRE), vitale=False)})
    assert no_vitale.status_code == 422 and no_vitale.json()["field"] == "carte_vitale"
    no_card = signed.api("POST", f"{ADDRESS}/{first}/preparer", json={"cartes": {"vitale": None}})
    assert no_card.status_code in (409, 422) and "carte" in no_card.json()["message"].lower()
    junk = signed.api("POST", f"{ADDRESS}/{first}/preparer", json={"cartes": "rien", "autre": 1})
    assert junk.status_code == 422 and junk.json()["problems"]
    elsewhere = signed.api("POST", f"{ADDRESS}/{first}/preparer", json={
        "lecteur": "sacoche", "cartes": cards(FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))})
    assert elsewhere.status_code == 409
    assert "n'est pas sur le lecteur portable « sacoche »" in elsewhere.json()["message"]

    recap = unescape(signed.client.get(f"{ADDRESS}?fait=signe&factures={first},{second},999").text)
    assert "Signature terminée : 0 facture(s) signée(s), 3 non signée(s)." in recap
    assert f"la facture n° {first} n'est pas celle de l'assuré" in recap
    assert "elle n'est pas sur le lecteur « portable »." in recap  # 999
    assert state_of(db, first) == state_of(db, second) == "priced"


def test_a_card_that_refuses_releases_the_preparation_and_says_why(app: FastAPI, db: Database) -> None:
    [invoice] = loaded(db, 1)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    desk = FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)
    prepared = signed.api("POST", f"{ADDRESS}/{invoice}/preparer", json={"cartes": cards(desk)}).json()
    given_up = signed.api("POST", f"{ADDRESS}/{invoice}/abandonner", json={
        "preparation": prepared["preparation"], "raison": "Code porteur de la CPE non vérifié."})
    assert given_up.status_code == 200 and given_up.json() == {"abandonnee": True}
    late = signed.api("POST", f"{ADDRESS}/{invoice}/valider", json=signed_by(desk, prepared))
    assert late.status_code == 409 and "abandonnée" in late.json()["message"]
    [item] = portable.listing(admin(db))
    assert not item.signed and item.last_refusal and "abandonnée" in item.last_refusal
    assert [n.invoice_id for n in signing.unused_numbers(admin(db))] == [invoice]  # its number noted unused


def test_another_reader_by_its_name(app: FastAPI, db: Database) -> None:
    [invoice] = loaded(db, 1, reader="sacoche")
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    screen = unescape(signed.client.get(f"{ADDRESS}?lecteur=sacoche").text)
    assert "Lecteur portable « sacoche »" in screen and f'data-facture="{invoice}"' in screen
    assert 'data-facture=' not in unescape(signed.client.get(ADDRESS).text)  # the default reader carries nothing
    bad = signed.client.get(f"{ADDRESS}?lecteur=Mon Lecteur!")
    assert bad.status_code == 422 and 'id="lecteur-erreur">lecteur : nom de lecteur' in unescape(bad.text)
    unloaded = signed.post(f"{ADDRESS}/decharger", {"lecteur": "sacoche"}, follow_redirects=False)
    assert unloaded.status_code == 303 and "lecteur=sacoche" in unloaded.headers["location"]
    assert portable.listing(admin(db), "sacoche") == []
