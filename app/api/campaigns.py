"""Campaigns: create with a pre-flight check, read progress, pause, resume, cancel, retry.

- `GET /api/v1/events/<id>/campaigns/preflight` → the pre-flight of a campaign that would
  be created now, without creating it; its `reach` says in plain words what each language's
  guests would get (`languages`: `language`, `guests`, `outcome` — approved, fallback,
  waiting, rejected, plain or none — `sentence`, `template_language`, `in_window`,
  `reason`, `fix_language`) and its warnings without settings' names (`notes`).
- `POST /api/v1/events/<id>/campaigns` (optional body `{"send_at": ISO 8601}`; a time
  without an offset is in the event's zone) → 201 `{"id", "kind", "state", "send_at",
  "total", <a count per invitation state>, "delivery", "errors", "preflight": {...}}`; 409
  when no guest is left to invite; 400 for a `send_at` more than a minute past or more
  than a year ahead. With a future `send_at` the campaign is `scheduled`:
  the worker's sweep starts it then, checking its pre-flight again (its `total` is the
  audience at scheduling until it starts). The invitations go out on the workers; the
  request never waits on Twilio.
- `POST /api/v1/events/<id>/reminders` `{"hours_before"?: 24, "include_maybe"?: false}` →
  201, a `reminder` campaign scheduled `hours_before` the event's start (now, when that
  has passed) for the guests who confirmed (and "maybe"); 409 when the event has no start
  or has started, when it already has a reminder (scheduled, running or paused), or when no
  reminder template is configured (`TWILIO_REMINDER_CONTENT_SID`: WhatsApp rejects free
  text outside the 24-hour window).
- `POST /api/v1/events/<id>/followups` `{"after_days"?: 3}` → 201, a `followup` campaign
  that, until the event starts, sends one follow-up to each guest who has not answered
  `after_days` after their invitation was delivered (`TWILIO_FOLLOWUP_CONTENT_SID`, else
  409; one follow-up campaign at a time).
- `GET /api/v1/events/<id>/campaigns/preflight?kind=reminder&include_maybe=1`
  (or `kind=followup&after_days=`) plans a reminder or follow-up the same way.
- `POST /api/v1/campaigns/<id>/reschedule` `{"send_at"}` → a scheduled campaign moved (to
  now: it starts now); 409 unless it is scheduled.
- `GET /api/v1/events/<id>/campaigns` → `{"campaigns": [...]}`, newest first.
- `GET /api/v1/campaigns/<id>` → the campaign with its counts (`pending`, `sending`,
  `accepted`, `failed`, `canceled`), `delivery` counts by provider status, the top
  `errors` (code, reason, count) and `progress` (share of invitations settled, 0-1); for one
  that waits for WhatsApp's approval of a template, or did not start because WhatsApp
  rejected it, `held_by` names each (`language`, `status`: waiting or rejected, `reason`,
  `sentence`, `fix_language`: the Messages page's editor), else `[]`.
- `POST /api/v1/campaigns/<id>/pause` (running), `/resume` (paused), `/cancel` (scheduled,
  running or paused; `canceled_now` says how many invitations were withdrawn) and
  `/retry-failed` (any state but canceled; `requeued` and `skipped` counts: opted-out or
  unreachable guests stay failed) → the campaign. A transition from another state is a 409.
- `POST /api/v1/guests/<id>/invitation` → 202 with the invitation: one guest's invitation
  sent alone (new, or a failed or canceled one again); 409 when the guest opted out, cannot
  receive, or the invitation is already pending, being sent or accepted.
- An organiser's campaign of any of these kinds to more guests than the event's
  `approval_above` (else `APPROVAL_ABOVE`) is a 202 with a request waiting for an owner
  (`app.api.approvals`), not a campaign.

Unknown ids are 404; every error is JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify, request, url_for
from werkzeug.exceptions import BadRequest, Conflict, NotFound

from app.api import bp
from app.api.validation import (
    json_object,
    optional_bool,
    optional_datetime,
    optional_json_object,
    optional_number,
    parse_datetime,
    zone_of,
)
from app.errors import json_error
from app.models import Campaign, Invitation, MessageKind, SendState
from app.services import approvals, audit, campaigns, reach
from app.services.campaign_status import campaign_status
from app.services.campaigns import CampaignError, ConflictError, NotFoundError


def campaign_json(campaign: Campaign, progress: dict[str, Any] | None = None) -> dict[str, Any]:
    """A campaign with its progress counts (read now unless given), from `campaign_status`."""
    status = campaign_status(campaign, progress, time_left=False)
    return {
        "id": status.id,
        "event_id": status.event_id,
        "kind": status.kind,
        "state": status.state,
        "send_at": status.send_at,
        "include_maybe": campaign.include_maybe,
        "include_unanswered": campaign.include_unanswered,
        "round": campaign.round,  # an update's: the change it tells of
        "hours_before": campaign.lead_seconds / 3600 if campaign.lead_seconds else None,
        "after_days": campaign.after_seconds / 86400 if campaign.after_seconds else None,
        "note": status.note,
        "total": campaign.total,
        **{state.value: status.states.get(state.value, 0) for state in SendState},
        "progress": round(status.settled / campaign.total, 4) if campaign.total else 1.0,
        "delivery": status.delivery,
        "errors": status.errors,
        "rate_per_second": status.rate_per_second,
        "created_at": status.created_at,
        "finished_at": status.finished_at,
        # A scheduled or refused one's templates not approved by WhatsApp (no query otherwise).
        "held_by": [hold.to_json() for hold in reach.holds(campaign)],
    }


def invitation_json(invitation: Invitation) -> dict[str, Any]:
    """One invitation's sending state."""
    return {
        "id": invitation.id,
        "guest_id": invitation.guest_id,
        "event_id": invitation.event_id,
        "campaign_id": invitation.campaign_id,
        "send_state": invitation.send_state.value,
        "message_sid": invitation.message_sid,
        "delivery_status": invitation.delivery_status.value if invitation.delivery_status else None,
        "error_code": invitation.error_code,
        "error_reason": invitation.error_reason,
    }


