"""The door: a phone's page to let guests in by their pass (camera, a photo, the typed code)
or by name, and the event page's live arrivals (rules in `app.services.checkins`).

`GET /events/<id>/door` shows the party of `?code=` or `?guest=` (or the guests matching
`?q=`); its forms post to `/events/<id>/door/checkins`, which answers JSON to the page's
script (`door.js`: camera, queue while offline) and a redirect back with a message without
it. `GET /events/<id>/arrivals.json` is the event page's figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.config import zone_or_utc
from app.dashboard import bp
from app.dashboard.auth import wants_json
from app.dashboard.guests import require_event
from app.models import Event
from app.models.base import utcnow
from app.services import arrivals, checkin_rules, checkins
from app.services.checkin_rules import CheckInRefused, PartyComplete, TooMany, UnknownPass
from app.services.checkins import CheckInResult, DoorParty
from app.services.parsing import parse_id
from app.services.user_text import plain_text

REFUSAL_STATUS = {UnknownPass: 404, PartyComplete: 409, TooMany: 400}


@bp.get("/events/<int:event_id>/door")
def door_page(event_id: int) -> ResponseReturnValue:
    """The door of an event: scan, type or search, then let the party in."""
    event = require_event(event_id)
    return render_template("dashboard/door.html", event=event, **door_lookup(event))


@bp.post("/events/<int:event_id>/door/checkins")
def door_check_in(event_id: int) -> ResponseReturnValue:
    """Let in people of a party (JSON for the page's script, else back to the door)."""
    event = require_event(event_id)
    try:
        scan = checkin_rules.scan_from(request.form, user_id=current_user.id)
        result = checkins.check_in(event.id, scan)
    except ValueError as error:
        return door_answer(event, {"message": str(error)}, 400)
    except CheckInRefused as refused:
        party = getattr(refused, "party", None)
        found = party.as_json() if party else {}
        message = refusal_words(event, refused)
        return door_answer(
            event, {**found, "message": message}, REFUSAL_STATUS.get(type(refused), 400)
        )
    return door_answer(event, {**result.as_json(), "message": admitted_words(result)}, 200)


@bp.get("/events/<int:event_id>/arrivals.json")
def event_arrivals(event_id: int) -> ResponseReturnValue:
    """How many people are in, of those expected, for the event page's live figure."""
    event = require_event(event_id)
    return jsonify(arrivals.event_arrivals(event.id).as_json())


def door_lookup(event: Event) -> dict[str, Any]:
    """What the door shows for the query: the party of a code or a guest, or the guests a
    name search finds, or why none."""
    code, search = request.args.get("code", "").strip(), request.args.get("q", "").strip()
    guest_id = parse_id(request.args.get("guest"))
    found: dict[str, Any] = {"code": code, "search": search, "party": None, "matches": None}
    try:
        if code or guest_id:
            found["party"] = checkins.find_party(event.id, code=code or None, guest_id=guest_id)
        elif search:
            found["matches"] = arrivals.search_parties(event.id, search)
    except UnknownPass as unknown:
        found["unknown"] = f"{str(unknown)[:1].upper()}{str(unknown)[1:]}."
    return found


def door_answer(event: Event, body: dict[str, Any], status: int) -> ResponseReturnValue:
    """The check-in's answer: JSON for the script, else a message and the door again."""
    if wants_json():
        return jsonify(body), status
    flash(body["message"], "success" if status == 200 else "error")
    guest = body.get("guest_id")
    target = url_for("dashboard.door_page", event_id=event.id, guest=guest) if guest else None
    return redirect(target or url_for("dashboard.door_page", event_id=event.id))


def admitted_words(result: CheckInResult) -> str:
    """What a check-in did, in a sentence."""
    party = result.party
    values = {
        "num": result.admitted,
        "name": plain_text(party.name),
        "checked": party.checked_in,
        "party": party.party,
    }
    if result.replayed:
        said = _(
            "Let in %(num)s of %(name)s's party (this scan was already recorded):"
            " %(checked)s of %(party)s in.",
            **values,
        )
    else:
        said = _("Let in %(num)s of %(name)s's party: %(checked)s of %(party)s in.", **values)
    if result.over:  # a kept scan found others of the party already let in elsewhere
        said += " " + _(
            "%(num)s more came in on this pass than the party had left.", num=result.over
        )
    return said


def refusal_words(event: Event, refused: CheckInRefused) -> str:
    """Why a check-in was refused, in a sentence (with the pass's first use)."""
    if isinstance(refused, PartyComplete):
        return first_use_words(event, refused.party)
    text = str(refused)
    return f"{text[:1].upper()}{text[1:]}."


def first_use_words(event: Event, party: DoorParty) -> str:
    """When and by whom a complete party's pass was first used, in a sentence."""
    everyone = _(
        "Already in: all %(num)s of %(name)s's party.", num=party.party, name=plain_text(party.name)
    )
    first = party.first
    if first is None:
        return everyone
    who, at = first.email or _("the API"), door_time(first.at, event.time_zone)
    if first.device:
        return f"{everyone} " + _(
            "The pass was first used at %(time)s by %(who)s on %(device)s.",
            time=at,
            who=who,
            device=first.device,
        )
    return f"{everyone} " + _("The pass was first used at %(time)s by %(who)s.", time=at, who=who)


@bp.app_template_filter("door_time")
def door_time(value: datetime | None, time_zone: str) -> str:
    """A time at the door, in the event's zone, to the second ("9:04:05 PM"), with its date
    when it is not today there."""
    if value is None:
        return "—"
    zone: ZoneInfo = zone_or_utc(time_zone)
    local = value.astimezone(zone)
    locale = get_locale() or "en"
    # CLDR's narrow no-break space before "PM" reads as a plain one in a message.
    said = format_time(local, "medium", tzinfo=zone, locale=locale).replace("\u202f", " ")
    if local.date() != utcnow().astimezone(zone).date():
        day = format_date(local, "medium", locale=locale)
        said = _("%(time)s on %(date)s", time=said, date=day)
    return said
