"""Campaigns: the pre-flight and confirm step, live progress, and pause/resume/cancel/retry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from app.dashboard import bp
from app.dashboard.guests import require_event
from app.models import Campaign, CampaignState, SendState
from app.services import campaigns
from app.services.campaigns import ConflictError
from app.services.estimates import percent_text

SEND_STATES = ("pending", "sending", "accepted", "failed", "canceled")
SETTLED = ("accepted", "failed", "canceled")
# The delivery funnel of a campaign's invitations, from provider status reports.
FUNNEL = (
    ("accepted", "Accepted by Twilio"),
    ("delivered", "Delivered"),
    ("read", "Read"),
    ("not-delivered", "Not delivered"),
)
# What the organiser may do in each state (the service checks again under a row lock).
ACTIONS_BY_STATE = {
    CampaignState.RUNNING: ("pause", "cancel"),
    CampaignState.PAUSED: ("resume", "cancel"),
    CampaignState.COMPLETED: (),
    CampaignState.CANCELED: (),
}


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, or None."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def _pause(campaign_id: int) -> str:
    """Pause; say what happens to messages in flight."""
    campaigns.pause(campaign_id)
    return "Campaign paused. Messages already on their way still go out."


def _resume(campaign_id: int) -> str:
    """Resume."""
    campaigns.resume(campaign_id)
    return "Campaign resumed."


def _cancel(campaign_id: int) -> str:
    """Cancel; say how many invitations were withdrawn."""
    _, canceled = campaigns.cancel(campaign_id)
    return f"Campaign canceled: {canceled} invitations will not be sent."


def _retry_failed(campaign_id: int) -> str:
    """Retry the failed; say how many were requeued and how many stay failed."""
    _, requeued, skipped = campaigns.retry_failed(campaign_id)
    kept = f" {skipped} stay failed (opted out or not reachable)." if skipped else ""
    return f"{requeued} failed invitations queued again.{kept}"


CONTROLS: dict[str, Callable[[int], str]] = {
    "pause": _pause,
    "resume": _resume,
    "cancel": _cancel,
    "retry-failed": _retry_failed,
}


def campaign_status(
    campaign: Campaign, progress: dict[str, Any] | None = None, time_left: bool = True
) -> dict[str, Any]:
    """The campaign's state and counts, as the page shows them and the script polls them.

    `progress` is the campaign's entry of `campaigns.progresses` when the caller read many
    at once; else it is read here. `time_left` reads the campaign's recent rate (a query);
    a list of campaigns goes without.
    """
    if progress is None:
        progress = campaigns.progress(campaign.id)
    counts = {state: progress["counts"].get(state, 0) for state in SEND_STATES}
    # A paused campaign's invitations wait like pending ones; the page shows them so.
    counts["pending"] += progress["counts"].get(SendState.PAUSED.value, 0)
    total = campaign.total or sum(counts.values())
    settled = sum(counts[state] for state in SETTLED)
    actions = list(ACTIONS_BY_STATE.get(campaign.state, ()))
    if counts["failed"] and campaign.state is not CampaignState.CANCELED:
        actions.append("retry-failed")
    remaining = counts["pending"] + counts["sending"]
    running = campaign.state is CampaignState.RUNNING
    # Time left at the rate the provider has been accepting this campaign's messages (none
    # yet: no estimate, rather than the configured rate's wishful one).
    rate = campaigns.observed_rate(campaign.id) if time_left and running and remaining else None
    return {
        "id": campaign.id,
        "event_id": campaign.event_id,
        "state": campaign.state.value,
        "total": total,
        "counts": counts,
        "settled": settled,
        "percent": round(100 * settled / total, 1) if total else 100.0,
        "percent_text": percent_text(settled, total) if total else "100%",
        "shares": {
            state: round(100 * counts[state] / total, 3) if total else 0 for state in counts
        },
        "funnel": funnel(counts["accepted"], progress["delivery"], total),
        "errors": progress["errors"],
        "actions": actions,
        "rate_per_second": campaign.rate_per_second,
        "seconds_left": round(remaining / rate) if rate else None,
        "observed_rate_per_second": rate,
        "created_at": isoformat(campaign.created_at),
        "finished_at": isoformat(campaign.finished_at),
    }


def funnel(accepted: int, delivery: dict[str, int], total: int) -> list[dict[str, Any]]:
    """Accepted, then delivered, then read; and those the provider could not deliver."""
    read = delivery.get("read", 0)
    counts = {
        "accepted": accepted,
        "delivered": delivery.get("delivered", 0) + read,
        "read": read,
        "not-delivered": delivery.get("undelivered", 0) + delivery.get("failed", 0),
    }
    return [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "share": round(100 * counts[key] / total, 3) if total else 0.0,
        }
        for key, label in FUNNEL
    ]


@bp.get("/events/<int:event_id>/send")
def new_campaign(event_id: int) -> ResponseReturnValue:
    """Show the pre-flight of sending every guest not yet invited, with a confirm button."""
    event = require_event(event_id)
    plan = campaigns.preflight(event.id)
    estimate = campaigns.estimate_for_preflight()
    return render_template("dashboard/campaign_new.html", event=event, plan=plan, estimate=estimate)


@bp.post("/events/<int:event_id>/send")
def create_campaign(event_id: int) -> ResponseReturnValue:
    """Create the campaign (the workers send it) and open its progress page."""
    event = require_event(event_id)
    try:
        campaign, _ = campaigns.create_campaign(event.id)
    except ConflictError as error:
        flash(f"Nothing to send: {error}.", "error")
        return redirect(url_for("dashboard.event_page", event_id=event.id))
    flash(f"Sending {campaign.total} invitations.", "success")
    return redirect(url_for("dashboard.campaign_page", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>")
def campaign_page(campaign_id: int) -> ResponseReturnValue:
    """The campaign's progress (updated live by the page's script) and its controls."""
    campaign = campaigns.get_campaign(campaign_id)
    return render_template(
        "dashboard/campaign.html",
        campaign=campaign,
        status=campaign_status(campaign),
        event=campaign.event,
    )


@bp.get("/campaigns/<int:campaign_id>/progress.json")
def campaign_progress(campaign_id: int) -> ResponseReturnValue:
    """The campaign's state and counts as JSON, for the progress bar."""
    return jsonify(campaign_status(campaigns.get_campaign(campaign_id)))


@bp.post("/campaigns/<int:campaign_id>/<action>")
def control_campaign(campaign_id: int, action: str) -> ResponseReturnValue:
    """Pause, resume, cancel, or retry the failed invitations; then show the campaign."""
    control = CONTROLS.get(action)
    if control is None:
        raise NotFound(f"Campaigns can't be told to {action[:40]}.")
    try:
        flash(control(campaign_id), "success")
    except ConflictError as error:
        flash(f"Not done: {error}.", "error")
    return redirect(url_for("dashboard.campaign_page", campaign_id=campaign_id))
