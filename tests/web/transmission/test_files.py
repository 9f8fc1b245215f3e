"""A NOEMIE file's own page over HTTP (/suivi/fichiers/N): what was received, payments, rejects and informations,
what was matched and what is not, its transfers, with links to the invoices and the transfers; the list links to
it and an uploaded file lands on it."""

from __future__ import annotations

import re

from fastapi import FastAPI

from feuille.auth import Context, Role
from feuille.formats.noemie_stream import Entity, iter_entities
from feuille.returns import files
from feuille.storage import Database
from tests.web import support
from tests.web.transmission.data import returned


def cell(text: str, name: str) -> str:
    found = re.search(rf'id="{name}">(.*?)</', text)
    assert found, name
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_the_page_of_a_file(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    [file] = files.list_files(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    listed = signed.client.get("/suivi/fichiers")
    assert f'<a href="/suivi/fichiers/{file.id}" aria-label="Fichier NOEMIE n° {file.id}">' in listed.text
    shown = signed.client.get(f"/suivi/fichiers/{file.id}")
    assert shown.status_code == 200
    assert f"<h1>Fichier NOEMIE n° {file.id}</h1>" in shown.text and "retour.txt" in shown.text
    assert file.emitter in shown.text and f"{file.created:%d/%m/%Y}" in shown.text
    assert (cell(shown.text, "paiements"), cell(shown.text, "rejets"), cell(shown.text, "informations")) == (
        "3", "1", "0")      # the return of no known invoice pays too
    assert (cell(shown.text, "rapproches"), cell(shown.text, "non-rapproches")) == ("3", "1")
    assert int(cell(shown.text, "enregistrements")) > 8
    for invoice in (data.rejected, data.partly_paid, data.paid):
        assert f'href="/suivi/factures/{invoice}"' in shown.text
    assert "<td>000999999</td>" in shown.text and "non rapprochée" in shown.text       # the return of no known invoice
    detail = files.file_detail(ctx, str(file.id))
    [transfer] = detail.transfers
    assert f'href="/suivi/virements/{transfer["id"]}"' in shown.text
    assert 'href="/suivi/rejets"' in shown.text and 'href="/suivi/non-rapproches"' in shown.text
    assert "payé" in shown.text and "rejeté" in shown.text
    assert signed.client.get("/suivi/fichiers/999").status_code == 404


def test_an_uploaded_file_lands_on_its_page(app: FastAPI, db: Database, ctx: Context) -> None:
    from tests.returns.support import answer, file_of, practice, send, write

    practice(ctx)
    sent = send(ctx, 1)
    content = write(file_of(sent, [answer(sent.invoices[0], sent)]), blocks=True)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    done = signed.client.post("/suivi/fichiers", data={"csrf": signed.csrf},
                              files={"fichier": ("rsp.txt", content, "text/plain")}, follow_redirects=False)
    assert done.status_code == 303 and re.match(r"/suivi/fichiers/\d+\?message=", done.headers["location"])
    shown = signed.client.get(done.headers["location"])
    assert "Fichier intégré : 1 retour(s), 1 rapproché(s)" in shown.text and "rsp.txt" in shown.text
    assert "en blocs" in shown.text and f"{len(content)} octets" in shown.text
    records = sum(1 for item in iter_entities(content) if isinstance(item, Entity))
    assert cell(shown.text, "enregistrements") == str(records)
    again = signed.client.post("/suivi/fichiers", data={"csrf": signed.csrf},
                               files={"fichier": ("rsp.txt", content, "text/plain")}, follow_redirects=False)
    assert again.status_code == 303 and "d%C3%A9j%C3%A0%20int%C3%A9gr%C3%A9" in again.headers["location"]
