"""Settings read from the environment (``FEUILLE_*``), validated once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    folder = Path(user_data_dir("feuille", appauthor=False))
    return f"sqlite:///{folder / 'feuille.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FEUILLE_", extra="ignore")

    database_url: str = ""
    user: str = "admin"

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
