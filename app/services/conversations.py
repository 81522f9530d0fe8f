"""A guest's conversation: every message both ways, and the organiser's replies.

A reply is the organiser's own words. WhatsApp delivers free text only within 24 hours of
the guest's last message, so a reply is refused outside that window (only an approved
template reaches the guest then), and the engine checks again when it claims it. It is a
row of kind `reply` in `invitations`, sent by the engine like every other message: paced,
reconciled, exactly once. The same text sent to the same guest twice within a few seconds
(a double click, a retried request) is one reply.

A guest's message "needs an answer" when it asks something (a question mark in any of the
scripts guests write, or a question's opening words: "yes, can I bring my son"), or when it
is text the service could not read as an answer and no RSVP was recorded after it; until the
organiser replies after it or sets it aside.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Row, Select, and_, exists, or_, select, tuple_
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    Event,
    Guest,
    InboundKind,
    InboundMessage,
    Invitation,
    MessageKind,
    Rsvp,
    SendState,
)
from app.models.base import utcnow
from app.sending.kinds import kind_of
from app.sending.notices import pass_text
from app.services.campaigns import (
    ConflictError,
    NotFoundError,
    guest,
    message_defaults,
    wake_sender,
)
from app.services.user_text import has_visible_text
from app.services.wording import guest_language, invitation_text

log = logging.getLogger(__name__)

# WhatsApp delivers free text within this long after the guest's last message.
WINDOW = timedelta(hours=24)
# Twilio's limit for a WhatsApp message body.
REPLY_MAX_LENGTH = 1600
# The same text to the same guest within this long is the same reply.
SAME_REPLY_WITHIN = timedelta(seconds=30)
QUESTION_MARKS = "[?¿؟]"  # the Latin, Spanish and Arabic question marks
# Questions written without a mark ("yes, can I bring my son", "sí, puedo llevar a mi hijo"):
# their opening words in en/es/pt/fr/ar, as a PostgreSQL regular expression (case ignored).
QUESTION_WORDS = "|".join((
    "(can|could|may|shall|should) (i|we)", "(do|does) (i|we|you)", "will (i|we|you|there)",
    "(is|are) (there|it ok|it possible|it fine|kids|children)", "what time", "what should",
    "how (many|much|long|late)", "where (is|are|do|will)", "when (is|does|do|will)",
    "(puedo|podemos|se puede) (llevar|traer|ir con|invitar)", "a qu[eé] hora",
    "d[oó]nde (es|ser[aá]|queda)", "hay (parking|aparcamiento|estacionamiento)",
    "(posso|podemos|pode) (levar|trazer|ir com|convidar)", "que horas", "tem estacionamento",
    "onde (é|e|fica|vai ser|ser[aá])", "puis[- ]je", "peut[- ]on", "est[- ]ce qu",
    "(je|on|nous) (peux|peut|pouvons) (amener|emmener|inviter)", "[aà] quelle heure",
    "o[uù] (est|se trouve|a lieu)", "y a[- ]t[- ]il",
    "و?هل", "متى", "وين", "فين", "أين", "(ممكن|ينفع|أقدر|اقدر|مسموح) (أجيب|اجيب|أحضر معي)",
))  # fmt: skip
ASKING = f"{QUESTION_MARKS}|(^|[\\s,.;:!¡(…،])({QUESTION_WORDS})($|[\\s,.;:!)…،])"

REPLY = MessageKind.REPLY
# A thread's names for the replies the service wrote for itself: a confirmation owed after an
# outage, and a question (with buttons, or asked again).
CONFIRMATION = "confirmation"
QUESTION = "question"
_invitation = aliased(Invitation, name="invitation")
_reply = aliased(Invitation, name="reply")

# The sender's invitation (to join), and what makes their message need an answer.
INVITED = and_(_invitation.guest_id == InboundMessage.guest_id, _invitation.kind == "invitation")
ASKS: ColumnElement[bool] = InboundMessage.body.regexp_match(ASKING, flags="i")
UNREAD_TEXT: ColumnElement[bool] = and_(
    InboundMessage.kind == InboundKind.TEXT,
    or_(_invitation.rsvp_at.is_(None), _invitation.rsvp_at < InboundMessage.received_at),
)
REPLIED_AFTER = exists().where(
    _reply.guest_id == InboundMessage.guest_id,
    _reply.kind == REPLY,
    _reply.by_service.is_(False),  # the organiser's own words, not the service's
    _reply.created_at > InboundMessage.received_at,
)
NEEDS_ANSWER: ColumnElement[bool] = and_(
    _invitation.id.is_not(None),
    InboundMessage.dismissed_at.is_(None),
    or_(ASKS, UNREAD_TEXT),
    ~REPLIED_AFTER,
)


Query = TypeVar("Query", bound="Select[*tuple[Any, ...]]")


def with_invitation(query: Query) -> Query:
    """`query` over inbound messages joined to their sender's invitation (for NEEDS_ANSWER)."""
    return query.outerjoin(_invitation, INVITED)


