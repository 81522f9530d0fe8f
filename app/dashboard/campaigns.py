"""Campaigns: the pre-flight and confirm step, live progress, and pause/resume/cancel/retry."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from app.dashboard import bp
from app.dashboard.guests import require_event
from app.services import campaigns
from app.services.campaign_status import campaign_status
from app.services.campaigns import ConflictError


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
