"""Correct or delete a guest or an event (rules in `app.services.guest_edits` and
`app.services.event_edits`). A refused change changes nothing.

- `PATCH /api/v1/guests/<id>` `{"name"?, "phone"?, "language"?, "variables"?}` → 200 with
  the guest: each field checked as the import checks it (`variables`, an object, replaces
  the guest's set); `opted_out` and `unreachable_*` say whether the number may be sent to.
  409 when the new phone is another guest's of the event (naming them), or a message to the
  guest is in flight while the phone changes.
- `DELETE /api/v1/guests/<id>` → 204. 409 while a message to them is in flight. What their
  campaigns sent them stays counted in those campaigns; the event no longer counts them.
- `PATCH /api/v1/events/<id>` `{"name"?, "venue"?, "starts_at"?, "time_zone"?, "country"?,
  "language_from_replies"?, "notify"?, "notify_maybe"?, "notify_unanswered"?}` → 200 with
  the event, `moved_reminders` (`[{"campaign_id", "send_at", "started"}]`), `update` (with
  `notify: true`: the campaign telling the guests of the change, `app.api.changes`, or
  `{"approval", "preflight"}` when it waits for an owner; null otherwise) and
  `untold_change` (the start, zone or venue changed after invitations went out and the
  guests were not told). `approval_above` (owners only; null: the service's
  `APPROVAL_ABOVE`, 0: always) sets how many recipients an organiser's campaign of the event
  may have before it waits for an owner; another role sending it is a 403. A `starts_at`
  without an offset is read in the event's zone (the new one, if given); null clears
  `venue`, `starts_at` and `country` (the zone's country is used then). A scheduled reminder
  moves with the start; 409 when the start is removed or past while one is.
- `DELETE /api/v1/events/<id>` → 204: its guests, messages and campaigns go; a scheduled
  campaign is canceled. 409 while one of its campaigns runs or is paused, or a message of
  it is in flight.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from flask import Response, current_app, jsonify
from werkzeug.exceptions import BadRequest, Conflict, NotFound

from app.api import bp, changes
from app.api.events import (
    approval_above_field,
    capacity_field,
    event_json,
    offer_hours_field,
    optional_country,
    plus_ones_field,
    require_event,
)
from app.api.validation import (
    COORDINATES,
    coordinate_field,
    isoformat,
    json_object,
    name_field,
    optional_bool,
    optional_datetime,
    optional_text,
    optional_time_zone,
    zone_of,
)
from app.errors import json_error
from app.models import Event
from app.services import approvals, audit, event_changes, event_edits, guest_edits
from app.services.edits import EditConflict, EditError, EditMissing
from app.services.wording import guest_language

VENUE_MAX_LENGTH = 300
# Telling the guests of the change, in the same request (`app.api.changes`).
NOTIFY_FIELDS = ("notify", "notify_maybe", "notify_unanswered")
# Fields a PATCH may not set to null: each must keep a value.
REQUIRED = (
    "name",
    "phone",
    "language",
    "variables",
    "time_zone",
    "language_from_replies",
    "passes",
)


@bp.errorhandler(EditMissing)
def edit_missing(error: EditMissing) -> tuple[Response, int]:
    """No such guest or event: 404 JSON."""
    return json_error(NotFound(str(error)))


@bp.errorhandler(EditConflict)
def edit_conflict(error: EditConflict) -> tuple[Response, int]:
    """A change that does not fit what is going on: 409 JSON."""
    return json_error(Conflict(str(error)))


@bp.errorhandler(EditError)
def edit_invalid(error: EditError) -> tuple[Response, int]:
    """A value that can't be stored: 400 JSON."""
    return json_error(BadRequest(str(error)))


def patch_body(allowed: tuple[str, ...]) -> dict[str, Any]:
    """The PATCH body: a JSON object of `allowed` fields, at least one, none null that must
    keep a value."""
    body = json_object(allowed)
    if not body:
        raise BadRequest(f"nothing to change: send one or more of {', '.join(allowed)}")
    for key in REQUIRED:
        if key in body and body[key] is None:
            raise BadRequest(f"{key!r} can't be null: leave it out to keep it")
    return body


