"""Settings read from the environment (``FEUILLE_*``), validated once."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import ValidationError as PydanticValidationError
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from feuille.errors import ValidationError

DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
DEFAULT_CARD_SESSION_MINUTES = 600.0   # a working day: the card agent ends after that long without signing


def default_database_url() -> str:
    folder = Path(user_data_dir("feuille", appauthor=False))
    return f"sqlite:///{folder / 'feuille.db'}"


def error_log_file() -> Path:
    """Where the details of unexpected errors go (the user reads a short reference to them).

    ``FEUILLE_LOG_FILE`` if set, else ``erreurs.log`` in the data folder. Read without pydantic: the error
    being logged may be a refused setting.
    """
    chosen = os.environ.get("FEUILLE_LOG_FILE", "").strip()
    return Path(chosen) if chosen else Path(user_data_dir("feuille", appauthor=False)) / "erreurs.log"


def database_url(value: str | None) -> str:
    """The SQLAlchemy URL for ``--base`` / ``FEUILLE_DATABASE_URL`` (default: SQLite in the data folder)."""
    value = (value or "").strip()
    if not value:
        return default_database_url()
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        # psycopg 3 is the driver we ship; plain URLs would look for psycopg2.
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    if not (value.startswith("sqlite:///") or value.startswith("postgresql+psycopg://")):
        raise ValidationError("Adresse de la base de données (--base ou FEUILLE_DATABASE_URL) invalide : "
                              "attendu sqlite:///CHEMIN ou postgresql://UTILISATEUR@HOTE/BASE.",
                              code="database_url", field="FEUILLE_DATABASE_URL")
    return value


def default_test_caisse_dir() -> Path:
    """Where ``make demo`` starts the caisse de test: ``FEUILLE_SIM_DIR``, else ``caisse-de-test`` in the data folder.

    The same rule as the simulator's own default (the product reads its files, never imports it).
    """
    chosen = os.environ.get("FEUILLE_SIM_DIR", "").strip()
    return Path(chosen) if chosen else Path(user_data_dir("feuille", appauthor=False)) / "caisse-de-test"


def default_cards_dir() -> str:
    """The virtual cards, next to the SQLite database (``cartes/``)."""
    return str(Path(user_data_dir("feuille", appauthor=False)) / "cartes")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FEUILLE_", extra="ignore")

    database_url: str = ""
    user: str = "admin"
    cards_dir: str = ""           # FEUILLE_CARDS_DIR: the card directory the virtual reader reads
    pkcs11_module: str = ""       # FEUILLE_PKCS11_MODULE: SoftHSM2 here, the CPS Cryptolib module on a real desk
    # FEUILLE_CARD_SESSION_MINUTES: how long the card agent keeps a verified PIN without being asked to sign
    card_session_minutes: float = DEFAULT_CARD_SESSION_MINUTES
    # Uploads and request bodies, in Mo (MiB), refused above (feuille.web.uploads): FEUILLE_UPLOAD_MAX_DOCUMENT_MO
    # (a photo, a PDF: prescriptions, pieces), FEUILLE_UPLOAD_MAX_NOEMIE_MO, FEUILLE_UPLOAD_MAX_CSV_MO (patients,
    # conventions), FEUILLE_REQUEST_MAX_MO (any other body: a form, the API's JSON)
    upload_max_document_mo: int = 10
    upload_max_noemie_mo: int = 200
    upload_max_csv_mo: int = 20
    request_max_mo: int = 16

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return database_url(value)

    @field_validator("cards_dir")
    @classmethod
    def _cards_dir(cls, value: str) -> str:
        return value.strip() or default_cards_dir()

    @field_validator("pkcs11_module")
    @classmethod
    def _pkcs11_module(cls, value: str) -> str:
        return value.strip() or DEFAULT_PKCS11_MODULE

    @field_validator("card_session_minutes")
    @classmethod
    def _card_session_minutes(cls, value: float) -> float:
        if not 0 < value <= 7 * 24 * 60:
            raise ValueError("FEUILLE_CARD_SESSION_MINUTES must be between 0 (excluded) and 10080 (a week)")
        return value


    @field_validator("upload_max_document_mo", "upload_max_noemie_mo", "upload_max_csv_mo", "request_max_mo")
    @classmethod
    def _size(cls, value: int) -> int:
        if not 1 <= value <= MAX_UPLOAD_MO:
            raise ValueError(f"a size in Mo between 1 and {MAX_UPLOAD_MO}")
        return value


MAX_UPLOAD_MO = 4096
#: Setting -> what the user reads when its value is refused (the variable is named in the message).
_SETTING_HINTS = {
    **{name: f"un nombre entier de Mo entre 1 et {MAX_UPLOAD_MO}" for name in (
        "upload_max_document_mo", "upload_max_noemie_mo", "upload_max_csv_mo", "request_max_mo")},
    "card_session_minutes": "un nombre de minutes entre 0 (exclu) et 10080 (une semaine)",
    "database_url": "sqlite:///CHEMIN ou postgresql://UTILISATEUR@HOTE/BASE",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, or a French ``ValidationError`` naming the first variable refused."""
    try:
        return Settings()
    except PydanticValidationError as exc:
        problem = exc.errors()[0]
        name = str(problem["loc"][0]) if problem["loc"] else ""
        variable = f"FEUILLE_{name.upper()}"
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, ValidationError):
            raise cause from None
        hint = _SETTING_HINTS.get(name, "voir README.md")
        raise ValidationError(f"Réglage {variable} invalide : attendu {hint}.", code="setting",
                              field=variable) from None
