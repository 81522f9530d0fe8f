"""Capacity in heads, the waitlist, and offers of freed seats that cascade exactly once.

An event may have a `capacity` in heads (a guest and their party). Seated heads are those
of the guests who confirmed and are not waitlisted; an open offer holds its party's heads.

- **decide**: an answer to an event with a capacity is recorded undecided by the inbound
  webhook's one statement (`guests.seat_pending_at`, `seat_held`: until decided the guest
  counts only the heads they held before it). Undecided answers are decided in arrival
  order: a yes keeps its seat only when the waitlist is empty and the party fits beside the
  seated and held heads; else the guest is waitlisted (`guests.waitlisted_at`: the arrival
  order). A seated guest whose larger party no longer fits keeps their seat with their
  former party. A lowered capacity un-seats nobody. The webhook decides right after its
  statement; the sweep decides what a web process killed in between left.
- **cascade**: offers whose hold ran out expire (the guest leaves the waitlist, their answer
  becomes "declined"), offers of guests who left the waitlist are settled, undecided
  answers are decided, then every freed seat goes, in waitlist order, to the first party
  that fits: an offer row and its message (kind `offer`, sent by the engine) in one
  transaction.
- **answer** (`app.sending.offer_answers`): "Claim" seats the guest (if the party still
  fits and the event has not started), "Pass" lets the seat go to the next.

Every step locks the event row first (FOR NO KEY UPDATE, the engine's lock order), so two
declines at once, two claims for one seat or a claim as the hold runs out are applied one
after the other; each reads the database after the lock. The sweep runs the cascade of every
event with a waitlist, an open offer or an undecided answer, from PostgreSQL alone, so a
flushed Redis or a killed worker loses no offer, and an offer exists once
(`uq_offers_open`). Every function takes a `Connection` inside a transaction the caller
owns.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, Row, text

from app.models.enums import states_text

log = logging.getLogger(__name__)

# A canceled event offers no seat, as one that has started (`started`).
LOCK_EVENT = text("""
SELECT capacity, offer_hours,
       (starts_at IS NOT NULL AND starts_at <= now()) OR canceled_at IS NOT NULL AS started
FROM events WHERE id = :event_id FOR NO KEY UPDATE
""")
LOCK_EVENT_NOWAIT = text("""
SELECT capacity, offer_hours,
       (starts_at IS NOT NULL AND starts_at <= now()) OR canceled_at IS NOT NULL AS started
FROM events WHERE id = :event_id FOR NO KEY UPDATE SKIP LOCKED
""")
# Heads of the seated guests (confirmed, not waitlisted), one guest left out; a guest whose
# answer is undecided counts the heads they held before it.
SEATED = text("""
SELECT CAST(coalesce(sum(CASE WHEN g.seat_pending_at IS NULL THEN coalesce(g.party_size, 1)
                              ELSE coalesce(g.seat_held, 0) END), 0) AS bigint)
FROM guests AS g JOIN invitations AS i ON i.guest_id = g.id AND i.kind = 'invitation'
WHERE g.event_id = :event_id AND i.rsvp = 'confirmed' AND g.waitlisted_at IS NULL
  AND g.id IS DISTINCT FROM :except_guest
""")
# Heads held by open offers, one offer left out.
HELD = text("""
SELECT CAST(coalesce(sum(party), 0) AS bigint) FROM offers
WHERE event_id = :event_id AND outcome IS NULL AND id IS DISTINCT FROM :except_offer
""")
WAITING = text("""
SELECT count(*) FROM guests WHERE event_id = :event_id AND waitlisted_at IS NOT NULL
""")
GUEST = text("""
SELECT g.event_id, coalesce(g.party_size, 1) AS party, g.waitlisted_at, i.rsvp
FROM guests AS g LEFT JOIN invitations AS i ON i.guest_id = g.id AND i.kind = 'invitation'
WHERE g.id = :guest_id
""")
POSITION = text("""
SELECT count(*) FROM guests AS w, guests AS g
WHERE g.id = :guest_id AND w.event_id = g.event_id AND w.waitlisted_at IS NOT NULL
  AND (w.waitlisted_at, w.id) <= (g.waitlisted_at, g.id)
