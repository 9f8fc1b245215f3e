"""The wizard's screens over HTTP: each question in turn, the refusals beside their field, the draft, the recap."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from feuille.storage import Database
from tests.web import support
from tests.web.wizard import helpers

ANSWERS = {"soins|date": "14/01/2025", "acts.text.1": "GS", "acts.more": "non"}


def _walk(signed: support.Signed, patient_id: int, until: str = 'value="creer"',
          answers: dict[str, str] | None = None) -> Any:
    """« Suivant » with the defaults (and ``answers``) until ``until`` shows."""
    return _walk_from(signed, signed.client.get(f"/factures/nouvelle?patient={patient_id}"), until, answers)


def _walk_from(signed: support.Signed, answer: Any, until: str = 'value="creer"',
               answers: dict[str, str] | None = None) -> Any:
    wanted = {**ANSWERS, **(answers or {})}
    for _ in range(40):
        assert answer.status_code == 200, answer.text
        if until in answer.text:
            return answer
        fields = helpers.form_fields(answer.text)
        given = {suffix: value for suffix, value in wanted.items() if any(n.endswith(suffix) for n in fields)}
        answer = helpers.next_page(signed, answer.text, given)
    raise AssertionError("the wizard never reached " + until)


def test_walk_create_recap_summary(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    end = _walk(signed, demo.patient_id)
    assert "Modes de sécurisation possibles" in end.text and "Création de la facture" in end.text
    created = helpers.next_page(signed, end.text, action="creer")
    assert created.status_code == 303
    recap_url = created.headers["location"]
    invoice_id = int(re.search(r"/factures/(\d+)/", recap_url).group(1))  # type: ignore[union-attr]
    recap = signed.client.get(recap_url)
    assert recap.status_code == 200 and f"Facture {invoice_id} créée" in recap.text and "GS" in recap.text
    assert "30,00" in recap.text
    # the AMO part of line 1 changed by hand, priced again
    changed = signed.post(f"/factures/{invoice_id}/recapitulatif", {"amo-1": "19,00", "amc-1": "", "aller": "modifier"},
                          follow_redirects=False)
    assert changed.status_code == 303
    again = signed.client.get(changed.headers["location"])
    assert 'value="19,00"' in again.text
    checked = signed.post(f"/factures/{invoice_id}/recapitulatif", {"aller": "valider"}, follow_redirects=False)
    assert checked.status_code == 303 and checked.headers["location"].startswith(f"/factures/{invoice_id}/synthese")
    summary = signed.client.get(checked.headers["location"])
    assert "Contrôle des taux fait" in summary.text and f"/factures/{invoice_id}/securiser" in summary.text
    paid = signed.post(f"/factures/{invoice_id}/synthese/paiements", {"moyen": "cb", "montant": "1,00"},
                       follow_redirects=False)
    assert paid.status_code == 303, paid.text
    assert "1,00 €" in signed.client.get(paid.headers["location"]).text


def test_junk_date_refused_beside_its_field(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    first = signed.client.get(f"/factures/nouvelle?patient={demo.patient_id}")
    refused = helpers.next_page(signed, first.text, {"soins|date": "32/13/20x"})
    assert refused.status_code == 400
    assert re.search(r'<p class="message-champ" id="soins\|date-erreur">[^<]*date invalide', refused.text)
    assert 'value="32/13/20x"' in refused.text and "data-valeurs-serveur" in refused.text
    future = helpers.next_page(signed, first.text, {"soins|date": "01/01/2099"})
    assert future.status_code == 400 and 'id="soins|date-erreur"' in future.text


def test_unknown_act_code_refused_beside_its_field(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    acts = _walk(signed, demo.patient_id, until="acts.text.1")
    refused = helpers.next_page(signed, acts.text, {"acts.text.1": "ZZZZ999"})
    assert refused.status_code == 400  # the machine asks the code again, with the tables' French refusal beside it
    assert re.search(r'id="actes\|1\|acts.text.2-erreur">[^<]*ZZZZ999', refused.text)
    junk = helpers.next_page(signed, acts.text, {"acts.text.1": "!!"})
    assert junk.status_code == 400 and re.search(r'id="actes\|1\|acts.text.1-erreur">[^<]*code', junk.text)


def test_act_search_as_you_type(app: FastAPI, db: Database) -> None:
    helpers.demo(db)
    signed = helpers.doctor(app, db)
    found = signed.client.get("/factures/nouvelle/actes", params={"actes|1|acts.text.1": "AFLB"})
    assert found.status_code == 200 and 'data-code="AFLB001"' in found.text
    words = signed.client.get("/factures/nouvelle/actes", params={"actes|1|acts.text.1": "clé péri"})
    assert words.status_code == 200 and "mot-clé" in words.text


def test_previous_keeps_the_answers(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    payer = _walk(signed, demo.patient_id, until="reglement|tp_amo")
    back = helpers.next_page(signed, payer.text, action="ecran:assurance")
    assert back.status_code == 200 and "<h2>Assurance</h2>" in back.text
    assert 'name="reglement|tp_amo"' in back.text and 'type="hidden" name="soins|date" value="14/01/2025"' in back.text


def test_refused_draft_goes_back_to_the_screen_at_fault(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    end = _walk(signed, demo.patient_id, answers={"accident.common_law": "oui",
                                                   "accident.date": "01/01/2099"})
    refused = helpers.next_page(signed, end.text, action="creer")
    assert refused.status_code == 400 and "<h2>Assurance</h2>" in refused.text
    assert re.search(r'id="assurance\|accident.date-erreur">[^<]*postérieur', refused.text)
    assert 'value="01/01/2099"' in refused.text
    fixed = helpers.next_page(signed, refused.text, {"assurance|accident.date": "10/01/2025"})
    end = _walk_from(signed, fixed)
    created = helpers.next_page(signed, end.text, action="creer")
    assert created.status_code == 303
