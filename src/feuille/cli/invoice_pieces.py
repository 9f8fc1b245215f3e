"""``feuille facture piece ID PIECE``: a document kept with an invoice (prescription photo, care sheet), saved to
a file. The invoice's ``attachments`` (``feuille facture afficher ID --json``) list the pieces and their numbers."""

from __future__ import annotations

from pathlib import Path

import typer

from feuille.billing import attachments
from feuille.cli.common import console, handle_errors, state
from feuille.errors import ValidationError


@handle_errors
def piece(ref: str = typer.Argument(..., help="Numéro interne de la facture."),
          numero: str = typer.Argument(..., metavar="PIECE", help="Numéro de la pièce (voir show --json)."),
          sortie: Path | None = typer.Option(None, "--sortie", help="Fichier écrit (défaut : le nom de la pièce)."),
          ) -> None:
    stored = attachments.get_attachment(state.context(), ref, numero)
    target = sortie or Path(stored.filename)
    try:
        target.write_bytes(stored.content)
    except OSError as exc:
        raise ValidationError(f"--sortie : écriture impossible de {target} ({exc.strerror}).",
                              code="file_unwritable", field="sortie") from None
    console.print(f"Pièce {numero} ({stored.kind}, {stored.media_type}) écrite dans {target}.", markup=False)


def register(invoice_app: typer.Typer) -> None:
    if not any(c.name == "piece" for c in invoice_app.registered_commands):
        invoice_app.command("piece", help="Enregistre dans un fichier une pièce jointe de la facture (photo de "
                                          "l'ordonnance, feuille de soins).")(piece)
