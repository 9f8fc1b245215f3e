"""The conformity step of a SCOR piece, page by page (manual 003 IV: « non vide, droite, lisible, suffisamment
claire, différente de la précédente (pas de doublon) », and « plusieurs documents par page » as a failure).

What a library can judge is judged here: images are read with Pillow, PDF pages rendered with pypdfium2, then
each page is measured on a grey thumbnail. What no program can judge reliably (one document per page; whether the
writing can be read and nothing is cut) is turned into questions the user answers (``[o/N]``); an unanswered
question counts as « non » (the piece is then not conforming, never sent by default).

Thresholds are **feuille's own** (no public source gives numbers besides the resolution, FORMATS.md §4: « at
least 150 to 200 dpi », « at least 99 % of pages usable »), chosen so that a clean scan passes and the manual's
examples of failures fail; they are the constants below, documented in ``docs/teletransmission.md`` (« SCOR »).
Everything that goes wrong reading a file is a French :class:`ValidationError`, never another exception.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, ImageStat

from feuille.billing import attachments
from feuille.errors import ValidationError

MIN_DPI = 150                    # FORMATS.md §4
MIN_SHORT_SIDE = 875             # px when no resolution is stated: an A5 sheet's short side (5.83 in) at 150 dpi
MAX_PAGE_BYTES = 2 * 1024 * 1024  # feuille's own: a page heavier than this on average is refused (« trop lourde »)
MAX_PAGES = 50                   # feuille's own: a prescription or a care sheet has a few pages
MAX_PIXELS = 60_000_000          # a bigger image is refused before it is decoded (a « decompression bomb »)
THUMBNAIL = 800                  # px: pages are measured at this size (long side)
BLANK_STDDEV = 4.0               # grey levels: a page this uniform and light is blank
BLANK_INK = 0.0005               # share of dark pixels under which a light page is blank
BLACK_MEAN = 40.0                # mean grey level under which a page is black
DARK_MEAN = 110.0                # mean grey level under which a page is not light enough
MIN_CONTRAST = 100.0             # grey levels between the 1st and the 99th percentile: less is not legible
MAX_SKEW = 2.0                   # degrees
DUPLICATE_BITS = 4               # difference hash: at most this many of 64 bits apart is the same page

NOT_BLANK = "non_vide"
NOT_BLACK = "non_noire"
STRAIGHT = "droite"
LIGHT = "claire"
CONTRAST = "lisible"
RESOLUTION = "resolution"
WEIGHT = "poids"
NOT_DUPLICATE = "pas_doublon"
ONE_DOCUMENT = "un_document"
READABLE = "lecture"
CRITERIA = {NOT_BLANK: "non vide", NOT_BLACK: "non noire", STRAIGHT: "droite", LIGHT: "suffisamment claire",
            CONTRAST: "contrastée", RESOLUTION: "résolution", WEIGHT: "poids", NOT_DUPLICATE: "pas un doublon",
            ONE_DOCUMENT: "un seul document", READABLE: "lisible et entière"}
#: Asked of the user for each page: criterion → question.
QUESTIONS = {ONE_DOCUMENT: "un seul document sur la page (pas plusieurs pièces côte à côte) ?",
             READABLE: "l'écriture se lit et rien n'est coupé ?"}
#: Why a person who looked at the document finds it not conforming (manual 003 IV, « Exemples Conforme / Non
#: conforme »): code → French reason. « plusieurs documents » and « illisible » are the answers to the questions;
#: the others are seen even when the measures passed (a slight slant a scan hides, a page given twice).
DECLARED = {"vide": "page vide", "non_droite": "page non droite", "illisible": "page illisible",
            "pas_claire": "page pas suffisamment claire", "plusieurs_documents": "plusieurs documents par page",
            "doublee": "page doublée"}
#: The declared reasons that answer « non » to a question, on every page.
DECLARED_ANSWERS = {"plusieurs_documents": ONE_DOCUMENT, "illisible": READABLE}


@dataclass(frozen=True)
class Verdict:
    criterion: str
    ok: bool | None                 # None: a question for the user
    reason: str                     # French, shown beside the page

    def to_json(self) -> dict[str, object]:
        return {"critere": self.criterion, "conforme": self.ok, "motif": self.reason}


@dataclass(frozen=True)
class Page:
    number: int                     # from 1
    width: int
    height: int
    dpi: float | None               # stated by the file, None when it says nothing
    skew: float                     # degrees, estimated
    verdicts: tuple[Verdict, ...]

    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.ok is False]

    def questions(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.ok is None]


@dataclass(frozen=True)
class Inspection:
    pages: tuple[Page, ...]

    def questions(self) -> list[tuple[int, str, str]]:
        """(page, criterion, question) the user must answer."""
        return [(p.number, v.criterion, QUESTIONS[v.criterion]) for p in self.pages for v in p.questions()]


@dataclass(frozen=True)
class Judgement:
    conforming: bool
    reasons: tuple[str, ...]        # French, one per failed page criterion (« page 2 : page non droite (4,5°) »)
    pages: tuple[dict[str, object], ...]

    def to_json(self) -> dict[str, object]:
        return {"conforme": self.conforming, "motifs": list(self.reasons), "pages": list(self.pages)}


def _refuse(message: str, code: str = "scor_unreadable") -> ValidationError:
    return ValidationError(f"fichier : {message}", code=code, field="fichier")


# --- reading the pages ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Raster:
    image: Image.Image              # grey ("L"), at most THUMBNAIL on its long side
    width: int                      # of the page as stored
    height: int
    dpi: float | None


def _pages(content: bytes, media_type: str) -> list[_Raster]:
    if media_type == "application/pdf":
        return _pdf_pages(content)
    return [_image_page(content)]


def _image_page(content: bytes) -> _Raster:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content))
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(f"image de {image.width} × {image.height} pixels, trop grande.", "scor_too_big")
            image.load()
        except ValidationError:
            raise
        except Exception as exc:  # Pillow on junk: truncated, corrupt or bomb, all refused the same way
            raise _refuse(f"image illisible ou tronquée ({type(exc).__name__}).") from None
    dpi = _stated_dpi(image.info.get("dpi"))
    upright: Image.Image = ImageOps.exif_transpose(image) or image
    width, height = upright.size
    grey = upright.convert("L")
    grey.thumbnail((THUMBNAIL, THUMBNAIL))
    return _Raster(grey, width, height, dpi)


def _stated_dpi(value: object) -> float | None:
    """The resolution an image states (JFIF, EXIF, PNG pHYs); a file that states 1 dpi (aspect ratio only, in
    JFIF) or nothing states no resolution."""
    if isinstance(value, tuple) and len(value) == 2:
        try:
            low = float(min(value))
        except (TypeError, ValueError):
            return None
        return float(round(low)) if low > 1 and math.isfinite(low) else None   # PNG stores dots per metre
    return None


def _pdf_pages(content: bytes) -> list[_Raster]:
    try:
        document = pdfium.PdfDocument(content)
    except Exception as exc:  # pdfium on junk: truncated, encrypted, not a PDF
        raise _refuse(f"PDF illisible, tronqué ou protégé ({str(exc)[:60]}).") from None
    try:
        count = len(document)
        if count == 0:
            raise _refuse("PDF sans aucune page.")
        if count > MAX_PAGES:
            raise _refuse(f"PDF de {count} pages ({MAX_PAGES} au plus).", "scor_too_big")
        return [_pdf_page(document[index]) for index in range(count)]
    except ValidationError:
        raise
    except Exception as exc:
        raise _refuse(f"page de PDF illisible ({str(exc)[:60]}).") from None
    finally:
        document.close()


def _pdf_page(page: pdfium.PdfPage) -> _Raster:
    width_pt, height_pt = page.get_size()
    scale = THUMBNAIL / max(width_pt, height_pt, 1.0)
    image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
    dpi = None
    images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
    if images:   # a scan in a PDF: the resolution of its biggest image as placed on the page
        biggest = max(images, key=lambda obj: _area(obj.get_px_size()))
        meta = biggest.get_metadata()
        stated = min(meta.horizontal_dpi, meta.vertical_dpi)
        dpi = float(round(stated)) if stated > 1 else None
    return _Raster(image, round(width_pt), round(height_pt), dpi if images else math.inf)


def _area(size: tuple[int, int]) -> int:
    return size[0] * size[1]


# --- measuring a page ----------------------------------------------------------------------------------------------

def _percentile(histogram: list[int], share: float) -> int:
    wanted = share * sum(histogram)
    seen = 0
    for level, count in enumerate(histogram):
        seen += count
        if seen >= wanted:
            return level
    return 255


def _ink_mask(image: Image.Image, mean: float) -> Image.Image:
    """Dark marks (« ink »): pixels clearly darker than the page's mean."""
    cut = max(0.0, min(mean - 60.0, 160.0))
    return image.point(lambda value: 255 if value < cut else 0)


