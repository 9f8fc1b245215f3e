"""``feuille invoice create FILE|-`` with the insurance details, the specifics and the prescription's photo read
from a path; ``feuille invoice piece`` gives the photo back. Refusals: exit 2, the field named on stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from feuille.auth import Context
from feuille.domain.invoice_fields import named
from tests.billing.support import consultation, nurse_care, practice

PNG = b"\x89PNG\r\n\x1a\n" + b"ordonnance" * 20


def create(cli, tmp_path: Path, doc: dict[str, Any]):  # type: ignore[no-untyped-def]
    folder = tmp_path / "saisie"
    folder.mkdir(exist_ok=True)
    source = folder / "facture.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    return cli("invoice", "create", str(source))


def with_photo(path: str) -> dict[str, Any]:
    doc = nurse_care()
    doc["prescription"]["photo"] = {"path": path}
    return doc


def test_photo_path_beside_the_json_file_then_read_back(ctx: Context, cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    practice(ctx)
    (tmp_path / "saisie").mkdir()
    (tmp_path / "saisie" / "ordonnance.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)  # the path is relative to the JSON file's folder, not to this one
    result = create(cli, tmp_path, with_photo("ordonnance.png"))
    assert result.exit_code == 0, result.stderr
    invoice = json.loads(result.stdout)
    assert [(a["kind"], a["filename"]) for a in invoice["attachments"]] == [("ordonnance", "ordonnance.png")]
    out = tmp_path / "copie.png"
    shown = cli("invoice", "piece", str(invoice["id"]), invoice["attachments"][0]["id"], "--sortie", str(out))
    assert shown.exit_code == 0, shown.stderr
    assert out.read_bytes() == PNG and "ordonnance" in shown.stdout
    missing = cli("invoice", "piece", str(invoice["id"]), "99")
    assert missing.exit_code == 3 and "Pièce n° 99 introuvable" in missing.stderr


def test_photo_path_from_stdin_is_relative_to_the_current_folder(ctx: Context, cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    practice(ctx)
    (tmp_path / "ordo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"jpeg" * 10)
    monkeypatch.chdir(tmp_path)
    result = cli("invoice", "create", "-", input=json.dumps(with_photo("ordo.jpg")))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["attachments"][0]["media_type"] == "image/jpeg"


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"specifics": {"victime_attentat": True}}, "specifics.attestation_attentat", "Bénéficiaire Victime d'Attentat"),
    ({"specifics": {"sante_sexuelle": {"anonymous_minor": True}}}, "specifics.sante_sexuelle.anonymous_minor",
     "réservé au patient mineur"),
    ({"specifics": {"service_amo": {"code": "C2S", "start": "2025-02-01", "end": "2025-12-31"}}},
     "specifics.service_amo.start", "n'est pas valide le 14/01/2025"),
    ({"accident": {"common_law_accident": True}}, "accident.date", "date obligatoire"),
    ({"coverage": {"nature": "at", "accident_date": "2023-03-07"}, "accident_work": {"date": "2023-03-08"}},
     "accident_work.date", "diffère de coverage.accident_date"),
    ({"ald": {"related": True}}, "ald.forced", "forçage du code ALD"),
    ({"exoneration_justification": "8"}, "exoneration_justification", "justificatif inconnu"),
])
def test_refusals_exit_2_naming_the_field(ctx: Context, cli, tmp_path: Path, changes: dict[str, Any],  # type: ignore[no-untyped-def]
                                         field: str, words: str) -> None:
    practice(ctx)
    result = create(cli, tmp_path, consultation(**changes))
    assert result.exit_code == 2, result.stdout + result.stderr
    said = " ".join(result.stderr.split())  # the console wraps long lines
    assert named(field) in said and words in said
    assert json.loads(cli("invoice", "list", "--json").stdout) == []


@pytest.mark.parametrize(("name", "content", "words"), [
    ("absente.png", None, "fichier introuvable"),
    ("ordo.gif", b"GIF89a....", "format non accepté"),
    ("vide.png", b"", "vide ou trop gros"),
])
def test_photo_file_refused(ctx: Context, cli, tmp_path: Path, name: str, content: bytes | None,  # type: ignore[no-untyped-def]
                            words: str) -> None:
    practice(ctx)
    (tmp_path / "saisie").mkdir()
    if content is not None:
        (tmp_path / "saisie" / name).write_bytes(content)
    result = create(cli, tmp_path, with_photo(name))
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2 and "prescription.photo.path" in said and words in said


def test_specifics_accepted_and_priced(ctx: Context, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    practice(ctx)
    result = create(cli, tmp_path, consultation(
        specifics={"victime_attentat": True, "attestation_attentat": True, "group_identical": True},
        acts=[{"code": "C"}, {"code": "C"}], mt_declaration="oui", exoneration_justification="0"))
    assert result.exit_code == 0, result.stderr
    invoice = json.loads(result.stdout)
    assert invoice["totals"]["total"] == "46.00" and invoice["totals"]["amo"] == "46.00"
    assert len(invoice["lines"]) == 1 and any("victime d'attentat" in w for w in invoice["warnings"])
