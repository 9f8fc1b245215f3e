"""The practice's teletransmission settings (``practice_settings`` row ``teletransmission``).

Manual 003 section XI A (« Paramètres > Mutuelles & SS > Télétransmission », « Paramétrage par défaut ») and C
(« Edition après Télétransmission »), FORMATS.md §2 (delay before a missing ARL: feuille's own, 3 days) and §4
(SCOR retention, 90 days). Stored as JSON with French keys, like the other practice settings
(``feuille.rights.settings``); a value never set reads as its default. Every change is audited
(``write_setting``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.errors import Problems, ValidationError, quoted
from feuille.rights.settings import TELETRANSMISSION, read_setting, write_setting

NAME = TELETRANSMISSION
MAX_ARL_DELAY = 60          # days: feuille's own bound
MAX_RETENTION = 183         # days: manual 003 IV « 6 mois maximum »
_REGIME = re.compile(r"\d{2}")
_CENTRE_KEY = re.compile(r"\d{2} \d{3}")
_CENTRE = re.compile(r"\d{3}")
_NORMES = ("CP", "CE")      # FORMATS.md §1: the norme of the 000 header (e.g. « CP  »)


class SendingMode(StrEnum):
    TEST = "test"              # IRISTEST, lots marked T (FORMATS.md §1-2)
    PRODUCTION = "production"  # IRIS, lots marked R


@dataclass(frozen=True)
class TransmissionSettings:
    """Each field is one line of the manual's screen (its French key in the stored JSON in brackets)."""

    blocage_automatique: bool = False        # « Blocage automatique des FSE »: held until released (debloquer)
    blocage_scor: bool = False               # « Blocage télétransmission des FSE si documents absents »
    controle_regime: bool = False            # « Contrôle télétransmission active du régime »
    regimes_actifs: tuple[str, ...] = ()     # the régimes whose teletransmission is active (with controle_regime)
    top_m: bool = False                      # « Demande à la CPAM de transmettre à la mutuelle (top M) »
    integrer_retours: bool = True            # « Intégrer les fichiers RSP après télétransmission » (default: on)
    lettrage_auto: bool = True               # « Lettrage auto. suite à l'intégration des fichiers RSP » (on)
    bordereau_apres: bool = False            # « Edition après Télétransmission »
    delai_arl: int = 3                       # days without an ARL before « Absence ARL » (FORMATS.md §2)
    mode: SendingMode = SendingMode.TEST     # test (IRISTEST, marking T) or production (IRIS, marking R)
    retention_scor: int = 90                 # days a SCOR piece is kept after sending (FORMATS.md §4)
    norme: str = "CP"                        # « Norme B2 par défaut »
    #: feuille's own: the computer centre (3 digits) of the 000 header's recipient number, per « régime caisse »;
    #: no public source gives it, so it is the practice's to set; ``000`` when not set (docs/teletransmission.md).
    centres_informatiques: dict[str, str] = field(default_factory=dict)

    @property
    def marking(self) -> str:
        """The lot trailer's marking (FORMATS.md §1): R real, T test."""
        return "R" if self.mode == SendingMode.PRODUCTION else "T"

    def computer_centre(self, regime: str, caisse: str) -> str:
        return self.centres_informatiques.get(f"{regime} {caisse}", "000")

    def regime_active(self, regime: str) -> bool:
        return not self.controle_regime or regime in self.regimes_actifs

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["regimes_actifs"] = list(self.regimes_actifs)
        out["mode"] = self.mode.value
        return out


DEFAULTS = TransmissionSettings()
NAMES = tuple(f.name for f in fields(TransmissionSettings))
#: What the user reads for each setting (manual 003 XI A and C where it names it).
LABELS = {
    "blocage_automatique": "Blocage automatique des FSE",
    "blocage_scor": "Blocage télétransmission des FSE si documents absents",
    "controle_regime": "Contrôle télétransmission active du régime",
    "regimes_actifs": "Régimes dont la télétransmission est active",
    "top_m": "Demande à la CPAM de transmettre à la mutuelle (top M)",
    "integrer_retours": "Intégrer les fichiers RSP après télétransmission",
    "lettrage_auto": "Lettrage auto. suite à l'intégration des fichiers RSP",
    "bordereau_apres": "Edition après Télétransmission",
    "delai_arl": "Délai d'absence d'ARL (jours)",
    "mode": "Mode d'envoi (test ou production)",
    "retention_scor": "Conservation des pièces SCOR après envoi (jours)",
    "norme": "Norme B2 par défaut",
    "centres_informatiques": "Centres informatiques des organismes (régime caisse=centre)",
}
_FLAGS = ("blocage_automatique", "blocage_scor", "controle_regime", "top_m", "integrer_retours", "lettrage_auto",
          "bordereau_apres")


