"""Guests' messages: the inbox (`GET /api/v1/messages`) and each guest's conversation.

`GET /api/v1/messages?direction=inbound&since=<ISO 8601>&limit=<n>&cursor=<c>` →
`{"messages": [{"sid", "from", "body", "kind", "received_at", "event_id"}], "next_cursor"}`,
oldest first. `direction` is `inbound` (the default; the service keeps no other log);
`since` keeps messages received at or after it (no offset means UTC; an unencoded `+`
of its offset, which arrives as a space, is read as `+`); `limit` is 1-500
(default 50); `cursor` is the previous page's `next_cursor`, null on the last page.
Pages are keyed on (received_at, id), so a page never repeats or skips a row while
other messages arrive.

`GET /api/v1/guests/<id>/messages` → the guest's conversation, oldest first: every message
both ways (`direction` in or out, `kind`, `body`, `status` of what was sent, `needs_answer`
of what they wrote), and `window_closes_at`, until when free text reaches them.
`POST /api/v1/guests/<id>/messages {"body"}` → 202 with the queued reply; 409 outside the
guest's 24-hour window. `POST /api/v1/messages/<id>/dismiss` sets a guest's message aside.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask import Response, jsonify, url_for
from sqlalchemy import select, tuple_
from werkzeug.exceptions import BadRequest

from app.api import bp
from app.api.validation import (
    decode_cursor,
    encode_cursor,
    isoformat,
    json_object,
    parse_datetime,
    query_choices,
    query_datetime,
    query_int,
)
from app.extensions import db
from app.models import InboundMessage, Invitation
from app.services import conversations
from app.services.conversations import ThreadMessage

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


@bp.get("/guests/<int:guest_id>/messages")
def guest_messages(guest_id: int) -> Response:
    """The guest's conversation, oldest first, and until when a reply reaches them."""
    thread = conversations.thread(guest_id)
    return jsonify(
        guest_id=guest_id,
        messages=[thread_message_json(message) for message in thread.messages],
        window_closes_at=isoformat(thread.window_closes_at),
        window_open=thread.window_open,
    )


@bp.post("/guests/<int:guest_id>/messages")
def reply_to_guest(guest_id: int) -> tuple[Response, int, dict[str, str]]:
    """Queue the organiser's reply to the guest: 202; 409 outside their 24-hour window."""
    body = json_object(("body",))
    text = body.get("body")
    if not isinstance(text, str):
        raise BadRequest("'body' is required: the reply's text")
    try:
        reply = conversations.send_reply(guest_id, text)
    except ValueError as error:
        raise BadRequest(f"'body': {error}") from None
    location = url_for("api.guest_messages", guest_id=guest_id)
    return jsonify(reply_json(reply)), 202, {"Location": location}


@bp.post("/messages/<int:message_id>/dismiss")
def dismiss_message(message_id: int) -> Response:
    """Set a guest's message aside: it no longer needs an answer."""
    message = conversations.dismiss(message_id)
    return jsonify({**message_json(message), "dismissed_at": isoformat(message.dismissed_at)})


def thread_message_json(message: ThreadMessage) -> dict[str, object]:
    """One message of a conversation as the API returns it."""
    return {
        "id": message.id,
        "direction": "in" if message.incoming else "out",
        "at": isoformat(message.at),
        "kind": message.kind,
        "body": message.body,
        "body_derived": message.derived,
        "status": message.status,
        "error": message.error,
        "needs_answer": message.needs_answer,
    }


def reply_json(reply: Invitation) -> dict[str, object]:
    """A queued reply."""
    return {
        "id": reply.id,
        "guest_id": reply.guest_id,
        "kind": reply.kind.value,
        "body": reply.body,
        "send_state": reply.send_state.value,
        "created_at": isoformat(reply.created_at),
    }
