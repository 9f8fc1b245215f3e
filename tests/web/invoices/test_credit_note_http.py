"""Cancelling by a credit note over HTTP, as the page's script does it through the desk's card agent: the page
asks for no PIN; prepare with the CPS read at the desk, the card signs at the desk, commit; a repeat answers the
same; a forged signature is refused and its number recorded unused; a secretary changes nothing; junk is refused
field by field, in French."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI

from feuille.auth import Role
from feuille.billing import queries, signing, verification
from feuille.cards.agent_http import signature_json
from feuille.storage import Database
from feuille.storage.models import AuditEntry, Invoice
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, FakeReader
from tests.web import support
from tests.web.invoices.data import admin, some_invoices, state_of
from tests.web.securing.support import cards
from tests.web.securing.test_securing_http import signed_by


def step(signed: support.Signed, invoice: int, name: str, body: dict[str, Any]) -> Any:
    return signed.api("POST", f"/factures/{invoice}/annuler/{name}", json=body)


def at_desk(reader: FakeReader) -> dict[str, Any]:
    """What the page sends to « preparer »: the cards the agent read (a CPS, no Vitale card)."""
    return {"cartes": cards(reader, vitale=False)}


def credit_notes(db: Database) -> list[tuple[int | None, str, int | None]]:
    with db.read() as session:
        return [(r.credit_of, r.state, r.number) for r in session.scalars(
            sa.select(Invoice).where(Invoice.credit_of.is_not(None)).order_by(Invoice.id))]


def test_the_page_reads_the_card_at_the_desk_and_asks_no_pin(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    page = unescape(signed.client.get(f"/factures/{made.secured}/annuler").text)
    assert f'id="annulation" method="post" data-garder="annuler-{made.secured}"' in page
    assert f'data-adresse="/factures/{made.secured}/annuler"' in page
    for script in ("/static/agent.js", "/static/desk_signing.js", "/static/credit_note.js"):
        assert f'<script src="{script}" defer>' in page
    assert 'name="pin"' not in page and "type=\"password\"" not in page and "Oui, annuler par un avoir" in page
    refused = signed.post(f"/factures/{made.secured}/annuler", {"pin": "1234"})  # the old form: gone
    assert refused.status_code == 405 and state_of(db, made.secured) == "secured"
    draft = unescape(signed.client.get(f"/factures/{made.draft}/annuler").text)
    assert "à l'état « brouillon » : elle ne s'annule pas par un avoir (elle n'est pas signée : supprimez-la)" \
        in draft and 'id="annulation"' not in draft


def test_a_titulaire_cancels_in_three_steps_and_a_repeat_answers_the_same(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = step(signed, made.secured, "preparer", at_desk(desk))
    assert prepared.status_code == 200, prepared.text
    body = prepared.json()
    assert (body["termine"], body["numero"], body["carte"], body["vitale"]) == (False, 2, "CPS-MED", None)
    assert body["adresse"] == f"/factures/{made.secured}?fait=avoir"
    assert credit_notes(db) == [(made.secured, "draft", None)] and state_of(db, made.secured) == "secured"
    sent = signed_by(desk, body)
    first = step(signed, made.secured, "valider", sent)
    assert first.status_code == 200, first.text
    credit = first.json()["facture"]
    assert (credit["credit_of"], credit["state"], credit["number"]) == (made.secured, "secured", 2)
    assert state_of(db, made.secured) == "cancelled"
    again = step(signed, made.secured, "valider", sent)  # posted twice (a double click, a retry)
    assert again.status_code == 200 and again.json() == first.json()
    done = step(signed, made.secured, "preparer", at_desk(desk))
    assert done.json()["termine"] is True and done.json()["facture"]["id"] == credit["id"]  # nothing prepared
    page = unescape(signed.client.get(first.json()["adresse"]).text)
    assert "Facture annulée par un avoir." in page
    assert re.search(r'href="/factures/(\d+)">avoir', page).group(1) == str(credit["id"])  # type: ignore[union-attr]
    assert verification.verify_invoice(admin(db), credit["id"]).ok
    assert signing.unused_numbers(admin(db)) == [] and len(desk.signed) == 1


def test_a_forged_signature_is_refused_and_its_number_recorded_unused(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = step(signed, made.secured, "preparer", at_desk(desk)).json()
    forged = signature_json(desk.sign("CPS-MED", b"un autre avoir"))
    refused = step(signed, made.secured, "valider", {"preparation": prepared["preparation"], "signature": forged})
    assert refused.status_code == 409 and refused.json()["code"] == "signing_released"
    assert "ne se vérifie pas" in refused.json()["message"] and "non utilisé" in refused.json()["message"]
    [(credit_of, state, number)] = credit_notes(db)
    assert (credit_of, state, number) == (made.secured, "draft", None) and state_of(db, made.secured) == "secured"
    assert [u.number for u in signing.unused_numbers(admin(db))] == [2]
    late = step(signed, made.secured, "valider", signed_by(desk, prepared))  # the right one, too late: released
    assert late.status_code == 409 and state_of(db, made.secured) == "secured"
    again = step(signed, made.secured, "preparer", at_desk(desk)).json()
    assert again["numero"] == 3  # the unused number is never given to an invoice
    assert step(signed, made.secured, "valider", signed_by(desk, again)).json()["facture"]["number"] == 3
    assert state_of(db, made.secured) == "cancelled"


def test_a_card_that_refuses_releases_the_preparation(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = step(signed, made.secured, "preparer", at_desk(desk)).json()
    answer = step(signed, made.secured, "abandonner",
                  {"preparation": prepared["preparation"], "raison": "Code porteur non vérifié"})
    assert answer.status_code == 200 and answer.json() == {"abandonnee": True}
    assert [u.reason for u in signing.unused_numbers(admin(db))] == ["carte : Code porteur non vérifié"]
    assert step(signed, made.secured, "valider", signed_by(desk, prepared)).status_code == 409
    assert state_of(db, made.secured) == "secured"


def denials(db: Database) -> list[str]:
    with db.read() as session:
        rows = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "access.denied")
                               .order_by(AuditEntry.id))
        return [json.loads(row.data)["what"] for row in rows]


def test_a_secretary_cannot_cancel_and_nothing_changes(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    secretary = support.sign_in(app, db, Role.SECRETAIRE)
    desk = FakeReader().insert(CPS_MEDECIN)
    refused = step(secretary, made.secured, "preparer", at_desk(desk))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert refused.json()["message"][0].isupper()
    assert credit_notes(db) == [] and signing.unused_numbers(admin(db)) == [] and desk.signed == []
    doctor = support.sign_in(app, db, Role.TITULAIRE)
    prepared = step(doctor, made.secured, "preparer", at_desk(desk)).json()
    tries = [step(secretary, made.secured, "valider", signed_by(desk, prepared)),
             step(secretary, made.secured, "abandonner", {"preparation": prepared["preparation"]})]
    assert [t.status_code for t in tries] == [403, 403]
    assert denials(db) == [f"POST /factures/{made.secured}/annuler/{name}"
                           for name in ("preparer", "valider", "abandonner")]
    assert state_of(db, made.secured) == "secured" and signing.unused_numbers(admin(db)) == []
    assert [i.id for i in queries.list_invoices(admin(db))][-3:] == [made.secured, made.priced, made.draft]
    done = step(doctor, made.secured, "valider", signed_by(desk, prepared))  # still pending: the doctor commits
    assert done.status_code == 200 and state_of(db, made.secured) == "cancelled"


def test_junk_and_wrong_cards_are_refused_in_french(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    bad = step(signed, made.secured, "preparer", {"cartes": {"autre": 1}, "pin": "1234"})
    assert bad.status_code == 422
    assert {p["field"]: p["message"] for p in bad.json()["problems"]} == {"cartes.autre": "Champ inconnu.",
                                                                          "pin": "Champ inconnu."}
    none = step(signed, made.secured, "preparer", {"cartes": {}})
    assert none.status_code == 409 and none.json()["code"] == "no_card"
    cpe = step(signed, made.secured, "preparer", at_desk(FakeReader().insert(CPE_SECRETAIRE)))
    assert cpe.status_code == 403 and cpe.json()["code"] == "cpe_final_signature"
    draft = step(signed, made.draft, "preparer", at_desk(FakeReader().insert(CPS_MEDECIN)))
    assert draft.status_code == 409 and draft.json()["message"][0].isupper()
    nothing = step(signed, made.secured, "valider",
                   {"preparation": 1, "signature": signature_json(FakeReader().insert(CPS_MEDECIN)
                                                                  .sign("CPS-MED", b"M"))})
    assert nothing.status_code == 404 and nothing.json()["field"] == "preparation"
    junk = signed.api("POST", f"/factures/{made.secured}/annuler/valider", content=b"\xff pas du JSON",
                      headers={"Content-Type": "application/json"})
    assert junk.status_code == 422 and junk.json()["code"] == "requete_invalide"
    no_token = signed.client.post(f"/factures/{made.secured}/annuler/preparer", json=at_desk(FakeReader()))
    assert no_token.status_code == 403
    assert credit_notes(db) == [] and state_of(db, made.secured) == "secured"
    assert signing.unused_numbers(admin(db)) == []
