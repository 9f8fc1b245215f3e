"""CLI group: pricing. ``feuille tarifer FILE`` reads the JSON contract and prints the priced invoice;
``feuille tarifer --lignes FILE`` reads JSON Lines (one invoice a line) and writes one result a line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, Any

import typer

from feuille.cli.common import handle_errors, print_json, read_document, state
from feuille.cli.failures import translate
from feuille.errors import FeuilleError, ValidationError
from feuille.nomenclature.tariffs import CcamTariff, CcamTariffs, NoCcamTariffs
from feuille.pricing import parse_text, price_document


class LazyCcamTariffs:
    """Opens the database only when a CCAM act comes without its price."""

    def __init__(self) -> None:
        self._tariffs: CcamTariffs | None = None

    def ccam_tariff(self, code: str, on: date, activity: str = "1", phase: str = "0",
                    sector: int = 1) -> CcamTariff | None:
        if self._tariffs is None:
            self._tariffs = _database_tariffs()
        return self._tariffs.ccam_tariff(code, on, activity, phase, sector)


def _database_tariffs() -> CcamTariffs:
    # FALLBACK (tiny, on purpose): without feuille.catalog.ccam.DbCcamTariffs there is no CCAM table and a
    # CCAM act needs its unit price. The catalog ships it now; the except branch can go when that is settled.
    try:
        from feuille.catalog.ccam import DbCcamTariffs
    except ImportError:  # pragma: no cover
        return NoCcamTariffs()
    tariffs: CcamTariffs = DbCcamTariffs(state.database())
    return tariffs


@contextmanager
def _open_lines(source: str) -> Iterator[IO[bytes]]:
    """The input of ``--lignes`` as bytes, read line by line (a year of invoices is never held whole); each
    line is decoded on its own so that one line in another encoding is refused alone."""
    if source == "-":
        yield sys.stdin.buffer
        return
    try:
        stream = Path(source).open("rb")  # noqa: SIM115 (closed by the with below; opening errors named first)
    except FileNotFoundError:
        raise ValidationError(f"FILE : fichier introuvable : {source}", code="file_not_found",
                              field="FILE") from None
    except OSError as exc:
        reason = exc.strerror or "accès refusé"
        raise ValidationError(f"FILE : lecture impossible de {source} ({reason}).", code="file_unreadable",
                              field="FILE") from None
    with stream:
        yield stream


def price_lines(lines: Iterable[bytes], out: IO[str], ccam: CcamTariffs) -> tuple[int, int]:
    """Price each non-blank line as one invoice; write one JSON line per invoice: the result with its line
    number, or the line number and the error (code, field, French message). Returns (priced, refused)."""
    priced = refused = 0
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        answer: dict[str, Any] = {"line": number}
        try:
            answer.update(price_document(parse_text(_decode(text)), ccam=ccam))
            priced += 1
        except (FeuilleError, RecursionError) as caught:
            error = caught if isinstance(caught, FeuilleError) else translate(caught)
            assert error is not None  # a RecursionError is in the catalogue
            answer["error"] = {"code": error.code, "field": error.field, "message": error.message}
            refused += 1
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
    return priced, refused


def _decode(line: bytes) -> str:
    try:
        return line.decode("utf-8-sig")  # a byte order mark (on the first line) is accepted
    except UnicodeDecodeError:
        raise ValidationError("(document) : la ligne n'est pas en UTF-8.", code="file_unreadable",
                              field="(document)") from None


@handle_errors
def price_command(
    fichier: str = typer.Argument(..., metavar="FILE",
                                  help="Facture à tarifer, au format JSON (« - » pour l'entrée standard)."),
    lignes: bool = typer.Option(False, "--lignes",
                                help="Lire des lignes JSON (une facture par ligne) et écrire un résultat par ligne."),
) -> None:
    """Tarifer une facture : parts AMO, AMC et patient par ligne et au total, avec la trace des règles.

    Lit le JSON décrit dans docs/pricing.md et écrit le résultat en JSON. Une entrée invalide
    affiche un message en français nommant le champ et sort avec le code 2.

    Avec --lignes, chaque ligne de l'entrée est une facture ; chaque ligne de la sortie porte son numéro
    de ligne (« line ») et le résultat, ou l'erreur (code, champ, message) sans arrêter les suivantes.
    Le code de sortie est 2 si au moins une ligne a été refusée.
    """
    if not lignes:
        print_json(price_document(parse_text(read_document(fichier)), ccam=LazyCcamTariffs()))
        return
    with _open_lines(fichier) as stream:
        priced, refused = price_lines(stream, sys.stdout, LazyCcamTariffs())
    if refused:
        raise ValidationError(f"{refused} facture(s) refusée(s) sur {priced + refused} (voir les lignes "
                              "« error » de la sortie).", code="lines_refused", field="FILE")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("price", help="Tarifer une facture (JSON en entrée, JSON en sortie) : parts AMO, AMC, "
                              "patient et trace des règles appliquées.")(price_command)
