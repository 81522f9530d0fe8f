"""The inbox: guests' messages, newest first, filtered by kind, a page at a time.

A message that asks something, or that the service could not read as an answer, "needs an
answer" (`app.services.conversations`) until the organiser replies after it (from the
guest's conversation), records the RSVP it meant here, or sets it aside here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.dashboard import bp
from app.dashboard.auth import safe_next
from app.models import InboundKind, InboundMessage, Rsvp
from app.services import conversations
from app.services.campaigns import ConflictError, NotFoundError
from app.services.parsing import parse_id, parse_utc
from app.services.rsvps import answer_message
from app.services.user_text import plain_text

PAGE_SIZE = 50
KIND_LABELS = {
    InboundKind.RSVP.value: _l("RSVP"),
    InboundKind.OPTOUT.value: _l("Opt-out"),
    InboundKind.OPTIN.value: _l("Opt-in"),
    InboundKind.TEXT.value: _l("Message"),
    InboundKind.ANSWER.value: _l("Question answered"),
}
NEEDS_ANSWER = "needs"
FILTERS = {**KIND_LABELS, NEEDS_ANSWER: _l("Needs an answer")}
RSVP_BUTTONS = {
    Rsvp.CONFIRMED.value: _l("Yes"),
    Rsvp.DECLINED.value: _l("No"),
    Rsvp.MAYBE.value: _l("Maybe"),
}


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
    needs = kind == NEEDS_ANSWER
    rows = conversations.inbox_page(PAGE_SIZE + 1, None if needs else kind, before, needs)
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
        abort(400, description=_("rsvp must be confirmed, declined or maybe"))
    kind = request.form.get("kind")
    back = url_for("dashboard.inbox", kind=kind if kind in FILTERS else None)
    try:
        invitation = answer_message(message_id, Rsvp(raw))
    except ConflictError as error:
        flash(_("Not set: %(error)s.", error=error), "error")
        return redirect(back)
    name, answer = plain_text(invitation.guest.name), RSVP_BUTTONS[raw]
    flash(_("%(name)s: RSVP set to %(answer)s.", name=name, answer=answer), "success")
    return redirect(back)


@bp.post("/inbox/<int:message_id>/dismiss")
def dismiss_message(message_id: int) -> ResponseReturnValue:
    """Set a guest's message aside (it no longer needs an answer), then go back."""
    try:
        conversations.dismiss(message_id)
    except NotFoundError:
        abort(404, description=_("Message %(id)s does not exist.", id=message_id))
    kind = request.form.get("kind")
    back = request.form.get("next") or url_for(
        "dashboard.inbox", kind=kind if kind in FILTERS else None
    )
    flash(_("Set aside: it no longer needs an answer."), "success")
    return redirect(safe_next(back))
