"""Events and their guests: create, find, list, search, export, and count RSVPs and deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    case,
    exists,
    false,
    func,
    literal_column,
    select,
    text,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    DeliveryStatus,
    Event,
    Guest,
    Invitation,
    MessageKind,
    Offer,
    OptOut,
    Rsvp,
    SendState,
)
from app.sending.tallies import Tally, event_tallies, guest_counts
from app.services.guest_search import search_condition

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
# Rows per query when reading every matching guest (exports).
RECORDS_PAGE = 1000


def delivery_bucket(invitation: Any = Invitation) -> ColumnElement[str]:
    """SQL for a guest's delivery bucket (see DELIVERY_BUCKETS), over guests ⟕ invitations."""
    # The constant is inlined so GROUP BY matches the selected expression exactly.
    return func.coalesce(
        type_coerce(invitation.delivery_status, String),
        type_coerce(invitation.send_state, String),
        literal_column(f"'{NOT_SENT}'", String),
    )


def create_event(
    name: str,
    starts_at: datetime | None,
    venue: str | None,
    time_zone: str = "UTC",
    *,
    country: str | None = None,
    language_from_replies: bool = False,
    plus_ones: int = 0,
    capacity: int | None = None,
    offer_hours: float = 24.0,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    passes: bool = False,
    approval_above: int | None = None,
) -> Event:
    """Create and commit an event in its IANA time zone (and country: None follows the
    zone's, `app.services.countries`)."""
    event = Event(
        name=name,
        starts_at=starts_at,
        venue=venue,
        time_zone=time_zone,
        country=country,
        language_from_replies=language_from_replies,
        plus_ones=plus_ones,
        capacity=capacity,
        offer_hours=Decimal(str(offer_hours)),
        latitude=latitude,
        longitude=longitude,
        passes=passes,
        approval_above=approval_above,
    )
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
    *,
    rsvp: Sequence[str] = (),
    delivery: Sequence[str] = (),
    search: str = "",
    waitlisted: bool = False,
) -> Sequence[Row[Guest, Invitation, str, bool]]:
    """Return the event's guests with their invitation's state, by id, after `after_id`.

    Each row has `Guest`, `Invitation` (None when not invited), `bucket` (the delivery
    bucket), `opted_out`, `waitlist_position` and `offer_until` (when their open offer of a
    seat ends, else None). `rsvp` filters on RSVP_BUCKETS values, `delivery` on
    DELIVERY_BUCKETS values, `search` on the name or phone (see `app.services.guest_search`),
    `waitlisted` keeps the waitlisted guests only; an empty filter matches everything.
    """
    filters = Filters(rsvp, delivery, search, waitlisted)
    if filters.exclude_every_invitation_of(event_id):
        return []
    query = guests_query(listing_columns, event_id, limit, filters)
    if after_id is not None:
        query = query.where(Guest.id > after_id)
    return db.session.execute(query).all()


def guest_records(
    event_id: int,
    *,
    rsvp: Sequence[str] = (),
    delivery: Sequence[str] = (),
    search: str = "",
    waitlisted: bool = False,
    page_size: int = RECORDS_PAGE,
) -> Iterator[Row[Any]]:
    """Yield the event's guests matching the filters (as `list_guests`) as plain rows, by id.

    For exports of any size: one keyset page per query, rows rather than ORM objects (nothing
    piles up in the session), and the session's transaction ends after each page, so a slow
    reader holds no connection and no snapshot between pages.
    """
    filters = Filters(rsvp, delivery, search, waitlisted)
    if filters.exclude_every_invitation_of(event_id):
        return
    # One statement for every page (ids are positive): built and compiled once.
    query = guests_query(record_columns, event_id, page_size, filters)
    query = query.where(Guest.id > bindparam("after_id", type_=Integer))
    after_id = 0
    while True:
        rows = db.session.execute(query, {"after_id": after_id}).all()
        db.session.rollback()
        yield from rows
        if len(rows) < page_size:
            return
        after_id = rows[-1].id


