"""The organisms' S/MIME certificates: from a folder, or from an HTTPS directory, kept once fetched.

FORMATS.md §2: the recipient's certificate comes from the SESAM-Vitale directory. The caisse de test publishes its
mailboxes' certificates both in a folder (``certificats_organismes`` of the stored connection, ``<code>.pem``)
and over HTTPS (``GET <annuaire>/annuaire/organismes/<code>.pem``), the directory's server checked against the
configured CA only. A certificate must hold an RSA key (S/MIME key transport) and be valid on the day; an organism
without one is refused in French and its lot stays ready.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from feuille.errors import TransmissionError, ValidationError, quoted
from feuille.transmission.tls import client_context

_CODE = re.compile(r"[0-9A-Za-z._-]{1,64}")
MAX_PEM = 64 * 1024


def _unknown(code: str, where: str) -> TransmissionError:
    return TransmissionError(f"Certificat de l'organisme {quoted(code)} introuvable ({where}) : le lot reste prêt, "
                             "vérifiez l'organisme destinataire.", code="organism_certificate_unknown")


def _invalid(code: str, why: str) -> TransmissionError:
    return TransmissionError(f"Certificat de l'organisme {quoted(code)} inutilisable ({why}) : le lot reste prêt.",
                             code="organism_certificate_invalid")


class OrganismCertificates:
    """``get(code)``: the certificate of ``code`` (``01422``), from the folder first, then the directory."""

    def __init__(self, folder: str | None, directory_url: str | None, ca_pem: str | None, *,
                 timeout: float, clock: Callable[[], datetime]) -> None:
        self.folder = Path(folder) if folder else None
        self.directory_url = (directory_url or "").rstrip("/") or None
        self.ca_pem = ca_pem
        self.timeout = timeout
        self.clock = clock
        self._cache: dict[str, x509.Certificate] = {}

    def get(self, code: str) -> x509.Certificate:
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise ValidationError(f"Organisme {quoted(code)} : code invalide.", code="transport_file",
                                  field="recipient")
        if code not in self._cache:
            self._cache[code] = self._checked(code, self._pem(code))
        return self._cache[code]

    def _pem(self, code: str) -> bytes:
        if self.folder is not None:
            try:
                return (self.folder / f"{code}.pem").read_bytes()[:MAX_PEM]
            except FileNotFoundError:
                if self.directory_url is None:
                    raise _unknown(code, f"absent du dossier {self.folder}") from None
            except OSError:
                raise _unknown(code, f"dossier {self.folder} illisible") from None
        if self.directory_url is None:
            raise _unknown(code, "ni dossier ni annuaire configurés (feuille messagerie configurer)")
        return self._fetch(code)

    def _fetch(self, code: str) -> bytes:
        url = f"{self.directory_url}/annuaire/organismes/{code}.pem"
        try:
            with httpx.Client(verify=client_context(self.ca_pem), timeout=self.timeout) as client:
                answer = client.get(url)
        except httpx.HTTPError as error:
            raise TransmissionError(f"Annuaire des certificats {quoted(self.directory_url, 80)} injoignable "
                                    f"({type(error).__name__}) : le lot reste prêt, réessayez plus tard.",
                                    code="directory_unreachable") from None
        if answer.status_code == 404:
            raise _unknown(code, "inconnu de l'annuaire")
        if answer.status_code != 200:
            raise TransmissionError(f"Annuaire des certificats : réponse {answer.status_code} : le lot reste prêt, "
                                    "réessayez plus tard.", code="directory_unreachable")
        return answer.content[:MAX_PEM]

    def _checked(self, code: str, pem: bytes) -> x509.Certificate:
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise _invalid(code, "pas un certificat PEM") from None
        if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
            raise _invalid(code, "clé non RSA : chiffrement S/MIME impossible")
        now = self.clock()
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise _invalid(code, f"valable du {certificate.not_valid_before_utc:%d/%m/%Y} au "
                                 f"{certificate.not_valid_after_utc:%d/%m/%Y}")
        return certificate
