"""Uploads and request bodies within their configured sizes (feuille.web.uploads): a file above its kind's size is
refused beside its field, in French; a body above the application's cap is a 413 (the catalogue's JSON under /api,
a French page elsewhere), on its Content-Length or as soon as the bytes pass the cap, the rest never read."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from starlette.datastructures import Headers, UploadFile

from feuille.auth import Context, Role, actor_for
from feuille.config import Settings, get_settings
from feuille.errors import CATALOGUE, TooLargeError
from feuille.practice import patients
from feuille.storage import Database
from feuille.web import uploads
from feuille.web.app import build
from feuille.web.uploads import MIB, Limits
from tests.web import support

T = TypeVar("T")

SMALL = Limits(document=2048, noemie=4096, csv=1024, body=1024)
CSV = "NOM;PRENOM;DATE_NAISSANCE\n" + "".join(f"MARTIN{i:04d};Paul;01/02/1980\n" for i in range(60))


@pytest.fixture
def small(db: Database) -> FastAPI:
    return build(db, SMALL)


def _nobody(db: Database) -> list[Any]:
    return patients.search_patients(Context(db=db, actor=actor_for(db, "admin")))


def test_a_csv_above_its_size_is_refused_beside_its_field(small: FastAPI, db: Database) -> None:
    assert len(CSV.encode()) > SMALL.csv
    signed = support.sign_in(small, db, Role.SECRETAIRE)
    answer = signed.post("/patients/importer", files={"fichier": ("patients.csv", CSV.encode(), "text/csv")})
    assert answer.status_code == 413, answer.text[-2000:]
    field = re.search(r'<div class="champ en-erreur">.*?</div>', answer.text, re.S)
    assert field and 'for="fichier"' in field.group(0) and "Fichier trop volumineux : 1 Ko au plus." in field.group(0)
    assert _nobody(db) == []
    fits = signed.post("/patients/importer", files={"fichier": ("patients.csv", CSV[:300].encode(), "text/csv")})
    assert fits.status_code == 200 and "importés" in fits.text


def test_a_body_above_the_cap_is_a_413_json_under_the_api(small: FastAPI, db: Database) -> None:
    signed = support.sign_in(small, db, Role.SECRETAIRE)
    big = {"last_name": "X" * 2000, "birth_date": "01/01/1990"}
    answer = signed.api("POST", "/api/patients", json=big)
    assert answer.status_code == 413
    body = answer.json()
    assert body["code"] == "request_too_large" and CATALOGUE["request_too_large"].http_status == 413
    assert body["message"].startswith("Demande trop volumineuse (1 Ko au plus)")
    assert _nobody(db) == []
    chunked = signed.client.post("/api/patients", content=iter([b'{"last_name": "', b"Y" * 1500, b'"}']),
                                 headers={"X-CSRF-Token": signed.csrf, "Content-Type": "application/json"})
    assert chunked.status_code == 413 and chunked.json()["code"] == "request_too_large"
    fits = signed.api("POST", "/api/patients", json={"last_name": "PETIT", "birth_date": "01/01/1990"})
    assert fits.status_code == 201


def test_a_page_body_above_the_cap_is_a_french_page(small: FastAPI, db: Database) -> None:
    signed = support.sign_in(small, db, Role.SECRETAIRE)
    answer = signed.post("/patients/nouveau", {"last_name": "Z" * 3000, "birth_date": "01/01/1990"})
    assert answer.status_code == 413 and "Demande trop volumineuse" in answer.text and "<h1>" in answer.text
    multipart = signed.post("/patients/importer", files={"fichier": ("p.csv", b"x" * (SMALL.multipart() + 1))})
    assert multipart.status_code == 413
    assert f"Demande trop volumineuse ({uploads.shown(SMALL.multipart())} au plus)" in multipart.text
    liar = signed.client.post("/patients/nouveau", content=b"last_name=A", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "abc"})
    assert liar.status_code in (400, 413)   # h11/httpx may refuse it first; never a 5xx


def run_apart(work: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: a browser test run earlier by the same worker leaves Playwright's
    event loop running in this one."""
    with ThreadPoolExecutor(1) as apart:
        return apart.submit(asyncio.run, work).result()


