"""Who came: how many of each guest's party are in and when the first arrived (one query for
a page of guests: the API's listing, the exports), an event's arrivals against the people
expected (the event page's live figure), and the door's name search."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from app.extensions import db
from app.models import Guest, Invitation, MessageKind, Rsvp
from app.services import events
from app.services.checkins import DoorParty, parties_of
from app.services.guest_search import clean_search, search_condition

# How many guests the door's name search shows.
SEARCH_LIMIT = 8
ARRIVALS = text("""
SELECT guest_id, CAST(sum(people) AS integer) AS people, min(scanned_at) AS first_at
FROM checkins WHERE guest_id = ANY(CAST(:ids AS integer[]))
GROUP BY guest_id
""")
EVENT_PEOPLE = text("""
SELECT CAST(coalesce(sum(people), 0) AS integer) FROM checkins WHERE event_id = :event_id
""")


@dataclass(frozen=True)
class Arrival:
    """How many of a guest's party are in, and when the first of them came (None: nobody)."""

    people: int = 0
    first_at: datetime | None = None


@dataclass(frozen=True)
class EventArrivals:
    """People in at an event, and the people expected (confirmed and seated, with parties)."""

    people: int
    expected: int

    def as_json(self) -> dict[str, int]:
        """The figure as the event page's script reads it."""
        return {"checked_in": self.people, "expected": self.expected}


def arrivals_of(guest_ids: Iterable[int]) -> dict[int, Arrival]:
    """Each guest's arrival (an empty one for a guest nobody of whose party came), one
    query for a page of guests."""
    ids = list(guest_ids)
    found = dict.fromkeys(ids, Arrival())
    if ids:
        for row in db.session.execute(ARRIVALS, {"ids": ids}):
            found[row.guest_id] = Arrival(row.people, row.first_at)
    return found


def checked_in_counts(guest_ids: Iterable[int]) -> dict[int, int]:
    """How many of each guest's party are in (0 for none), one query for a page of guests."""
    return {guest_id: arrival.people for guest_id, arrival in arrivals_of(guest_ids).items()}


def people_in(event_id: int) -> int:
    """People checked in at the event."""
    return int(db.session.execute(EVENT_PEOPLE, {"event_id": event_id}).scalar() or 0)


def event_arrivals(event_id: int, stats: dict[str, Any] | None = None) -> EventArrivals:
    """People checked in at the event, against the confirmed, seated people (from `stats`,
    the event's `events.event_stats`, when the caller has them)."""
    stats = stats if stats is not None else events.event_stats(event_id)
    return EventArrivals(people_in(event_id), int(stats["heads"]["confirmed"]))


def search_parties(event_id: int, search: str, limit: int = SEARCH_LIMIT) -> list[DoorParty]:
    """The event's confirmed, seated guests whose name (or number) matches, by name."""
    search = clean_search(search)
    if not search:
        return []
    query = (
        select(Guest.id)
        .join(
            Invitation,
            (Invitation.guest_id == Guest.id) & (Invitation.kind == MessageKind.INVITATION),
        )
        .where(
            Guest.event_id == event_id,
            Invitation.rsvp == Rsvp.CONFIRMED,
            Guest.waitlisted_at.is_(None),
            search_condition(search),
        )
        .order_by(Guest.name, Guest.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(query))
    parties = parties_of(ids) if ids else {}
    return [parties[guest_id] for guest_id in ids]
