"""The card directory the virtual reader reads: its layout and the format of its files.

::

    DIR/
      cards/NAME.json     one virtual card: its public data (and, for a Vitale card or the app, its key)
      state/NAME.json     the card's counters: PIN tries left, blocked, unblocking-code tries left
      reader.json         what is in the reader: one professional card (CPS/CPE) and one Vitale card or app
      softhsm2.conf       SoftHSM2 configuration (SOFTHSM2_CONF) pointing at tokens/
      tokens/             one SoftHSM2 token per CPS/CPE: label = card serial, user PIN = PIN, SO PIN = PUK
      .lock               serialises read-modify-write of the state files between processes

``feuille_sim.cards`` writes such a directory (``python -m feuille_sim.cards provision DIR``). Every file is
replaced atomically (temporary file + ``os.replace``), so a crash leaves either the old or the new content.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from feuille.cards.port import (
    BeneficiaryData,
    CardDataError,
    CardKind,
    ProfessionalCardData,
    UnknownCardError,
    VitaleCardData,
)
from feuille.errors import quoted

try:  # POSIX; elsewhere the lock is a no-op (one desk, one process at a time)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

FORMAT = 1
PIN_TRIES = 3
PUK_TRIES = 10
APCV_PREFIX = "APCV1:"
PRO_KINDS = (CardKind.CPS, CardKind.CPE)
HOLDER_FIELDS = ("civility", "last_name", "first_name", "rpps", "billing_number", "specialty", "mode", "situation",
                 "caisse", "sector")


@dataclass(frozen=True)
class CardDir:
    root: Path

    @property
    def cards(self) -> Path:
        return self.root / "cards"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def tokens(self) -> Path:
        return self.root / "tokens"

    @property
    def softhsm_conf(self) -> Path:
        return self.root / "softhsm2.conf"

    @property
    def reader(self) -> Path:
        return self.root / "reader.json"

    def card_path(self, name: str) -> Path:
        return self.cards / f"{name}.json"

    def state_path(self, name: str) -> Path:
        return self.state / f"{name}.json"

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.cards.glob("*.json")) if self.cards.is_dir() else []

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the directory's lock (between processes) for a read-modify-write."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_json_atomic(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, name: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnknownCardError(name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CardDataError(name, f"fichier illisible ({type(exc).__name__})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CardDataError(name, f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno})") from exc
    if not isinstance(data, dict):
        raise CardDataError(name, "un objet JSON est attendu")
    return data


# ---------------------------------------------------------------------------------------------------------------
# Card files


@dataclass(frozen=True)
class CardFile:
    """One virtual card as read from ``cards/NAME.json``."""

    name: str
    kind: CardKind
    serial: str
    professional: ProfessionalCardData | None = None
    vitale: VitaleCardData | None = None
    token_label: str | None = None      # CPS/CPE: the PKCS#11 token holding the key
    private_key: str | None = None      # Vitale/ApCV: the chip's key, here in the file (PEM)
    public_key: bytes | None = None     # DER, as recorded at provisioning

    def holder_label(self) -> str:
        if self.professional is not None:
            return f"{self.professional.last_name} {self.professional.first_name}"
        if self.vitale is not None and self.vitale.beneficiaries:
            first = self.vitale.beneficiaries[0].fields
            return f"{first.get('last_name', '')} {first.get('first_name', '') or ''}".strip()
        return ""


def _text(data: Mapping[str, Any], key: str, name: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CardDataError(name, f"champ « {key} » manquant")
        return None
    if not isinstance(value, str):
        raise CardDataError(name, f"champ « {key} » : texte attendu")
    return value.strip()


def _int(data: Mapping[str, Any], key: str, name: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise CardDataError(name, f"champ « {key} » : nombre entier attendu")
    return value


def _kind(data: Mapping[str, Any], name: str) -> CardKind:
    text = _text(data, "kind", name) or ""
    try:
        return CardKind(text)
    except ValueError:
        raise CardDataError(name, f"type de carte « {text} » inconnu (cps, cpe, vitale, apcv)") from None


def _b64(data: Mapping[str, Any], key: str, name: str) -> bytes | None:
    text = _text(data, key, name, required=False)
    if text is None:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CardDataError(name, f"champ « {key} » : base64 invalide") from None


def parse_card(name: str, data: Mapping[str, Any]) -> CardFile:
    """Check a card file's content; every problem is a :class:`CardDataError` naming the field in French."""
    if data.get("format") != FORMAT:
        raise CardDataError(name, f"format {quoted(data.get('format'))} non pris en charge (attendu : {FORMAT})")
    kind = _kind(data, name)
    serial = _text(data, "serial", name)
    assert serial is not None
    public_key = _b64(data, "public_key", name)
    if kind in PRO_KINDS:
        holder = replace(_holder(data, name, kind, serial), certificate=public_key)
        return CardFile(name, kind, serial, professional=holder, token_label=_text(data, "token_label", name),
                        public_key=public_key)
    if kind == CardKind.APCV:
        payload = _text(data, "payload", name)
        assert payload is not None
        content = decode_apcv_payload(payload, name)
        vitale = _vitale(content, name, kind, _text(data, "reading", name))
    else:
        vitale = _vitale(data, name, kind, None)
    if vitale.serial != serial:
        raise CardDataError(name, "le numéro de série du contenu ne correspond pas à celui de la carte")
    return CardFile(name, kind, serial, vitale=replace(vitale, certificate=public_key),
                    private_key=_text(data, "private_key", name, required=False), public_key=public_key)


