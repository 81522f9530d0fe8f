"""Events and their guests: create, read, list, import guests, list guests, stats.

- `POST /api/v1/events` `{"name", "starts_at"?, "venue"?, "time_zone"?, "country"?,
  "language_from_replies"?}` → 201 with the event and a `Location` header. `time_zone` is an
  IANA zone (default `DEFAULT_TIME_ZONE`) in which guests read the event's dates;
  `starts_at` is ISO 8601, and a time without an offset is taken in that zone. `country`
  (ISO 3166 alpha-2) is where the national numbers of its guest lists are read: without
  one, its zone's country (Europe/Madrid: ES), else `DEFAULT_PHONE_REGION`; the event's
  `country` says which applies. `language_from_replies` (default false): a guest's reply
  in another language changes the language they are written to in. `approval_above`
  (owners only, else a 403 `forbidden`): above this many recipients an organiser's campaign
  of the event waits for an owner's approval (null: the service's `APPROVAL_ABOVE`; 0:
  always; `app.api.approvals`).
- `GET /api/v1/events?limit=&cursor=` → `{"events": [...], "next_cursor"}`, newest first.
- `GET /api/v1/events/<id>` → the event with its `stats`.
- `GET /api/v1/events/<id>/stats` → `{"guests", "rsvp": {...}, "delivery": {...}, ...}`.
- `POST /api/v1/events/<id>/guests` with `application/json` `{"guests": [...]}`, a
  `text/csv` or `text/tab-separated-values` body in any common encoding (a declared
  `charset` is honoured, else it is detected), or an Excel `.xlsx` body →
  `{"imported", "duplicates", "errors": [{"line", "reason", "text"}], "error_count",
  "repaired": [{"line", "before", "after"}], "repaired_count", "warnings": [{"line",
  "reason", "text"}], "warning_count"}` (rules in `app.services.guests` and
  `app.services.guest_upload`); national numbers are read in the event's country.
- `PATCH` and `DELETE` of an event or a guest: `app.api.edits`.
- `GET /api/v1/events/<id>/guests?limit=&cursor=&rsvp=&delivery_status=&q=` → `{"guests",
  "next_cursor"}`, by guest id. Filters take comma-separated values: `rsvp` one of
  confirmed, declined, maybe, no_answer; `delivery_status` one of the `/stats` delivery
  buckets. `q` searches (up to 100 characters): guests whose name contains it, in any case
  and any script, and, when it looks like a phone number (three digits or more, with
  spaces, `+`, `-`, `.` or parentheses), guests whose phone contains its digits; `%` and
  `_` match themselves. All filters combine. `limit` is 1-500 (default 50); `cursor` is
  the previous page's `next_cursor`, null on the last page.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, current_app, jsonify, request, url_for
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge, UnsupportedMediaType

from app.api import bp
from app.api.validation import (
    JSON,
    coordinate_field,
    decode_cursor,
    encode_cursor,
    isoformat,
    json_body,
    json_object,
    name_field,
    optional_bool,
    optional_datetime,
    optional_text,
    optional_time_zone,
    query_choices,
    query_int,
    query_search,
    zone_of,
)
from app.models import Event, Invitation
from app.services import (
    approvals,
    arrivals,
    audit,
    countries,
    event_edits,
    event_questions,
    events,
    guest_upload,
    guests,
    parties,
    pass_codes,
)
from app.services.sheets.limits import Budget, OverBudget, Unreadable
from app.services.wording import format_start, guest_language
from app.urls import guest_page_url

CSV = "text/csv"
TSV = "text/tab-separated-values"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_PAGE, MAX_PAGE = 50, 500
UTF8_CHARSETS = ("utf-8", "utf8", "us-ascii")
INVITATION_FIELDS = (
    "rsvp",
    "delivery_status",
    "send_state",
    "invited_at",
    "accepted_at",
    "rsvp_at",
    "error_code",
    "error_reason",
)


@bp.post("/events")
def create_event() -> tuple[Response, int, dict[str, str]]:
    """Create an event."""
    body = json_object(event_edits.FIELDS)  # what an event is made of, as PATCH corrects
    approvals.check_threshold_change(
        audit.current_actor(), None, approval_above_field(body, "approval_above")
    )
    default_zone = current_app.config["SETTINGS"].default_time_zone
    time_zone = optional_time_zone(body, "time_zone", default_zone)
    event = events.create_event(
        name=name_field(body, "name"),
        starts_at=optional_datetime(body, "starts_at", zone_of(time_zone)),
        venue=optional_text(body, "venue", max_length=300),
        time_zone=time_zone,
        country=optional_country(body, "country"),
        language_from_replies=optional_bool(body, "language_from_replies"),
        plus_ones=plus_ones_field(body, "plus_ones"),
        capacity=capacity_field(body, "capacity"),
        offer_hours=offer_hours_field(body, "offer_hours"),
        latitude=coordinate_field(body, "latitude", 90),
        longitude=coordinate_field(body, "longitude", 180),
        passes=optional_bool(body, "passes"),
        approval_above=approval_above_field(body, "approval_above"),
    )
    location = url_for("api.get_event", event_id=event.id)
    return jsonify(event_json(event)), 201, {"Location": location}


@bp.get("/events")
def list_events() -> Response:
    """List events, newest first, a page at a time."""
    limit = query_int("limit", DEFAULT_PAGE, 1, MAX_PAGE)
    cursor = decode_cursor("cursor", int)
    # One row more than the page tells whether there is a next page.
    rows = events.list_events(limit + 1, before_id=cursor[0] if cursor else None)
    page = rows[:limit]
    items = [{**event_json(event), "guests": count} for event, count in page]
    more = len(rows) > limit
    return jsonify(events=items, next_cursor=encode_cursor(page[-1][0].id) if more else None)


@bp.get("/events/<int:event_id>")
def get_event(event_id: int) -> Response:
    """One event, with its guest, RSVP and delivery counts."""
    event = require_event(event_id)
    return jsonify({**event_json(event), "stats": events.event_stats(event.id)})


@bp.get("/events/<int:event_id>/stats")
def event_stats(event_id: int) -> Response:
    """RSVP and delivery counts of an event's guests."""
    event = require_event(event_id)
    return jsonify({"event_id": event.id, **events.event_stats(event.id)})


