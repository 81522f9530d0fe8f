"""Correct an event (name, venue, start, time zone, country, whether replies may change a
guest's language, where the venue is), or delete it.

A change of the start, zone or venue raises the event's `calendar_sequence`, so the calendar
entries guests added from their pages move (`app.services.guest_pages`).

Moving the start moves a scheduled reminder with it, its lead kept, through the campaign
service and the lifecycle's `move` (`campaigns.follow_start`), in the same transaction: the
reminder that would go before now goes now, as at its scheduling; a start removed or moved
into the past while one is scheduled is refused (409) until it is canceled. Other planned
messages keep their times.

A deletion is refused (409) while one of the event's campaigns runs or is paused, or a
message of it is in flight; a scheduled campaign is canceled. The event then goes with its
guests, their messages and its campaigns (with the rows of deleted guests they still
counted); guests' messages stay in the inbox, from numbers no guest has.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import text

from app.extensions import db
from app.models import Event
from app.models.base import utcnow
from app.models.enums import states_text
from app.services import campaigns
from app.services.campaigns import CampaignError, ConflictError
from app.services.edits import EditConflict, EditError, EditMissing
from app.services.events import MAX_ID

log = logging.getLogger(__name__)

FIELDS = (
    "name",
    "venue",
    "starts_at",
    "time_zone",
    "country",
    "language_from_replies",
    "plus_ones",
    "capacity",
    "offer_hours",
    "latitude",
    "longitude",
    "passes",
    "approval_above",
)
# What a guest's calendar entry shows of when and where: a change raises its SEQUENCE.
CALENDAR_FIELDS = ("starts_at", "time_zone", "venue", "latitude", "longitude")
# What an update says changed, by field: its time, or its venue (`Campaign.changes`).
CHANGE_OF = {"starts_at": "time", "time_zone": "time", "venue": "venue", "latitude": "venue",
             "longitude": "venue"}  # fmt: skip

# Single sends still queued (a campaign's were canceled with it): withdrawn. A claim that
# took one first finishes, and the row is then seen in flight.
CANCEL_QUEUED = states_text("""
UPDATE invitations SET send_state = :send_canceled, next_attempt_at = NULL, updated_at = now()
WHERE event_id = :event_id AND send_state IN (:send_pending, :send_paused)
""")
IN_FLIGHT = states_text("""
SELECT count(*) FROM invitations WHERE event_id = :event_id AND send_state = :send_sending
""")
# Rows of deleted guests its campaigns still counted (see `guest_edits`): nothing else
# holds them once the campaigns are gone.
DELETE_DETACHED = text("""
DELETE FROM invitations
WHERE event_id IS NULL AND campaign_id IN (SELECT id FROM campaigns WHERE event_id = :event_id)
""")


@dataclass(frozen=True)
class MovedReminder:
    """A scheduled reminder that moved with the event's start."""

    campaign_id: int
    send_at: datetime
    started: bool  # its time had come: it is sending now


@dataclass(frozen=True)
class EventEdit:
    """An event after a correction, and the reminders that moved with its start."""

    event: Event
    reminders: list[MovedReminder] = field(default_factory=list)


def update_event(event_id: int, values: dict[str, Any]) -> EventEdit:
    """Store the given fields (`FIELDS`, parsed and checked) and move a scheduled reminder
    with a new start; commit.

    Raises:
        EditMissing: no such event.
        EditError: a reminder would be more than a year ahead.
        EditConflict: the start is removed or has passed while a reminder is scheduled.
    """
    event, moved = apply_edit(event_id, values)
    db.session.commit()
    return finish_edit(event, values, moved)


def apply_edit(event_id: int, values: dict[str, Any]) -> tuple[Event, list[tuple[int, datetime]]]:
    """Lock the event, store the fields and move a scheduled reminder with a new start, in
    the session's transaction (the caller commits: `event_changes.edit_and_notify` commits it
    with the update that tells of it); the event and the reminders moved.

    Raises: as `update_event` (the transaction rolled back).
    """
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise EditError(
            _(
                "unknown field %(unknown)s: expected %(choices)s",
                unknown=repr(unknown[0]),
                choices=", ".join(FIELDS),
            )
        )
    event = _lock_event(event_id, update=False)
    moves = values.get("starts_at", event.starts_at) != event.starts_at
    changed = {
        CHANGE_OF[name]
        for name in CALENDAR_FIELDS
        if values.get(name, getattr(event, name)) != getattr(event, name)
    }
    if changed:
        event.calendar_sequence += 1
        event.untold_changes = sorted(changed | set(event.untold_changes))
    for name, value in values.items():
        setattr(event, name, value)
    try:
        moved = campaigns.follow_start(event.id, event.starts_at) if moves else []
    except ConflictError as error:
        db.session.rollback()
        raise EditConflict(str(error), "starts_at") from None
    except CampaignError as error:
        db.session.rollback()
        raise EditError(str(error), "starts_at") from None
    return event, moved


def finish_edit(
    event: Event, values: dict[str, Any], moved: list[tuple[int, datetime]]
) -> EventEdit:
    """After the edit's commit: start a moved reminder whose time has come, as the sweep
    would start it; the edit."""
    log.info("event %s corrected: %s", event.id, ", ".join(sorted(values)) or "nothing")
    reminders = [
        MovedReminder(
            campaign_id, send_at, send_at <= utcnow() and campaigns.start_due(campaign_id) is True
        )
        for campaign_id, send_at in moved
    ]
    return EventEdit(event, reminders)


def delete_event(event_id: int) -> list[int]:
    """Delete the event and everything of it; return the scheduled campaigns it canceled.

    Raises:
        EditMissing: no such event.
        EditConflict: a campaign of it runs or is paused, or a message of it is in flight.
    """
    event = _lock_event(event_id, update=True)
    params = {"event_id": event.id}
    try:
        canceled = campaigns.cancel_scheduled(event.id)
    except ConflictError as error:
        db.session.rollback()
        raise EditConflict(str(error)) from None
    db.session.execute(CANCEL_QUEUED, params)
    if db.session.execute(IN_FLIGHT, params).scalar_one():
        db.session.rollback()
        raise EditConflict(_("a message of this event is being sent: delete it once it is"))
    db.session.execute(DELETE_DETACHED, params)
    db.session.delete(event)
    db.session.commit()
    log.info("event %s deleted (scheduled campaigns canceled: %s)", event_id, canceled)
    return canceled


def _lock_event(event_id: int, update: bool) -> Event:
    """The event, locked (FOR UPDATE for a deletion, else FOR NO KEY UPDATE), or EditMissing."""
    lock: Any = True if update else {"key_share": True}
    event = (
        db.session.get(Event, event_id, with_for_update=lock, populate_existing=True)
        if 0 < event_id <= MAX_ID
        else None
    )
    if event is None:
        db.session.rollback()
        raise EditMissing(_("event %(event_id)s does not exist", event_id=event_id))
    return event
