"""CSV import of patients: mapping, refused rows, all-or-nothing, junk files; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from feuille.auth import Role
from feuille.domain.identifiers import nir_key
from feuille.errors import PermissionDeniedError, ValidationError
from feuille.practice import patient_import
from feuille.practice.patient_import import import_patients_csv, parse_mapping
from feuille.practice.patients import count_patients, search_patients
from feuille.storage.models import AuditEntry
from tests.conftest import context_as

HEADER = "NOM;PRENOM;DATE_NAISSANCE;NIR;CLE;TEL;VILLE\n"


def nir(i: int) -> tuple[str, str]:
    first = f"17003751{i:05d}"
    return first, nir_key(first)


def write(tmp_path: Path, body: str, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding=encoding)
    return path


def good_rows(count: int, start: int = 0) -> str:
    lines = []
    for i in range(start, start + count):
        first, key = nir(i)
        lines.append(f"Dupont{chr(65 + i % 26)};Jean;12/03/1970;{first};{key};0612345678;PARIS\n")
    return "".join(lines)


def test_import_maps_known_titles_and_reports_refused_rows(ctx, tmp_path):  # type: ignore[no-untyped-def]
    first, key = nir(1)
    body = HEADER + good_rows(3, 10) + (
        "Martin;;31/02/1980;;;;\n"            # impossible date
        ";Paul;01/01/1990;;;;\n"               # missing name
        f"Essai;Alain;01/01/1960;{first};{int(key) % 97 + 1:02d};;\n"  # wrong NIR key
    ) + good_rows(1, 10)                       # duplicate of the first row
    report_path = tmp_path / "refus.csv"
    report = import_patients_csv(ctx, write(tmp_path, body), report_path=report_path)
    assert (report.imported, report.refused, report.rows) == (3, 4, 7)
    assert report.mapping["last_name"] == "NOM" and report.mapping["insured_nir"] == "NIR"
    lines = report_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "ligne;champ;motif"
    assert [line.split(";")[0] for line in lines[1:]] == ["5", "6", "7", "8"]
    assert "n'existe pas" in lines[1] and "obligatoire" in lines[2] and "clé" in lines[3] and "doublon" in lines[4]
    assert count_patients(ctx) == 3
    assert search_patients(ctx, "DUPONT")[0].insured_nir == "".join(nir(10))


def test_explicit_mapping_cp1252_and_comma(ctx, tmp_path):  # type: ignore[no-untyped-def]
    body = "Nom patient,Prénom usuel,Né le\nHélène,Zoé,01/02/1950\n"
    path = write(tmp_path, body, encoding="cp1252")
    mapping = parse_mapping(["nom=Nom patient", "prenom=Prénom usuel", "birth_date=Né le"])
    report = import_patients_csv(ctx, path, mapping=mapping)
    assert report.imported == 1 and report.format.encoding == "cp1252" and report.format.delimiter == ","
    assert search_patients(ctx, "helene")[0].first_name == "Zoé"


def test_nothing_is_half_imported_when_a_batch_fails(ctx, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(patient_import, "BATCH", 2)
    calls = {"n": 0}
    real = patient_import.insert_batch

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(patient_import, "insert_batch", failing)
    with pytest.raises(RuntimeError):
        import_patients_csv(ctx, write(tmp_path, HEADER + good_rows(5)))
    assert count_patients(ctx) == 0
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).where(AuditEntry.action.like("patient.%"))) == 0


def test_strict_mode_and_trial_run_write_nothing(ctx, tmp_path):  # type: ignore[no-untyped-def]
    path = write(tmp_path, HEADER + good_rows(2) + "Martin;;31/02/1980;;;;\n")
    with pytest.raises(ValidationError) as err:
        import_patients_csv(ctx, path, strict=True)
    assert err.value.code == "import_refused_rows"
    trial = import_patients_csv(ctx, path, dry_run=True)
    assert (trial.imported, trial.refused, trial.dry_run) == (2, 1, True)
    assert count_patients(ctx) == 0


def test_progress_and_audit(ctx, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(patient_import, "BATCH", 400)
    seen: list[int] = []
    report = import_patients_csv(ctx, write(tmp_path, HEADER + good_rows(1200)), progress=seen.append)
    assert report.imported == 1200 and seen[-1] == 1200 and seen == sorted(seen)
    with ctx.db.read() as session:
        actions = list(session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("patient.%"))))
    assert actions.count("patient.bulk_create") == 3 and actions[-1] == "patient.import"


@pytest.mark.parametrize("body,code", [
    ("", "import_empty"),
    ("   \n\n", "import_empty"),
    ("NOM\x00;PRENOM\n", "import_binary"),
    ("COLONNE_A;COLONNE_B\n1;2\n", "import_mapping"),
    ("JUSTEUNMOT\nabc\n", "import_separator"),
])
def test_junk_files(ctx, tmp_path, body, code):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        import_patients_csv(ctx, write(tmp_path, body))
    assert err.value.code == code and err.value.message
    assert count_patients(ctx) == 0


def test_bad_mapping_and_missing_file(ctx, tmp_path):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        parse_mapping(["nom"])
    with pytest.raises(ValidationError) as err:
        import_patients_csv(ctx, write(tmp_path, HEADER), mapping={"couleur": "NOM"})
    assert "inconnu" in err.value.message
    with pytest.raises(ValidationError) as err:
        import_patients_csv(ctx, write(tmp_path, HEADER), mapping={"last_name": "ABSENTE"})
    assert "absente" in err.value.message
    with pytest.raises(ValidationError):
        import_patients_csv(ctx, tmp_path / "nope.csv")


def test_a_remplacant_may_not_import(db, tmp_path):  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDeniedError):
        import_patients_csv(context_as(db, Role.REMPLACANT), write(tmp_path, HEADER + good_rows(1)))


def test_cli_import(cli, tmp_path):  # type: ignore[no-untyped-def]
    path = write(tmp_path, HEADER + good_rows(2) + ";Paul;01/01/1990;;;;\n")
    result = cli("patient", "import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert '"importes": 2' in result.stdout and '"refuses": 1' in result.stdout
    assert (tmp_path / "export.csv.refus.csv").read_text(encoding="utf-8").count("\n") == 2
    bad = cli("patient", "import", str(tmp_path / "absent.csv"))
    assert bad.exit_code == 2 and "introuvable" in bad.stderr
