"""The CSV export every list shares: French spreadsheet conventions, golden bytes, refusals in French."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.cli.export import Column, csv_cell, csv_text, write_csv
from feuille.errors import ValidationError


class Etat(Enum):
    PAYE = "paye"

    @property
    def label(self) -> str:
        return "Payé"


@dataclass(frozen=True)
class Row:
    number: str
    name: str
    issued: date
    paid: Decimal
    secured: bool
    state: Etat
    received: datetime | None


ROWS = [
    Row("F-000123", "DURAND Élodie", date(2026, 3, 5), Decimal("1234.56"), True, Etat.PAYE,
        datetime(2026, 3, 9, 14, 5)),
    Row("F-000124", "L'HÔPITAL; « Zoé »", date(2026, 12, 31), Decimal("-2.9"), False, Etat.PAYE, None),
    Row("F-000125", "=HYPERLINK(\"x\")", date(2026, 1, 1), Decimal("0"), True, Etat.PAYE, None),
]
COLUMNS = (Column("N° facture", "number"), Column("Nom du client", "name"), Column("Facture", "issued"),
           Column("Mt payé", "paid"), Column("SV", "secured"), Column("Etat", "state"),
           Column("Reçu le", "received"), Column("Initiale", lambda row: row.name[0]))  # type: ignore[attr-defined]

GOLDEN = (
    "\ufeffN° facture;Nom du client;Facture;Mt payé;SV;Etat;Reçu le;Initiale\r\n"
    "F-000123;DURAND Élodie;05/03/2026;1234,56;oui;Payé;09/03/2026 14:05;D\r\n"
    "F-000124;\"L'HÔPITAL; « Zoé »\";31/12/2026;-2,90;non;Payé;;L\r\n"
    "F-000125;\"'=HYPERLINK(\"\"x\"\")\";01/01/2026;0,00;oui;Payé;;'=\r\n"
)


def test_csv_golden() -> None:
    assert csv_text(ROWS, COLUMNS) == GOLDEN


def test_mappings_read_by_key() -> None:
    text = csv_text([{"a": Decimal("1.005"), "b": None}], (Column("A", "a"), Column("B", "b")))
    assert text == "\ufeffA;B\r\n1,01;\r\n"  # half-up cents


def test_write_file_bytes_and_mode(tmp_path: Path) -> None:
    target = tmp_path / "suivi.csv"
    assert write_csv(target, ROWS, COLUMNS) == 3
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8") == GOLDEN
    assert stat.S_IMODE(os.stat(target).st_mode) & 0o044  # not private to its owner like mkstemp's
    assert [p.name for p in tmp_path.iterdir()] == ["suivi.csv"]


def test_interrupted_export_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "suivi.csv"
    target.write_text("ancien", encoding="utf-8")

    def rows() -> object:
        yield ROWS[0]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_csv(target, rows(), COLUMNS)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["suivi.csv"]


@pytest.mark.parametrize("name", ["", "   ", "absent/dossier/x.csv", ".", "nul\x00.csv"])
def test_unwritable_targets_are_french(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError) as caught:
        write_csv(name, ROWS, COLUMNS)
    assert caught.value.code == "file_unwritable"
    assert caught.value.field == "--csv"
    assert caught.value.message.startswith("--csv : ")


def test_stdout(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    assert write_csv("-", ROWS[:1], COLUMNS) == 1
    out = capfdbinary.readouterr().out
    assert out.decode("utf-8") == GOLDEN.split("F-000124")[0]


def test_float_refused() -> None:
    with pytest.raises(TypeError):
        csv_cell(1.5)


@given(st.text())
def test_any_text_round_trips_through_csv(text: str) -> None:
    import csv
    import io

    body = csv_text([{"t": text}], (Column("T", "t"),))
    parsed = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline=""), delimiter=";"))
    cell = parsed[1][0] if len(parsed) > 1 and parsed[1] else ""
    assert cell == csv_cell(text)
    assert cell in (text, "'" + text)