@bp.get("/events/<int:event_id>/guests")
def list_guests(event_id: int) -> Response:
    """An event's guests with RSVP and delivery status, filtered, a page at a time."""
    limit = query_int("limit", DEFAULT_PAGE, 1, MAX_PAGE)
    cursor = decode_cursor("cursor", int)
    rsvp = query_choices("rsvp", events.RSVP_BUCKETS)
    delivery = query_choices("delivery_status", events.DELIVERY_BUCKETS)
    search = query_search("q")
    event = require_event(event_id)
    rows = events.list_guests(
        event.id,
        limit + 1,
        after_id=cursor[0] if cursor else None,
        rsvp=rsvp,
        delivery=delivery,
        search=search,
    )
    page = rows[:limit]
    more = len(rows) > limit
    answers = event_questions.answers_of(row.Guest.id for row in page)
    arrived = arrivals.checked_in_counts(row.Guest.id for row in page)
    return jsonify(
        guests=[guest_json(row, answers[row.Guest.id], arrived[row.Guest.id]) for row in page],
        next_cursor=encode_cursor(page[-1].Guest.id) if more else None,
    )


@bp.post("/events/<int:event_id>/guests")
def import_guests(event_id: int) -> Response:
    """Import guests from a JSON list or a CSV file; bad rows are reported, not fatal."""
    event = require_event(event_id)
    settings = current_app.config["SETTINGS"]
    region = countries.event_country(event, settings.default_phone_region)
    try:
        report = guests.import_guests(
            event.id,
            uploaded_rows(region),
            region=region,
            max_rows=settings.guest_import_max_rows,
            likely=countries.likely_countries(event, settings.default_phone_region),
        )
    except Unreadable as error:
        raise BadRequest(str(error)) from None
    except OverBudget as error:
        raise RequestEntityTooLarge(str(error)) from None
    except LookupError:
        raise NotFound(f"event {event_id} does not exist") from None
    return jsonify(report.as_json())