""")
# An event's undecided answers, locked in arrival order, then read (a statement of its own,
# so that it sees the answers committed while it waited for the locks).
LOCK_UNDECIDED = text("""
SELECT id FROM guests
WHERE event_id = :event_id AND seat_pending_at IS NOT NULL
ORDER BY seat_pending_at, id
FOR NO KEY UPDATE
""")
UNDECIDED = text("""
SELECT g.id, coalesce(g.party_size, 1) AS party, g.waitlisted_at, i.rsvp, g.seat_pending_at,
       coalesce(g.seat_held, 0) AS held
FROM guests AS g LEFT JOIN invitations AS i ON i.guest_id = g.id AND i.kind = 'invitation'
WHERE g.id = ANY(CAST(:guest_ids AS integer[])) AND g.seat_pending_at IS NOT NULL
ORDER BY g.seat_pending_at, g.id
""")
DECIDED = text("UPDATE guests SET seat_pending_at = NULL, seat_held = NULL WHERE id = :guest_id")
WAITLIST = text(
    "UPDATE guests SET waitlisted_at = :at WHERE id = :guest_id AND waitlisted_at IS NULL"
)
UNWAITLIST = text("UPDATE guests SET waitlisted_at = NULL WHERE id = :guest_id")
SET_PARTY = text("UPDATE guests SET party_size = :party WHERE id = :guest_id")

# Guests who left the waitlist by another answer (a no, a maybe): out of it.
LEFT_WAITLIST = text("""
UPDATE guests AS g SET waitlisted_at = NULL
WHERE g.event_id = :event_id AND g.waitlisted_at IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM invitations AS i
    WHERE i.guest_id = g.id AND i.kind = 'invitation' AND i.rsvp = 'confirmed')
""")
# Open offers whose hold ran out, or whose guest no longer waits.
SETTLE_STALE = text("""
UPDATE offers AS o
SET outcome = CASE WHEN o.hold_until <= now() THEN 'expired' ELSE 'passed' END,
    settled_at = now()
FROM guests AS g
WHERE o.event_id = :event_id AND o.outcome IS NULL AND g.id = o.guest_id
  AND (o.hold_until <= now() OR g.waitlisted_at IS NULL)
RETURNING o.id, o.guest_id, o.outcome
""")
# A guest whose offer ended unclaimed leaves the waitlist: their answer becomes a decline,
# kept with the others.
DECLINE = text("""
WITH answer AS (
    UPDATE invitations SET rsvp = 'declined', rsvp_at = now(), updated_at = now()
    WHERE guest_id = ANY(CAST(:guest_ids AS integer[])) AND kind = 'invitation'
    RETURNING id)
INSERT INTO rsvp_responses (invitation_id, rsvp, inbound_message_id, created_at)
SELECT id, 'declined', CAST(:message_id AS integer), now() FROM answer
""")
LEAVE = text("""
UPDATE guests SET waitlisted_at = NULL, party_size = NULL
WHERE id = ANY(CAST(:guest_ids AS integer[]))
""")
# Messages of offers that ended before they were sent: withdrawn.
WITHDRAW_MESSAGES = states_text("""
UPDATE invitations SET send_state = :send_canceled, next_attempt_at = NULL, updated_at = now()
WHERE id IN (SELECT invitation_id FROM offers WHERE id = ANY(CAST(:offer_ids AS integer[])))
  AND send_state IN (:send_pending, :send_paused)
""")
# The first waitlisted party that fits in `free` heads and has no open offer.
NEXT_IN_LINE = text("""
SELECT g.id, coalesce(g.party_size, 1) AS party FROM guests AS g
WHERE g.event_id = :event_id AND g.waitlisted_at IS NOT NULL
  AND coalesce(g.party_size, 1) <= :free
  AND NOT EXISTS (SELECT 1 FROM offers AS o WHERE o.guest_id = g.id AND o.outcome IS NULL)
