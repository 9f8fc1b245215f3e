"""Database errors as the catalogue's French errors (integrity, lock, serialisation, out of range, connection).

Every interface's top-level handler asks ``translate`` before calling an error unexpected. The use case's
transaction has been rolled back when these reach it: nothing was half-written.
"""

from __future__ import annotations

from sqlalchemy import exc

from feuille.errors import ConflictError, FeuilleError, StateError, ValidationError

# PostgreSQL SQLSTATE classes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_FOREIGN_KEY = "23503"
_PG_UNIQUE = "23505"
_PG_RETRY = {"40001", "40P01"}           # serialization_failure, deadlock_detected
_PG_DATA = "22"                          # data exception: numeric_value_out_of_range, string too long...


def _sqlstate(error: exc.DBAPIError) -> str:
    return str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None) or "")


def translate(error: BaseException) -> FeuilleError | None:
    """The French error for a database failure, or None when it is not one."""
    if isinstance(error, exc.ArgumentError):
        return ValidationError("Adresse de la base de données (--base ou FEUILLE_DATABASE_URL) illisible : "
                               "attendu sqlite:///CHEMIN ou postgresql://UTILISATEUR@HOTE/BASE.",
                               code="database_url", field="FEUILLE_DATABASE_URL")
    if not isinstance(error, exc.DBAPIError):
        return None
    state, text = _sqlstate(error), str(error.orig).lower()
    if isinstance(error, exc.IntegrityError):
        if state == _PG_FOREIGN_KEY or "foreign key" in text:
            return ConflictError("Refusé : cet enregistrement est encore utilisé par d'autres (factures, "
                                 "mutuelles, remplacements…) ; rien n'a été modifié.", code="record_in_use")
        if state == _PG_UNIQUE or "unique" in text:
            return ConflictError("Refusé : un enregistrement identique existe déjà ; rien n'a été modifié.",
                                 code="record_duplicate")
        return ConflictError("Refusé par la base de données (contrainte d'intégrité) ; rien n'a été modifié.",
                             code="integrity")
    if state in _PG_RETRY or "deadlock" in text or "could not serialize" in text:
        return ConflictError("Un autre poste modifiait les mêmes données au même moment : rien n'a été "
                             "enregistré, recommencez.", code="concurrent_change")
    if "database is locked" in text or "database is busy" in text:
        return ConflictError("Base de données occupée par un autre poste trop longtemps : rien n'a été "
                             "enregistré, recommencez.", code="database_busy")
    if isinstance(error, exc.DataError) or state.startswith(_PG_DATA) or "too large" in text:
        return ValidationError("Valeur hors des limites de la base de données (nombre trop grand ou texte trop "
                               "long) ; rien n'a été enregistré.", code="value_out_of_range")
    if isinstance(error, (exc.OperationalError, exc.InterfaceError)) or "not a database" in text:
        return StateError("Base de données injoignable ou illisible : vérifiez --base / FEUILLE_DATABASE_URL et "
                          "que le serveur fonctionne.", code="database_unavailable")
    return None
