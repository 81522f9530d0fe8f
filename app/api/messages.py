"""The inbox of guest messages: `GET /api/v1/messages`.

`GET /api/v1/messages?direction=inbound&since=<ISO 8601>&limit=<n>&cursor=<c>` →
`{"messages": [{"sid", "from", "body", "kind", "received_at", "event_id"}], "next_cursor"}`,
oldest first. `direction` is `inbound` (the default; the service keeps no other log);
`since` keeps messages received at or after it (no offset means UTC; an unencoded `+`
of its offset, which arrives as a space, is read as `+`); `limit` is 1-500
(default 50); `cursor` is the previous page's `next_cursor`, null on the last page.
Pages are keyed on (received_at, id), so a page never repeats or skips a row while
other messages arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask import Response, jsonify
from sqlalchemy import select, tuple_

from app.api import bp
from app.api.validation import (
    decode_cursor,
    encode_cursor,
    isoformat,
    parse_datetime,
    query_choices,
    query_datetime,
    query_int,
)
from app.extensions import db
from app.models import InboundMessage

DEFAULT_PAGE, MAX_PAGE = 50, 500


@bp.get("/messages")
def list_messages() -> Response:
    """Guest messages received, oldest first, a page at a time."""
    query_choices("direction", ("inbound",))  # the service keeps no log of outbound messages
    since = query_datetime("since")
    limit = query_int("limit", DEFAULT_PAGE, 1, MAX_PAGE)
    cursor = decode_cursor("cursor", str, int)
    after = (parse_datetime(cursor[0], "cursor"), cursor[1]) if cursor else None
    rows = inbound_page(limit + 1, since, after)  # one more tells whether a next page exists
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    return jsonify(
        messages=[message_json(message) for message in page],
        next_cursor=encode_cursor(isoformat(last.received_at) or "", last.id) if last else None,
    )


def inbound_page(
    limit: int, since: datetime | None, after: tuple[datetime, int] | None
) -> Sequence[InboundMessage]:
    """Return up to `limit` inbound messages after the keyset position, oldest first."""
    query = select(InboundMessage).order_by(InboundMessage.received_at, InboundMessage.id)
    if since is not None:
        query = query.where(InboundMessage.received_at >= since)
    if after is not None:
        query = query.where(tuple_(InboundMessage.received_at, InboundMessage.id) > after)
    return db.session.scalars(query.limit(limit)).all()


def message_json(message: InboundMessage) -> dict[str, object]:
    """A guest message as the API returns it."""
    return {
        "sid": message.message_sid,
        "from": message.from_phone,
        "body": message.body,
        "kind": message.kind,
        "received_at": isoformat(message.received_at),
        "event_id": message.event_id,
    }
