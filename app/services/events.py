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
    type_coerce,
)

from app.extensions import db
from app.models import DeliveryStatus, Event, Guest, Invitation, OptOut, Rsvp, SendState

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


def list_events(limit: int, before_id: int | None = None) -> Sequence[Row[Event, int]]:
    """Return `(Event, guest count)` rows, newest first, after the cursor `before_id`."""
    query = (
        select(Event, func.count(Guest.id).label("guests"))
        .outerjoin(Guest, Guest.event_id == Event.id)
        .group_by(Event.id)
        .order_by(Event.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(Event.id < before_id)
    return db.session.execute(query).all()


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


def event_stats(event_id: int) -> dict[str, Any]:
    """Count the event's guests by RSVP and by delivery bucket, in one GROUP BY query.

    `no_answer` counts every guest without an RSVP, invited or not, so each breakdown sums
    to `guests`. `opted_out` counts guests whose number is on the opt-out list;
    `unreachable` those the provider said can never receive.
    """
    bucket = delivery_bucket()
    query = (
        select(
            Invitation.rsvp,
            bucket,
            func.count(),
            func.count(OptOut.phone),
            func.count(Guest.unreachable_code),
        )
        .select_from(Guest)
        .outerjoin(Invitation, Invitation.guest_id == Guest.id)
        .outerjoin(OptOut, OptOut.phone == Guest.phone)
        .where(Guest.event_id == event_id)
        .group_by(Invitation.rsvp, bucket)
    )
    rsvp = dict.fromkeys(RSVP_BUCKETS, 0)
    delivery = dict.fromkeys(DELIVERY_BUCKETS, 0)
    totals = {"guests": 0, "opted_out": 0, "unreachable": 0}
    for answer, stage, count, opted_out, unreachable in db.session.execute(query):
        key = answer.value if answer is not None else NO_ANSWER
        rsvp[key] += count
        delivery[stage] = delivery.get(stage, 0) + count
        totals["guests"] += count
        totals["opted_out"] += opted_out
        totals["unreachable"] += unreachable
    return {
        "guests": totals["guests"],
        "rsvp": rsvp,
        "delivery": delivery,
        "opted_out": totals["opted_out"],
        "unreachable": totals["unreachable"],
    }