def uploaded_rows(country: str) -> Iterable[guest_upload.RawRow | guest_upload.RowError]:
    """Read the request body as guest rows, by its content type (a text file's encoding
    guessed with the event's `country` in mind)."""
    if request.mimetype == JSON:
        return guest_upload.json_rows(json_body())
    if request.mimetype not in (CSV, TSV, XLSX):
        raise UnsupportedMediaType(
            f'send {JSON} ({{"guests": [{{"name", "phone", ...}}]}}), {CSV} or {TSV}'
            f" (a header row with name and phone; any common encoding) or an Excel {XLSX}"
        )
    data = request.get_data(cache=False)
    if not data.strip():
        raise BadRequest("the body is empty: expected a header row with name and phone")
    budget = Budget(max_rows=current_app.config["SETTINGS"].guest_import_max_rows)
    table = guest_upload.read_upload(
        data, budget, encoding=declared_encoding(data), countries=(country,)
    )
    return guest_upload.table_rows(table)


def declared_encoding(data: bytes) -> str | None:
    """The charset a text body declares (None for UTF-8 or none); 415 if it can't be read so."""
    charset = request.mimetype_params.get("charset", "").lower()
    if request.mimetype == XLSX or not charset or charset in UTF8_CHARSETS:
        return None
    try:
        encoding = codecs.lookup(charset).name
        data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise UnsupportedMediaType(
            f"the body can't be read as {charset[:40]!r}: declare its real charset, or none"
        ) from None
    return encoding


def require_event(event_id: int) -> Event:
    """Return the event or answer 404."""
    event = events.find_event(event_id)
    if event is None:
        raise NotFound(f"event {event_id} does not exist")
    return event


def event_json(event: Event) -> dict[str, Any]:
    """An event as the API returns it."""
    default_region = current_app.config["SETTINGS"].default_phone_region
    return {
        "id": event.id,
        "name": event.name,
        "starts_at": isoformat(event.starts_at),
        "time_zone": event.time_zone,
        # The start as guests read it: in the event's zone, with its name (English).
        "starts_at_text": format_start(event.starts_at, event.time_zone),
        "venue": event.venue,
        # Where its national numbers are read: its own, else its zone's, else the default.
        "country": countries.event_country(event, default_region),
        "language_from_replies": event.language_from_replies,
        # How many people each guest may bring besides themself (a guest's own may differ).
        "plus_ones": event.plus_ones,
        # Heads that may come (null: no cap), and how long a freed seat is held for an offer.
        "capacity": event.capacity,
        "offer_hours": float(event.offer_hours) if event.offer_hours is not None else 24.0,
        # Where the venue is, in degrees (null: not set; its map is searched by its words).
        "latitude": float(event.latitude) if event.latitude is not None else None,
        "longitude": float(event.longitude) if event.longitude is not None else None,
        # Whether a seated guest's yes brings them a pass for the door.
        "passes": event.passes,
        # Above this many recipients an organiser's campaign waits for an owner (null: the
        # service's APPROVAL_ABOVE; 0: always).
        "approval_above": event.approval_above,
        # The calendar entry's SEQUENCE: raised by each change of start, zone or venue.
        "calendar_sequence": event.calendar_sequence,
        "canceled_at": isoformat(event.canceled_at),
        "created_at": isoformat(event.created_at),
    }


