"""Check-in at the door (rules in `app.services.checkins`).

- `POST /api/v1/events/<id>/checkins` `{"code", "count"?, "client_id"?, "device"?,
  "scanned_at"?, "kept"?}`: let in `count` people of the party of the pass `code`
  ("K7QM-2XDP", any case, spaces or dashes; default: everyone not in yet) → 200 `{"guest_id",
  "name", "party", "checked_in" (in now), "left", "admitted" (by this call), "replayed",
  "over", "pass_code", "first_at", "first_by", "completed_at"}`. A `kept` check-in (made
  while the device had no network: the people are in) past what is left records what is
  left and says how many it counted `over`. The same `client_id` again is the first call's
  result (`replayed` true). 409 when the whole party is in already (with `first_at`,
  `first_by`, `completed_at` and `checked_in`; `first_by` names a user token's user); 404 for
  a code no guest of the event who said yes has (unknown, or replaced: void); 400 for a count
  that is not a whole number from 1 to how many are left (`left` says how many).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import BadRequest, Conflict, HTTPException, NotFound

from app.api import bp
from app.api.events import require_event
from app.api.validation import json_object, json_type
from app.services import audit, checkin_rules, checkins
from app.services.checkin_rules import CheckInRefused, PartyComplete, TooMany, UnknownPass

FIELDS = ("code", "count", "client_id", "device", "scanned_at", "kept")


@bp.post("/events/<int:event_id>/checkins")
def check_in(event_id: int) -> tuple[Response, int]:
    """Let in people of a pass's party."""
    event = require_event(event_id)
    body = json_object(FIELDS)
    if not isinstance(body.get("code"), str):
        raise BadRequest(
            f"'code' must be a pass's code such as K7QM-2XDP, not {json_type(body.get('code'))}"
        )
    try:
        scan = checkin_rules.scan_from(body, user_id=audit.current_actor().user_id)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    try:
        result = checkins.check_in(event.id, scan)
    except CheckInRefused as refused:
        return refusal(refused)
    return jsonify(result.as_json()), 200


def refusal(refused: CheckInRefused) -> tuple[Response, int]:
    """A refused check-in as JSON: the error, and the party when one was found."""
    error: HTTPException
    party: dict[str, Any] = {}
    if isinstance(refused, UnknownPass):
        error = NotFound(str(refused))
    elif isinstance(refused, PartyComplete):
        error, party = Conflict(str(refused)), refused.party.as_json()
    elif isinstance(refused, TooMany):
        error, party = BadRequest(str(refused)), refused.party.as_json()
    else:
        error = BadRequest(str(refused))
    return jsonify(error=error.name, message=error.description, **party), error.code or 400
