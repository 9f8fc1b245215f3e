"""Persistence: SQLAlchemy 2 models, the database handle and Alembic migrations."""

from feuille.storage.db import Database

__all__ = ["Database"]