def _holder(data: Mapping[str, Any], name: str, kind: CardKind, serial: str) -> ProfessionalCardData:
    holder = data.get("holder")
    if not isinstance(holder, dict):
        raise CardDataError(name, "champ « holder » (le porteur de la carte) manquant")
    return ProfessionalCardData(
        serial=serial, kind=kind, civility=_text(holder, "civility", name) or "",
        last_name=_text(holder, "last_name", name) or "", first_name=_text(holder, "first_name", name) or "",
        rpps=_text(holder, "rpps", name, required=False),
        billing_number=_text(holder, "billing_number", name, required=kind == CardKind.CPS),
        specialty=_text(holder, "specialty", name, required=kind == CardKind.CPS),
        mode=_text(holder, "mode", name, required=False), situation=_int(holder, "situation", name),
        caisse=_text(holder, "caisse", name, required=kind == CardKind.CPS), sector=_int(holder, "sector", name),
    )


def _vitale(data: Mapping[str, Any], name: str, kind: CardKind, reading: str | None) -> VitaleCardData:
    if reading is not None and reading not in ("qr", "nfc"):
        raise CardDataError(name, f"lecture « {reading} » inconnue (qr ou nfc)")
    nir = _text(data, "insured_nir", name)
    serial = _text(data, "serial", name)
    raw = data.get("beneficiaries")
    if not isinstance(raw, list) or not raw:
        raise CardDataError(name, "champ « beneficiaries » : au moins un bénéficiaire attendu")
    beneficiaries = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict) or not _text(item, "last_name", name, required=False):
            raise CardDataError(name, f"bénéficiaire {i} : objet avec au moins « last_name » attendu")
        beneficiaries.append(BeneficiaryData(fields=dict(item)))
    assert nir is not None and serial is not None
    return VitaleCardData(serial=serial, kind=kind, insured_nir=nir, beneficiaries=tuple(beneficiaries),
                          reading=reading)


def load_card(card_dir: CardDir, name: str) -> CardFile:
    return parse_card(name, read_json(card_dir.card_path(name), name))


def encode_apcv_payload(content: Mapping[str, Any]) -> str:
    """What the app shows as a QR code or sends by NFC: a prefix and the base64url of compact JSON."""
    raw = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return APCV_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii")


def decode_apcv_payload(payload: str, name: str) -> dict[str, Any]:
    if not payload.startswith(APCV_PREFIX):
        raise CardDataError(name, f"contenu de l'appli carte Vitale illisible (préfixe {APCV_PREFIX} attendu)")
    try:
        content = json.loads(base64.urlsafe_b64decode(payload[len(APCV_PREFIX):].encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        raise CardDataError(name, "contenu de l'appli carte Vitale illisible") from None
    if not isinstance(content, dict):
        raise CardDataError(name, "contenu de l'appli carte Vitale illisible")
    return content


# ---------------------------------------------------------------------------------------------------------------
# Card state (the counters a real card keeps in its chip)


@dataclass
class CardState:
    pin_tries_left: int = PIN_TRIES
    blocked: bool = False
    puk_tries_left: int = PUK_TRIES


def load_state(card_dir: CardDir, name: str) -> CardState:
    path = card_dir.state_path(name)
    if not path.exists():
        return CardState()
    data = read_json(path, name)
    tries, blocked, puk = data.get("pin_tries_left"), data.get("blocked"), data.get("puk_tries_left", PUK_TRIES)
    if (isinstance(tries, bool) or not isinstance(tries, int) or not 0 <= tries <= PIN_TRIES
            or not isinstance(blocked, bool) or isinstance(puk, bool) or not isinstance(puk, int)
            or not 0 <= puk <= PUK_TRIES):
        raise CardDataError(name, "état de la carte (essais restants, blocage) illisible")
    return CardState(pin_tries_left=tries, blocked=blocked or tries == 0, puk_tries_left=puk)


def save_state(card_dir: CardDir, name: str, state: CardState) -> None:
    write_json_atomic(card_dir.state_path(name), asdict(state))
