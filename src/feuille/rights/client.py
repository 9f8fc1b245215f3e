"""The signed HTTPS call to the ADRi service: one POST, the CA of the settings trusted and nothing else, never a
wait longer than the settings' timeout (the whole exchange), every failure a French ``StateError`` so that billing
goes on with the stored rights.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import ValidationError as PydanticValidationError

from feuille.cards.port import Signature
from feuille.errors import StateError
from feuille.rights.protocol import PATH, Answer
from feuille.rights.settings import AdriSettings

Signer = Callable[[bytes], Signature]


def ssl_context(ca_pem: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=ca_pem)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def headers_for(signature: Signature) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-CPS-Serie": signature.card_serial,
            "X-CPS-Certificat": base64.b64encode(signature.public_key).decode("ascii"),
            "X-CPS-Signature": base64.b64encode(signature.value).decode("ascii")}


def _unavailable(detail: str) -> StateError:
    return StateError(f"Service ADRi indisponible ({detail}) : la facturation continue avec les droits "
                      "enregistrés.", code="adri_unavailable")


def post(settings: AdriSettings, body: bytes, signature: Signature, *,
         client: httpx.Client | None = None) -> Answer:
    """Send ``body`` signed by ``signature``; the parsed answer, or a French StateError.

    httpx bounds each phase (connect, send, every chunk read) by the timeout, not their sum: the exchange runs in a
    daemon thread and is given up when the whole timeout has passed (its late answer, if any, is dropped).
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def exchange() -> None:
        try:
            outcome["answer"] = _exchange(settings, body, signature, client)
        except BaseException as exc:  # handed to the caller's thread as is
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=exchange, name="adri", daemon=True).start()
    if not done.wait(settings.timeout):
        raise _timeout(settings)
    if "error" in outcome:
        raise outcome["error"]
    answer: Answer = outcome["answer"]
    return answer


def _timeout(settings: AdriSettings) -> StateError:
    return StateError(f"Service ADRi sans réponse en {settings.timeout:g} s : la facturation continue avec les "
                      "droits enregistrés.", code="adri_timeout")


def _exchange(settings: AdriSettings, body: bytes, signature: Signature, client: httpx.Client | None) -> Answer:
    timeout = httpx.Timeout(settings.timeout)
    try:
        own = client or httpx.Client(verify=ssl_context(settings.ca_pem), timeout=timeout)
    except ssl.SSLError:
        raise StateError("Certificat de l'autorité du service ADRi illisible : reconnectez la caisse de test.",
                         code="adri_not_configured") from None
    try:
        response = own.post(settings.url.rstrip("/") + PATH, content=body, headers=headers_for(signature),
                            timeout=timeout)
    except httpx.TimeoutException:
        raise _timeout(settings) from None
    except httpx.ConnectError as exc:
        reason = "certificat du serveur refusé" if "CERTIFICATE" in str(exc).upper() else "connexion impossible"
        raise _unavailable(reason) from None
    except httpx.HTTPError:
        raise _unavailable("échange interrompu") from None
    finally:
        if client is None:
            own.close()
    return _answer(response.status_code, response.content)


def _answer(status: int, raw: bytes) -> Answer:
    if status == 200:
        try:
            return Answer.model_validate_json(raw)
        except PydanticValidationError:
            raise StateError("Réponse du service ADRi illisible : la facturation continue avec les droits "
                             "enregistrés.", code="adri_bad_answer") from None
    message = _message(raw)
    if status == 503:
        raise _unavailable(message or "panne du service")
    if status in (400, 401, 403):
        raise StateError(f"Demande refusée par le service ADRi : {message or status}", code="adri_refused")
    raise _unavailable(f"erreur {status}")


def _message(raw: bytes) -> str:
    try:
        data = json.loads(raw)
        text = data.get("message") if isinstance(data, dict) else None
    except ValueError:
        return ""
    return str(text)[:300] if text else ""