def test_the_cap_stops_reading_once_passed(db: Database) -> None:
    """Driven as ASGI: a chunked body of 100 chunks of 600 bytes; the route stops at the second one."""
    app = build(db, SMALL)
    taken: list[int] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        taken.append(1)
        return {"type": "http.request", "body": b"x" * 600, "more_body": len(taken) < 100}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/patients", "raw_path": b"/api/patients", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"host", b"test")], "client": ("127.0.0.1", 1),
             "server": ("test", 80)}
    run_apart(app(scope, receive, send))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert len(taken) == 2


def test_read_upload_never_reads_past_its_kind_size() -> None:
    class Request:   # what limits_of reads: request.app.state.upload_limits
        app = SimpleNamespace(state=SimpleNamespace(upload_limits=SMALL))

    file = io.BytesIO(b"y" * 10 * MIB)
    upload = UploadFile(file, size=None, filename="photo.jpg", headers=Headers({"content-type": "image/jpeg"}))
    with pytest.raises(TooLargeError) as refused:
        run_apart(uploads.read_upload(Request(), upload, "document", field="photo"))  # type: ignore[arg-type]
    assert refused.value.field == "photo" and refused.value.message == "Fichier trop volumineux : 2 Ko au plus."
    assert file.tell() == SMALL.document + 1
    fits = UploadFile(io.BytesIO(b"z" * 100), size=100, filename="ok.jpg")
    assert run_apart(uploads.read_upload(Request(), fits, "document")) == b"z" * 100  # type: ignore[arg-type]
    sync_file = io.BytesIO(b"y" * 10 * MIB)
    with pytest.raises(TooLargeError):
        uploads.read_upload_sync(Request(), UploadFile(sync_file, filename="p.pdf"), "document")  # type: ignore[arg-type]
    assert sync_file.tell() == SMALL.document + 1
    assert uploads.read_upload_sync(Request(), UploadFile(io.BytesIO(b"ok"), filename="p.pdf"),  # type: ignore[arg-type]
                                    "csv") == b"ok"
    declared = UploadFile(io.BytesIO(b""), size=5000, filename="gros.pdf")
    with pytest.raises(TooLargeError):   # refused on its size, nothing read
        run_apart(uploads.read_upload(Request(), declared, "noemie"))  # type: ignore[arg-type]


def test_the_sizes_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    limits = Limits.from_settings(Settings())
    assert (limits.document, limits.noemie, limits.csv, limits.body) == (10 * MIB, 200 * MIB, 20 * MIB, 16 * MIB)
    monkeypatch.setenv("FEUILLE_UPLOAD_MAX_CSV_MO", "50")
    assert Limits.from_settings(Settings()).csv == 50 * MIB
    for junk in ("0", "-1", "beaucoup", "999999"):
        monkeypatch.setenv("FEUILLE_UPLOAD_MAX_NOEMIE_MO", junk)
        get_settings.cache_clear()
        with pytest.raises(Exception) as refused:
            get_settings()
        assert "FEUILLE_UPLOAD_MAX_NOEMIE_MO" in str(refused.value) and "Mo entre 1 et" in str(refused.value)
    get_settings.cache_clear()
    assert [uploads.shown(n) for n in (10 * MIB, 1024, 1536 * 1024)] == ["10 Mo", "1 Ko", "1,5 Mo"]


def test_in_the_browser_a_csv_too_large_is_said_beside_the_field(page: Page, small: FastAPI, db: Database,
                                                                  tmp_path: Path) -> None:
    login = support.user(db, Role.SECRETAIRE)
    source = tmp_path / "patients.csv"
    source.write_text(CSV, encoding="utf-8")
    with support.live_server(small) as base:
        support.browser_sign_in(page, base, login)
        page.goto(f"{base}/patients/importer")
        page.get_by_label("Fichier CSV").set_input_files(str(source))
        page.get_by_role("button", name="Importer").click()
        expect(page.locator(".champ.en-erreur")).to_contain_text("Fichier trop volumineux : 1 Ko au plus.")
        support.screenshot(page, "import-patients-trop-volumineux")
    assert _nobody(db) == []