ORDER BY g.waitlisted_at, g.id
LIMIT 1
""")
OFFER = states_text("""
WITH message AS (
    INSERT INTO invitations (event_id, guest_id, kind, send_state, next_attempt_at,
                             attempt_count)
    VALUES (:event_id, :guest_id, :kind_offer, :send_pending, now(), 0)
    RETURNING id)
INSERT INTO offers (event_id, guest_id, invitation_id, party, hold_until)
SELECT :event_id, :guest_id, message.id, :party,
       now() + make_interval(secs => CAST(:hold_hours AS double precision) * 3600)
FROM message
RETURNING id
""")
# Events whose waitlist, open offers or undecided answers the sweep looks at.
WATCHED = text("""
SELECT event_id FROM guests WHERE waitlisted_at IS NOT NULL
UNION SELECT event_id FROM offers WHERE outcome IS NULL
UNION SELECT event_id FROM guests WHERE seat_pending_at IS NOT NULL
""")


class Seat(StrEnum):
    """What a yes to an event with a capacity got."""

    SEATED = "seated"
    WAITLISTED = "waitlisted"
    PARTY_REFUSED = "party_refused"  # seated, but a larger party did not fit
    LEFT = "left"  # another answer: not (or no longer) waitlisted


@dataclass(frozen=True)
class Seating:
    """A guest's place after their answer: seated or waitlisted (at `position`)."""

    seat: Seat
    position: int | None = None
    free: int = 0  # heads still free beside the guest's (a refused larger party)


@dataclass(frozen=True)
class EventLock:
    """An event as the waitlist reads it, locked."""

    capacity: int | None
    offer_hours: float
    started: bool


def lock_event(connection: Connection, event_id: int, *, wait: bool = True) -> EventLock | None:
    """Lock the event (the waitlist's serialisation point) and read it; None without it."""
    row = connection.execute(LOCK_EVENT if wait else LOCK_EVENT_NOWAIT, {"event_id": event_id})
    found = row.one_or_none()
    if found is None:
        return None
    return EventLock(found.capacity, float(found.offer_hours), bool(found.started))


def taken_heads(
    connection: Connection,
    event_id: int,
    *,
    except_guest: int | None = None,
    except_offer: int | None = None,
) -> int:
    """Heads seated and held by open offers, one guest or offer left out."""
    seated = connection.execute(SEATED, {"event_id": event_id, "except_guest": except_guest})
    held = connection.execute(HELD, {"event_id": event_id, "except_offer": except_offer})
    return int(seated.scalar_one()) + int(held.scalar_one())


def position(connection: Connection, guest_id: int) -> int | None:
    """The guest's place on their event's waitlist (1 first), or None when not on it."""
    row = connection.execute(GUEST, {"guest_id": guest_id}).one_or_none()
    if row is None or row.waitlisted_at is None:
        return None
    return int(connection.execute(POSITION, {"guest_id": guest_id}).scalar_one())


@dataclass(frozen=True)
class Cascade:
    """What one cascade did: the undecided answers it decided, and the offers it made."""

    decided: Mapping[int, Seating]
    offers: list[int]


def decide(connection: Connection, event_id: int, event: EventLock) -> dict[int, Seating]:
    """Seat or waitlist the event's undecided answers, in arrival order (its lock held).

    An answer to an event with a capacity is recorded undecided (`guests.seat_pending_at`,
    and `seat_held`, the heads the guest held before it: their party when seated, else 0) by
    the inbound webhook's one statement; this decides it, so an answer whose web process died
    before its seat was decided is decided by the sweep, and nobody is counted as seated
    past the capacity meanwhile.
    """
    locked = list(connection.execute(LOCK_UNDECIDED, {"event_id": event_id}).scalars())
    if not locked:
        return {}
    rows = connection.execute(UNDECIDED, {"guest_ids": locked}).all()
    decided = {}
    for row in rows:
        if event.capacity is not None:
            decided[row.id] = _seat(connection, event_id, event.capacity, row)
        connection.execute(DECIDED, {"guest_id": row.id})
    return decided


