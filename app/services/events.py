"""Events and their guests: create, find, list, and count RSVPs and deliveries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    String,
    false,
    func,
    literal_column,
    select,
    text,
    type_coerce,
)

from app.extensions import db
from app.models import DeliveryStatus, Event, Guest, Invitation, OptOut, Rsvp, SendState
from app.sending.tallies import Tally, event_tallies, guest_counts

log = logging.getLogger(__name__)

NO_ANSWER = "no_answer"
NOT_SENT = "not_sent"
RSVP_BUCKETS = (*(r.value for r in Rsvp), NO_ANSWER)
# Where each guest is, as one bucket, in funnel order: the provider's status when it has
# reported one, else our own sending state, else not sent (no invitation yet).
DELIVERY_BUCKETS = tuple(
    str(bucket)
    for bucket in dict.fromkeys(
        [
            NOT_SENT,
            SendState.PENDING,
            SendState.SENDING,
            DeliveryStatus.SCHEDULED,
            DeliveryStatus.ACCEPTED,
            DeliveryStatus.QUEUED,
            DeliveryStatus.SENT,
            DeliveryStatus.DELIVERED,
            DeliveryStatus.READ,
            DeliveryStatus.UNDELIVERED,
            DeliveryStatus.FAILED,
            *(s.value for s in SendState),
            *(s.value for s in DeliveryStatus),
        ]
    )
)
# PostgreSQL `integer` ids; anything larger can't exist.
MAX_ID = 2**31 - 1


def delivery_bucket() -> ColumnElement[str]:
    """SQL for a guest's delivery bucket (see DELIVERY_BUCKETS), over guests ⟕ invitations."""
    # The constant is inlined so GROUP BY matches the selected expression exactly.
    return func.coalesce(
        type_coerce(Invitation.delivery_status, String),
        type_coerce(Invitation.send_state, String),
        literal_column(f"'{NOT_SENT}'", String),
    )


def create_event(name: str, starts_at: datetime | None, venue: str | None) -> Event:
    """Create and commit an event."""
    event = Event(name=name, starts_at=starts_at, venue=venue)
    db.session.add(event)
    db.session.commit()
    log.info("created event %s", event.id)
    return event


def find_event(event_id: int) -> Event | None:
    """Return the event, or None (also for ids no event can have)."""
    if not 0 < event_id <= MAX_ID:
        return None
    return db.session.get(Event, event_id)


def list_events(limit: int, before_id: int | None = None) -> list[tuple[Event, int]]:
    """Return `(Event, guest count)` pairs, newest first, after the cursor `before_id`."""
    query = select(Event).order_by(Event.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(Event.id < before_id)
    found = list(db.session.scalars(query))
    counts = guest_counts(db.session.connection(), [event.id for event in found])
    return [(event, counts[event.id]) for event in found]


def list_guests(
    event_id: int,
    limit: int,
    after_id: int | None = None,
    rsvp: Sequence[str] = (),
    delivery: Sequence[str] = (),
) -> Sequence[Row[Guest, Invitation, str, bool]]:
    """Return the event's guests with their invitation's state, by id, after `after_id`.

    Each row has `Guest`, `Invitation` (None when not invited), `bucket` (the delivery
    bucket) and `opted_out`. `rsvp` filters on RSVP_BUCKETS values, `delivery` on
    DELIVERY_BUCKETS values; an empty filter matches everything.
    """
    bucket = delivery_bucket().label("bucket")
    query = (
        select(Guest, Invitation, bucket, OptOut.phone.is_not(None).label("opted_out"))
        .outerjoin(Invitation, Invitation.guest_id == Guest.id)
        .outerjoin(OptOut, OptOut.phone == Guest.phone)
        .where(Guest.event_id == event_id)
        .order_by(Guest.id)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(Guest.id > after_id)
    if rsvp:
        answers = [Rsvp(value) for value in rsvp if value != NO_ANSWER]
        unanswered = Invitation.rsvp.is_(None) if NO_ANSWER in rsvp else false()
        query = query.where(Invitation.rsvp.in_(answers) | unanswered)
    if delivery:
        query = query.where(delivery_bucket().in_(list(delivery)))
    return db.session.execute(query).all()


# Guests of these events whose number is on the opt-out list: driven by the (short) list.
# (OFFSET 0 keeps the planner from turning the join around, whatever its statistics.)
OPTED_OUT = text("""
SELECT g.event_id, count(*) AS n FROM opt_outs AS o CROSS JOIN LATERAL (
    SELECT g.event_id FROM guests AS g
    WHERE g.phone = o.phone AND g.event_id = ANY(CAST(:ids AS integer[])) OFFSET 0) AS g
GROUP BY g.event_id
""")
UNREACHABLE = text("""
SELECT event_id, count(*) AS n FROM guests
WHERE event_id = ANY(CAST(:ids AS integer[])) AND unreachable_code IS NOT NULL
GROUP BY event_id
""")


def event_stats(event_id: int) -> dict[str, Any]:
    """Count the event's guests by RSVP and by delivery bucket (see `events_stats`)."""
    return events_stats([event_id])[event_id]


def events_stats(event_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Count each event's guests by RSVP and by delivery bucket, from the tallies.

    `no_answer` counts every guest without an RSVP, invited or not, so each breakdown sums
    to `guests`. `opted_out` counts guests whose number is on the opt-out list;
    `unreachable` those the provider said can never receive. A few small queries for any
    number of events, whatever their size.
    """
    connection = db.session.connection()
    ids = list(event_ids)
    tallies = event_tallies(connection, ids)
    guests = guest_counts(connection, ids)
    opted_out = {row.event_id: row.n for row in connection.execute(OPTED_OUT, {"ids": ids})}
    unreachable = {row.event_id: row.n for row in connection.execute(UNREACHABLE, {"ids": ids})}
    return {
        event_id: {
            "guests": guests[event_id],
            **breakdowns(guests[event_id], tallies[event_id]),
            "opted_out": opted_out.get(event_id, 0),
            "unreachable": unreachable.get(event_id, 0),
        }
        for event_id in ids
    }


def breakdowns(guests: int, tallies: Sequence[Tally]) -> dict[str, dict[str, int]]:
    """The RSVP split and the delivery buckets of an event's guests."""
    rsvp = dict.fromkeys(RSVP_BUCKETS, 0)
    delivery = dict.fromkeys(DELIVERY_BUCKETS, 0)
    for tally in tallies:
        if tally.rsvp is not None:
            rsvp[tally.rsvp] += tally.n
        bucket = tally.delivery_status or tally.send_state
        delivery[bucket] = delivery.get(bucket, 0) + tally.n
    rsvp[NO_ANSWER] = guests - sum(rsvp.values())
    delivery[NOT_SENT] = guests - sum(tally.n for tally in tallies)
    return {"rsvp": rsvp, "delivery": delivery}
