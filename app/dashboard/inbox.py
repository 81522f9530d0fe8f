"""The inbox: guests' messages, newest first, filtered by kind, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Row, select, tuple_

from app.dashboard import bp
from app.extensions import db
from app.models import Event, Guest, InboundKind, InboundMessage
from app.services.parsing import parse_id, parse_utc

PAGE_SIZE = 50
KIND_LABELS = {
    InboundKind.RSVP.value: "RSVP",
    InboundKind.OPTOUT.value: "Opt-out",
    InboundKind.OPTIN.value: "Opt-in",
    InboundKind.TEXT.value: "Message",
}


def inbox_page(
    limit: int, kind: str | None, before: tuple[datetime, int] | None
) -> Sequence[Row[InboundMessage, str, str]]:
    """Up to `limit` messages older than the keyset position `before`, newest first.

    Each row has the `InboundMessage`, its event's name and its guest's name (or None).
    """
    query = (
        select(InboundMessage, Event.name.label("event_name"), Guest.name.label("guest_name"))
        .outerjoin(Event, Event.id == InboundMessage.event_id)
        .outerjoin(Guest, Guest.id == InboundMessage.guest_id)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    )
    if kind is not None:
        query = query.where(InboundMessage.kind == InboundKind(kind))
    if before is not None:
        query = query.where(tuple_(InboundMessage.received_at, InboundMessage.id) < before)
    return db.session.execute(query).all()


def encode_position(message: InboundMessage) -> str:
    """The cursor of the page after `message`: its receipt time and id."""
    return f"{message.received_at.astimezone(UTC).isoformat()}~{message.id}"


def decode_position(raw: str | None) -> tuple[datetime, int] | None:
    """Read a cursor made by `encode_position`; anything else starts from the newest."""
    if not raw or "~" not in raw:
        return None
    stamp, _, number = raw.rpartition("~")
    received_at, message_id = parse_utc(stamp), parse_id(number)
    if received_at is None or message_id is None:
        return None
    return received_at, message_id


@bp.get("/inbox")
def inbox() -> ResponseReturnValue:
    """Guests' messages: RSVPs, opt-outs and free text, newest first."""
    kind = request.args.get("kind") or None
    if kind not in KIND_LABELS:
        kind = None
    before = decode_position(request.args.get("before"))
    rows = inbox_page(PAGE_SIZE + 1, kind, before)
    page = rows[:PAGE_SIZE]
    next_before = encode_position(page[-1].InboundMessage) if len(rows) > PAGE_SIZE else None
    return render_template(
        "dashboard/inbox.html",
        rows=page,
        kind=kind,
        kinds=KIND_LABELS,
        next_before=next_before,
        paged=before is not None,
    )
