"""CLI group ``feuille b2``: ``lire FICHIER`` decodes any B2 file with the layout tables of ``feuille.formats.b2``
(the same the writer uses) and shows its lots, invoices, totals and every problem found, in French."""

from __future__ import annotations

import base64
import dataclasses
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from feuille.cli.common import console, handle_errors, print_json
from feuille.errors import ValidationError
from feuille.formats import b2_reader

HELP = "Fichiers B2 : lecture et contrôle d'un fichier de factures (lots, factures, totaux, problèmes)."
app = typer.Typer(help=HELP, no_args_is_help=True)
MAX_BYTES = 200 * 1024 * 1024


def plain(value: object) -> Any:
    """A model of ``formats.b2_file`` as JSON: dataclasses as objects, signature values in base64."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Enum):
        return value.value
    return value


def _read(source: str) -> bytes:
    try:
        if source == "-":
            return sys.stdin.buffer.read(MAX_BYTES + 1)
        path = Path(source)
        with path.open("rb") as stream:
            return stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ValidationError(f"FICHIER : fichier introuvable : {source}", code="file_not_found",
                              field="FICHIER") from None
    except OSError as exc:
        raise ValidationError(f"FICHIER : lecture impossible de {source} ({exc.strerror or 'accès refusé'}).",
                              code="file_unreadable", field="FICHIER") from None


@app.command("lire", help="Décode un fichier B2 (ou - pour l'entrée standard) et liste ses problèmes.")
@handle_errors
def read(fichier: str = typer.Argument(..., metavar="FICHIER", help="Le fichier B2."),
         json_out: bool = typer.Option(False, "--json", help="Sortie JSON.")) -> None:
    data = _read(fichier)
    if len(data) > MAX_BYTES:
        raise ValidationError("FICHIER : plus de 200 Mo, ce n'est pas un fichier B2 d'un cabinet.",
                              code="file_too_large", field="FICHIER")
    reading = b2_reader.read_b2(data)
    problems = [{"enregistrement": p.record, "champ": p.field, "code": p.code, "message": p.message}
                for p in reading.problems]
    if json_out:
        print_json({"valide": reading.ok, "separe": reading.separated, "fichier": plain(reading.file),
                    "problemes": problems})
    else:
        _show(reading)
    if not reading.ok:
        raise typer.Exit(code=2)


def _show(reading: b2_reader.B2Reading) -> None:
    file = reading.file
    if file is not None:
        h = file.header
        console.print(f"Fichier {h.file_id} du {h.created:%d/%m/%Y} : émetteur {h.sender_type} {h.sender_number} → "
                      f"{h.recipient_type} {h.recipient_number}, {len(file.lots)} lot(s).", markup=False)
        for lot in file.lots:
            fees = sum((i.fees for i in lot.invoices), start=0)
            console.print(f"  Lot {lot.header.lot_number} du {lot.header.lot_date:%d/%m/%Y} (caisse "
                          f"{lot.header.organism}, certification {lot.header.certification or '—'}, marquage "
                          f"{lot.closing.marking}) : {len(lot.invoices)} facture(s), {fees} €.", markup=False)
    for p in reading.problems:
        console.print(f"Problème (enregistrement {p.record or '—'}) : {p.message}", markup=False)
    console.print("Fichier B2 valide." if reading.ok else "Fichier B2 non valide.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="b2")
