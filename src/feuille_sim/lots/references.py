"""What the caisse de test checks lots against: the cards' public keys and the insured people's rights.

Cards: the provisioned card directory (``feuille.cards.card_files``) — the ``--cartes`` folder the server was
started with (``ports.json``), else ``FEUILLE_CARDS_DIR``, else the product's default (``cartes`` in feuille's
data folder, where ``make demo`` provisions them). A card is found by the SHA-256 of its DER public key, the
fingerprint record 7 carries (docs/formats-b2.md).

People: ``feuille_sim/people.json`` when present (the insurers' records behind the virtual cards). **feuille's
own:** an insured person the file does not hold is taken as having open rights (the caisse de test knows only its
fixtures; any other valid NIR is somebody else's caisse's business), and a lunar birth date matches on its year.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from feuille.cards.card_files import CardDir, CardFile, load_card
from feuille.formats import b2_file as m

SIGNERS = {"cps": m.Signer.CPS, "cpe": m.Signer.CPE, "vitale": m.Signer.VITALE, "apcv": m.Signer.VITALE}


@dataclass(frozen=True)
class KnownCard:
    name: str
    signer: m.Signer
    public_key: bytes
    billing_number: str = ""         # a CPS's: its holder's billing number and key, 9 digits
    insured_nir: str = ""            # a Vitale card's or app's: the insured person's NIR, 13 characters


def cards_dir(folder: Path) -> Path:
    try:
        chosen = json.loads((folder / "ports.json").read_text(encoding="utf-8")).get("cartes")
    except (OSError, ValueError, AttributeError):
        chosen = None
    if isinstance(chosen, str) and chosen:
        return Path(chosen)
    env = os.environ.get("FEUILLE_CARDS_DIR", "").strip()
    return Path(env) if env else Path(user_data_dir("feuille", appauthor=False)) / "cartes"


def known_cards(root: Path) -> dict[str, KnownCard]:
    """The cards of ``root`` by key fingerprint (cards that cannot be read are left out)."""
    return dict(_known_cards(str(root.resolve()), _stamp(root)))


def _stamp(root: Path) -> float:
    try:
        return (root / "cards").stat().st_mtime
    except OSError:
        return 0.0


@cache
def _known_cards(root: str, _mtime: float) -> dict[str, KnownCard]:
    card_dir = CardDir(Path(root))
    out: dict[str, KnownCard] = {}
    for name in card_dir.names():
        try:
            card: CardFile = load_card(card_dir, name)
        except Exception:  # a damaged card file: that card is unknown, the others still count
            continue
        signer = SIGNERS.get(card.kind.value)
        if card.public_key and signer is not None:
            holder = card.professional
            billing = "".join(c for c in (holder.billing_number or "") if c.isdigit()) if holder else ""
            insured = card.vitale.insured_nir.replace(" ", "")[:13] if card.vitale else ""
            out[m.key_fingerprint(card.public_key)] = KnownCard(name, signer, card.public_key, billing, insured)
    return out


@cache
def people() -> dict[str, dict[str, Any]]:
    """The insured people of ``people.json`` by 13-character NIR; empty when the file is not there."""
    try:
        text = (resources.files("feuille_sim") / "people.json").read_text(encoding="utf-8")
        return {p["nir"]: p for p in json.loads(text)["assures"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def beneficiary(nir: str, birth: date | None, rank: int) -> tuple[bool, dict[str, Any] | None]:
    """(insured known?, the beneficiary with this birth date and rank, or the insured himself without a date)."""
    insured = people().get(nir)
    if insured is None:
        return False, None
    for person in insured.get("beneficiaires", []):
        if _same_birth(str(person.get("date_naissance", "")), birth) and person.get("rang") == rank:
            return True, person
        if birth is None and person.get("qualite") == "0":
            return True, person
    return True, None


def _same_birth(stored: str, birth: date | None) -> bool:
    if birth is None or len(stored) != 8:
        return False
    if stored[:4] == "0000":   # lunar date: only the year is known
        return stored[4:] == f"{birth.year:04d}"
    return stored == birth.strftime("%d%m%Y")


def has_rights(person: dict[str, Any], day: date) -> bool:
    for period in person.get("periodes_droits", []):
        start = date.fromisoformat(period["debut"]) if period.get("debut") else date.min
        end = date.fromisoformat(period["fin"]) if period.get("fin") else date.max
        if start <= day <= end:
            return True
    return False