@dataclass(frozen=True)
class Filters:
    """What a guest listing keeps: RSVP and delivery buckets, a search (empty: all), and
    whether only waitlisted guests."""

    rsvp: Sequence[str] = ()
    delivery: Sequence[str] = ()
    search: str = ""
    waitlisted: bool = False

    def exclude_every_invitation_of(self, event_id: int) -> bool:
        """Whether only invited guests can match and the tallies say none of them does.

        Such a filter ("being sent" on a finished event) would otherwise read every guest
        of the event to find nothing.
        """
        needs_invitation = (self.delivery and NOT_SENT not in self.delivery) or (
            self.rsvp and NO_ANSWER not in self.rsvp
        )
        if not needs_invitation:
            return False
        tallies = event_tallies(db.session.connection(), [event_id])[event_id]
        return not any(self.admits(tally) for tally in tallies)

    def admits(self, tally: Tally) -> bool:
        """Whether the RSVP and delivery filters keep the invitations of this tally."""
        bucket = tally.delivery_status or tally.send_state
        answer = tally.rsvp or NO_ANSWER
        return (not self.delivery or bucket in self.delivery) and (
            not self.rsvp or answer in self.rsvp
        )

    def conditions(self, invitation: Any) -> list[ColumnElement[bool]]:
        """The WHERE conditions, over guests ⟕ `invitation`."""
        found = []
        if self.rsvp:
            answers = [Rsvp(value) for value in self.rsvp if value != NO_ANSWER]
            unanswered = invitation.rsvp.is_(None) if NO_ANSWER in self.rsvp else false()
            found.append(invitation.rsvp.in_(answers) | unanswered)
        if self.delivery:
            found.append(delivery_bucket(invitation).in_(list(self.delivery)))
        if self.search:
            found.append(search_condition(self.search))
        if self.waitlisted:
            found.append(Guest.waitlisted_at.is_not(None))
        return found


def listing_columns(invitation: Any) -> tuple[Any, ...]:
    """A listing row: the guest, its invitation, its delivery bucket, whether opted out, its
    place on the waitlist and when its open offer of a seat ends."""
    return (
        Guest,
        invitation,
        delivery_bucket(invitation).label("bucket"),
        opted_out_column(),
        waitlist_position_column(),
        offer_until_column(),
    )


def offer_until_column() -> Any:
    """When the guest's open offer of a seat ends (`uq_offers_open`: one at most), else
    NULL."""
    return (
        select(Offer.hold_until)
        .where(Offer.guest_id == Guest.id, Offer.outcome.is_(None))
        .limit(1)
        .scalar_subquery()
        .label("offer_until")
    )


def waitlist_position_column() -> Any:
    """The guest's place on their event's waitlist (1 first; `ix_guests_waitlist`), else
    NULL."""
    ahead = aliased(Guest, name="ahead")
    place = (
        select(func.count())
        .where(
            ahead.event_id == Guest.event_id,
            ahead.waitlisted_at.is_not(None),
            tuple_(ahead.waitlisted_at, ahead.id) <= tuple_(Guest.waitlisted_at, Guest.id),
        )
        .scalar_subquery()
    )
    return case((Guest.waitlisted_at.is_not(None), place)).label("waitlist_position")


def record_columns(invitation: Any) -> tuple[Any, ...]:
    """An export row: plain columns, no ORM objects."""
    return (
        Guest.id,
        Guest.name,
        Guest.phone,
        Guest.language,
        Guest.variables,
        Guest.party_size,
        func.coalesce(
            Guest.plus_ones,
            select(Event.plus_ones).where(Event.id == Guest.event_id).scalar_subquery(),
        ).label("allowance"),
        invitation.rsvp,
        invitation.rsvp_at,
        invitation.send_state,
        invitation.error_code,
        invitation.error_reason,
        delivery_bucket(invitation).label("bucket"),
        opted_out_column(),
    )


def variable_names(event_id: int) -> list[str]:
    """Every imported column of the event's guests, in the order guests first had them."""
    key = func.jsonb_object_keys(Guest.variables).table_valued("value").render_derived("key")
    query = (
        select(key.c.value)
        .select_from(Guest)
        .join(key, true())
        .where(Guest.event_id == event_id)
        .group_by(key.c.value)
        .order_by(func.min(Guest.id), key.c.value)
    )
    return list(db.session.scalars(query))


def opted_out_column() -> ColumnElement[bool]:
    """Whether the guest's number is on the opt-out list (one primary-key probe per row)."""
    return exists().where(OptOut.phone == Guest.phone).label("opted_out")


