"""What the root options set for the command that runs: the acting user and the database.

Kept free of heavy imports (sqlalchemy, pydantic, the services load only when a command needs the
database) so that ``feuille --help`` and ``feuille version`` start fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feuille.auth import Context
    from feuille.storage import Database


@dataclass
class CliState:
    user: str | None = None
    database_url: str | None = None
    _db: Database | None = None

    def database(self) -> Database:
        if self._db is None:
            from feuille.auth import bootstrap
            from feuille.config import database_url
            from feuille.storage import Database

            self._db = Database(database_url(self.database_url))
            self._db.ensure_schema()
            bootstrap(self._db)
        return self._db

    def context(self) -> Context:
        from feuille.auth import Context, actor_for
        from feuille.config import get_settings

        db = self.database()
        return Context(db=db, actor=actor_for(db, self.user or get_settings().user))


state = CliState()