def estimate_skew(image: Image.Image) -> float:
    """The angle (degrees) that best aligns the ink's rows: the projection profile's variance is highest when
    text lines are horizontal. Coarse (1°) then fine (0.25°) search over ±15°."""
    mask = _ink_mask(image, ImageStat.Stat(image).mean[0])

    def score(angle: float) -> float:
        rotated = mask.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
        rows = [float(r) for r in rotated.resize((1, rotated.height), Image.Resampling.BOX).tobytes()]
        mean = sum(rows) / len(rows)
        return sum((r - mean) ** 2 for r in rows)

    best = max(range(-15, 16), key=lambda a: score(float(a)))
    fine: float = max((best + step / 4 for step in range(-4, 5)), key=score)
    return -fine   # rotating by -skew straightens the page


def difference_hash(image: Image.Image) -> int:
    """64-bit difference hash: each bit says whether a pixel is lighter than its right neighbour (9 × 8 grey)."""
    small = image.resize((9, 8), Image.Resampling.LANCZOS).tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (small[row * 9 + col] > small[row * 9 + col + 1])
    return bits


def _measure(raster: _Raster, number: int, previous: int | None, bytes_per_page: float
             ) -> tuple[Page, int]:
    image = raster.image
    stat = ImageStat.Stat(image)
    mean, stddev = stat.mean[0], stat.stddev[0]
    histogram = image.histogram()
    ink = sum(histogram[: int(max(0.0, mean - 30.0))]) / max(1, image.width * image.height)  # marks, even faint
    blank = mean >= BLACK_MEAN and (stddev < BLANK_STDDEV or ink < BLANK_INK)
    black = mean < BLACK_MEAN
    contrast = _percentile(histogram, 0.99) - _percentile(histogram, 0.01)
    skew = 0.0 if blank or black else estimate_skew(image)
    digest = difference_hash(image)
    verdicts = [
        Verdict(NOT_BLANK, not blank, "page blanche" if blank else "page non vide"),
        Verdict(NOT_BLACK, not black, f"page noire (gris moyen {mean:.0f}/255)" if black else "page non noire"),
    ]
    if not (blank or black):
        verdicts += [
            Verdict(STRAIGHT, abs(skew) <= MAX_SKEW, f"page non droite ({_deg(skew)})" if abs(skew) > MAX_SKEW
                    else f"page droite ({_deg(skew)})"),
            Verdict(LIGHT, mean >= DARK_MEAN, f"page pas suffisamment claire (gris moyen {mean:.0f}/255, "
                    f"{DARK_MEAN:.0f} au moins)" if mean < DARK_MEAN else "page suffisamment claire"),
            Verdict(CONTRAST, contrast >= MIN_CONTRAST, f"page illisible : contraste {contrast}/255 "
                    f"({MIN_CONTRAST:.0f} au moins)" if contrast < MIN_CONTRAST else "page contrastée"),
        ]
    verdicts.append(_resolution(raster))
    verdicts.append(Verdict(WEIGHT, bytes_per_page <= MAX_PAGE_BYTES, f"page trop lourde ({_mib(bytes_per_page)} "
                            f"par page, {_mib(MAX_PAGE_BYTES)} au plus)" if bytes_per_page > MAX_PAGE_BYTES
                            else f"poids {_mib(bytes_per_page)} par page"))
    duplicate = previous is not None and bin(previous ^ digest).count("1") <= DUPLICATE_BITS and not blank
    verdicts.append(Verdict(NOT_DUPLICATE, not duplicate, f"page doublée (identique à la page {number - 1})"
                            if duplicate else "différente de la précédente"))
    verdicts += [Verdict(criterion, None, question) for criterion, question in QUESTIONS.items()]
    return Page(number, raster.width, raster.height, raster.dpi if raster.dpi != math.inf else None,
                round(skew, 2) + 0.0, tuple(verdicts)), digest