def _seat(connection: Connection, event_id: int, capacity: int, guest: Row[Any]) -> Seating:
    """Seat or waitlist one undecided answer (see `decide`)."""
    if guest.rsvp != "confirmed":
        connection.execute(UNWAITLIST, {"guest_id": guest.id})
        return Seating(Seat.LEFT)
    if guest.waitlisted_at is not None:  # a yes again keeps the place
        return Seating(Seat.WAITLISTED, position(connection, guest.id))
    others = taken_heads(connection, event_id, except_guest=guest.id)
    # A seated guest keeps their seat (a lowered capacity un-seats nobody) unless their party
    # grew beyond what is free.
    was_seated = guest.held > 0
    fits = others + guest.party <= capacity
    if was_seated and guest.party > guest.held and not fits:
        # A larger party that does not fit: the seat is kept with the heads it had (one:
        # back to "not said", as most parties of one are).
        party = guest.held if guest.held > 1 else None
        connection.execute(SET_PARTY, {"guest_id": guest.id, "party": party})
        return Seating(Seat.PARTY_REFUSED, free=max(capacity - others - 1, 0))
    waiting = int(connection.execute(WAITING, {"event_id": event_id}).scalar_one())
    if was_seated or (fits and not waiting):
        return Seating(Seat.SEATED)
    connection.execute(WAITLIST, {"guest_id": guest.id, "at": guest.seat_pending_at})
    return Seating(Seat.WAITLISTED, position(connection, guest.id))


def place(connection: Connection, guest_id: int) -> Seating:
    """A guest's place as it stands (their answer decided by someone else)."""
    row = connection.execute(GUEST, {"guest_id": guest_id}).one()
    if row.rsvp != "confirmed":
        return Seating(Seat.LEFT)
    if row.waitlisted_at is not None:
        return Seating(Seat.WAITLISTED, position(connection, guest_id))
    return Seating(Seat.SEATED)


def cascade(connection: Connection, event_id: int, *, wait: bool = True) -> list[int]:
    """Settle the event's stale offers, decide its undecided answers and offer every freed
    seat; return the new offers.

    Without `wait`, an event another transaction holds is skipped (the sweep comes back).
    """
    return run_cascade(connection, event_id, wait=wait).offers


def run_cascade(connection: Connection, event_id: int, *, wait: bool = True) -> Cascade:
    """`cascade`, also returning the answers it decided."""
    event = lock_event(connection, event_id, wait=wait)
    if event is None:
        return Cascade({}, [])
    settle_stale(connection, event_id)
    decided = decide(connection, event_id, event)
    if event.capacity is None or event.started:
        return Cascade(decided, [])
    free = event.capacity - taken_heads(connection, event_id)
    offered = []
    while free > 0:
        row = connection.execute(NEXT_IN_LINE, {"event_id": event_id, "free": free}).first()
        if row is None:
            break
        params = {
            "event_id": event_id,
            "guest_id": row.id,
            "party": row.party,
            "hold_hours": event.offer_hours,
        }
        offered.append(int(connection.execute(OFFER, params).scalar_one()))
        free -= row.party
    if offered:
        log.info("event %s: %s seat offer(s) made", event_id, len(offered))
    return Cascade(decided, offered)


def settle_stale(connection: Connection, event_id: int) -> None:
    """Expire offers whose hold ran out and close those whose guest left the waitlist."""
    connection.execute(LEFT_WAITLIST, {"event_id": event_id})
    settled = connection.execute(SETTLE_STALE, {"event_id": event_id}).all()
    if not settled:
        return
    connection.execute(WITHDRAW_MESSAGES, {"offer_ids": [row.id for row in settled]})
    expired = [row.guest_id for row in settled if row.outcome == "expired"]
    if expired:
        connection.execute(DECLINE, {"guest_ids": expired, "message_id": None})
        connection.execute(LEAVE, {"guest_ids": expired})


def offer_freed_seats(engine: Engine) -> int:
    """The sweep's cascade over every event with a waitlist or an open offer; return how
    many offers it made."""
    with engine.begin() as connection:
        events = list(connection.execute(WATCHED).scalars())
    made = 0
    for event_id in events:
        with engine.begin() as connection:
            made += len(cascade(connection, event_id, wait=False))
    return made
