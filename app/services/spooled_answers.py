"""What a spooled message was answered, and the answer its replay still owes the guest.

While PostgreSQL cannot take a webhook (down, or a write that outlasts the request's wait),
the message is spooled and Twilio gets its TwiML answer at once: an opt-out or opt-in is
confirmed there, an RSVP is not, since its outcome needs the database. When the replay
applies the message, the confirmation the guest never got is owed. The replay queues it as
a `reply` row that the engine sends once, like the organiser's replies, with the guest's
pass when the answer gave one:

- one per guest: the last of their replayed messages that has an answer (a later yes
  answers for an earlier no), and none after a message that was answered offline;
- not when a newer message of theirs was applied directly (the database was back, and
  they were answered then), unless it was only text;
- not when their 24-hour window closes before it could be sent.

Each is queued once per message (`invitations.answers_message_id`, unique), and the
organiser's inbox does not take it for their own reply. A crash between the replay's commit
and the queueing loses the owed answer, never doubles it: a message applied again is a
duplicate, which owes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text

from app.extensions import db
from app.models.base import utcnow
from app.sending.pass_sends import queue_passes
from app.services.campaigns import wake_sender
from app.services.conversations import WINDOW
from app.services.inbound import InboundOutcome
from app.services.replies import classify, confirmation
from app.services.webhook_forms import InboundForm

log = logging.getLogger(__name__)

# An owed answer queued later than this before the guest's window closes may not make it.
SEND_MARGIN = timedelta(hours=1)

ANSWERED_SINCE = text("""
SELECT EXISTS (SELECT 1 FROM inbound_messages
               WHERE guest_id = :guest_id AND received_at > :since AND kind <> 'text')
""")
QUEUE = text("""
INSERT INTO invitations (event_id, guest_id, kind, body, answers_message_id, by_service,
                         send_state, next_attempt_at, attempt_count, created_at)
SELECT g.event_id, g.id, 'reply', :body, :message_id, true, 'pending', now(), 0, now()
FROM guests g WHERE g.id = :guest_id
ON CONFLICT (answers_message_id) WHERE answers_message_id IS NOT NULL DO NOTHING
RETURNING id
""")


def offline_reply(form: InboundForm) -> str | None:
    """What can be answered without the database: an opt-out or opt-in, not an RSVP."""
    reading = classify(form.body, form.button_payload, form.button_text, form.phone)
    return None if reading.rsvp is not None else confirmation(reading)


@dataclass(frozen=True)
class Owed:
    """An answer a guest did not get when their message was spooled."""

    guest_id: int
    message_id: int  # the message it answers
    received_at: datetime
    reply: str
    with_pass: bool


@dataclass
class OwedAnswers:
    """The answers one replay owes, by guest, queued when it ends."""

    by_phone: dict[str, Owed] = field(default_factory=dict)

    def note(self, form: InboundForm, received_at: datetime, outcome: InboundOutcome) -> None:
        """Take note of what applying one spooled message answered."""
        if outcome.duplicate:  # applied before: its answer, if owed, was noted then
            return
        if offline_reply(form) is not None:  # answered in the webhook's TwiML
            self.by_phone.pop(form.phone, None)
            return
        if outcome.reply is None or outcome.target is None or outcome.message_id is None:
            return
        self.by_phone[form.phone] = Owed(
            outcome.target.guest_id,
            outcome.message_id,
            received_at,
            outcome.reply,
            with_pass=outcome.media_url is not None,
        )

    def queue(self) -> int:
        """Queue every answer still owed, in one transaction; return how many."""
        if not self.by_phone:
            return 0
        queued = 0
        with db.engine.begin() as connection:
            for owed in self.by_phone.values():
                if owed.received_at + WINDOW - SEND_MARGIN < utcnow():
                    continue
                params = {"guest_id": owed.guest_id, "since": owed.received_at}
                if connection.execute(ANSWERED_SINCE, params).scalar_one():
                    continue
                params = {"guest_id": owed.guest_id, "message_id": owed.message_id}
                if connection.execute(QUEUE, {**params, "body": owed.reply}).first() is None:
                    continue  # queued by a replay before
                if owed.with_pass:
                    queue_passes(connection, [owed.guest_id])
                queued += 1
        self.by_phone.clear()
        if queued:
            log.info("queued %d answers owed to guests whose messages were spooled", queued)
            wake_sender()
        return queued