def guests_query(
    columns: Callable[[Any], tuple[Any, ...]], event_id: int, limit: int, filters: Filters
) -> Select[Any]:
    """The event's guests, each with its invitation, filtered, by id (the caller adds the keyset).

    Guests are read in id order from `ix_guests_event_id` (event_id, id), or found through
    the trigram indexes for a selective search, and each one's invitation is looked up by
    guest id (a LATERAL subquery, LIMIT 1: a guest has at most one). As a plain join, the
    planner merge-joined deep pages of a big event with the invitations index read from
    the event's first guest on (tens of milliseconds at 100,000 guests, more further on).
    """
    lookup = (
        select(Invitation)
        .where(Invitation.guest_id == Guest.id, Invitation.kind == MessageKind.INVITATION)
        .limit(1)
        .lateral()
    )
    invitation = aliased(Invitation, lookup, name="Invitation")
    return (
        select(*columns(invitation))
        .select_from(Guest)
        .outerjoin(invitation, true())
        .where(Guest.event_id == event_id, *filters.conditions(invitation))
        .order_by(Guest.id)
        .limit(limit)
    )


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


# Heads beyond one of the guests who come with others and said yes or maybe: driven by
# `ix_guests_parties` (guests whose party is over one), each one's invitation by its key.
EXTRA_HEADS = text("""
SELECT g.event_id, i.rsvp, CAST(sum(g.party_size - 1) AS bigint) AS n
FROM guests AS g JOIN invitations AS i ON i.guest_id = g.id AND i.kind = 'invitation'
WHERE g.event_id = ANY(CAST(:ids AS integer[])) AND g.party_size > 1
  AND i.rsvp IN ('confirmed', 'maybe')
GROUP BY g.event_id, i.rsvp
""")
COUNTED_HEADS = (Rsvp.CONFIRMED, Rsvp.MAYBE)
# Heads of the waitlisted guests (their answer is "confirmed", their seat is not):
# driven by `ix_guests_waitlist`.
WAITLISTED_HEADS = text("""
SELECT event_id, CAST(count(*) AS bigint) AS guests,
       CAST(sum(coalesce(party_size, 1)) AS bigint) AS heads
FROM guests WHERE event_id = ANY(CAST(:ids AS integer[])) AND waitlisted_at IS NOT NULL
GROUP BY event_id
""")


def event_stats(event_id: int) -> dict[str, Any]:
    """Count the event's guests by RSVP and by delivery bucket (see `events_stats`)."""
    return events_stats([event_id])[event_id]


def events_stats(event_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Count each event's guests by RSVP and by delivery bucket, from the tallies.

    `no_answer` counts every guest without an RSVP, invited or not, so each breakdown sums
    to `guests`. `opted_out` counts guests whose number is on the opt-out list;
    `unreachable` those the provider said can never receive; `waitlisted` the guests waiting
    for a seat (their heads: `heads.waitlisted`). A few small queries for any
    number of events, whatever their size.
    """
    connection = db.session.connection()
    ids = list(event_ids)
    tallies = event_tallies(connection, ids)
    guests = guest_counts(connection, ids)
    opted_out = {row.event_id: row.n for row in connection.execute(OPTED_OUT, {"ids": ids})}
    unreachable = {row.event_id: row.n for row in connection.execute(UNREACHABLE, {"ids": ids})}
    extra = {(r.event_id, r.rsvp): int(r.n) for r in connection.execute(EXTRA_HEADS, {"ids": ids})}
    waiting = {r.event_id: r for r in connection.execute(WAITLISTED_HEADS, {"ids": ids})}
    found = {}
    for event_id in ids:
        split = breakdowns(guests[event_id], tallies[event_id])
        found[event_id] = {
            "guests": guests[event_id],
            **split,
            "heads": heads(
                split["rsvp"],
                {r: extra.get((event_id, r), 0) for r in COUNTED_HEADS},
                int(waiting[event_id].heads) if event_id in waiting else 0,
            ),
            "waitlisted": int(waiting[event_id].guests) if event_id in waiting else 0,
            "opted_out": opted_out.get(event_id, 0),
            "unreachable": unreachable.get(event_id, 0),
        }
    return found


def heads(rsvp: dict[str, int], extra: dict[str, int], waitlisted: int = 0) -> dict[str, int]:
    """Heads confirmed (seated) and maybe: one per guest, plus the others their party brings
    (`extra`); the waitlisted guests' heads are counted apart (`waitlisted`), not as
    confirmed, though their answer, in the RSVP split, is a yes."""
    return {
        "confirmed": rsvp[Rsvp.CONFIRMED] + extra[Rsvp.CONFIRMED] - waitlisted,
        "maybe": rsvp[Rsvp.MAYBE] + extra[Rsvp.MAYBE],
        "waitlisted": waitlisted,
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