@bp.patch("/guests/<int:guest_id>")
def update_guest(guest_id: int) -> Response:
    """Correct a guest's name, phone, language or template variables."""
    body = patch_body(guest_edits.FIELDS)
    region = current_app.config["SETTINGS"].default_phone_region
    edit = guest_edits.update_guest(guest_id, body, region)
    guest = edit.guest
    return jsonify(
        id=guest.id,
        event_id=guest.event_id,
        name=guest.name,
        phone=guest.phone,
        language=guest_language(guest.language, guest.phone),
        variables=guest.variables,
        opted_out=edit.opted_out,
        unreachable_code=guest.unreachable_code,
        unreachable_reason=guest.unreachable_reason,
        plus_ones=guest.plus_ones,
        party_size=guest.party_size,
    )


@bp.delete("/guests/<int:guest_id>")
def delete_guest(guest_id: int) -> tuple[str, int]:
    """Delete a guest; what campaigns sent them stays counted in those campaigns."""
    guest_edits.delete_guest(guest_id)
    return "", 204


# How each field of an event correction is read (the zone and start: `event_values`).
EVENT_PARSERS: dict[str, Callable[[dict[str, Any], str], Any]] = {
    "name": name_field,
    "venue": lambda body, key: optional_text(body, key, max_length=VENUE_MAX_LENGTH),
    "country": optional_country,
    "language_from_replies": optional_bool,
    "passes": optional_bool,
    "plus_ones": plus_ones_field,
    "capacity": capacity_field,
    "offer_hours": lambda body, key: Decimal(str(offer_hours_field(body, key))),
    "approval_above": approval_above_field,
    **{key: partial(coordinate_field, limit=limit) for key, limit in COORDINATES.items()},
}


def event_values(body: dict[str, Any], event: Event) -> dict[str, Any]:
    """The corrected fields, parsed and checked (400s); a start without an offset is read in
    the event's zone, the new one if given."""
    values = {key: parse(body, key) for key, parse in EVENT_PARSERS.items() if key in body}
    zone = optional_time_zone(body, "time_zone", event.time_zone)
    if "time_zone" in body:
        values["time_zone"] = zone
    if "starts_at" in body:
        values["starts_at"] = optional_datetime(body, "starts_at", zone_of(zone))
    return values


@bp.patch("/events/<int:event_id>")
def update_event(event_id: int) -> Response:
    """Correct an event's name, venue, start, time zone, country, heads and waitlist
    settings, or where its venue is; with `notify`, tell the guests of the change."""
    body = patch_body((*event_edits.FIELDS, *NOTIFY_FIELDS))
    notify = {key: optional_bool(body, key) for key in NOTIFY_FIELDS if key in body}
    for key in notify:
        del body[key]
    event = require_event(event_id)
    values = event_values(body, event)
    if "approval_above" in values:
        approvals.check_threshold_change(
            audit.current_actor(), event.approval_above, values["approval_above"]
        )
    if notify.get("notify"):  # the edit and its update together (`changes`)
        edit, told = changes.edit_and_notify_json(event.id, values, notify)
    else:
        edit = (
            event_edits.update_event(event.id, values) if values else event_edits.EventEdit(event)
        )
        told = None
    moved = [
        {"campaign_id": r.campaign_id, "send_at": isoformat(r.send_at), "started": r.started}
        for r in edit.reminders
    ]
    return jsonify(
        {
            **event_json(edit.event),
            "moved_reminders": moved,
            "update": told,
            "untold_change": event_changes.untold(edit.event),
        }
    )


@bp.delete("/events/<int:event_id>")
def delete_event(event_id: int) -> tuple[str, int]:
    """Delete an event with its guests and campaigns (a scheduled campaign is canceled)."""
    event_edits.delete_event(event_id)
    return "", 204
