"""``feuille facture feuille-de-soins ID`` (the degraded care sheet as a PDF) and the scanned signature.

Wiring (in ``cli/app.py``, after ``invoices.register(app)`` / ``professionals.register(app)``)::

    from feuille.cli import care_sheet
    care_sheet.register(invoices.app_invoice)          # feuille facture feuille-de-soins
    care_sheet.register_signature(professionals.pro_app)  # feuille pro signature
"""

from __future__ import annotations

from pathlib import Path

import typer

from feuille.billing import attachments, care_sheet, signature_scan
from feuille.cli.common import console, handle_errors, read_file, state
from feuille.errors import ValidationError

ID = typer.Argument(..., help="Numéro interne de la facture.")


@handle_errors
def feuille_de_soins(
    ref: str = ID,
    sortie: Path | None = typer.Option(None, "--sortie", "-o", help="Fichier PDF à écrire (défaut : "
                                       "feuille-de-soins-ID.pdf dans le dossier courant)."),
    joindre: bool = typer.Option(False, "--joindre", help="Joindre aussi le PDF à la facture (feuille de soins "
                                 "SCOR : la facture devient transmissible)."),
) -> None:
    ctx = state.context()
    content = care_sheet.care_sheet_pdf(ctx, ref)
    target = sortie or Path(f"feuille-de-soins-{ref.strip()}.pdf")
    try:
        target.write_bytes(content)
    except OSError as exc:
        raise ValidationError(f"--sortie : écriture impossible de {target} ({exc.strerror}).",
                              code="file_unwritable", field="--sortie") from None
    console.print(f"Feuille de soins de la facture {ref} écrite dans {target} ({len(content)} octets).",
                  markup=False)
    if joindre:
        attachments.attach(ctx, ref, target.name, content)
        console.print("Feuille de soins jointe à la facture.", markup=False)


@handle_errors
def signature(
    professional: str = typer.Argument(..., metavar="ID", help="Numéro interne ou n° de facturation du "
                                       "professionnel."),
    fichier: Path = typer.Argument(..., metavar="FICHIER", help="Image PNG de la signature numérisée."),
) -> None:
    content = read_file(fichier, "FICHIER")
    signature_scan.store_signature(state.context(), professional, content)
    console.print(f"Signature numérisée de {professional} enregistrée ({len(content)} octets) : elle sera "
                  "imprimée sur ses feuilles de soins en mode dégradé.", markup=False)


def register(invoice_app: typer.Typer) -> None:
    """Add ``feuille facture feuille-de-soins`` to the invoice group (once)."""
    if any(c.name == "feuille-de-soins" for c in invoice_app.registered_commands):
        return
    invoice_app.command("feuille-de-soins", help="Feuille de soins PDF d'une facture sécurisée en mode dégradé, "
                                                 "avec la signature numérisée du professionnel.")(feuille_de_soins)


def register_signature(pro_app: typer.Typer) -> None:
    """Add ``feuille pro signature ID FICHIER.png`` to the professionals group (once)."""
    if any(c.name == "signature" for c in pro_app.registered_commands):
        return
    pro_app.command("signature", help="Enregistre la signature numérisée (PNG) d'un professionnel, imprimée sur "
                                      "les feuilles de soins en mode dégradé.")(signature)
