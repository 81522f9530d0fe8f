"""The waitlist's side of the inbound webhook: a yes to a full event, and Claim / Pass.

An answer to an event with a capacity is recorded undecided by the webhook's one statement
(`app.services.inbound`), then seated or waitlisted (`app.sending.waitlist.decide`) in a
transaction that locks the event, and the guest is told their place (a web process killed
in between leaves it to the sweep, which decides it from PostgreSQL in arrival order); a
decline or a smaller party frees heads that the same transaction offers to the next
waitlisted party. A tap on an offer's "Claim" or "Pass" button (`ButtonPayload`
`claim` / `pass`) is stored once per `MessageSid` and applied in one transaction with its
cascade. Typed answers to an offer are read like any other message.

These run on the main pool, in transactions: the webhooks' own pool autocommits each
statement, and the event's lock must hold until the commit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, text

from app.extensions import db
from app.logs import mask_phone
from app.sending import offer_answers, waitlist
from app.sending.languages import guest_language
from app.services import passes, waitlist_wording
from app.services.webhook_forms import OFFER_PAYLOADS, InboundForm
from app.urls import public_url

log = logging.getLogger(__name__)

STORE = text("""
INSERT INTO inbound_messages
    (message_sid, from_phone, to_phone, body, kind, button_payload, replied_message_sid,
     profile_name, params, received_at)
VALUES (:message_sid, :from_address, :to_address, :body, 'text', :button_payload,
        :replied_sid, :profile_name, CAST(:params AS jsonb), :received_at)
ON CONFLICT (message_sid) DO NOTHING
RETURNING id
""")
APPLIED = text("""
UPDATE inbound_messages
SET kind = CASE WHEN :rsvp IS NULL THEN kind ELSE 'rsvp' END, rsvp = :rsvp,
    guest_id = :guest_id, event_id = :event_id
WHERE id = :id
""")
SENDER = text("""
SELECT g.id, g.event_id, g.language, g.phone, e.name AS event_name
FROM guests AS g JOIN events AS e
ON e.id = g.event_id WHERE g.id = :guest_id
""")


def is_offer_answer(form: InboundForm) -> bool:
    """Whether the message is a tap on an offer's Claim or Pass button."""
    return (form.button_payload or "").strip().lower() in OFFER_PAYLOADS


@dataclass(frozen=True)
class OfferReply:
    """An answer to an offer, recorded: whether it was new, applied, and what to answer."""

    duplicate: bool
    message_id: int | None
    applied: bool
    reply: str | None
    media_url: str | None = None  # the pass a claim brings, when the event gives passes


def record_offer_answer(form: InboundForm, received_at: datetime) -> OfferReply:
    """Store a Claim or Pass once per MessageSid and apply it with its cascade, atomically."""
    claim = (form.button_payload or "").strip().lower() == "claim"
    with db.engine.begin() as connection:
        message_id = connection.execute(
            STORE,
            {
                "message_sid": form.message_sid,
                "from_address": form.from_address,
                "to_address": form.to_address,
                "body": form.body,
                "button_payload": form.button_payload,
                "replied_sid": form.replied_sid,
                "profile_name": form.profile_name,
                "params": json.dumps(form.params, ensure_ascii=False),
                "received_at": received_at,
            },
        ).scalar()
        if message_id is None:
            return OfferReply(True, None, False, None)
        done = offer_answers.answer_offer(
            connection, form.phone, form.replied_sid, claim, message_id
        )
        applied = done.answer in (offer_answers.Answer.CLAIMED, offer_answers.Answer.PASSED)
        rsvp = ("confirmed" if claim else "declined") if applied else None
        connection.execute(
            APPLIED,
            {"id": message_id, "rsvp": rsvp, "guest_id": done.guest_id, "event_id": done.event_id},
        )
        reply = _told(connection, done)
    log.info(
        "offer answer %s from %s: %s", form.message_sid, mask_phone(form.from_address), done.answer
    )
    if done.answer is offer_answers.Answer.CLAIMED and done.guest_id is not None:
        return _with_pass(OfferReply(False, message_id, applied, reply), done.guest_id)
    return OfferReply(False, message_id, applied, reply)


def _with_pass(claimed: OfferReply, guest_id: int) -> OfferReply:
    """A claim seats the guest: their pass comes with it, when their event gives passes."""
    given = passes.issue(guest_id)
    if given is None:
        return claimed
    with db.engine.connect() as connection:
        row = connection.execute(SENDER, {"guest_id": guest_id}).one()
    words = given.words(guest_language(row.language, row.phone))
    reply = "\n\n".join(filter(None, (claimed.reply, words)))
    return replace(claimed, reply=reply, media_url=public_url(given.image_path()))


def _told(connection: Connection, done: offer_answers.OfferAnswer) -> str | None:
    """What the guest is told after their tap, in their language."""
    if done.guest_id is None:
        return None
    row = connection.execute(SENDER, {"guest_id": done.guest_id}).one()
    language = guest_language(row.language, row.phone)
    return waitlist_wording.offer_answer(done.answer, row.event_name, language)


def seat_after(guest_id: int, event_name: str, language: str) -> str | None:
    """Decide the guest's undecided answer (and the event's others, in arrival order) and
    offer what it freed; what to tell them instead of the plain confirmation, if anything.

    The answer was recorded undecided by the webhook's one statement; if this process dies
    before deciding it, the sweep decides it (`app.sending.waitlist.decide`).
    """
    with db.engine.begin() as connection:
        row = connection.execute(SENDER, {"guest_id": guest_id}).one()
        done = waitlist.run_cascade(connection, row.event_id)
        place = done.decided.get(guest_id) or waitlist.place(connection, guest_id)
    if done.offers:
        log.info("guest %s's answer freed seats: %s offer(s)", guest_id, len(done.offers))
    return waitlist_wording.seating(place, event_name, language)
