"""A waitlisted guest's answer to their offer: "Claim" seats them, "Pass" lets the seat go.

Each answer locks the event first (`app.sending.waitlist.lock_event`, the waitlist's
serialisation point), reads the offer again after the lock, and cascades what it freed in
the same transaction, so two claims for one seat seat one, and a claim as the hold runs out
is either a claim or an expiry. Every function takes a `Connection` inside a transaction the
caller owns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, text

from app.sending.waitlist import (
    DECLINE,
    GUEST,
    LEAVE,
    UNWAITLIST,
    WITHDRAW_MESSAGES,
    EventLock,
    cascade,
    lock_event,
    taken_heads,
)

# The guest's open offer: the one the message replies to, else their latest.
OPEN_OFFER = text("""
SELECT o.id, o.event_id, o.guest_id, o.party, o.hold_until <= now() AS ran_out,
       o.outcome
FROM offers AS o JOIN guests AS g ON g.id = o.guest_id
LEFT JOIN invitations AS m ON m.id = o.invitation_id
WHERE g.phone = :phone
ORDER BY (m.message_sid IS NOT DISTINCT FROM :replied_sid) DESC, o.outcome IS NULL DESC,
         o.id DESC
LIMIT 1
""")
SETTLE = text("""
UPDATE offers SET outcome = :outcome, settled_at = now()
WHERE id = :offer_id AND outcome IS NULL
""")


class Answer(StrEnum):
    """What an answer to an offer did."""

    CLAIMED = "claimed"
    PASSED = "passed"
    CLOSED = "closed"  # no open offer (already settled, or its hold ran out)
    STARTED = "started"  # the event has started: no seat can be claimed
    NO_FIT = "no_fit"  # the party no longer fits (a lowered capacity, a larger party)
    NONE = "none"  # the sender has no offer at all


@dataclass(frozen=True)
class OfferAnswer:
    """An answer to an offer, applied: what it did, and to whom."""

    answer: Answer
    guest_id: int | None = None
    event_id: int | None = None
    offers: tuple[int, ...] = ()  # the offers the freed seat went to next


def answer_offer(
    connection: Connection,
    phone: str,
    replied_sid: str | None,
    claim: bool,
    message_id: int | None,
) -> OfferAnswer:
    """Apply a guest's Claim or Pass to their open offer, then cascade what it freed."""
    params = {"phone": phone, "replied_sid": replied_sid}
    found = connection.execute(OPEN_OFFER, params).first()
    event = None if found is None else lock_event(connection, found.event_id)
    offer = None if event is None else connection.execute(OPEN_OFFER, params).first()
    if event is None or offer is None:
        return OfferAnswer(Answer.NONE)
    ids = {"guest_id": offer.guest_id, "event_id": offer.event_id}
    if claim and event.started:
        return OfferAnswer(Answer.STARTED, **ids)
    if offer.outcome is None and not offer.ran_out:
        answer = _claim(connection, offer, event) if claim else _pass(connection, offer, message_id)
    else:
        answer = Answer.CLOSED
    if answer is Answer.NO_FIT:
        return OfferAnswer(answer, **ids)
    return OfferAnswer(answer, **ids, offers=tuple(cascade(connection, offer.event_id)))


def _claim(connection: Connection, offer: Row[Any], event: EventLock) -> Answer:
    """Seat the guest of an open offer, when their party still fits."""
    heads = connection.execute(GUEST, {"guest_id": offer.guest_id}).one().party
    others = taken_heads(connection, offer.event_id, except_offer=offer.id)
    if event.capacity is not None and others + heads > event.capacity:
        return Answer.NO_FIT
    connection.execute(SETTLE, {"offer_id": offer.id, "outcome": "claimed"})
    connection.execute(UNWAITLIST, {"guest_id": offer.guest_id})
    return Answer.CLAIMED


def _pass(connection: Connection, offer: Row[Any], message_id: int | None) -> Answer:
    """Let an open offer's seat go: the guest leaves the waitlist, their answer a decline."""
    connection.execute(SETTLE, {"offer_id": offer.id, "outcome": "passed"})
    connection.execute(WITHDRAW_MESSAGES, {"offer_ids": [offer.id]})
    connection.execute(DECLINE, {"guest_ids": [offer.guest_id], "message_id": message_id})
    connection.execute(LEAVE, {"guest_ids": [offer.guest_id]})
    return Answer.PASSED
