"""One serializer of a campaign's progress, for the dashboard, the API and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.models import Campaign, CampaignState, SendState
from app.services import campaigns
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
    CampaignState.SCHEDULED: ("cancel",),
    CampaignState.RUNNING: ("pause", "cancel"),
    CampaignState.PAUSED: ("resume", "cancel"),
    CampaignState.COMPLETED: (),
    CampaignState.CANCELED: (),
}


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, or None."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def campaign_status(
    campaign: Campaign, progress: dict[str, Any] | None = None, time_left: bool = True
) -> dict[str, Any]:
    """The campaign's state and counts: what the page shows, its script polls, the CLI prints
    and the API's JSON is made of.

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
        "kind": campaign.kind.value,
        "send_at": isoformat(campaign.send_at),
        "note": campaign.note,
        "total": total,
        "counts": counts,
        "settled": settled,
        "percent": round(100 * settled / total, 1) if total else 100.0,
        "percent_text": percent_text(settled, total) if total else "100%",
        "shares": {
            state: round(100 * counts[state] / total, 3) if total else 0 for state in counts
        },
        "funnel": funnel(counts["accepted"], progress["delivery"], total),
        # Per send state as stored (paused apart) and per delivery status, for the API.
        "states": dict(progress["counts"]),
        "delivery": progress["delivery"],
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
