"""The settings of sending (in ``practice_settings``, name ``teletransmission``, beside the lots' own keys).

- ``delai_arl_jours``: days without an ARL before a lot is « Absence ARL » (default 3; FORMATS.md §2 calls the
  re-send delay a setting: **feuille's own** default);
- ``bordereau_auto``: print the transmission slip after each sending (manual 003 §XI.C « Edition après
  Télétransmission »; default off);
- ``dossier_bordereaux``: the folder the slips are written to (default: ``bordereaux`` in the data folder);
- ``commande_impression``: a command run with the slip's path as its last argument (``lp`` for instance; none by
  default: the slip is only written);
- ``nom_cabinet``: the practice's name printed at the head of the slip (none by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from feuille.rights.settings import read_setting

NAME = "teletransmission"
DEFAULT_ARL_DELAY_DAYS = 3
MAX_ARL_DELAY_DAYS = 60


@dataclass(frozen=True)
class SendSettings:
    arl_delay_days: int = DEFAULT_ARL_DELAY_DAYS
    slip_after_sending: bool = False
    slip_folder: str | None = None
    print_command: str | None = None
    practice_name: str | None = None


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ARL_DELAY_DAYS \
        else default


def read(session: Session) -> SendSettings:
    data = read_setting(session, NAME) or {}
    folder, command, name = data.get("dossier_bordereaux"), data.get("commande_impression"), data.get("nom_cabinet")
    return SendSettings(_int(data.get("delai_arl_jours"), DEFAULT_ARL_DELAY_DAYS),
                        data.get("bordereau_auto") is True,
                        folder if isinstance(folder, str) and folder else None,
                        command if isinstance(command, str) and command.strip() else None,
                        name.strip()[:80] if isinstance(name, str) and name.strip() else None)
