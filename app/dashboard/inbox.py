"""The inbox: guests' messages, newest first, filtered by kind, a page at a time.

A message from an invited guest that the service did not read as an answer "needs an
answer" until an RSVP is recorded after it; the organiser sets it here in one click.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, Row, and_, or_, select, tuple_

from app.dashboard import bp
from app.extensions import db
from app.models import Event, Guest, InboundKind, InboundMessage, Invitation, MessageKind, Rsvp
from app.services.campaigns import ConflictError
from app.services.parsing import parse_id, parse_utc
from app.services.rsvps import answer_message
from app.services.user_text import plain_text

PAGE_SIZE = 50
KIND_LABELS = {
    InboundKind.RSVP.value: "RSVP",
    InboundKind.OPTOUT.value: "Opt-out",
    InboundKind.OPTIN.value: "Opt-in",
    InboundKind.TEXT.value: "Message",
}
NEEDS_ANSWER = "needs"
FILTERS = {**KIND_LABELS, NEEDS_ANSWER: "Needs an answer"}
RSVP_BUTTONS = {Rsvp.CONFIRMED.value: "Yes", Rsvp.DECLINED.value: "No", Rsvp.MAYBE.value: "Maybe"}

# Text from an invited guest with no RSVP recorded since it arrived.
NEEDS_ANSWER_WHERE: ColumnElement[bool] = and_(
    InboundMessage.kind == InboundKind.TEXT,
    Invitation.id.is_not(None),
    or_(Invitation.rsvp_at.is_(None), Invitation.rsvp_at < InboundMessage.received_at),
)


def inbox_page(
    limit: int, kind: str | None, before: tuple[datetime, int] | None
) -> Sequence[Row[InboundMessage, str, str, Rsvp | None, bool]]:
    """Up to `limit` messages older than the keyset position `before`, newest first.

    Each row has the `InboundMessage`, its event's name, its guest's name (or None), the
    guest's current RSVP and whether the message needs an answer. `kind` is an
    `InboundKind` value or NEEDS_ANSWER.
    """
    query = (
        select(
            InboundMessage,
            Event.name.label("event_name"),
            Guest.name.label("guest_name"),
            Invitation.rsvp,
            NEEDS_ANSWER_WHERE.label("needs_answer"),
        )
        .outerjoin(Event, Event.id == InboundMessage.event_id)
        .outerjoin(Guest, Guest.id == InboundMessage.guest_id)
        .outerjoin(
            Invitation,
            (Invitation.guest_id == InboundMessage.guest_id)
            & (Invitation.kind == MessageKind.INVITATION),
        )
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    )
    if kind == NEEDS_ANSWER:
        query = query.where(NEEDS_ANSWER_WHERE)
    elif kind is not None:
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
    if kind not in FILTERS:
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
        filters=FILTERS,
        rsvp_buttons=RSVP_BUTTONS,
        next_before=next_before,
        paged=before is not None,
    )


@bp.post("/inbox/<int:message_id>/rsvp")
def answer_from_inbox(message_id: int) -> ResponseReturnValue:
    """Record the RSVP the organiser read in a guest's message, then go back to the inbox."""
    raw = request.form.get("rsvp", "")
    if raw not in RSVP_BUTTONS:
        abort(400, description="rsvp must be confirmed, declined or maybe")
    kind = request.form.get("kind")
    back = url_for("dashboard.inbox", kind=kind if kind in FILTERS else None)
    try:
        invitation = answer_message(message_id, Rsvp(raw))
    except ConflictError as error:
        flash(f"Not set: {error}.", "error")
        return redirect(back)
    flash(f"{plain_text(invitation.guest.name)}: RSVP set to {RSVP_BUTTONS[raw]}.", "success")
    return redirect(back)
