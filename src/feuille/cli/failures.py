"""The command line's last resort: any error a command lets escape becomes French text and an exit code.

Known kinds (the domain's errors, database failures, input that is not UTF-8, JSON nested too deep, a
number too large) get their catalogue message; anything else is a defect of ours: the user reads a short
reference, the traceback goes to the log file (``config.error_log_file``), never to the terminal.
"""

from __future__ import annotations

import sys
import traceback
import uuid
from datetime import UTC, datetime

from feuille.errors import FeuilleError, UnexpectedError, ValidationError


def translate(error: BaseException) -> FeuilleError | None:
    """The French error for what went wrong, or None when nothing in the catalogue describes it."""
    if isinstance(error, FeuilleError):
        return error
    if isinstance(error, RecursionError):
        return ValidationError("Document trop imbriqué (plus de quelques centaines de niveaux de [ ] ou { }) : "
                               "refusé.", code="document_too_deep", field="(document)")
    if isinstance(error, UnicodeError):
        return ValidationError("Texte illisible : l'entrée n'est pas de l'UTF-8 valide (enregistrez le fichier "
                               "en UTF-8).", code="encoding", field="(entrée)")
    if isinstance(error, OverflowError):
        return ValidationError("Nombre trop grand (un identifiant ou une quantité dépasse ce que la base "
                               "accepte) : refusé, rien n'a été enregistré.", code="number_too_large")
    if "sqlalchemy" in sys.modules:  # no database error can have happened before sqlalchemy was imported
        from feuille.storage.failures import translate as database_error

        return database_error(error)
    return None


def _log(reference: str, error: BaseException) -> str:
    """Append the details to the log file; say where they are (or that they could not be written)."""
    from feuille.config import error_log_file

    path = error_log_file()
    details = "".join(traceback.format_exception(error))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now(UTC).isoformat()} référence {reference} : feuille "
                      f"{' '.join(sys.argv[1:])[:500]}\n{details}\n")
    except OSError:
        return "le journal n'a pas pu être écrit"
    return f"détails dans {path}"


def report(error: BaseException) -> int:
    """Print what went wrong in French on stderr and return the exit code."""
    known = translate(error)
    if known is None:
        reference = uuid.uuid4().hex[:8].upper()
        where = _log(reference, error)
        known = UnexpectedError(f"Erreur inattendue (référence {reference}) : la commande s'est arrêtée ; {where}. "
                                "Transmettez la référence à votre support.", code="unexpected")
    from feuille.cli.common import fail

    fail(known)
    return known.exit_code
