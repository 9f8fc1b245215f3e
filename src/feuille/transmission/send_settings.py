"""What sending reads from the settings: the lots' own (``transmission.settings``, row ``teletransmission``) and
the slip's (row ``bordereau``, this module's).

From ``teletransmission``: ``delai_arl`` (days without an ARL before « Absence ARL », FORMATS.md §2, feuille's own
default 3), ``bordereau_apres`` (manual 003 §XI.C « Edition après Télétransmission »), ``mode`` (test: the mails
are described ``IRISTEST``).

``bordereau`` (**feuille's own**, docs/teletransmission.md): ``dossier`` (the folder the slips are written to;
default ``bordereaux`` in the data folder), ``commande_impression`` (a command run with the slip's path as its last
argument, ``lp`` for instance; none by default: the slip is only written), ``nom_cabinet`` (printed at the head of
the slip). ``feuille teletransmission parametrer-bordereau`` changes them, audited.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.errors import Problems, quoted
from feuille.rights.settings import read_setting, write_setting
from feuille.transmission import settings as lot_settings

SLIP = "bordereau"
SLIP_KEYS = ("dossier", "commande_impression", "nom_cabinet")
MAX_TEXT = 300


@dataclass(frozen=True)
class SendSettings:
    arl_delay_days: int = lot_settings.DEFAULTS.delai_arl
    slip_after_sending: bool = False
    test: bool = True
    slip_folder: str | None = None
    print_command: str | None = None
    practice_name: str | None = None


def _text(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    return value.strip()[:MAX_TEXT] if isinstance(value, str) and value.strip() else None


def read(session: Session) -> SendSettings:
    lots = lot_settings.read(session)
    slip = read_setting(session, SLIP) or {}
    return SendSettings(lots.delai_arl, lots.bordereau_apres, lots.mode == lot_settings.SendingMode.TEST,
                        _text(slip, "dossier"), _text(slip, "commande_impression"), _text(slip, "nom_cabinet"))


def update_slip(ctx: Context, values: Mapping[str, object]) -> SendSettings:
    """Change the slip's settings (an empty text removes one), audited; every problem refused at once."""
    require(ctx, Permission.PREFERENCES_WRITE)
    problems = Problems()
    for key, value in values.items():
        if key not in SLIP_KEYS:
            problems.add(str(key)[:40], f"Réglage du bordereau {quoted(key)} inconnu ({', '.join(SLIP_KEYS)}).",
                         "setting")
        elif not isinstance(value, str) or len(value) > MAX_TEXT:
            problems.add(key, f"{key} : un texte de {MAX_TEXT} caractères au plus est attendu.", "setting")
        elif key == "commande_impression" and value.strip():
            try:
                shlex.split(value)
            except ValueError:
                problems.add(key, f"commande_impression : commande {quoted(value)} illisible (guillemets ?).",
                             "setting")
    if not values:
        problems.add("reglages", "Aucun réglage donné : --dossier, --commande ou --cabinet.", "setting")
    problems.raise_if_any()
    with ctx.db.transaction() as session:
        current = {k: v for k, v in (read_setting(session, SLIP) or {}).items() if k in SLIP_KEYS}
        for key, value in values.items():
            text = str(value).strip()
            if text:
                current[key] = text
            else:
                current.pop(key, None)
        write_setting(ctx, session, SLIP, current)
        return read(session)

