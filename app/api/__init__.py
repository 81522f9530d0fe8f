"""The JSON API under `/api/v1`, authenticated with `Authorization: Bearer $API_TOKEN`."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException, Unauthorized

from app.errors import json_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def require_token() -> None:
    """Reject requests without the configured bearer token (fails closed when none is set).

    The token is compared as bytes: `compare_digest` refuses non-ASCII `str`, and a header
    is whatever a client sends (WSGI gives it as Latin-1 text).
    """
    expected = current_app.config["SETTINGS"].api_token
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(token.encode("latin-1", "replace"), expected.encode())
    ):
        raise Unauthorized("a valid 'Authorization: Bearer <API_TOKEN>' header is required")


bp.register_error_handler(HTTPException, json_error)  # every API error as JSON


# Each concern's routes register themselves on `bp`.
from app.api import (  # noqa: E402, F401
    campaigns,
    changes,
    checkins,
    edits,
    events,
    messages,
    questions,
)
