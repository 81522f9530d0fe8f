"""A pass as the guest shows it at the door: the QR code and, under it, what people read.

The card carries the event, its time in the event's zone, the guest's name, their party and
the code written out, so that door staff without a scanner (or a guest whose phone shows the
image small) can still read it. Text is laid out with Pillow's Raqm engine where Pillow has
it (Arabic joined and right to left), in DejaVu Sans shipped with the service (its licence
beside it in app/guest_pages/fonts), so the card looks the same on any host. Raqm needs the
system's FriBidi (the Dockerfile installs it); where it is missing, a line in a script that
must be joined (Arabic) is left off the card rather than drawn as separate letters in the
wrong order: the QR code and the code written out are always there.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont, features

log = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent.parent / "guest_pages" / "fonts"
WIDTH = 600
MARGIN = 36
INK = (17, 24, 39)
MUTED = (75, 85, 99)
GREEN = (4, 120, 87)
# Each line: its size in pixels (shrunk to fit the width, down to MIN_SIZE) and weight.
MIN_SIZE = 14
QR_SCALE = 14  # a version-1 code (21 modules + 4 of border each side) is 406 px
# Letters that only read right when shaped (Arabic and its presentation forms).
JOINED = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
SHAPES = features.check("raqm")


@dataclass(frozen=True)
class CardText:
    """What the card says besides its QR code."""

    event: str
    when: str | None
    guest: str
    party: str  # "3 people", in the guest's language
    code: str  # as written out: "K7QM-2XDP"


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at `size` px."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def _fitted(
    draw: ImageDraw.ImageDraw, words: str, size: int, bold: bool
) -> tuple[str, ImageFont.FreeTypeFont]:
    """The largest font up to `size` in which `words` fit the card's width, and the words
    (cut short with an ellipsis when even MIN_SIZE is too wide)."""
    room = WIDTH - 2 * MARGIN
    while size > MIN_SIZE and draw.textlength(words, font=_font(size, bold)) > room:
        size -= 2
    font = _font(size, bold)
    while len(words) > 1 and draw.textlength(words, font=font) > room:
        words = words[:-2].rstrip() + "…"
    return words, font


def draw(code_text: str, text: CardText) -> bytes:
    """The PNG of a pass: the QR code of `code_text`, then the card's lines, centred."""
    qr = io.BytesIO()
    segno.make_qr(code_text, error="m").save(qr, kind="png", scale=QR_SCALE, border=4)
    code_image = Image.open(io.BytesIO(qr.getvalue())).convert("RGB")
    lines = [
        (text.event, 30, True, INK),
        (text.when, 22, False, MUTED),
        (text.guest, 34, True, INK),
        (text.party, 24, False, MUTED),
        (text.code, 44, True, GREEN),
    ]
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    fitted = [
        (*_fitted(probe, words, size, bold), color)
        for words, size, bold, color in lines
        if words and _drawable(words)
    ]
    heights = [int(font.size * 1.5) for _, font, _ in fitted]
    card = Image.new("RGB", (WIDTH, code_image.height + sum(heights) + MARGIN), "white")
    card.paste(code_image, ((WIDTH - code_image.width) // 2, 0))
    pen = ImageDraw.Draw(card)
    y = code_image.height
    for (words, font, color), height in zip(fitted, heights, strict=True):
        pen.text((WIDTH // 2, y + height // 2), words, font=font, fill=color, anchor="mm")
        y += height
    out = io.BytesIO()
    card.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _drawable(words: str) -> bool:
    """Whether this host draws `words` right: any text with Raqm, else no joined script."""
    if SHAPES or not JOINED.search(words):
        return True
    log.warning("pass card: a line in Arabic script left off (Pillow has no Raqm/FriBidi)")
    return False
