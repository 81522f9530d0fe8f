"""Templates' header images, public at `/media/<token>`: Twilio and WhatsApp fetch them.

The token is random (32 bytes) and an image never changes under it, so any cache may keep
it; no session is read or set. Not rate-limited per address, as guest pages are: every
message of a campaign may have its header fetched, from Twilio's few addresses.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort

from app.services.template_images import find_image
from app.urls import MEDIA_PATH

bp = Blueprint("media", __name__)

CACHED = {"Cache-Control": "public, max-age=31536000, immutable", "X-Robots-Tag": "noindex"}


@bp.get(f"{MEDIA_PATH}<image_token>")
def image(image_token: str) -> Response:
    """Serve a header image by its token; 404 for any other."""
    found = find_image(image_token)
    if found is None:
        abort(404)
    return Response(found.data, mimetype=found.content_type, headers=CACHED)
