"""The caisse de test's ADRi service: ``create_app(state_dir, cards_dir)`` (protocol: docs/droits.md).

Files in ``state_dir`` (the caisse de test's DIR):

- ``adri-panne.json``      the fault mode ``{"mode": "aucune"|"erreur"|"lent"|"muet", "secondes": N}``, written
                           atomically by ``POST /admin/panne``, ``feuille-sim panne`` or a scenario; read on every
                           request, so a change applies at once. Missing: no fault.
- ``echanges-adri.jsonl``  one JSON line per exchange (when, request id, CPS serial, status, result).
- ``adri-reponses/ID.json`` the answer given to request ID, with the hash of its body: the same request repeated
                           gets the same answer; the same id with another body is refused.

The CPS signature is checked against the public keys of the CPS/CPE card files of ``cards_dir`` (the provisioned
virtual cards); without ``cards_dir`` only against the key sent (no registry of cards: for tests of the protocol).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from feuille.cards.card_files import PRO_KINDS, CardDir, load_card, read_json, write_json_atomic
from feuille.cards.port import ECDSA_P256_SHA256, RSA_PKCS1_SHA256, CardError, CardKind, Signature
from feuille.cards.signatures import verify
from feuille_sim.rights import people as people_mod
from feuille_sim.rights.request import BadRequest, Lookup, parse

FAULT_FILE = "adri-panne.json"
LOG_FILE = "echanges-adri.jsonl"
ANSWERS_DIR = "adri-reponses"
FAULT_MODES = ("aucune", "erreur", "lent", "muet")
MAX_BODY = 64 * 1024          # feuille's own limit: a request is a few hundred bytes
MUTE_LIMIT = 3600.0           # "muet" answers nothing for an hour at most (the client has long given up)


def read_fault(state_dir: Path) -> tuple[str, float]:
    """The fault mode and its seconds; a missing or unreadable file means no fault."""
    try:
        data = json.loads((state_dir / FAULT_FILE).read_text(encoding="utf-8"))
        mode, seconds = data.get("mode", "aucune"), float(data.get("secondes", 0) or 0)
    except (OSError, ValueError, TypeError, AttributeError):
        return "aucune", 0.0
    return (mode, max(0.0, min(seconds, MUTE_LIMIT))) if mode in FAULT_MODES else ("aucune", 0.0)


def write_fault(state_dir: Path, mode: str, seconds: float = 0) -> None:
    """Set the fault mode (atomically: a reader sees the old or the new mode, never half a file)."""
    if mode not in FAULT_MODES:
        raise ValueError(f"mode de panne inconnu : {mode} ({', '.join(FAULT_MODES)})")
    write_json_atomic(state_dir / FAULT_FILE, {"mode": mode, "secondes": seconds})


def known_cps(cards_dir: Path | None) -> dict[str, bytes] | None:
    """Serial -> DER public key of every CPS/CPE card file; None when there is no card directory."""
    if cards_dir is None:
        return None
    found: dict[str, bytes] = {}
    card_dir = CardDir(Path(cards_dir))
    for name in card_dir.names():
        try:
            card = load_card(card_dir, name)
        except CardError:
            continue
        if card.kind in PRO_KINDS and card.public_key:
            found[card.serial] = card.public_key
    return found


def _error(status: int, code: str, message: str, champs: list[dict[str, str]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if champs is not None:
        body["champs"] = champs
    return JSONResponse(body, status_code=status)


def _algorithm(public_key: bytes) -> str | None:
    try:
        key = load_der_public_key(public_key)
    except (ValueError, TypeError):
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ECDSA_P256_SHA256
    return RSA_PKCS1_SHA256 if isinstance(key, rsa.RSAPublicKey) else None


class AdriService:
    def __init__(self, state_dir: Path, cards_dir: Path | None, clock: Callable[[], datetime]) -> None:
        self.state_dir = Path(state_dir)
        self.cards_dir = cards_dir
        self.clock = clock
        self.people = people_mod.load_people()
        self._lock = threading.Lock()
        self.state_dir.mkdir(parents=True, exist_ok=True)

    def check_signature(self, request: Request, body: bytes) -> JSONResponse | None:
        serial = request.headers.get("x-cps-serie", "").strip()
        cert, sig = request.headers.get("x-cps-certificat", ""), request.headers.get("x-cps-signature", "")
        if not serial or not cert or not sig:
            return _error(401, "signature_absente", "Demande non signée par une carte CPS (en-têtes X-CPS-Serie, "
                          "X-CPS-Certificat et X-CPS-Signature attendus).")
        try:
            public_key = base64.b64decode(cert, validate=True)
            value = base64.b64decode(sig, validate=True)
        except (binascii.Error, ValueError):
            return _error(401, "signature_invalide", "Certificat ou signature CPS illisible (base64 attendu).")
        registry = known_cps(self.cards_dir)
        if registry is not None and registry.get(serial) != public_key:
            return _error(401, "cps_inconnue", "Carte CPS inconnue de la caisse de test.")
        algorithm = _algorithm(public_key)
        if algorithm is None or not verify(Signature(serial, CardKind.CPS, algorithm, value, public_key), body):
            return _error(401, "signature_invalide", "La signature CPS ne correspond pas à la demande.")
        return None

    def answer(self, lookup: Lookup, body: bytes) -> JSONResponse:
        digest = hashlib.sha256(body).hexdigest()
        path = self.state_dir / ANSWERS_DIR / f"{lookup.identifiant}.json"
        with self._lock:
            if path.exists():
                stored = read_json(path, lookup.identifiant)
                if stored.get("empreinte") != digest:
                    return _error(400, "requete_invalide", "Identifiant déjà utilisé pour une autre demande.",
                                  [{"champ": "identifiant", "message": "Identifiant déjà utilisé."}])
                return JSONResponse(stored["reponse"])
            match = people_mod.find(self.people, lookup.nir, lookup.birth, lookup.rank)
            answer = {"version": 1, "identifiant": lookup.identifiant,
                      "date_reponse": self.clock().replace(microsecond=0).isoformat(),
                      **people_mod.answer_body(match, lookup.reference)}
            write_json_atomic(path, {"empreinte": digest, "reponse": answer})
            return JSONResponse(answer)

    def log(self, entry: dict[str, Any]) -> None:
        line = json.dumps({"at": self.clock().replace(microsecond=0).isoformat(), **entry}, ensure_ascii=False)
        with self._lock, open(self.state_dir / LOG_FILE, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


async def _wait_fault(service: AdriService, request: Request) -> JSONResponse | None:
    mode, seconds = read_fault(service.state_dir)
    if mode == "erreur":
        return _error(503, "service_indisponible", "Service ADRi de la caisse de test indisponible (panne simulée).")
    if mode == "lent":
        await asyncio.sleep(seconds)
    if mode == "muet":
        waited = 0.0
        while waited < (seconds or MUTE_LIMIT) and not await request.is_disconnected():
            await asyncio.sleep(0.05)
            waited += 0.05
        return _error(503, "service_indisponible", "Service ADRi muet (panne simulée).")
    return None


def create_app(state_dir: Path, cards_dir: Path | None = None,
               clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The ADRi app; ``clock`` gives the simulator's date (default: the machine's)."""
    service = AdriService(state_dir, cards_dir, clock or datetime.now)
    app = FastAPI(title="Caisse de test : ADRi", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/adri/v1/droits")
    async def droits(request: Request) -> JSONResponse:
        body = await request.body()
        fault = await _wait_fault(service, request)
        # Signature check, lookup and the fsync'd answer file block: off the event loop, so slow modes and other
        # clients are not held up.
        response = fault if fault is not None else await run_in_threadpool(_handle, service, request, body)
        sent = json.loads(bytes(response.body))
        result, code = (sent.get("resultat"), None) if response.status_code == 200 else (None, sent.get("code"))
        service.log({"serie": request.headers.get("x-cps-serie", "")[:32], "statut": response.status_code,
                     "resultat": result, "code": code, "octets": len(body)})
        return response

    @app.post("/admin/panne")
    async def panne(request: Request) -> JSONResponse:
        if request.client is None or request.client.host not in ("127.0.0.1", "::1"):
            return _error(403, "interdit", "Réglage des pannes accepté depuis 127.0.0.1 seulement.")
        try:
            data = json.loads(await request.body())
            write_fault(service.state_dir, data["mode"], float(data.get("secondes", 0)))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return _error(400, "requete_invalide", f"Attendu : {{\"mode\": {' | '.join(FAULT_MODES)}, "
                          "\"secondes\": N}.")
        mode, seconds = read_fault(service.state_dir)
        return JSONResponse({"mode": mode, "secondes": seconds})

    return app


def _handle(service: AdriService, request: Request, body: bytes) -> JSONResponse:
    if len(body) > MAX_BODY:
        return _error(400, "requete_invalide", "Demande trop longue.", [{"champ": "corps", "message": "Trop long."}])
    refused = service.check_signature(request, body)
    if refused is not None:
        return refused
    try:
        lookup = parse(body)
    except BadRequest as exc:
        return _error(400, "requete_invalide", "Demande ADRi invalide : " + str(exc), exc.problems)
    return service.answer(lookup, body)