def approval_above_field(body: dict[str, Any], key: str) -> int | None:
    """How many recipients an organiser's campaign may have without an owner's approval: a
    whole number from 0 to 1,000,000, or null for the service's setting."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_APPROVAL:
        raise BadRequest(f"{key} must be a whole number from 0 to {MAX_APPROVAL}, or null")
    return value


MAX_APPROVAL = 1_000_000


@bp.errorhandler(approvals.OwnersOnly)
def owners_only(error: approvals.OwnersOnly) -> tuple[Response, int]:
    """A field only an owner may set: 403 `forbidden`, as every refusal of the API."""
    return jsonify(error="forbidden", message=str(error)), 403


def capacity_field(body: dict[str, Any], key: str) -> int | None:
    """An event's capacity in heads: a whole number from 0 to 1,000,000, or null for none."""
    try:
        return parties.check_capacity(body.get(key), key)
    except ValueError as error:
        raise BadRequest(str(error)) from None


def offer_hours_field(body: dict[str, Any], key: str) -> float:
    """How long an offered seat is held: hours, fractions allowed, above 0 and at most 720
    (24 when absent)."""
    try:
        return parties.check_offer_hours(body.get(key, 24), key)
    except ValueError as error:
        raise BadRequest(str(error)) from None


def plus_ones_field(body: dict[str, Any], key: str) -> int:
    """An event's allowance: a whole number from 0 to 99 (0 when absent); 400 otherwise."""
    if key not in body:
        return 0
    try:
        return parties.check_plus_ones(body[key], key)
    except ValueError as error:
        raise BadRequest(str(error)) from None


def optional_country(body: dict[str, Any], key: str) -> str | None:
    """An optional ISO 3166 alpha-2 country ("ES", any case), or None when absent or null."""
    value = body.get(key)
    if value is None:
        return None
    try:
        return countries.check_country(value)
    except ValueError as error:
        raise BadRequest(f"{key!r} {error}") from None


def guest_json(
    row: Any, answers: Sequence[event_questions.GuestAnswer] = (), checked_in: int = 0
) -> dict[str, Any]:
    """A guest with its invitation's state (nulls when not invited), their answers to the
    event's questions and how many of their party are in, as the API returns it."""
    guest = row.Guest
    return {
        "id": guest.id,
        "name": guest.name,
        "phone": guest.phone,
        "language": guest_language(guest.language, guest.phone),
        "variables": guest.variables,
        # Their own allowance (null: the event's), and how many are coming (null: not said).
        "plus_ones": guest.plus_ones,
        "party_size": guest.party_size,
        # Their place on the waitlist (1 first), null when not waitlisted.
        "waitlist_position": getattr(row, "waitlist_position", None),
        # Their own page (the event, the map, their answer); its calendar entry adds `.ics`.
        "page_url": guest_page_url(guest.page_token),
        # Their pass at the door (shown "K7QM-2XDP"; null until a yes gives them one), and
        # how many of their party came in with it.
        "pass_code": pass_codes.shown(guest.pass_code) if guest.pass_code else None,
        "checked_in": checked_in,
        **invitation_json(row.Invitation),
        "bucket": row.bucket,
        "opted_out": row.opted_out,
        # Their answers, in question order: their words, or the chosen choices (from 1).
        "answers": [
            {
                "question_id": answer.question_id,
                "text": answer.text,
                "choices": answer.choices,
                "answered_at": isoformat(answer.answered_at),
            }
            for answer in answers
        ],
    }


def invitation_json(invitation: Invitation | None) -> dict[str, Any]:
    """The invitation fields of a guest listing; all null for a guest not yet invited."""
    if invitation is None:
        return dict.fromkeys(INVITATION_FIELDS)
    return {
        "rsvp": invitation.rsvp,
        "delivery_status": invitation.delivery_status,
        "send_state": invitation.send_state,
        "invited_at": isoformat(invitation.created_at),
        "accepted_at": isoformat(invitation.accepted_at),
        "rsvp_at": isoformat(invitation.rsvp_at),
        "error_code": invitation.error_code,
        "error_reason": invitation.error_reason,
    }
