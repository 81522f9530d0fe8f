"""The pass's image: its QR code reads back to the code, and under it the card's lines are
drawn inside the card, in any script, however long the words."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import zxingcpp
from PIL import Image

from app.sending.message import format_start
from app.services import pass_card
from app.services.pass_card import GREEN, MARGIN, WIDTH, CardText, draw

START = datetime(2027, 6, 5, 17, 30, tzinfo=UTC)


def card(language: str = "en", **text: str) -> Image.Image:
    fields = {
        "event": "Summer gala",
        "when": format_start(START, "Europe/Madrid", language),
        "guest": "Ana García",
        "party": "3 people",
        "code": "K7QM-2XDP",
        **text,
    }
    return Image.open(io.BytesIO(draw("K7QM-2XDP", CardText(**fields)))).convert("RGB")


def colors(image: Image.Image) -> dict[tuple[int, int, int], int]:
    """How many pixels of each colour the image has."""
    return {color: count for count, color in image.getcolors(maxcolors=1 << 24) or []}


def inked(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many pixels in `box` are not white."""
    area = image.crop(box)
    return area.width * area.height - colors(area).get((255, 255, 255), 0)


def text_area(image: Image.Image) -> int:
    """Where the lines start: below the QR code (a square as wide as it is high)."""
    [found] = zxingcpp.read_barcodes(image)
    return int(max(point.y for point in (found.position.bottom_left, found.position.bottom_right)))


def test_the_qr_code_reads_back_to_the_code_and_the_lines_are_under_it() -> None:
    image = card()
    assert [found.text for found in zxingcpp.read_barcodes(image)] == ["K7QM-2XDP"]
    below = text_area(image) + 20
    assert image.width == WIDTH and image.height > below + 150
    assert inked(image, (0, below, WIDTH, image.height)) > 2000
    assert colors(image).get(GREEN, 0) > 500  # the code, written out in the pass's green


def test_the_guest_and_their_party_are_drawn() -> None:
    assert card().tobytes() != card(guest="Bo Li").tobytes()
    assert card().tobytes() != card(party="2 people").tobytes()


def test_arabic_and_very_long_words_stay_inside_the_card() -> None:
    long = "Annual general assembly of the neighbourhood association " * 5
    for image in (
        card("ar", event="حفل الصيف", guest="ليلى حداد", party="3 أشخاص"),
        card(event=long, guest="María José de la Santísima Trinidad " * 3),
    ):
        below = text_area(image) + 20
        left, right = (
            (0, below, MARGIN - 4, image.height),
            (WIDTH - MARGIN + 4, below, WIDTH, image.height),
        )
        assert inked(image, left) == inked(image, right) == 0
        assert inked(image, (MARGIN, below, WIDTH - MARGIN, image.height)) > 2000


def test_without_a_shaper_arabic_lines_are_left_off_not_drawn_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arabic = {"event": "حفل الصيف", "guest": "ليلى حداد", "party": "3 أشخاص"}
    shaped = card("ar", **arabic)
    monkeypatch.setattr(pass_card, "SHAPES", False)
    unshaped = card("ar", **arabic)
    assert unshaped.height < shaped.height  # three lines fewer
    assert [found.text for found in zxingcpp.read_barcodes(unshaped)] == ["K7QM-2XDP"]
    assert colors(unshaped).get(GREEN, 0) > 500  # the code is still written out
    assert card(**{"guest": "Ana García"}).height == card().height  # Latin is drawn anyway
