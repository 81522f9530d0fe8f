"""Each guest's own page and calendar entry, reached by an unguessable link (`/e/<token>`).

The page shows the event in its zone, the venue with a map link, and the guest's answer and
party, in the guest's language; its `.ics` (RFC 5545, written by `icalendar`) carries the
event's `VTIMEZONE` and a `SEQUENCE` raised when the start, zone or venue changes, so a
calendar moves the entry it holds (and `STATUS:CANCELLED` once the event is canceled). A
token is found by its SHA-256 (the index holds no secret) and then compared in constant
time; a page shows its own guest only.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import text

from app.config import zone_or_utc
from app.extensions import db
from app.models import Rsvp
from app.sending.languages import guest_language
from app.sending.message import format_start

# What a token looks like (the database makes 64 hex digits); anything else is not looked up.
TOKEN = re.compile(r"[0-9a-f]{64}")
# Calendars need an end: an event without one is shown as lasting this long.
SHOWN_LENGTH = timedelta(hours=3)

FIND = text("""
SELECT g.id AS guest_id, g.page_token, g.name, g.language, g.phone, g.party_size,
       i.rsvp, g.waitlisted_at IS NOT NULL AS waitlisted,
       e.id AS event_id, e.name AS event_name, e.starts_at, e.time_zone, e.venue,
       e.latitude, e.longitude, e.calendar_sequence, e.passes,
       e.canceled_at IS NOT NULL AS canceled
FROM guests g
JOIN events e ON e.id = g.event_id
LEFT JOIN invitations i ON i.guest_id = g.id AND i.kind = 'invitation'
WHERE sha256(g.page_token::bytea) = sha256(CAST(:token AS text)::bytea)
""")


@dataclass(frozen=True)
class GuestPage:
    """What a guest's page shows: them, their answer, and the event."""

    guest_id: int
    token: str
    name: str
    language: str
    rsvp: Rsvp | None
    party_size: int | None
    waitlisted: bool
    event_id: int
    event_name: str
    starts_at: datetime | None
    time_zone: str
    venue: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    sequence: int
    passes: bool  # the event gives passes for the door
    canceled: bool = False  # the organiser canceled the event: the calendar entry says so

    @property
    def when(self) -> str | None:
        """The start in the event's zone, named, in the guest's language."""
        return format_start(self.starts_at, self.time_zone, self.language)

    @property
    def map_url(self) -> str | None:
        """OpenStreetMap at the venue's coordinates, else a search for its words."""
        if self.latitude is not None and self.longitude is not None:
            lat, lon = f"{self.latitude:f}", f"{self.longitude:f}"
            return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
        if self.venue:
            return f"https://www.openstreetmap.org/search?query={quote(self.venue)}"
        return None


def find_page(token: str) -> GuestPage | None:
    """The guest whose page `token` opens, or None (a malformed token is not looked up)."""
    if not TOKEN.fullmatch(token):
        return None
    row = db.session.execute(FIND, {"token": token}).first()
    db.session.rollback()
    if row is None or not hmac.compare_digest(row.page_token.encode(), token.encode()):
        return None
    return GuestPage(
        guest_id=row.guest_id,
        token=row.page_token,
        name=row.name,
        language=guest_language(row.language, row.phone),
        rsvp=Rsvp(row.rsvp) if row.rsvp else None,
        party_size=row.party_size,
        waitlisted=row.waitlisted,
        event_id=row.event_id,
        event_name=row.event_name,
        starts_at=row.starts_at,
        time_zone=row.time_zone,
        venue=row.venue,
        latitude=row.latitude,
        longitude=row.longitude,
        sequence=row.calendar_sequence,
        passes=row.passes,
        canceled=row.canceled,
    )


def calendar(page: GuestPage, page_url: str, host: str) -> bytes:
    """The event as an iCalendar file for the guest's calendar, with its time zone."""
    cal = Calendar()
    cal.add("prodid", "-//WhatsApp invitations//guest page//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", f"event-{page.event_id}-guest-{page.guest_id}@{host}")
    entry.add("dtstamp", datetime.now(UTC))
    entry.add("sequence", page.sequence)
    # A canceled event stays in the calendar as canceled (its SEQUENCE rose with it).
    entry.add("status", "CANCELLED" if page.canceled else "CONFIRMED")
    entry.add("summary", page.event_name)
    entry.add("url", page_url)
    if page.starts_at is not None:
        local = page.starts_at.astimezone(zone_or_utc(page.time_zone))
        entry.add("dtstart", local)
        entry.add("dtend", local + SHOWN_LENGTH)
    if page.venue:
        entry.add("location", page.venue)
    if page.latitude is not None and page.longitude is not None:
        entry.add("geo", (float(page.latitude), float(page.longitude)))
    cal.add_component(entry)
    if page.starts_at is not None:  # the zone's rules around the event's year suffice
        year = page.starts_at.year
        cal.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return cal.to_ical()