def _resolution(raster: _Raster) -> Verdict:
    if raster.dpi == math.inf:
        return Verdict(RESOLUTION, True, "page numérique (PDF sans image numérisée)")
    if raster.dpi is not None:
        ok = raster.dpi >= MIN_DPI
        return Verdict(RESOLUTION, ok, f"résolution {raster.dpi:.0f} dpi" + ("" if ok else f" ({MIN_DPI} au moins)"))
    short = min(raster.width, raster.height)
    ok = short >= MIN_SHORT_SIDE
    return Verdict(RESOLUTION, ok, f"{raster.width} × {raster.height} pixels, résolution non indiquée" + (
        "" if ok else f" : trop petite ({MIN_SHORT_SIDE} pixels au moins sur le petit côté, 150 dpi sur un A5)"))


def _deg(angle: float) -> str:
    return f"{abs(angle):.1f}°".replace(".", ",")


def _mib(size: float) -> str:
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


# --- the step ------------------------------------------------------------------------------------------------------

def inspect(content: bytes) -> Inspection:
    """Every page of a piece measured; a French :class:`ValidationError` for a file that cannot be read (empty,
    wrong header, truncated, too big)."""
    media_type = attachments.check_content(content)
    rasters = _pages(content, media_type)
    per_page = len(content) / len(rasters)
    pages = []
    previous: int | None = None
    for number, raster in enumerate(rasters, start=1):
        page, previous = _measure(raster, number, previous, per_page)
        pages.append(page)
    return Inspection(tuple(pages))


