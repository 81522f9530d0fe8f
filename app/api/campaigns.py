"""Campaigns: create with a pre-flight check, read progress, pause, resume, cancel, retry.

- `GET /api/v1/events/<id>/campaigns/preflight` → the pre-flight of a campaign that would
  be created now, without creating it.
- `POST /api/v1/events/<id>/campaigns` → 201 `{"id", "state", "total", <a count per
  invitation state>, "delivery", "errors", "preflight": {...}}`; 409 when no guest is left
  to invite. The invitations go out on the workers; the request never waits on Twilio.
- `GET /api/v1/events/<id>/campaigns` → `{"campaigns": [...]}`, newest first.
- `GET /api/v1/campaigns/<id>` → the campaign with its counts (`pending`, `sending`,
  `accepted`, `failed`, `canceled`), `delivery` counts by provider status, the top
  `errors` (code, reason, count) and `progress` (share of invitations settled, 0-1).
- `POST /api/v1/campaigns/<id>/pause` (running), `/resume` (paused), `/cancel` (running or
  paused; `canceled_now` says how many invitations were withdrawn) and `/retry-failed` (any
  state but canceled; `requeued` and `skipped` counts: opted-out or unreachable guests stay
  failed) → the campaign. A transition from another state is a 409.
- `POST /api/v1/guests/<id>/invitation` → 202 with the invitation: one guest's invitation
  sent alone (new, or a failed or canceled one again); 409 when the guest opted out, cannot
  receive, or the invitation is already pending, being sent or accepted.

Unknown ids are 404; every error is JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from werkzeug.exceptions import Conflict, NotFound

from app.api import bp
from app.errors import json_error
from app.models import Campaign, Invitation, SendState
from app.services import campaigns
from app.services.campaign_status import campaign_status
from app.services.campaigns import ConflictError, NotFoundError


def campaign_json(campaign: Campaign, progress: dict[str, Any] | None = None) -> dict[str, Any]:
    """A campaign with its progress counts (read now unless given), from `campaign_status`."""
    status = campaign_status(campaign, progress, time_left=False)
    return {
        "id": status["id"],
        "event_id": status["event_id"],
        "state": status["state"],
        "total": campaign.total,
        **{state.value: status["states"].get(state.value, 0) for state in SendState},
        "progress": round(status["settled"] / campaign.total, 4) if campaign.total else 1.0,
        "delivery": status["delivery"],
        "errors": status["errors"],
        "rate_per_second": status["rate_per_second"],
        "created_at": status["created_at"],
        "finished_at": status["finished_at"],
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


@bp.get("/events/<int:event_id>/campaigns/preflight")
def preflight_campaign(event_id: int) -> Response:
    """Plan a campaign of the event without creating it."""
    plan = campaigns.preflight(event_id)
    return jsonify({**plan.to_json(), "estimate": campaigns.estimate_for_preflight().to_json()})


@bp.post("/events/<int:event_id>/campaigns")
def create_campaign(event_id: int) -> tuple[Response, int, dict[str, str]]:
    """Create a campaign over every eligible guest of the event and start sending."""
    campaign, plan = campaigns.create_campaign(event_id)
    body = {**campaign_json(campaign), "preflight": plan.to_json()}
    location = url_for("api.get_campaign", campaign_id=campaign.id)
    return jsonify(body), 201, {"Location": location}


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