@dataclass(frozen=True)
class ThreadMessage:
    """One message of a conversation, either way."""

    id: int
    incoming: bool
    at: datetime
    kind: str  # incoming: rsvp, optout, optin, text; outgoing: invitation, reminder, ...
    # Incoming: as written. Outgoing: a reply's text; an invitation sent without a template:
    # its plain text as the event reads now (`derived`); sent with a template: None.
    body: str | None
    status: str | None  # outgoing: its delivery status, else its send state
    error: str | None  # outgoing: why it failed
    needs_answer: bool = False
    derived: bool = False
    button: str | None = None  # incoming: the id of the button tapped ("claim"), if any


@dataclass(frozen=True)
class Thread:
    """A guest's conversation, oldest first, and until when free text reaches them."""

    guest: Guest
    messages: list[ThreadMessage]
    window_closes_at: datetime | None  # None: the guest never wrote

    @property
    def window_open(self) -> bool:
        """Whether a reply can be sent now."""
        return self.window_closes_at is not None and self.window_closes_at > utcnow()


def thread(guest_id: int, limit: int = 200) -> Thread:
    """The guest's last `limit` messages both ways, oldest first; NotFoundError."""
    found = guest(guest_id)
    incoming = db.session.execute(
        with_invitation(
            select(InboundMessage, NEEDS_ANSWER.label("needs_answer"))
            .where(InboundMessage.guest_id == guest_id)
            .order_by(InboundMessage.received_at.desc())
            .limit(limit)
        )
    ).all()
    outgoing = db.session.scalars(
        select(Invitation)
        .where(Invitation.guest_id == guest_id)
        .order_by(Invitation.created_at.desc())
        .limit(limit)
    ).all()
    messages = [_incoming(row.InboundMessage, row.needs_answer) for row in incoming]
    messages += [_outgoing(row, found) for row in outgoing]
    messages.sort(key=lambda message: (message.at, message.incoming))
    return Thread(found, messages[-limit:], window_closes_at(found))


def _incoming(message: InboundMessage, needs_answer: bool) -> ThreadMessage:
    """A guest's message in the thread."""
    return ThreadMessage(
        message.id,
        True,
        message.received_at,
        message.kind.value,
        message.body,
        None,
        None,
        bool(needs_answer),
        button=(message.button_payload or "").strip().lower() or None,
    )


def _outgoing(row: Invitation, to: Guest) -> ThreadMessage:
    """A message to the guest in the thread, at the time it was accepted (else queued); a
    pass with its words (its image went with it), whichever way it was sent."""
    status = row.delivery_status.value if row.delivery_status else row.send_state.value
    language = guest_language(to.language, to.phone)
    plain = row.body is None and _sent_as_plain_text(row.kind, to)
    text = invitation_text(to.event, language, to.name, row.kind) if plain else row.body
    if row.kind == MessageKind.PASS and row.pass_code:
        plain = True
        text = pass_text(language, to.name, to.event.name, to.party_size or 1, row.pass_code)
    return ThreadMessage(
        row.id,
        False,
        row.accepted_at or row.created_at,
        _outgoing_kind(row),
        text,
        status,
        row.error_reason,
        derived=plain,
    )


def _outgoing_kind(row: Invitation) -> str:
    """A sent message's kind in the thread: a reply the service wrote names what it is."""
    if not row.by_service:
        return row.kind.value
    return CONFIRMATION if row.answers_message_id is not None else QUESTION


def _sent_as_plain_text(kind: MessageKind, to: Guest) -> bool:
    """Whether the engine writes this kind to this guest as its own plain text (no template
    applies), as `app.sending.message.build_params` decides."""
    spec = kind_of(kind)
    return (spec.free_text or spec.text_in_window) and not message_defaults().template_for(
        guest_language(to.language, to.phone), kind
    )


def window_closes_at(found: Guest) -> datetime | None:
    """When free text stops reaching the guest: 24 hours after their last message."""
    last = db.session.scalar(
        select(InboundMessage.received_at)
        .where(InboundMessage.from_phone == f"whatsapp:{found.phone}")
        .order_by(InboundMessage.received_at.desc())
        .limit(1)
    )
    return last + WINDOW if last is not None else None


