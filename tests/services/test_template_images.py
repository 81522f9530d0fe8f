"""Header images as WhatsApp takes them: a JPEG or PNG of at most 5 MB and sane pixels."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.services.template_images import ImageError, check_image


def picture(kind: str, size: tuple[int, int]) -> bytes:
    """An image of this format and size."""
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize(("kind", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_a_png_or_jpeg_is_taken_with_its_size(kind: str, content_type: str) -> None:
    checked = check_image(picture(kind, (800, 418)))

    assert (checked.content_type, checked.width, checked.height) == (content_type, 800, 418)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024), "up to 5 MB"),
        (picture("PNG", (6000, 5000)), "too many pixels"),
        (picture("WEBP", (10, 10)), "JPEG or PNG"),
        (b"%PDF-1.7 not a picture", "not an image"),
        (picture("PNG", (50, 50))[:-30], "damaged"),
    ],
)
def test_anything_else_is_refused_with_the_reason(data: bytes, problem: str) -> None:
    with pytest.raises(ImageError) as refused:
        check_image(data)

    assert problem in str(refused.value)
