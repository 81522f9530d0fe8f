"""Read ids and timestamps from untrusted text (query strings, cursors) the same way everywhere.

Both answer None for anything malformed or out of range, so that a tampered link shows the
first page instead of failing: `str.isdigit` accepts digits `int` refuses ("²"), and Python
accepts UTC offsets (+23:00) and years PostgreSQL refuses.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.services.events import MAX_ID

# Years both Python and PostgreSQL represent once converted to UTC.
MIN_YEAR, MAX_YEAR = 1900, 9998


def parse_id(raw: str | None) -> int | None:
    """A database id (1 to 2**31-1) written in ASCII digits, else None."""
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    number = int(raw)
    return number if 0 < number <= MAX_ID else None


def parse_utc(raw: str | None) -> datetime | None:
    """An ISO 8601 time with a UTC offset, converted to UTC, else None (also without offset)."""
    try:
        parsed = datetime.fromisoformat(raw or "")
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        return None
    return parsed if MIN_YEAR <= parsed.year <= MAX_YEAR else None
