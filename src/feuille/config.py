"""Settings read from the environment (``FEUILLE_*``), validated once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
DEFAULT_CARD_SESSION_MINUTES = 600.0   # a working day: the card agent ends after that long without signing


def default_database_url() -> str:
    folder = Path(user_data_dir("feuille", appauthor=False))
    return f"sqlite:///{folder / 'feuille.db'}"


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

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return default_database_url()
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # psycopg 3 is the driver we ship; plain URLs would look for psycopg2.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite") or value.startswith("postgresql")):
            raise ValueError("FEUILLE_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
