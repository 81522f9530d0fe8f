"""The audit trail: `GET /api/v1/audit` (owners only), newest first, a page at a time.

Filters, each optional: `action` (exact, or a prefix ending in a dot: `campaign.`),
`actor` (part of the email, or `API_TOKEN`, `cli`), `event_id`, `since` and `until`
(ISO 8601), `limit` 1-500 (default 100), `cursor` (the previous page's `next_cursor`).
→ `{"entries": [{"id", "at", "actor", "actor_id", "via", "action", "event_id", "target",
"detail", "address"}], "next_cursor"}`.
"""

from __future__ import annotations

from flask import Response, jsonify, request
from werkzeug.exceptions import BadRequest

from app.api import bp
from app.api.validation import decode_cursor, encode_cursor, query_datetime, query_int
from app.services import audit
from app.services.audit import AuditFilter
from app.services.events import MAX_ID

MAX_PAGE = 500
MAX_FILTER_LENGTH = 254


@bp.get("/audit")
def audit_log() -> Response:
    """Entries of the audit trail, newest first."""
    limit = query_int("limit", audit.PAGE_SIZE, 1, MAX_PAGE)
    cursor = decode_cursor("cursor", int)
    where = AuditFilter(
        action=text_filter("action"),
        actor=text_filter("actor"),
        event_id=query_int("event_id", 0, 1, MAX_ID) or None,
        since=query_datetime("since"),
        until=query_datetime("until"),
        before_id=cursor[0] if cursor else None,
    )
    rows = audit.entries(where, limit + 1)
    page = rows[:limit]
    more = len(rows) > limit
    return jsonify(
        entries=[audit.as_json(entry) for entry in page],
        next_cursor=encode_cursor(page[-1].id) if more else None,
    )


def text_filter(name: str) -> str | None:
    """A short text filter from the query string, or None."""
    raw = request.args.get(name, "").strip()
    if len(raw) > MAX_FILTER_LENGTH or not raw.isprintable():
        raise BadRequest(f"{name!r} must be printable text of at most {MAX_FILTER_LENGTH}")
    return raw or None