@bp.errorhandler(NotFoundError)
def not_found(error: NotFoundError) -> tuple[Response, int]:
    """Unknown event, campaign or guest: 404 JSON."""
    return json_error(NotFound(str(error)))


@bp.errorhandler(ConflictError)
def conflict(error: ConflictError) -> tuple[Response, int]:
    """An invalid transition, or nothing to send: 409 JSON."""
    return json_error(Conflict(str(error)))


@bp.errorhandler(CampaignError)
def invalid(error: CampaignError) -> tuple[Response, int]:
    """A value out of range (a time too far ahead, a negative delay): 400 JSON."""
    return json_error(BadRequest(str(error)))


@bp.get("/events/<int:event_id>/campaigns/preflight")
def preflight_campaign(event_id: int) -> Response:
    """Plan a campaign (`?kind=invitation|reminder|followup`) of the event without creating it."""
    target = campaigns.target(
        event_id,
        request.args.get("kind", MessageKind.INVITATION),
        include_maybe=request.args.get("include_maybe") in TRUE,
        after_days=query_number("after_days") if request.args.get("after_days") else None,
    )
    plan, found = reach.explained(event_id, target)
    estimate = campaigns.estimate_for_preflight().to_json()
    return jsonify({**plan.to_json(), "estimate": estimate, "reach": found.to_json()})


TRUE = {"1", "true", "yes", "on"}


def query_number(name: str) -> float:
    """A number query parameter."""
    try:
        return optional_number({name: float(request.args[name])}, name, 0.0)
    except ValueError:
        raise BadRequest(f"{name!r} must be a number") from None


@bp.post("/events/<int:event_id>/campaigns")
def create_campaign(event_id: int) -> tuple[Response, int, dict[str, str]]:
    """Create a campaign over every eligible guest of the event: now, or at `send_at`."""
    body = optional_json_object(("send_at",))
    send_at = optional_datetime(body, "send_at", event_zone(event_id)) if body else None
    return answered(approvals.Send(event_id, send_at=send_at))


@bp.post("/events/<int:event_id>/reminders")
def create_reminder(event_id: int) -> tuple[Response, int, dict[str, str]]:
    """Schedule the event's reminder to the guests who confirmed."""
    body = optional_json_object(("hours_before", "include_maybe"))
    hours = optional_number(body, "hours_before", campaigns.DEFAULT_REMINDER_HOURS)
    maybe = bool(optional_bool(body, "include_maybe"))
    options = {"hours_before": hours, "include_maybe": maybe}
    return answered(approvals.Send(event_id, MessageKind.REMINDER, options=options))


@bp.post("/events/<int:event_id>/followups")
def create_followup(event_id: int) -> tuple[Response, int, dict[str, str]]:
    """Follow up the guests who have not answered, some days after delivery."""
    body = optional_json_object(("after_days",))
    days = optional_number(body, "after_days", campaigns.DEFAULT_FOLLOWUP_DAYS)
    options = {"after_days": days}
    return answered(approvals.Send(event_id, MessageKind.FOLLOWUP, options=options))


@bp.post("/events/<int:event_id>/thanks")
def create_thanks(event_id: int) -> tuple[Response, int, dict[str, str]]:
    """Thank the guests who checked in, once the event has started (or at `send_at`)."""
    return answered(approvals.Send(event_id, MessageKind.THANKS, after_send_at()))


