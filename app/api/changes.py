"""Tell guests of an event's change, or cancel it (`app.services.event_changes`).

- `GET /api/v1/events/<id>/updates/preflight?include_maybe=&include_unanswered=` → the
  pre-flight of an update telling of the latest change (how many, warnings), with
  `already_told` (the campaign that told of it, or null).
- `POST /api/v1/events/<id>/updates` `{"include_maybe"?, "include_unanswered"?}` → 201 with
  the new update campaign, or 200 with the one that already tells of this change (a second
  save changes nothing). 409 when the event did not change or is canceled, or no one is left
  to tell. 202 `{"approval", "preflight"}` when it waits for an owner (`app.api.approvals`).
- `POST /api/v1/events/<id>/cancel` `{"notify"?}` → 200 with the event, the campaigns
  canceled, the single sends withdrawn and the `cancellation` campaign (null when no one
  was invited or `notify` is false); a second cancel returns the same, `already: true`.
  The event is canceled at once; an organiser's cancellation message that needs approval
  is `approval` (the request waiting for an owner), and `cancellation` is null until then.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for

from app.api import bp
from app.api.campaigns import TRUE, campaign_json
from app.api.events import event_json
from app.api.validation import optional_bool, optional_json_object
from app.models import MessageKind
from app.services import approvals, audit, event_changes
from app.services.event_changes import Audience, Notified
from app.services.event_edits import EventEdit


def notified_json(notified: Notified) -> dict[str, Any]:
    """An update campaign and whether this request created it."""
    return {
        **campaign_json(notified.campaign),
        "created": notified.created,
        "withdrawn_updates": notified.withdrawn,
    }


def edit_and_notify_json(
    event_id: int, values: dict[str, Any], options: dict[str, Any]
) -> tuple[EventEdit, dict[str, Any]]:
    """Store a PATCH's edit and tell of it with its options (`notify_maybe`, ...), in one
    transaction under the event's lock (two saves at once are two rounds); the edit, and the
    update campaign or `{"approval", "preflight"}` when it waits for an owner."""
    audience = Audience(bool(options.get("notify_maybe")), bool(options.get("notify_unanswered")))
    edit, waiting, notified = approvals.edit_and_tell(
        event_id, values, audience, audit.current_actor()
    )
    if waiting is not None:
        return edit, waiting_json(waiting)
    assert notified is not None
    return edit, notified_json(notified)


def update_send(event_id: int, audience: Audience) -> approvals.Send:
    """An update of the event's latest change to this audience, as approvals read it."""
    options = {
        "include_maybe": audience.include_maybe,
        "include_unanswered": audience.include_unanswered,
    }
    return approvals.Send(event_id, MessageKind.UPDATE, options=options)


def waiting_json(outcome: approvals.Outcome) -> dict[str, Any]:
    """A request waiting for an owner, with the pre-flight it was submitted with."""
    assert outcome.approval is not None
    return {"approval": approvals.as_json(outcome.approval), "preflight": outcome.plan.to_json()}


@bp.get("/events/<int:event_id>/updates/preflight")
def preflight_update(event_id: int) -> Response:
    """How many an update of the event's latest change would reach, and its warnings."""
    audience = Audience(
        request.args.get("include_maybe") in TRUE, request.args.get("include_unanswered") in TRUE
    )
    plan, found = event_changes.explained_update(event_id, audience)
    event = event_changes.campaigns.event(event_id)
    told = event_changes.told_campaign(event)
    return jsonify(
        {
            **plan.to_json(),
            "reach": found.to_json(),
            "round": event.calendar_sequence,
            "already_told": told.id if told else None,
        }
    )


@bp.post("/events/<int:event_id>/updates")
def create_update(event_id: int) -> tuple[Response, int, dict[str, str]]:
    """Tell the guests of the event's latest change, once."""
    body = optional_json_object(("include_maybe", "include_unanswered"))
    audience = Audience(
        bool(optional_bool(body, "include_maybe")), bool(optional_bool(body, "include_unanswered"))
    )
    waiting = approvals.submit_if_needed(update_send(event_id, audience), audit.current_actor())
    if waiting is not None:
        assert waiting.approval is not None
        location = url_for("api.get_approval", approval_id=waiting.approval.id)
        return jsonify(waiting_json(waiting)), 202, {"Location": location}
    notified = event_changes.notify_change(event_id, audience)
    location = url_for("api.get_campaign", campaign_id=notified.campaign.id)
    status = 201 if notified.created else 200
    return jsonify(notified_json(notified)), status, {"Location": location}


@bp.post("/events/<int:event_id>/cancel")
def cancel_event(event_id: int) -> Response:
    """Cancel the event: withdraw what is queued and tell every invited guest, once."""
    body = optional_json_object(("notify",))
    notify = optional_bool(body, "notify") if "notify" in body else True
    canceled, waiting = approvals.cancel_event(event_id, bool(notify), audit.current_actor())
    cancellation = canceled.cancellation
    return jsonify(
        {
            **event_json(canceled.event),
            "already": canceled.already,
            "canceled_campaigns": canceled.campaigns,
            "withdrawn": canceled.withdrawn,
            "cancellation": campaign_json(cancellation) if cancellation else None,
            "approval": waiting_json(waiting)["approval"] if waiting else None,
        }
    )
