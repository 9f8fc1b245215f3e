"""The card agent's loopback HTTP interface: how a browser page at the desk reaches the desk's card reader.

The web application's server may be elsewhere; its page, open at the desk, asks this interface to read the cards
and to sign the bytes the server prepared (step 2 of the three-step signing, :mod:`feuille.billing.signing`),
then hands the signature back to the server, which commits it. Only that page may ask:

* bound to 127.0.0.1 only, and the ``Host`` header must name it (a DNS-rebinding page is refused);
* the ``Origin`` header must be the application's origin, exactly (CORS answers name that origin only);
* every request but the CORS preflight carries the pairing token (``Authorization: Bearer …``), shown once when
  the interface starts and typed into the application's page to pair it with this desk.

Endpoints (JSON, French messages): ``GET /cartes`` — the cards in the reader and their certificates;
``GET /appli/nfc`` and ``GET /appli/qr`` — the same, once the Vitale app (ApCV) was read by NFC or from its QR
code (the reader's NFC sensor or camera, as the manual's « Appli carte Vitale – NFC / QR code »);
``POST /signer`` ``{"carte": serial, "donnees": base64}`` — the card's signature of those bytes (asked once for
the professional card, and once more for the Vitale card or app when the preparation names one: both sign the
same bytes, and the server's commit takes both).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from feuille.cards.messages import french_error
from feuille.cards.port import (
    BeneficiaryData,
    CardError,
    CardKind,
    CardReader,
    ProfessionalCardData,
    Signature,
    VitaleCardData,
)
from feuille.errors import Problems, ValidationError

MAX_BODY = 1 << 20   # the canonical bytes of an invoice are a few kilobytes
HOST = "127.0.0.1"


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None


def professional_json(card: ProfessionalCardData | None) -> dict[str, Any] | None:
    if card is None:
        return None
    return {"numero_serie": card.serial, "type": card.kind.value, "civilite": card.civility, "nom": card.last_name,
            "prenom": card.first_name, "rpps": card.rpps, "numero_facturation": card.billing_number,
            "specialite": card.specialty, "certificat": _b64(card.certificate)}


def vitale_json(card: VitaleCardData | None) -> dict[str, Any] | None:
    if card is None:
        return None
    return {"numero_serie": card.serial, "type": card.kind.value, "nir_assure": card.insured_nir,
            "beneficiaires": [dict(b.fields) for b in card.beneficiaries], "certificat": _b64(card.certificate),
            "lecture": card.reading}


def signature_json(signature: Signature) -> dict[str, Any]:
    return {"carte": signature.card_serial, "type": signature.card_kind.value, "algorithme": signature.algorithm,
            "signature": _b64(signature.value), "cle_publique": _b64(signature.public_key)}


# --- the inverse: what a page read from the agent, handed back to the server ------------------------------------

_PRO_KINDS = (CardKind.CPS, CardKind.CPE)
_VITALE_KINDS = (CardKind.VITALE, CardKind.APCV)
MAX_TEXT = 200
#: How the Vitale app is read: by the reader's NFC sensor, or its camera from the QR code the phone shows.
APP_READINGS = {"nfc": "NFC", "qr": "QR code"}
MAX_SERIAL = 64      # a card's serial, as the signatures and certificates keep it
MAX_ALGORITHM = 32


class _Reader:
    """Reads one JSON object field by field, collecting every problem (``where``: the field names' prefix); texts
    no longer than what the database keeps of them."""

    def __init__(self, data: object, where: str, what: str, problems: Problems) -> None:
        if not isinstance(data, dict):
            raise ValidationError(f"{what} : objet JSON attendu.", code="card_json", field=where)
        self.where, self.problems = where, problems
        self.data: dict[str, Any] = data

    def text(self, key: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str | None:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.add(f"{self.where}.{key}", f"{label} : champ obligatoire.", "card_json")
            return None
        if not isinstance(value, str) or len(value.strip()) > limit:
            self.problems.add(f"{self.where}.{key}", f"{label} : texte de {limit} caractères au plus attendu.",
                              "card_json")
            return None
        return value.strip()

    def kind(self, allowed: tuple[CardKind, ...]) -> CardKind | None:
        value = self.data.get("type")
        names = ", ".join(k.value for k in allowed)
        if value not in [k.value for k in allowed]:
            self.problems.add(f"{self.where}.type", f"Type de carte : {names} attendu.", "card_json")
            return None
        return CardKind(value)

    def b64(self, key: str, label: str) -> bytes | None:
        text = self.text(key, label)
        if text is None:
            return None
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            self.problems.add(f"{self.where}.{key}", f"{label} : base64 attendu.", "card_json")
            return None


def professional_from_json(data: object, where: str = "professionnelle") -> ProfessionalCardData:
    """The CPS/CPE as :func:`professional_json` wrote it (what the page read from the agent); every problem at once,
    in French (``ValidationError``)."""
    problems = Problems()
    read = _Reader(data, where, "Carte professionnelle", problems)
    serial = read.text("numero_serie", "Numéro de série de la carte professionnelle", limit=MAX_SERIAL)
    kind = read.kind(_PRO_KINDS)
    civility = read.text("civilite", "Civilité", required=False)
    last_name = read.text("nom", "Nom du porteur")
    first_name = read.text("prenom", "Prénom du porteur", required=False)
    rpps = read.text("rpps", "RPPS", required=False)
    billing = read.text("numero_facturation", "Numéro de facturation", required=kind == CardKind.CPS)
    certificate = read.b64("certificat", "Certificat de la carte")
    problems.raise_if_any()
    assert serial is not None and kind is not None and last_name is not None
    return ProfessionalCardData(serial=serial, kind=kind, civility=civility or "", last_name=last_name,
                                first_name=first_name or "", rpps=rpps, billing_number=billing,
                                certificate=certificate)


def vitale_from_json(data: object, where: str = "vitale") -> VitaleCardData:
    """The Vitale card (or app) as :func:`vitale_json` wrote it; every problem at once, in French."""
    problems = Problems()
    read = _Reader(data, where, "Carte Vitale", problems)
    serial = read.text("numero_serie", "Numéro de série de la carte Vitale", limit=MAX_SERIAL)
    kind = read.kind(_VITALE_KINDS)
    nir = read.text("nir_assure", "NIR de l'assuré")
    certificate = read.b64("certificat", "Certificat de la carte Vitale")
    reading = read.data.get("lecture")
    if reading not in (None, *APP_READINGS):
        problems.add(f"{where}.lecture", "Lecture de l'appli carte Vitale : nfc ou qr attendu.", "card_json")
        reading = None
    raw = read.data.get("beneficiaires", [])
    beneficiaries: list[BeneficiaryData] = []
    if not isinstance(raw, list) or len(raw) > 20 or not all(isinstance(b, dict) for b in raw):
        problems.add(f"{where}.beneficiaires", "Bénéficiaires : liste d'objets attendue (20 au plus).", "card_json")
    else:
        beneficiaries = [BeneficiaryData(fields=dict(b)) for b in raw]
    problems.raise_if_any()
    assert serial is not None and kind is not None and nir is not None
    return VitaleCardData(serial=serial, kind=kind, insured_nir=nir, beneficiaries=tuple(beneficiaries),
                          reading=reading, certificate=certificate)


def signature_from_json(data: object, where: str = "signature") -> Signature:
    """A card's signature as the agent answers ``POST /signer``; every problem at once, in French."""
    problems = Problems()
    read = _Reader(data, where, "Signature", problems)
    serial = read.text("carte", "Carte qui a signé", limit=MAX_SERIAL)
    kind = read.kind((*_PRO_KINDS, *_VITALE_KINDS))
    algorithm = read.text("algorithme", "Algorithme", limit=MAX_ALGORITHM)
    value = read.b64("signature", "Signature")
    public_key = read.b64("cle_publique", "Clé publique")
    problems.raise_if_any()
    assert serial is not None and kind is not None and algorithm is not None
    assert value is not None and public_key is not None
    return Signature(card_serial=serial, card_kind=kind, algorithm=algorithm, value=value, public_key=public_key)


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


class LoopbackAgent:
    """The interface over one card reader; ``start()`` serves in a thread, ``stop()`` ends it."""

    def __init__(self, reader: CardReader, origin: str, *, port: int = 0, token: str | None = None) -> None:
        if not origin.startswith(("https://", "http://")) or origin.endswith("/"):
            raise ValueError("origin: scheme://host[:port], without a trailing slash")
        self.reader = reader
        self.origin = origin
        self.token = token or secrets.token_urlsafe(32)
        self.lock = threading.Lock()  # one card operation at a time, as a reader does
        self.server = ThreadingHTTPServer((HOST, port), _handler(self))
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> LoopbackAgent:
        self.thread = threading.Thread(target=self.server.serve_forever, name="feuille-agent-http", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def __enter__(self) -> LoopbackAgent:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what a request may do -------------------------------------------------------------------------------

    def check_caller(self, headers: Any, *, preflight: bool) -> None:
        host = str(headers.get("Host") or "")
        if host not in (f"{HOST}:{self.port}", f"localhost:{self.port}"):
            raise _Refusal(403, "host", "Hôte refusé : l'interface du lecteur ne répond qu'à 127.0.0.1.")
        if headers.get("Origin") != self.origin:
            raise _Refusal(403, "origin", "Origine refusée : seule l'application appairée peut utiliser le "
                                          "lecteur de cartes.")
        if preflight:
            return
        given = str(headers.get("Authorization") or "")
        expected = f"Bearer {self.token}"
        if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            raise _Refusal(401, "pairing", "Jeton d'appairage absent ou erroné : appairez la page avec ce poste.")

    def cards(self) -> dict[str, Any]:
        with self.lock:
            return {"professionnelle": professional_json(self.reader.professional_card()),
                    "vitale": vitale_json(self.reader.vitale_card())}

    def app(self, reading: str) -> dict[str, Any]:
        """The cards, once the Vitale app was read in ``reading`` (nfc, qr): a chip card, or an app shown the other
        way, is not what the reader's NFC sensor or camera reads."""
        if reading not in APP_READINGS:
            raise _Refusal(404, "not_found", "Lecture inconnue (GET /appli/nfc ou /appli/qr).")
        with self.lock:
            card = self.reader.vitale_card()
            how = APP_READINGS[reading]
            if card is None or card.kind != CardKind.APCV:
                raise _Refusal(409, "no_app", f"Aucune appli carte Vitale lue en {how} : demandez au patient "
                                              "d'ouvrir l'appli carte Vitale sur son téléphone et de la présenter.")
            if card.reading is not None and card.reading != reading:
                shown = APP_READINGS.get(card.reading, card.reading)
                raise _Refusal(409, "app_reading", f"L'appli carte Vitale présentée se lit en {shown}, pas en "
                                                   f"{how} : choisissez « Appli carte Vitale – {shown} ».")
            return {"professionnelle": professional_json(self.reader.professional_card()),
                    "vitale": vitale_json(card)}

    def sign(self, request: object) -> dict[str, Any]:
        if not isinstance(request, dict) or not isinstance(request.get("carte"), str) \
                or not isinstance(request.get("donnees"), str):
            raise _Refusal(400, "request", "Requête invalide : {\"carte\": numéro de série, \"donnees\": base64} "
                                           "attendu.")
        try:
            data = base64.b64decode(request["donnees"], validate=True)
        except (binascii.Error, ValueError):
            raise _Refusal(400, "request", "Requête invalide : « donnees » n'est pas en base64.") from None
        with self.lock:
            try:
                signature = self.reader.sign(request["carte"], data)
            except CardError as error:
                french = french_error(error)
                raise _Refusal(409, french.code, french.message) from None
        return signature_json(signature)


def _handler(agent: LoopbackAgent) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "feuille-agent"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:
            return  # no request log: the bytes signed are health data

        def _send(self, status: int, body: dict[str, Any] | None) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
            self.send_response(status)
            if self.headers.get("Origin") == agent.origin:
                self.send_header("Access-Control-Allow-Origin", agent.origin)
            self.send_header("Vary", "Origin")
            self.send_header("Cache-Control", "no-store")
            if body is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _run(self, work: Any, *, preflight: bool = False) -> None:
            try:
                agent.check_caller(self.headers, preflight=preflight)
                self._send(*work())
            except _Refusal as refused:
                self._send(refused.status, {"erreur": refused.code, "message": refused.message})

        def do_OPTIONS(self) -> None:
            self._run(lambda: (204, None), preflight=True)  # the CORS preflight: its headers in end_headers

        def end_headers(self) -> None:
            if self.command == "OPTIONS" and self.headers.get("Origin") == agent.origin:
                self.send_header("Access-Control-Allow-Methods", "GET, POST")
                self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
                self.send_header("Access-Control-Max-Age", "600")
            super().end_headers()

        def do_GET(self) -> None:
            def read() -> tuple[int, dict[str, Any]]:
                if self.path.startswith("/appli/"):
                    return 200, agent.app(self.path[len("/appli/"):])
                if self.path != "/cartes":
                    raise _Refusal(404, "not_found", "Adresse inconnue (GET /cartes, GET /appli/nfc, GET "
                                                     "/appli/qr, POST /signer).")
                return 200, agent.cards()

            self._run(read)

        def do_POST(self) -> None:
            def sign() -> tuple[int, dict[str, Any]]:
                if self.path != "/signer":
                    raise _Refusal(404, "not_found", "Adresse inconnue (GET /cartes, POST /signer).")
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if length > MAX_BODY or length < 0:
                    raise _Refusal(413, "too_large", "Requête trop volumineuse.")
                try:
                    request = json.loads(self.rfile.read(length).decode("utf-8"))
                except (UnicodeDecodeError, ValueError, RecursionError):
                    raise _Refusal(400, "request", "Requête invalide : JSON attendu.") from None
                return 200, agent.sign(request)

            self._run(sign)

    return Handler