def send_reply(guest_id: int, body: str) -> Invitation:
    """Queue the organiser's reply to a guest (202 semantics); the same one again within a
    few seconds is the first.

    Raises:
        ValueError: the text is empty or too long.
        NotFoundError: no such guest.
        ConflictError: outside the guest's 24-hour window, or the guest opted out.
    """
    text = body.strip()
    if not has_visible_text(text) or len(text) > REPLY_MAX_LENGTH:
        raise ValueError(
            _(
                "a reply is 1 to %(limit)s characters of visible text",
                limit=REPLY_MAX_LENGTH,
            )
        )
    found = guest(guest_id)
    db.session.refresh(found, with_for_update={"key_share": True})
    _check_window(found)
    same = _same_reply(guest_id, text)
    if same is not None:
        db.session.rollback()
        return same
    reply = Invitation(
        event_id=found.event_id,
        guest_id=found.id,
        kind=REPLY,
        body=text,
        send_state=SendState.PENDING,
        next_attempt_at=db.func.now(),
        attempt_count=0,
        # On the clock guests' messages are stamped with (the web's), which says what it
        # answers: the messages received before it.
        created_at=utcnow(),
    )
    db.session.add(reply)
    db.session.commit()
    log.info("reply %s to guest %s queued", reply.id, guest_id)
    wake_sender()
    return reply


def _check_window(found: Guest) -> None:
    """Refuse a reply the guest's window would not let through (ConflictError)."""
    closes = window_closes_at(found)
    if closes is None:
        db.session.rollback()
        raise ConflictError(
            _(
                "the guest has never written: WhatsApp delivers free text only within 24 hours"
                " of the guest's last message, so only an approved template can reach them"
            )
        )
    if closes <= utcnow():
        db.session.rollback()
        raise ConflictError(
            _(
                "the guest last wrote %(ago)s: WhatsApp delivers free text only within 24 hours"
                " of the guest's last message, so only an approved template can reach them now",
                ago=_ago(closes - WINDOW),
            )
        )


def _ago(moment: datetime) -> str:
    """How long ago `moment` was, in words ("3 days ago", "25 hours ago")."""
    hours = int((utcnow() - moment).total_seconds() // 3600)
    if hours >= 48:
        return ngettext("%(num)d day ago", "%(num)d days ago", hours // 24)
    return ngettext("%(num)d hour ago", "%(num)d hours ago", hours)


def _same_reply(guest_id: int, text: str) -> Invitation | None:
    """The same reply to the guest queued a moment ago, if any."""
    return db.session.scalar(
        select(Invitation)
        .where(
            Invitation.guest_id == guest_id,
            Invitation.kind == REPLY,
            Invitation.by_service.is_(False),
            Invitation.body == text,
            Invitation.created_at > utcnow() - SAME_REPLY_WITHIN,
        )
        .limit(1)
    )


def dismiss(message_id: int) -> InboundMessage:
    """Set a guest's message aside: it no longer needs an answer. NotFoundError."""
    message = db.session.get(InboundMessage, message_id) if message_id > 0 else None
    if message is None:
        raise NotFoundError(_("message %(message_id)s not found", message_id=message_id))
    message.dismissed_at = message.dismissed_at or utcnow()
    db.session.commit()
    return message


INBOX_KINDS = frozenset(kind.value for kind in InboundKind)


def inbox_page(
    limit: int, kind: str | None, before: tuple[datetime, int] | None, needs_answer: bool = False
) -> Sequence[Row[InboundMessage, str, str, str, Rsvp | None, bool]]:
    """Up to `limit` guests' messages older than the keyset position `before`, newest first.

    Each row has the `InboundMessage`, its event's name and time zone, its guest's name (or
    None), the guest's current RSVP and whether the message needs an answer; `kind` (an
    `InboundKind` value) or `needs_answer` filters them.
    """
    query = with_invitation(
        select(
            InboundMessage,
            Event.name.label("event_name"),
            Event.time_zone.label("time_zone"),
            Guest.name.label("guest_name"),
            _invitation.rsvp,
            NEEDS_ANSWER.label("needs_answer"),
        )
        .outerjoin(Event, Event.id == InboundMessage.event_id)
        .outerjoin(Guest, Guest.id == InboundMessage.guest_id)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    )
    if needs_answer:
        query = query.where(NEEDS_ANSWER)
    if kind in INBOX_KINDS:
        query = query.where(InboundMessage.kind == InboundKind(kind))
    if before is not None:
        query = query.where(tuple_(InboundMessage.received_at, InboundMessage.id) < before)
    return db.session.execute(query).all()
