"""All tables. Each module owns the tables of one area; importing this package registers them all."""

from feuille.storage.base import Base
from feuille.storage.models.core import AuditEntry, AuditHead, User

__all__ = ["AuditEntry", "AuditHead", "Base", "User"]