def _flag(value: object, name: str, problems: Problems) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in ("oui", "o", "vrai", "1"):
        return True
    if text in ("non", "n", "faux", "0"):
        return False
    problems.add(name, f"{name} : « oui » ou « non » attendu, reçu {quoted(value)}.", "setting")
    return False


def _days(value: object, name: str, low: int, high: int, problems: Problems) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4:
        number = int(value.strip())
    if number is None or not low <= number <= high:
        problems.add(name, f"{name} : un nombre de jours de {low} à {high} est attendu, reçu {quoted(value)}.",
                     "setting")
        return low
    return number


def _regimes(value: object, problems: Problems) -> tuple[str, ...]:
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) and _REGIME.fullmatch(i) for i in items):
        problems.add("regimes_actifs", "regimes_actifs : des codes de régime à deux chiffres sont attendus "
                     f"(ex. 01,02), reçu {quoted(value)}.", "setting")
        return ()
    return tuple(sorted(set(items)))


def _centres(value: object, problems: Problems) -> dict[str, str]:
    if isinstance(value, str):  # « 01 349=001,02 349=002 » from the command line
        pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
        value = {k.strip(): v.strip() for k, v in pairs} if all(len(p) == 2 for p in pairs) else None
    if not isinstance(value, dict) or not all(isinstance(k, str) and _CENTRE_KEY.fullmatch(k) and isinstance(v, str)
                                              and _CENTRE.fullmatch(v) for k, v in value.items()):
        problems.add("centres_informatiques", "centres_informatiques : « régime caisse=centre » attendu "
                     "(ex. « 01 349=001 »).", "setting")
        return {}
    return dict(sorted(value.items()))


def parse(values: Mapping[str, object], base: TransmissionSettings = DEFAULTS) -> TransmissionSettings:
    """``base`` with ``values`` (French keys) applied; every problem refused at once, in French."""
    problems = Problems()
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name in _FLAGS:
            changes[name] = _flag(value, name, problems)
        elif name == "regimes_actifs":
            changes[name] = _regimes(value, problems)
        elif name == "delai_arl":
            changes[name] = _days(value, name, 1, MAX_ARL_DELAY, problems)
        elif name == "retention_scor":
            changes[name] = _days(value, name, 1, MAX_RETENTION, problems)
        elif name == "mode":
            try:
                changes[name] = SendingMode(str(value).strip().lower())
            except ValueError:
                problems.add(name, f"mode : « test » ou « production » attendu, reçu {quoted(value)}.", "setting")
        elif name == "norme":
            if value not in _NORMES:
                problems.add(name, f"norme : {' ou '.join(_NORMES)} attendu, reçu {quoted(value)}.", "setting")
            else:
                changes[name] = value
        elif name == "centres_informatiques":
            changes[name] = _centres(value, problems)
        else:
            problems.add(str(name)[:40], f"Réglage de télétransmission {quoted(name)} inconnu "
                         f"(réglages : {', '.join(NAMES)}).", "setting")
    problems.raise_if_any()
    return replace(base, **changes)


def read(session: Session) -> TransmissionSettings:
    """The stored settings (defaults for what was never set); a stored value edited into junk is refused."""
    stored = read_setting(session, NAME) or {}
    if not isinstance(stored, dict):
        raise ValidationError("Réglages de télétransmission illisibles en base : enregistrez-les à nouveau "
                              "(feuille teletransmission parametrer).", code="setting", field=NAME)
    return parse({k: v for k, v in stored.items() if k in NAMES})


def get(ctx: Context) -> TransmissionSettings:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return read(session)


def update(ctx: Context, values: Mapping[str, object]) -> TransmissionSettings:
    """Change some settings (the others kept), audited; setting the same values again writes nothing."""
    require(ctx, Permission.PREFERENCES_WRITE)
    if not values:
        raise ValidationError("Aucun réglage donné : indiquez au moins une option (voir feuille teletransmission "
                              "parametrer --help).", code="setting", field="reglages")
    with ctx.db.transaction() as session:
        settings = parse(values, read(session))
        write_setting(ctx, session, NAME, settings.to_json())
    return settings