def declared_reasons(codes: object) -> tuple[str, ...]:
    """The codes of :data:`DECLARED` a user chose, checked (a French refusal names the field ``motifs``)."""
    if codes is None:
        return ()
    if isinstance(codes, str) or not isinstance(codes, list | tuple):
        raise ValidationError("motifs : une liste de motifs est attendue.", code="validation", field="motifs")
    unknown = [code for code in codes if not isinstance(code, str) or code not in DECLARED]
    if unknown:
        raise ValidationError(f"motifs : motif inconnu ({', '.join(DECLARED)}).", code="validation", field="motifs")
    return tuple(dict.fromkeys(codes))


def judge(inspection: Inspection, answers: Mapping[tuple[int, str], bool], declared: tuple[str, ...] = ()
          ) -> Judgement:
    """The verdict on the piece: every page must pass every automatic check and get « oui » to each question
    (an unanswered question is a « non »: a piece is sent only when someone looked at it), and the user must have
    declared no reason (``declared``: codes of :data:`DECLARED`, for the whole document)."""
    reasons: list[str] = [f"document : {DECLARED[code]} (constaté)" for code in declared]
    pages: list[dict[str, object]] = []
    for page in inspection.pages:
        verdicts = []
        for verdict in page.verdicts:
            ok = verdict.ok if verdict.ok is not None else answers.get((page.number, verdict.criterion), False)
            reason = verdict.reason if verdict.ok is not None else (
                f"{CRITERIA[verdict.criterion]} : " + ("oui (confirmé)" if ok else "non (confirmé ou sans réponse)"))
            if not ok:
                reasons.append(f"page {page.number} : {reason}")
            verdicts.append(Verdict(verdict.criterion, ok, reason).to_json())
        pages.append({"page": page.number, "largeur": page.width, "hauteur": page.height, "dpi": page.dpi,
                      "inclinaison": page.skew, "verdicts": verdicts})
    return Judgement(not reasons, tuple(reasons), tuple(pages))


def automatic_failures(inspection: Inspection) -> Iterator[str]:
    for page in inspection.pages:
        for verdict in page.failures():
            yield f"page {page.number} : {verdict.reason}"
