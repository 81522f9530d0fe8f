"""The one shape of a JSON error: `{"error": "<HTTP status name>", "message": "<why>"}`."""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException


def json_error(error: HTTPException) -> tuple[Response, int]:
    """Answer an HTTP error as JSON, with its status code."""
    return jsonify(error=error.name, message=error.description), error.code or 500