@bp.post("/events/<int:event_id>/missed")
def create_missed(event_id: int) -> tuple[Response, int, dict[str, str]]:
    """Tell the confirmed guests who did not come that they were missed (after the start)."""
    return answered(approvals.Send(event_id, MessageKind.MISSED, after_send_at()))


def after_send_at() -> datetime | None:
    """The optional `send_at` of an after-event campaign, read in its event's zone."""
    body = optional_json_object(("send_at",))
    event_id = int((request.view_args or {})["event_id"])
    return optional_datetime(body, "send_at", event_zone(event_id)) if body.get("send_at") else None


def answered(send: approvals.Send) -> tuple[Response, int, dict[str, str]]:
    """201 with the campaign created, or 202 with the request waiting for an owner."""
    outcome = approvals.create_or_submit(send, audit.current_actor())
    if outcome.campaign is None:
        return submitted(outcome)
    return created(outcome.campaign, outcome.plan)


def created(campaign: Campaign, plan: campaigns.Preflight) -> tuple[Response, int, dict[str, str]]:
    """201 with the new campaign, its pre-flight and its `Location`."""
    body = {**campaign_json(campaign), "preflight": plan.to_json()}
    location = url_for("api.get_campaign", campaign_id=campaign.id)
    return jsonify(body), 201, {"Location": location}


def submitted(outcome: approvals.Outcome) -> tuple[Response, int, dict[str, str]]:
    """202 with the request waiting for an owner, and the pre-flight it was submitted with."""
    assert outcome.approval is not None
    body = {"approval": approvals.as_json(outcome.approval), "preflight": outcome.plan.to_json()}
    location = url_for("api.get_approval", approval_id=outcome.approval.id)
    return jsonify(body), 202, {"Location": location}


def event_zone(event_id: int) -> Any:
    """The zone a `send_at` without an offset is read in: the event's."""
    return zone_of(campaigns.event(event_id).time_zone)


@bp.post("/campaigns/<int:campaign_id>/reschedule")
def reschedule_campaign(campaign_id: int) -> Response:
    """Move a scheduled campaign to another time."""
    body = json_object(("send_at",))
    campaign = campaigns.get_campaign(campaign_id)
    if not isinstance(body.get("send_at"), str):
        raise BadRequest("'send_at' is required: an ISO 8601 date-time")
    send_at = parse_datetime(body["send_at"], "send_at", zone_of(campaign.event.time_zone))
    return jsonify(campaign_json(campaigns.reschedule(campaign_id, send_at)))


@bp.get("/events/<int:event_id>/campaigns")
def list_campaigns(event_id: int) -> Response:
    """The event's campaigns, newest first."""
    found = campaigns.list_campaigns(event_id)
    progress = campaigns.progresses([campaign.id for campaign in found])
    return jsonify(campaigns=[campaign_json(c, progress[c.id]) for c in found])


@bp.get("/campaigns/<int:campaign_id>")
def get_campaign(campaign_id: int) -> Response:
    """The campaign's state and counts."""
    campaign = campaigns.get_campaign(campaign_id)
    return jsonify(campaign_json(campaign))


@bp.post("/campaigns/<int:campaign_id>/pause")
def pause_campaign(campaign_id: int) -> Response:
    """Stop sending (within a second or two); requests in flight finish."""
    campaign = campaigns.pause(campaign_id)
    return jsonify(campaign_json(campaign))


@bp.post("/campaigns/<int:campaign_id>/resume")
def resume_campaign(campaign_id: int) -> Response:
    """Send a paused campaign's remaining invitations."""
    campaign = campaigns.resume(campaign_id)
    return jsonify(campaign_json(campaign))


@bp.post("/campaigns/<int:campaign_id>/cancel")
def cancel_campaign(campaign_id: int) -> Response:
    """Withdraw every invitation not yet sent."""
    campaign, canceled = campaigns.cancel(campaign_id)
    return jsonify({**campaign_json(campaign), "canceled_now": canceled})


@bp.post("/campaigns/<int:campaign_id>/retry-failed")
def retry_failed(campaign_id: int) -> Response:
    """Queue the campaign's failed invitations again."""
    campaign, requeued, skipped = campaigns.retry_failed(campaign_id)
    return jsonify({**campaign_json(campaign), "requeued": requeued, "skipped": skipped})


@bp.post("/guests/<int:guest_id>/invitation")
def send_invitation(guest_id: int) -> tuple[Response, int]:
    """Send one guest's invitation alone."""
    invitation = campaigns.send_invitation(guest_id)
    return jsonify(invitation_json(invitation)), 202
