"""Parse and check API input (JSON bodies, query parameters, cursors) with precise 400s."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from app.config import is_time_zone
from app.services.guest_search import SEARCH_MAX_LENGTH
from app.services.guest_upload import text_problem
from app.services.guests import clean_name

JSON = "application/json"
# PostgreSQL `integer` ids: a larger id in a URL or cursor can't exist (and must not reach SQL).
MAX_ID = 2**31 - 1
# Years PostgreSQL and Python both represent once converted to UTC.
MIN_YEAR, MAX_YEAR = 1900, 9998
# Numbers past this are mistakes whatever the field (and would overflow a timedelta).
MAX_NUMBER = 1e9


# A time, then a space where the `+` of its UTC offset was: "19:02:00 01:00", "19:02 0100".
_PLUS_AS_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?) (\d{2}(?::?\d{2})?)$")


def json_body() -> Any:
    """Return the parsed JSON body; 415 unless it is `application/json`, 400 when malformed."""
    if request.mimetype != JSON:
        raise UnsupportedMediaType(f"send the body as {JSON}")
    data = request.get_data(cache=False)
    if not data.strip():
        raise BadRequest("the request body is empty: expected a JSON object")
    try:
        return json.loads(data)
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, undecodable bytes, oversized integers
        raise BadRequest(f"malformed JSON: {error}") from None


def json_object(allowed: Iterable[str]) -> dict[str, Any]:
    """Return the JSON body as an object holding only the `allowed` fields."""
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest(f"the body must be a JSON object, not {json_type(body)}")
    allowed = set(allowed)
    unknown = sorted(key for key in body if key not in allowed)
    if unknown:
        expected = ", ".join(repr(key) for key in sorted(allowed))
        raise BadRequest(f"unknown field {unknown[0]!r}: expected {expected}")
    return body


def optional_json_object(allowed: Iterable[str]) -> dict[str, Any]:
    """`json_object`, or `{}` when the request has no body at all."""
    if not request.get_data(cache=True).strip():
        return {}
    return json_object(allowed)


def optional_number(body: dict[str, Any], key: str, default: float) -> float:
    """Return an optional number field (not a boolean), else `default`."""
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"{key!r} must be a number, not {json_type(value)}")
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise BadRequest(f"{key!r} must be a finite number of reasonable size")
    return float(value)


# The coordinates an event may have, and the degrees each spans either way.
COORDINATES = {"latitude": 90, "longitude": 180}


def coordinate_field(body: dict[str, Any], key: str, limit: int) -> Decimal | None:
    """A latitude (`limit` 90) or longitude (180) in degrees, to 6 decimals; None for null."""
    if body.get(key) is None:
        return None
    value = optional_number(body, key, 0.0)
    if not -limit <= value <= limit:
        raise BadRequest(f"{key!r} must be between -{limit} and {limit} degrees, not {value}")
    return Decimal(str(value)).quantize(Decimal("0.000001"))


def optional_bool(body: dict[str, Any], key: str) -> bool:
    """Return an optional boolean field (false when absent)."""
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise BadRequest(f"{key!r} must be true or false, not {json_type(value)}")
    return value


def json_type(value: Any) -> str:
    """Name a decoded JSON value's type the way JSON does, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def name_field(body: dict[str, Any], key: str) -> str:
    """Return a required display name: text, trimmed, 1 to 200 characters, any script."""
    value = body.get(key)
    if value is None:
        raise BadRequest(f"{key!r} is required")
    if not isinstance(value, str):
        raise BadRequest(f"{key!r} must be a string, not {json_type(value)}")
    try:
        return clean_name(value)
    except ValueError as error:
        raise BadRequest(f"{key!r} {error}") from None


def optional_text(body: dict[str, Any], key: str, max_length: int) -> str | None:
    """Return an optional text field, trimmed; blank or null reads as None."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key!r} must be a string or null, not {json_type(value)}")
    value = value.strip()
    if problem := text_problem(value):
        raise BadRequest(f"{key!r} {problem}")
    if len(value) > max_length:
        raise BadRequest(f"{key!r} must be at most {max_length} characters")
    return value or None


def optional_datetime(body: dict[str, Any], key: str, zone: tzinfo = UTC) -> datetime | None:
    """Return an optional ISO 8601 timestamp field (see `parse_datetime`)."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key!r} must be an ISO 8601 string or null, not {json_type(value)}")
    return parse_datetime(value, key, zone)


