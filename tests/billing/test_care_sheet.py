"""The degraded care sheet (feuille de soins) as a PDF, with the professional's scanned signature."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from feuille.auth import Context, Role
from feuille.billing import care_sheet, drafts, rate_check, securing, signature_scan
from feuille.cli import care_sheet as care_sheet_cli
from feuille.cli import invoices, professionals
from feuille.errors import PermissionDeniedError, StateError, ValidationError
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.conftest import context_as

care_sheet_cli.register(invoices.app_invoice)
care_sheet_cli.register_signature(professionals.pro_app)

GOLDEN = Path(__file__).parent / "golden" / "care_sheet.txt"


def png(width: int = 120, height: int = 40) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    for x in range(10, width - 10):
        image.putpixel((x, height // 2 + (x % 7) - 3), (0, 0, 80))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def secured(ctx: Context, mode: str = "degrade", **changes: object) -> int:
    view = drafts.create_draft(ctx, consultation(**changes))
    rate_check.check_rates(ctx, view.id)
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    return securing.secure(ctx, view.id, mode, reader).id


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def degraded(ctx: Context) -> int:
    practice(ctx)
    return secured(ctx, acts=[{"code": "C"}, {"code": "AFLB001", "unit_price": "50.56"}],
                   prescription={"date": "2025-01-10", "prescriber": {"last_name": "TOUBIB", "first_name": "Paul",
                                                                      "number": "991000696"}})


def test_care_sheet_text_matches_the_golden_file(ctx: Context, degraded: int) -> None:
    text = "\n".join(care_sheet.care_sheet_lines(care_sheet.load_care_sheet(ctx, degraded))) + "\n"
    if os.environ.get("FEUILLE_REGEN_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_pdf_holds_the_patient_the_acts_and_the_totals(ctx: Context, degraded: int) -> None:
    pdf = care_sheet.care_sheet_pdf(ctx, degraded)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for expected in ("FEUILLE DE SOINS", "Essai Alain", "1 42 19 62 965 165 96", "00103390 1", "Facture n° 1",
                     "AFLB001", "Total : 73.56", "Part AMO : 51.49", "Part AMC : 0.00", "Part patient : 22.07",
                     "TOUBIB Paul", "aucune signature numérisée"):
        assert expected in text, expected
    assert care_sheet.care_sheet_pdf(ctx, degraded) == pdf  # same invoice, same clock: same bytes
    raw = care_sheet.care_sheet_pdf(ctx, degraded, compress=False)
    assert b"Essai Alain" in raw and b"/Subtype /Image" not in raw


def test_scanned_signature_is_printed(ctx: Context, degraded: int) -> None:
    signature_scan.store_signature(ctx, "001033901", png())
    raw = care_sheet.care_sheet_pdf(ctx, degraded, compress=False)
    assert b"/Subtype /Image" in raw
    assert "Signature du professionnel :" in text_of(raw) and "aucune signature" not in text_of(raw)
    signature_scan.store_signature(ctx, "001033901", png(200, 60))  # replaced
    assert b"/Subtype /Image" in care_sheet.care_sheet_pdf(ctx, degraded, compress=False)


@pytest.mark.parametrize("junk", [b"", b"GIF89a....", b"\x89PNG\r\n\x1a\n" + b"junk" * 10, "texte", None,
                                  b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024 + 1)])
def test_signature_refuses_junk(ctx: Context, junk: object) -> None:
    practice(ctx)
    with pytest.raises(ValidationError) as caught:
        signature_scan.store_signature(ctx, "001033901", junk)
    assert caught.value.field == "fichier" and "fichier :" in caught.value.message


def test_signature_of_another_professional_is_refused(ctx: Context, db) -> None:  # type: ignore[no-untyped-def]
    practice(ctx)
    with pytest.raises(PermissionDeniedError):
        signature_scan.store_signature(context_as(db, Role.TITULAIRE, "quelquun"), "001033901", png())


def test_refused_for_an_unsecured_invoice(ctx: Context) -> None:
    practice(ctx)
    draft = drafts.create_draft(ctx, consultation())
    with pytest.raises(StateError) as caught:
        care_sheet.care_sheet_pdf(ctx, draft.id)
    assert caught.value.code == "care_sheet_not_secured" and "non sécurisée" in caught.value.message


def test_refused_for_an_invoice_secured_with_the_vitale_card(ctx: Context) -> None:
    practice(ctx)
    ref = secured(ctx, "synchronise")
    with pytest.raises(StateError) as caught:
        care_sheet.care_sheet_pdf(ctx, ref)
    assert caught.value.code == "care_sheet_not_degraded" and "mode dégradé" in caught.value.message


def test_cli(ctx: Context, degraded: int, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    picture = tmp_path / "signature.png"
    picture.write_bytes(png())
    result = cli("pro", "signature", "001033901", str(picture))
    assert result.exit_code == 0, result.stderr
    target = tmp_path / "fs.pdf"
    result = cli("invoice", "feuille-de-soins", str(degraded), "--sortie", str(target), "--joindre")
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes().startswith(b"%PDF") and "jointe" in result.stdout
    shown = cli("invoice", "show", str(degraded), "--json")
    assert '"sendable": true' in shown.stdout
    draft = drafts.create_draft(ctx, consultation())
    refused = cli("invoice", "feuille-de-soins", str(draft.id), "--sortie", str(tmp_path / "x.pdf"))
    assert refused.exit_code == 6 and "Erreur" in refused.stderr and "non sécurisée" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"pas une image")
    assert cli("pro", "signature", "001033901", str(junk)).exit_code == 2
    assert cli("pro", "signature", "001033901", str(tmp_path / "absent.png")).exit_code == 2


def test_signature_goes_with_the_professional(ctx: Context) -> None:
    from feuille.practice.professionals import delete_professional
    from feuille.storage.models import ProfessionalSignature

    ids = practice(ctx)
    signature_scan.store_signature(ctx, ids.medecin, png())
    delete_professional(ctx, ids.medecin)
    with ctx.db.read() as session:
        assert session.get(ProfessionalSignature, ids.medecin) is None
