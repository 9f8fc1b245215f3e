"""The conformity step on generated scans: each failure of manual 003 IV is seen, a clean scan passes, junk files
are refused in French."""

from __future__ import annotations

import pytest
from PIL import Image

from feuille.errors import ValidationError
from feuille.transmission import scor_conformity as c
from tests.transmission import scor_samples as s


def failures(content: bytes) -> list[str]:
    return list(c.automatic_failures(c.inspect(content)))


def test_a_clean_scan_passes_every_automatic_check() -> None:
    for content in (s.png(s.text_page()), s.jpeg(s.text_page()), s.pdf(s.text_page(1), s.text_page(2))):
        inspection = c.inspect(content)
        assert failures(content) == []
        assert all(page.dpi == 150 for page in inspection.pages)


def test_blank_and_black_pages() -> None:
    assert failures(s.png(Image.new("L", s.A4_150, 250))) == ["page 1 : page blanche"]
    assert failures(s.png(Image.new("L", s.A4_150, 10))) == ["page 1 : page noire (gris moyen 10/255)"]


@pytest.mark.parametrize("angle", [4, -6, 10])
def test_a_skewed_page_is_not_straight(angle: int) -> None:
    skewed = s.text_page().rotate(angle, expand=True, fillcolor=250)
    inspection = c.inspect(s.png(skewed))
    assert abs(abs(inspection.pages[0].skew) - abs(angle)) <= 0.5
    assert [f for f in failures(s.png(skewed)) if "non droite" in f]


def test_a_slight_tilt_is_straight_enough() -> None:
    assert failures(s.png(s.text_page().rotate(1, expand=True, fillcolor=250))) == []


def test_duplicate_page_in_a_pdf() -> None:
    content = s.pdf(s.text_page(1), s.text_page(1), s.text_page(2))
    assert failures(content) == ["page 2 : page doublée (identique à la page 1)"]


def test_low_resolution_stated_or_too_few_pixels() -> None:
    assert failures(s.png(s.text_page(), dpi=72)) == ["page 1 : résolution 72 dpi (150 au moins)"]
    small = s.text_page(size=(400, 566))
    found = failures(s.png(small, dpi=None))
    assert len(found) == 1 and "trop petite" in found[0]
    assert failures(s.pdf(s.text_page(), dpi=100)) == ["page 1 : résolution 100 dpi (150 au moins)"]


def test_dark_and_washed_out_pages() -> None:
    dark = failures(s.png(s.text_page(paper=90, ink=5)))
    assert any("pas suffisamment claire" in f for f in dark)
    washed = failures(s.png(s.text_page(paper=250, ink=200)))
    assert any("illisible : contraste" in f for f in washed)


def test_questions_are_asked_and_an_unanswered_one_fails() -> None:
    inspection = c.inspect(s.pdf(s.text_page(1), s.text_page(2)))
    questions = inspection.questions()
    assert {(page, criterion) for page, criterion, _ in questions} == {
        (1, c.ONE_DOCUMENT), (1, c.READABLE), (2, c.ONE_DOCUMENT), (2, c.READABLE)}
    all_yes = {(page, criterion): True for page, criterion, _ in questions}
    assert c.judge(inspection, all_yes).conforming
    partial = c.judge(inspection, {**all_yes, (2, c.ONE_DOCUMENT): False})
    assert not partial.conforming
    assert partial.reasons == ("page 2 : un seul document : non (confirmé ou sans réponse)",)
    assert not c.judge(inspection, {}).conforming


def test_the_care_sheet_feuille_writes_is_conforming() -> None:
    """A PDF without any scanned image (the degraded care sheet fpdf2 writes) has no resolution to check."""
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=11)
    for line in range(40):
        document.cell(0, 6, f"Ligne {line} de la feuille de soins : consultation C 30,00 EUR", new_x="LMARGIN",
                      new_y="NEXT")
    inspection = c.inspect(bytes(document.output()))
    assert list(c.automatic_failures(inspection)) == []
    assert inspection.pages[0].dpi is None


@pytest.mark.parametrize("junk", [
    b"",
    b"%PDF-1.7\n1 0 obj << /Type /Catalog",            # truncated PDF
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,                # a PNG header and nothing readable
    b"\x89PNX\r\n\x1a\n" + s.good_png()[8:],            # a PNG with a wrong header
    s.good_png()[: len(s.good_png()) // 2],             # a truncated PNG
    b"\xff\xd8\xff\xe0" + b"junk" * 10,                 # a JPEG start and junk
    "😴".encode(),
])
def test_junk_files_are_refused_in_french(junk: bytes) -> None:
    with pytest.raises(ValidationError) as refused:
        c.inspect(junk)
    assert refused.value.field == "fichier"
    assert refused.value.code in ("attachment_size", "attachment_format", "scor_unreadable")
    assert refused.value.message.startswith("fichier : ")
