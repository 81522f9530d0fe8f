"""A guest's conversation: every message both ways, and the organiser's reply to it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.dashboard import bp
from app.dashboard.forms import ReplyForm
from app.models import MessageKind
from app.services import conversations, event_questions
from app.services.campaigns import KIND_LABELS, ConflictError, NotFoundError
from app.services.conversations import CONFIRMATION, QUESTION, Thread
from app.services.user_text import plain_text
from app.urls import guest_page_url

# How the thread names what the service sent (a template's text is not stored): each kind
# by its declared label, the organiser's own words and a seat offer said as they read here.
SENT_LABELS = {
    **{kind.value: label for kind, label in KIND_LABELS.items()},
    MessageKind.REPLY.value: _l("Your reply"),
    # The answer to a guest's yes, sent by the engine once a spooled message was replayed.
    CONFIRMATION: _l("Late confirmation"),
    # A question the service asked: how many are coming, or one of the event's questions.
    QUESTION: _l("Automatic question"),
    MessageKind.OFFER.value: _l("Seat offer"),
}
RECEIVED_LABELS = {
    "rsvp": _l("Answer"),
    "optout": _l("Opted out"),
    "optin": _l("Opted in"),
    "text": _l("Message"),
    "answer": _l("Question answered"),
}
# A tap on a seat offer's button (`ButtonPayload`), named by what it did.
OFFER_ANSWER_LABELS = {"claim": _l("Claimed the seat"), "pass": _l("Passed on the seat")}
# A sent message's delivery status (`DeliveryStatus`), else its send state (`SendState`).
STATUS_LABELS = {
    "pending": _l("Pending"),
    "paused": _l("Paused"),
    "sending": _l("Sending"),
    "accepted": _l("Accepted"),
    "queued": _l("Queued"),
    "scheduled": _l("Scheduled"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "read": _l("Read"),
    "undelivered": _l("Undelivered"),
    "failed": _l("Failed"),
    "canceled": _l("Canceled"),
}


def load_thread(guest_id: int) -> Thread:
    """The guest's conversation, or a 404 page."""
    try:
        return conversations.thread(guest_id)
    except NotFoundError:
        abort(404, description=_("Guest %(id)s does not exist.", id=guest_id))


def render_thread(thread: Thread, form: ReplyForm, status: int = 200) -> ResponseReturnValue:
    """The conversation page with its reply form."""
    return render_template(
        "dashboard/conversation.html",
        thread=thread,
        guest=thread.guest,
        event=thread.guest.event,
        form=form,
        sent_labels=SENT_LABELS,
        received_labels=RECEIVED_LABELS,
        offer_answer_labels=OFFER_ANSWER_LABELS,
        status_labels=STATUS_LABELS,
        guest_page_url=guest_page_url,
        # What the messages holding an answer to one of the event's questions answer.
        answered=event_questions.answered_by(
            message.id for message in thread.messages if message.incoming
        ),
    ), status


@bp.get("/guests/<int:guest_id>/conversation")
def conversation(guest_id: int) -> ResponseReturnValue:
    """Every message to and from the guest, oldest first, and the reply box."""
    return render_thread(load_thread(guest_id), ReplyForm(formdata=None))


@bp.post("/guests/<int:guest_id>/replies")
def reply(guest_id: int) -> ResponseReturnValue:
    """Send the organiser's reply (queued: the engine sends it), then show the conversation."""
    thread = load_thread(guest_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_thread(thread, form, 400)
    try:
        conversations.send_reply(guest_id, form.body.data or "")
    except ValueError as error:
        form.body.errors = [str(error)[:1].upper() + str(error)[1:] + "."]
        return render_thread(thread, form, 400)
    except ConflictError as error:
        flash(_("Not sent: %(error)s.", error=error), "error")
        return redirect(url_for("dashboard.conversation", guest_id=guest_id))
    name = plain_text(thread.guest.name)
    flash(_("Reply to %(name)s queued: it goes out in seconds.", name=name), "success")
    return redirect(url_for("dashboard.conversation", guest_id=guest_id))
