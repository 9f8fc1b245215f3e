"""What the command line adds to the JSON input of ``feuille facture creer``: files named by a path.

``prescription.photo`` may be ``{"path": "ordonnance.jpg"}`` in a file typed by hand: the CLI reads it (relative
to the JSON file's folder, or to the current folder when the JSON comes from the standard input) and hands the
billing service ``{"base64", "media_type", "filename"}``, as an integrator would send it.
"""

from __future__ import annotations

import base64
from pathlib import Path

from feuille.billing import attachments
from feuille.errors import ValidationError

FIELD = "prescription.photo.path"


def read_photo_file(path: str, base: Path) -> tuple[str, str, bytes]:
    """The file at ``path`` (relative to ``base``), checked: (its name, its media type, its bytes)."""
    target = Path(path).expanduser()
    target = target if target.is_absolute() else base / target
    try:
        if target.stat().st_size > attachments.MAX_BYTES:
            raise ValidationError(f"{FIELD} : {path} est trop gros (10 Mo au plus).", code="attachment_size",
                                  field=FIELD)
        content = target.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"{FIELD} : fichier introuvable : {target}", code="file_not_found",
                              field=FIELD) from None
    except OSError as exc:
        raise ValidationError(f"{FIELD} : lecture impossible de {target} ({exc.strerror}).", code="file_unreadable",
                              field=FIELD) from None
    return target.name, attachments.check_content(content, FIELD), content


def photo_file(path: str, base: Path) -> dict[str, str]:
    """The photo at ``path``, encoded as the service takes it."""
    name, kind, content = read_photo_file(path, base)
    return {"base64": base64.b64encode(content).decode("ascii"), "media_type": kind, "filename": name}


def resolve_photo(document: object, source: str) -> None:
    """Replace ``prescription.photo.path`` by the file's content, in place (nothing else is touched)."""
    prescription = document.get("prescription") if isinstance(document, dict) else None
    photo = prescription.get("photo") if isinstance(prescription, dict) else None
    if not isinstance(photo, dict) or "path" not in photo:
        return
    path = photo["path"]
    if not isinstance(path, str) or not path.strip():
        raise ValidationError(f"{FIELD} : le chemin du fichier est attendu (texte).", code="photo_path", field=FIELD)
    if set(photo) != {"path"}:
        raise ValidationError(f"{FIELD} : « path » seul, ou base64 et media_type, pas les deux.", code="photo_path",
                              field=FIELD)
    base = Path.cwd() if source == "-" else Path(source).resolve().parent
    assert prescription is not None
    prescription["photo"] = photo_file(path.strip(), base)