def parse_datetime(value: str, key: str, zone: tzinfo = UTC) -> datetime:
    """Parse ISO 8601 (`2025-06-01T18:30:00+02:00`, `...Z`); a time without offset is in
    `zone` (UTC unless given)."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRequest(
            f"{key!r} must be an ISO 8601 date-time such as 2025-06-01T18:30:00+02:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        parsed = datetime.min.replace(tzinfo=UTC)
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise BadRequest(f"{key!r} must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return parsed


def isoformat(value: datetime | None) -> str | None:
    """Format a timestamp as ISO 8601 in UTC, or None."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def query_int(name: str, default: int, minimum: int, maximum: int) -> int:
    """Return an integer query parameter within [minimum, maximum]."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name!r} must be an integer, got {raw[:40]!r}") from None
    if not minimum <= value <= maximum:
        raise BadRequest(f"{name!r} must be between {minimum} and {maximum}, got {value}")
    return value


def query_choices(name: str, allowed: Iterable[str]) -> list[str]:
    """Return the comma-separated values of a query parameter, each one of `allowed`."""
    choices = list(allowed)
    values = []
    for raw in request.args.getlist(name):
        for part in raw.split(","):
            value = part.strip().lower()
            if value not in choices:
                raise BadRequest(
                    f"{name!r} must be one of {', '.join(choices)}; got {part.strip()[:40]!r}"
                )
            values.append(value)
    return values


def query_search(name: str) -> str:
    """Return a search query parameter with its whitespace collapsed ("" when absent)."""
    raw = request.args.get(name, "")
    if problem := text_problem(raw):
        raise BadRequest(f"{name!r} {problem}")
    search = " ".join(raw.split())
    if len(search) > SEARCH_MAX_LENGTH:
        raise BadRequest(f"{name!r} must be at most {SEARCH_MAX_LENGTH} characters")
    return search


def query_datetime(name: str) -> datetime | None:
    """Return an optional ISO 8601 query parameter (see `parse_datetime`).

    An unencoded `+` of an offset arrives as a space (form encoding): `...T19:02:00 00:00`
    is read as `...T19:02:00+00:00`.
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    return parse_datetime(_PLUS_AS_SPACE.sub(r"\1+\2", raw.strip()), name)


def encode_cursor(*parts: str | int) -> str:
    """Return an opaque cursor holding `parts` (clients pass it back unchanged)."""
    raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(name: str, *kinds: type) -> list[Any] | None:
    """Return the parts of the query parameter's cursor, checked against `kinds`; None if absent."""
    token = request.args.get(name)
    if token is None or token == "":
        return None
    try:
        parts = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        parts = None
    if not _cursor_matches(parts, kinds):
        raise BadRequest(f"{name!r} is not a cursor this API returned")
    assert isinstance(parts, list)
    return parts


def _cursor_matches(parts: Any, kinds: tuple[type, ...]) -> bool:
    """Whether decoded cursor parts have the expected count and types (ids in range)."""
    if not isinstance(parts, list) or len(parts) != len(kinds):
        return False
    for part, kind in zip(parts, kinds, strict=True):
        if type(part) is not kind:
            return False
        if isinstance(part, int) and not 0 <= part <= MAX_ID:
            return False
    return True


def optional_time_zone(body: dict[str, Any], key: str, default: str) -> str:
    """Return an IANA time zone field ("Europe/Lisbon"), or `default` when absent."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or not is_time_zone(value.strip()):
        raise BadRequest(f"{key!r} must be an IANA time zone such as Europe/Lisbon or UTC")
    return value.strip()


def zone_of(name: str) -> tzinfo:
    """The tzinfo of a checked IANA zone name."""
    return ZoneInfo(name)
