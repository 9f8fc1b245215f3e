"""The wizard over htmx: « Suivant » gets the step alone (the address with the answers pushed, so that Back and
reload show the same screen), a refusal comes back with the step, beside its field and at the step's top, and the
invoice created sends the browser on by ``HX-Redirect``. Each screen refuses junk beside one of its fields."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from fastapi import FastAPI

from feuille.storage import Database
from tests.web.wizard import helpers
from tests.web.wizard.test_wizard_pages import _walk

HTMX = {"HX-Request": "true"}


def _htmx_next(signed: helpers.support.Signed, html: str, answers: dict[str, str] | None = None,
               action: str = "suivant") -> object:
    fields = helpers.form_fields(html if "<form" in html else f'<form action="/factures/nouvelle">{html}</form>')
    for suffix, value in (answers or {}).items():
        fields[helpers.field(fields, suffix)] = value
    fields.pop("csrf", None)
    return signed.post("/factures/nouvelle", {**fields, "aller": action}, headers=HTMX, follow_redirects=False)


def test_next_swaps_the_step_and_pushes_an_address_that_shows_it_again(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    first = signed.client.get(f"/factures/nouvelle?patient={demo.patient_id}")
    assert 'hx-post="/factures/nouvelle"' in first.text and 'hx-target="#etape"' in first.text
    place = _htmx_next(signed, first.text, {"soins|date": "14/01/2025"})
    assert 'name="soins|place"' in place.text  # type: ignore[attr-defined]
    step = _htmx_next(signed, place.text)  # type: ignore[attr-defined]
    assert step.status_code == 200  # type: ignore[attr-defined]
    text = step.text  # type: ignore[attr-defined]
    assert text.lstrip().startswith('<div id="etape"') and "<html" not in text and "<h2>Prescription</h2>" in text
    pushed = step.headers["HX-Push-Url"]  # type: ignore[attr-defined]
    assert pushed.startswith(f"/factures/nouvelle?patient={demo.patient_id}&ecran=prescription")
    assert "14/01/2025" in unquote(pushed)
    again = signed.client.get(pushed)  # reload, or Back: the same screen, the answers kept
    assert again.status_code == 200 and "<h2>Prescription</h2>" in again.text and "<html" in again.text
    assert 'type="hidden" name="soins|date" value="14/01/2025"' in again.text
    back = signed.client.get(pushed.replace("ecran=prescription", "ecran=soins"))
    assert "<h2>Soins réalisés</h2>" in back.text and 'value="14/01/2025"' in back.text


def test_a_refusal_comes_back_with_the_step_beside_its_field(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    first = signed.client.get(f"/factures/nouvelle?patient={demo.patient_id}")
    refused = _htmx_next(signed, first.text, {"soins|date": "32/13/20x"})
    text = refused.text  # type: ignore[attr-defined]
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert re.search(r'<div class="alerte erreur" role="alert">\s*<p><strong>[^<]*date invalide', text)
    assert re.search(r'id="soins\|date-erreur">[^<]*date invalide', text) and 'value="32/13/20x"' in text


def test_the_invoice_created_over_htmx_redirects_the_browser(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    end = _walk(signed, demo.patient_id)
    created = _htmx_next(signed, end.text, action="creer")
    assert created.status_code == 204  # type: ignore[attr-defined]
    assert re.match(r"/factures/\d+/recapitulatif\?cree=1", created.headers["HX-Redirect"])  # type: ignore


#: (screen, the input given junk, the junk): the first input of each screen the walk reaches.
JUNK = [("soins", "soins|date", "hier"), ("prescription", "prescription|prescription", "peut-être"),
        ("assurance", "", "§§"), ("reglement", "reglement|tp_amo", "peut-être"), ("actes", "actes|1|acts.text.1", "!!"),
        ("specificites", "", "§§")]


@pytest.mark.parametrize(("screen", "name", "junk"), JUNK, ids=[j[0] for j in JUNK])
def test_each_screen_refuses_junk_beside_the_field(app: FastAPI, db: Database, screen: str, name: str,
                                                   junk: str) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    marker = f'name="{name}"' if name else f'name="{screen}|'
    shown = _walk(signed, demo.patient_id, until=marker)
    fields = helpers.form_fields(shown.text)
    target = name or next(n for n in fields if n.startswith(f"{screen}|"))
    refused = helpers.next_page(signed, shown.text, {target: junk})
    assert refused.status_code == 400, refused.text
    assert re.search(rf'<p class="message-champ" id="{re.escape(target)}-erreur">', refused.text), refused.text
    assert '<div class="alerte erreur" role="alert">' in refused.text


def test_a_draft_refusal_on_a_field_no_question_names_goes_beside_the_screen_s_question(app: FastAPI,
                                                                                      db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    # a prescriber « created » whose id no prescriber has: the draft refuses « prescription.prescriber »
    end = _walk(signed, demo.patient_id, answers={"|prescription": "oui", "prescriber.text.1": "ZZZQ",
                                                  "prescriber.create.1": "oui"}, until="prescripteur_cle")
    fields = helpers.form_fields(end.text)
    fields["prescription|prescriber.created.1"] = "999999"
    fields.pop("csrf", None)
    walked = signed.post("/factures/nouvelle", {**fields, "aller": "suivant"})
    end = helpers.next_page(signed, walked.text)
    for _ in range(20):
        if 'value="creer"' in end.text:
            break
        end = helpers.next_page(signed, end.text, {k: v for k, v in {"acts.text.1": "GS", "acts.more": "non"}.items()
                                                   if any(n.endswith(k) for n in helpers.form_fields(end.text))})
    refused = helpers.next_page(signed, end.text, action="creer")
    assert refused.status_code in (400, 404) and "<h2>Prescription</h2>" in refused.text, refused.text
    assert re.search(r'id="prescription\|prescriber\.[a-z]+\.1-erreur">', refused.text), refused.text
