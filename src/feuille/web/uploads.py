"""Uploads and request bodies within their sizes: the one rule (settings ``FEUILLE_UPLOAD_MAX_*_MO``,
``FEUILLE_REQUEST_MAX_MO``, :mod:`feuille.config`).

Two guards. :class:`BodyLimit`, around the whole application, refuses a body above the largest size any route takes
before the route reads it: on its ``Content-Length``, or, when the length is not said (chunked) or lies, as soon as
the bytes received pass it (the rest is never read). The answer is a 413: the catalogue's JSON under /api, a French
page elsewhere. Then a page that takes a file reads it with :func:`read_upload` or :func:`save_upload` with its
kind's size (a photo, a NOEMIE file, a CSV): a file above it is a :class:`~feuille.errors.TooLargeError` naming the
field, which the page shows beside it like any refusal. Starlette has already spooled the file to a temporary file
(in memory up to 1 Mo only); the size is checked before anything is read from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feuille.config import Settings
from feuille.errors import TooLargeError
from feuille.web.templating import page

MIB = 1024 * 1024
CHUNK = MIB
#: the fields of a form around its files (CSRF token, choices…)
FORM_MARGIN = MIB
KINDS = ("document", "noemie", "csv")


@dataclass(frozen=True)
class Limits:
    """Sizes in bytes: per kind of upload (``document``: a photo or a PDF; ``noemie``; ``csv``), and for any other
    request body."""

    document: int = 10 * MIB
    noemie: int = 200 * MIB
    csv: int = 20 * MIB
    body: int = 16 * MIB

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(document=settings.upload_max_document_mo * MIB, noemie=settings.upload_max_noemie_mo * MIB,
                   csv=settings.upload_max_csv_mo * MIB, body=settings.request_max_mo * MIB)

    def of(self, kind: str) -> int:
        if kind not in KINDS:
            raise ValueError(f"unknown upload kind {kind!r}")
        size: int = getattr(self, kind)
        return size

    def multipart(self) -> int:
        """What a multipart body may weigh: the largest file any page takes, and the form around it."""
        return max(self.document, self.noemie, self.csv) + FORM_MARGIN


def limits_of(app: Any) -> Limits:
    """The application's sizes (``build`` sets them from the settings; a test may change them)."""
    found = getattr(app.state, "upload_limits", None)
    return found if isinstance(found, Limits) else Limits()


def shown(size: int) -> str:
    """``10 Mo``, ``512 Ko``: how a size is written in a message."""
    if size >= MIB:
        return f"{size / MIB:.0f} Mo" if size % MIB == 0 else f"{size / MIB:.1f} Mo".replace(".", ",")
    return f"{max(1, size // 1024)} Ko"


def too_large(field: str, limit: int) -> TooLargeError:
    return TooLargeError(f"Fichier trop volumineux : {shown(limit)} au plus.", code="too_large", field=field)


def _checked(request: Request, upload: UploadFile, kind: str, field: str) -> int:
    limit = limits_of(request.app).of(kind)
    if upload.size is not None and upload.size > limit:
        raise too_large(field, limit)
    return limit


async def read_upload(request: Request, upload: UploadFile, kind: str, field: str = "fichier") -> bytes:
    """The file's bytes, refused (:class:`TooLargeError` on ``field``) above ``kind``'s size without reading more
    than that size and one byte."""
    limit = _checked(request, upload, kind, field)
    await upload.seek(0)
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise too_large(field, limit)
    return content


def read_upload_sync(request: Request, upload: UploadFile, kind: str, field: str = "fichier") -> bytes:
    """:func:`read_upload` for a route declared with ``def`` (run in a worker thread): the spooled file read
    directly."""
    limit = _checked(request, upload, kind, field)
    upload.file.seek(0)
    content = upload.file.read(limit + 1)
    if len(content) > limit:
        raise too_large(field, limit)
    return content


async def save_upload(request: Request, upload: UploadFile, target: Path, kind: str, field: str = "fichier") -> int:
    """Copy the file to ``target`` by chunks (a large CSV never whole in memory); its size. Refused as
    :func:`read_upload` is (``target`` may then hold a part: the caller's temporary folder)."""
    limit = _checked(request, upload, kind, field)
    size = 0
    await upload.seek(0)
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large(field, limit)
            out.write(chunk)
    return size


# --- the cap on every request body ------------------------------------------------------------------------------

class _Overflow(Exception):
    """Raised into the route that reads past the cap: it stops reading; :class:`BodyLimit` answers."""


def _cap(scope: Scope, limits: Limits) -> int:
    content_type = dict(scope.get("headers") or ()).get(b"content-type", b"")
    return limits.multipart() if content_type.startswith(b"multipart/form-data") else limits.body


def _declared_length(scope: Scope) -> int | None:
    """The ``Content-Length`` said, or None; -1 when it is not a number (refused as too large: never read)."""
    value = dict(scope.get("headers") or ()).get(b"content-length")
    if value is None:
        return None
    text = value.decode("latin-1").strip()
    return int(text) if text.isdigit() and len(text) < 19 else -1


async def refusal(scope: Scope, cap: int) -> Response:
    """The 413: the catalogue's JSON under /api, the French error page elsewhere."""
    error = TooLargeError(f"Demande trop volumineuse ({shown(cap)} au plus) : elle n'a pas été lue.",
                          code="request_too_large")
    path = scope.get("path", "")
    if path == "/api" or path.startswith("/api/"):
        return JSONResponse(error.to_json(), status_code=error.http_status)
    return page(Request(scope), "erreur.html", {"title": "Demande trop volumineuse"}, status=error.http_status,
                error=error)


class BodyLimit:
    """ASGI middleware: no request body above its cap reaches a route whole (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = _cap(scope, limits_of(scope["app"]))
        declared = _declared_length(scope)
        if declared is not None and not 0 <= declared <= cap:
            await (await refusal(scope, cap))(scope, receive, send)
            return
        received = 0
        over = refused = False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True
                    raise _Overflow()
            return message

        async def refuse() -> None:
            nonlocal refused
            if not refused:
                refused = True
                await (await refusal(scope, cap))(scope, receive, send)

        async def guarded(message: Message) -> None:
            if over:   # whatever the route answered to the interrupted body (a 400…): the 413 instead
                await refuse()
                return
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except _Overflow:
            await refuse()
