"""Generated scans for the SCOR tests: a page of « text » (dark word boxes on lines), and its failing variants."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

A4_150 = (1240, 1754)   # an A4 page at 150 dpi


def text_page(seed: int = 1, size: tuple[int, int] = A4_150, paper: int = 250, ink: int = 20) -> Image.Image:
    rnd = random.Random(seed)
    width, height = size
    image = Image.new("L", size, paper)
    draw = ImageDraw.Draw(image)
    line_height = max(12, height // 40)
    y = height // 14
    while y < height - height // 12:
        x = width // 12
        while x < width - width // 6:
            word = rnd.randint(width // 40, width // 9)
            draw.rectangle([x, y, x + word, y + line_height * 2 // 5], fill=ink)
            x += word + width // 50
        y += line_height
    return image


def png(image: Image.Image, dpi: int | None = 150) -> bytes:
    out = io.BytesIO()
    if dpi is None:
        image.save(out, "PNG")
    else:
        image.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def jpeg(image: Image.Image, dpi: int = 150) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", dpi=(dpi, dpi), quality=80)
    return out.getvalue()


def pdf(*pages: Image.Image, dpi: int = 150) -> bytes:
    out = io.BytesIO()
    first, *rest = pages
    first.convert("RGB").save(out, "PDF", save_all=True, append_images=[p.convert("RGB") for p in rest],
                              resolution=float(dpi))
    return out.getvalue()


def good_png() -> bytes:
    return png(text_page())
