"""Header images of templates: checked with Pillow, kept in PostgreSQL, served by token.

WhatsApp takes a JPEG or PNG header of at most 5 MB; the image is served at
`/media/<token>` (a random 32-byte token: unguessable) for Twilio and WhatsApp to fetch.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from app.extensions import db
from app.models import TemplateImage

MAX_BYTES = 5 * 1024 * 1024
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
# Far below Pillow's decompression-bomb limit: a header is a card, not a poster.
MAX_PIXELS = 25_000_000


class ImageError(ValueError):
    """An upload that is not a header image WhatsApp would take."""


@dataclass(frozen=True)
class CheckedImage:
    """An image WhatsApp takes as a header."""

    content_type: str
    width: int
    height: int


def check_image(data: bytes) -> CheckedImage:
    """Return what the image is; raise ImageError when it is not a JPEG or PNG up to 5 MB."""
    if len(data) > MAX_BYTES:
        raise ImageError(
            _(
                "The image is %(size)s MB; WhatsApp takes up to 5 MB.",
                size=format_decimal(round(len(data) / 1048576, 1), "0.0"),
            )
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
                image.verify()
    except UnidentifiedImageError:
        raise ImageError(_("The file is not an image: upload a JPEG or PNG.")) from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageError(_("The image has too many pixels: make it smaller.")) from None
    except (OSError, SyntaxError, ValueError):
        raise ImageError(_("The image is damaged: upload it again, or another one.")) from None
    if kind not in FORMATS:
        raise ImageError(
            _("The image is a %(kind)s; WhatsApp takes a JPEG or PNG header.", kind=kind)
        )
    if width * height > MAX_PIXELS:
        raise ImageError(
            _(
                "The image has too many pixels (%(width)sx%(height)s): make it smaller.",
                width=width,
                height=height,
            )
        )
    return CheckedImage(FORMATS[kind], width, height)


def store_image(data: bytes) -> str:
    """Check and keep an uploaded image (in the caller's transaction); return its token."""
    checked = check_image(data)
    token = secrets.token_urlsafe(32)
    db.session.add(
        TemplateImage(
            token=token,
            content_type=checked.content_type,
            data=data,
            width=checked.width,
            height=checked.height,
        )
    )
    db.session.flush()  # before the template that names it (no ORM relationship orders them)
    return token


def find_image(token: str) -> TemplateImage | None:
    """The image of this token, if any."""
    return db.session.get(TemplateImage, token) if len(token) <= 43 else None
